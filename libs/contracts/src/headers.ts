/**
 * Kafka record headers of the TelcoMesh envelope: CloudEvents 1.0 attributes in Kafka
 * binary content mode (`ce_*`), W3C trace context, a retry count, and the headers a
 * dead-lettered record carries. Header values are UTF-8 strings on the wire.
 */

/** CloudEvents spec version written in `ce_specversion`. */
export const CE_SPEC_VERSION = '1.0';

/** Content type of every record value: a binary-encoded Protobuf message. */
export const PROTOBUF_CONTENT_TYPE = 'application/protobuf';

/** Names of the envelope headers every record carries (or may carry, see {@link EnvelopeHeaders}). */
export const HeaderNames = {
  /** Unique event id (UUID); consumers deduplicate on it. */
  CeId: 'ce_id',
  /** Event type from the topic registry, e.g. `telcomesh.telemetry.event.v1`. */
  CeType: 'ce_type',
  /** Producing app as a URI reference, e.g. `/telcomesh/ingestor` (see `ceSourceOf`). */
  CeSource: 'ce_source',
  /** When the event happened, RFC 3339 UTC, e.g. `2024-01-15T10:30:00.000Z`. */
  CeTime: 'ce_time',
  /** Tenant the event belongs to; absent for platform-wide events. */
  CeTenant: 'ce_tenant',
  /** Always {@link CE_SPEC_VERSION}. */
  CeSpecVersion: 'ce_specversion',
  /** Always {@link PROTOBUF_CONTENT_TYPE}. */
  ContentType: 'content-type',
  /** W3C trace context of the producing span. */
  Traceparent: 'traceparent',
  /** W3C vendor trace state, forwarded as received. */
  Tracestate: 'tracestate',
  /** How many times this record was already re-delivered after a handler failure (decimal). */
  RetryCount: 'x-retry-count',
} as const;

/** Names of the headers added when a record is moved to `<topic>.dlq` (the envelope is kept). */
export const DlqHeaderNames = {
  /** Why it was dead-lettered: `<DlqReasonCode>` or `<DlqReasonCode>: <detail>`. */
  Reason: 'x-dlq-reason',
  /** Topic the record was consumed from. */
  OriginalTopic: 'x-dlq-original-topic',
  /** Partition it was consumed from (decimal). */
  OriginalPartition: 'x-dlq-original-partition',
  /** Offset it was consumed from (decimal). */
  OriginalOffset: 'x-dlq-original-offset',
  /** When it was dead-lettered, RFC 3339 UTC. */
  FailedAt: 'x-dlq-failed-at',
  /** Consumer group that failed to process it. */
  ConsumerGroup: 'x-dlq-consumer-group',
} as const;

export type EnvelopeHeaderName = (typeof HeaderNames)[keyof typeof HeaderNames];
export type DlqHeaderName = (typeof DlqHeaderNames)[keyof typeof DlqHeaderNames];

/** Envelope headers as a typed object; keys are the wire header names. */
export interface EnvelopeHeaders {
  readonly ce_id: string;
  readonly ce_type: string;
  readonly ce_source: string;
  readonly ce_time: string;
  readonly ce_tenant?: string;
  readonly ce_specversion: typeof CE_SPEC_VERSION;
  readonly 'content-type': typeof PROTOBUF_CONTENT_TYPE;
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** Decimal string; absent means 0. */
  readonly 'x-retry-count'?: string;
}

/** Headers of a record in `<topic>.dlq`: the original envelope plus the DLQ headers. */
export interface DlqHeaders extends EnvelopeHeaders {
  readonly 'x-dlq-reason': string;
  readonly 'x-dlq-original-topic': string;
  readonly 'x-dlq-original-partition': string;
  readonly 'x-dlq-original-offset': string;
  readonly 'x-dlq-failed-at': string;
  readonly 'x-dlq-consumer-group': string;
}

/** Machine-readable first part of `x-dlq-reason`. */
export const DlqReasonCodes = {
  /** The value is not a valid message of the topic's schema; never retried. */
  DecodeFailed: 'DECODE_FAILED',
  /** Envelope headers are missing or invalid; never retried. */
  InvalidEnvelope: 'INVALID_ENVELOPE',
  /** The handler kept failing until the retry budget ran out. */
  RetriesExhausted: 'RETRIES_EXHAUSTED',
  /** The handler failed with an error it marked as not retryable. */
  NonRetryable: 'NON_RETRYABLE',
} as const;

export type DlqReasonCode = (typeof DlqReasonCodes)[keyof typeof DlqReasonCodes];

/** Formats `x-dlq-reason`: the code, then `: ` and a one-line detail (newlines collapsed). */
export function formatDlqReason(code: DlqReasonCode, detail?: string): string {
  const oneLine = (detail ?? '').replace(/\s+/g, ' ').trim();
  return oneLine === '' ? code : `${code}: ${oneLine}`;
}

/** Splits `x-dlq-reason` back into its code and detail; unknown codes are returned as-is. */
export function parseDlqReason(value: string): { code: string; detail: string } {
  const at = value.indexOf(': ');
  return at < 0
    ? { code: value.trim(), detail: '' }
    : { code: value.slice(0, at).trim(), detail: value.slice(at + 2) };
}
