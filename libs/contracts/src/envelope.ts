/**
 * Builds and checks the envelope headers of a record (see `headers.ts` for the names).
 * Pure functions: the messaging lib calls them when it produces and consumes.
 */
import { ContractEnvelopeError } from './errors';
import { CE_SPEC_VERSION, PROTOBUF_CONTENT_TYPE } from './headers';
import type { EnvelopeHeaders } from './headers';

/** What the producer knows about an event; the rest of the envelope comes from the topic. */
export interface EnvelopeAttributes {
  /** `ce_id`: unique event id (UUID). Re-publishing the same event reuses the same id. */
  readonly id: string;
  /** `ce_source`: the producing app, normally `ceSourceOf(app)`. */
  readonly source: string;
  /** `ce_time`: when the event happened; defaults to now. */
  readonly time?: Date;
  /** `ce_tenant`: omit for platform-wide events. */
  readonly tenant?: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** `x-retry-count`; omitted when 0. */
  readonly retryCount?: number;
}

/** Envelope headers as the plain string map a Kafka record carries. */
export type EnvelopeHeaderRecord = EnvelopeHeaders & Record<string, string>;

/** Builds the envelope headers of a record for a topic (`ce_type` comes from the registry). */
export function buildEnvelopeHeaders(
  topic: { readonly name: string; readonly ceType: string },
  attributes: EnvelopeAttributes,
): EnvelopeHeaderRecord {
  const problems: string[] = [];
  if (attributes.id === '') problems.push('ce_id is empty');
  if (attributes.source === '') problems.push('ce_source is empty');
  const time = attributes.time ?? new Date();
  if (Number.isNaN(time.getTime())) problems.push('ce_time is an invalid date');
  const retries = attributes.retryCount ?? 0;
  if (!Number.isInteger(retries) || retries < 0) problems.push('x-retry-count must be >= 0');
  if (problems.length > 0) throw new ContractEnvelopeError(topic.name, problems);

  const headers: Record<string, string> = {
    ce_id: attributes.id,
    ce_type: topic.ceType,
    ce_source: attributes.source,
    ce_time: time.toISOString(),
    ce_specversion: CE_SPEC_VERSION,
    'content-type': PROTOBUF_CONTENT_TYPE,
  };
  if (attributes.tenant !== undefined && attributes.tenant !== '') {
    headers.ce_tenant = attributes.tenant;
  }
  if (attributes.traceparent !== undefined) headers.traceparent = attributes.traceparent;
  if (attributes.tracestate !== undefined) headers.tracestate = attributes.tracestate;
  if (retries > 0) headers['x-retry-count'] = String(retries);
  return headers as EnvelopeHeaderRecord;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads and checks the envelope of a consumed record.
 * @throws ContractEnvelopeError listing every problem (missing or wrong header, a `ce_type`
 *   that is not the topic's). Such a record goes to the DLQ with reason `INVALID_ENVELOPE`.
 */
export function readEnvelopeHeaders(
  topic: { readonly name: string; readonly ceType: string },
  headers: Readonly<Record<string, string | undefined>>,
): EnvelopeHeaders {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = headers[name];
    if (value === undefined || value === '') problems.push(`${name} is missing`);
    return value ?? '';
  };
  const id = required('ce_id');
  const type = required('ce_type');
  const source = required('ce_source');
  const time = required('ce_time');
  const specVersion = required('ce_specversion');
  const contentType = required('content-type');
  if (type !== '' && type !== topic.ceType) {
    problems.push(`ce_type is "${type}", topic carries "${topic.ceType}"`);
  }
  if (time !== '' && !(RFC3339.test(time) && !Number.isNaN(Date.parse(time)))) {
    problems.push(`ce_time "${time}" is not an RFC 3339 timestamp`);
  }
  if (specVersion !== '' && specVersion !== CE_SPEC_VERSION) {
    problems.push(`ce_specversion is "${specVersion}", expected "${CE_SPEC_VERSION}"`);
  }
  if (contentType !== '' && contentType !== PROTOBUF_CONTENT_TYPE) {
    problems.push(`content-type is "${contentType}", expected "${PROTOBUF_CONTENT_TYPE}"`);
  }
  const retryCount = headers['x-retry-count'];
  if (retryCount !== undefined && !/^\d+$/.test(retryCount)) {
    problems.push(`x-retry-count "${retryCount}" is not a non-negative integer`);
  }
  if (problems.length > 0) throw new ContractEnvelopeError(topic.name, problems);

  return {
    ce_id: id,
    ce_type: type,
    ce_source: source,
    ce_time: time,
    ce_specversion: CE_SPEC_VERSION,
    'content-type': PROTOBUF_CONTENT_TYPE,
    ...optional('ce_tenant', headers.ce_tenant),
    ...optional('traceparent', headers.traceparent),
    ...optional('tracestate', headers.tracestate),
    ...optional('x-retry-count', retryCount),
  };
}

/** `x-retry-count` as a number (0 when absent or malformed). */
export function retryCountOf(headers: Readonly<Record<string, string | undefined>>): number {
  const value = headers['x-retry-count'];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
}

function optional<K extends string>(name: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined || value === '' ? {} : ({ [name]: value } as { [P in K]?: string });
}
