import { randomUUID } from 'node:crypto';
import {
  buildEnvelopeHeaders,
  DlqHeaderNames,
  HeaderNames,
  readEnvelopeHeaders,
  type EnvelopeHeaders,
} from '@telcomesh/contracts';
import { injectTraceHeaders } from '@telcomesh/observability';
import type { MessageHeaders } from './transport';

/** Wire names of the envelope and DLQ headers (defined once, in @telcomesh/contracts). */
export const Header = {
  id: HeaderNames.CeId,
  type: HeaderNames.CeType,
  source: HeaderNames.CeSource,
  time: HeaderNames.CeTime,
  tenant: HeaderNames.CeTenant,
  traceparent: HeaderNames.Traceparent,
  retryCount: HeaderNames.RetryCount,
  dlqReason: DlqHeaderNames.Reason,
  dlqOriginalTopic: DlqHeaderNames.OriginalTopic,
  dlqOriginalPartition: DlqHeaderNames.OriginalPartition,
  dlqOriginalOffset: DlqHeaderNames.OriginalOffset,
  dlqFailedAt: DlqHeaderNames.FailedAt,
  dlqConsumerGroup: DlqHeaderNames.ConsumerGroup,
} as const;

export type { EnvelopeHeaders };

export interface EnvelopeInit {
  /** Producing app as a URI reference (`ceSourceOf(app)`). */
  source: string;
  tenant?: string;
  /** Stable id when the event derives from something that already has one (keeps retries idempotent). */
  id?: string;
  time?: Date;
}

/** Envelope headers of a new event on `topic`, carrying the active trace context. */
export function envelopeHeaders(
  topic: { name: string; ceType: string },
  init: EnvelopeInit,
): MessageHeaders {
  const trace: Record<string, string> = {};
  injectTraceHeaders(trace);
  return buildEnvelopeHeaders(topic, {
    id: init.id ?? randomUUID(),
    source: init.source,
    tenant: init.tenant,
    time: init.time,
    traceparent: trace.traceparent,
    tracestate: trace.tracestate,
  });
}

/** Reads and checks a consumed record's envelope; throws ContractEnvelopeError (→ DLQ) when invalid. */
export function readEnvelope(
  topic: { name: string; ceType: string },
  headers: MessageHeaders,
): EnvelopeHeaders {
  return readEnvelopeHeaders(topic, headers);
}
