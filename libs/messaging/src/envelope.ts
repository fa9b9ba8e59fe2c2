import { randomUUID } from 'node:crypto';
import { injectTraceHeaders } from '@telcomesh/observability';
import type { MessageHeaders } from './transport';

/** CloudEvents (Kafka protocol binding, binary mode) attributes plus W3C trace context. */
export const Header = {
  id: 'ce_id',
  type: 'ce_type',
  source: 'ce_source',
  time: 'ce_time',
  tenant: 'ce_tenant',
  specVersion: 'ce_specversion',
  contentType: 'content-type',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  retryCount: 'x-retry-count',
  dlqReason: 'x-dlq-reason',
  dlqOriginalTopic: 'x-dlq-original-topic',
  dlqOriginalPartition: 'x-dlq-original-partition',
  dlqOriginalOffset: 'x-dlq-original-offset',
  dlqFailedAt: 'x-dlq-failed-at',
  dlqConsumerGroup: 'x-dlq-consumer-group',
} as const;

export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

/** What a handler learns about an event besides its payload. */
export interface EventEnvelope {
  id: string;
  type: string;
  source: string;
  time: string;
  tenant: string;
  traceparent?: string;
}

export interface EnvelopeInit {
  type: string;
  source: string;
  tenant: string;
  /** Stable id when the event derives from something that already has one (keeps retries idempotent). */
  id?: string;
  time?: Date;
}

/** Builds the headers of a new event, carrying the active trace. */
export function envelopeHeaders(init: EnvelopeInit): MessageHeaders {
  const headers: MessageHeaders = {
    [Header.id]: init.id ?? randomUUID(),
    [Header.type]: init.type,
    [Header.source]: init.source,
    [Header.time]: (init.time ?? new Date()).toISOString(),
    [Header.tenant]: init.tenant,
    [Header.specVersion]: '1.0',
    [Header.contentType]: PROTOBUF_CONTENT_TYPE,
  };
  injectTraceHeaders(headers);
  return headers;
}

export class EnvelopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvelopeError';
  }
}

/** Reads and checks the envelope; a record without one is poison. */
export function readEnvelope(headers: MessageHeaders): EventEnvelope {
  const missing = [Header.id, Header.type, Header.source, Header.time, Header.tenant].filter((h) => !headers[h]);
  if (missing.length > 0) throw new EnvelopeError(`missing envelope header(s): ${missing.join(', ')}`);
  const contentType = headers[Header.contentType];
  if (contentType && contentType !== PROTOBUF_CONTENT_TYPE) {
    throw new EnvelopeError(`unsupported content-type "${contentType}", expected ${PROTOBUF_CONTENT_TYPE}`);
  }
  return {
    id: headers[Header.id],
    type: headers[Header.type],
    source: headers[Header.source],
    time: headers[Header.time],
    tenant: headers[Header.tenant],
    traceparent: headers[Header.traceparent],
  };
}
