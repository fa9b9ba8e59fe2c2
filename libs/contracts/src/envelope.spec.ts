import { buildEnvelopeHeaders, readEnvelopeHeaders, retryCountOf } from './envelope';
import { ContractEnvelopeError } from './errors';
import {
  CE_SPEC_VERSION,
  DlqHeaderNames,
  DlqReasonCodes,
  formatDlqReason,
  HeaderNames,
  parseDlqReason,
  PROTOBUF_CONTENT_TYPE,
} from './headers';
import { ceSourceOf, Topics } from './topics';

describe('header names', () => {
  it('are the wire names of the envelope', () => {
    expect(Object.values(HeaderNames)).toEqual([
      'ce_id',
      'ce_type',
      'ce_source',
      'ce_time',
      'ce_tenant',
      'ce_specversion',
      'content-type',
      'traceparent',
      'tracestate',
      'x-retry-count',
    ]);
    expect(Object.values(DlqHeaderNames)).toEqual([
      'x-dlq-reason',
      'x-dlq-original-topic',
      'x-dlq-original-partition',
      'x-dlq-original-offset',
      'x-dlq-failed-at',
      'x-dlq-consumer-group',
    ]);
    expect(CE_SPEC_VERSION).toBe('1.0');
    expect(PROTOBUF_CONTENT_TYPE).toBe('application/protobuf');
  });
});

describe('DLQ reason', () => {
  it('formats and parses code and detail', () => {
    const reason = formatDlqReason(DlqReasonCodes.DecodeFailed, 'invalid wire type 7\n at 0');
    expect(reason).toBe('DECODE_FAILED: invalid wire type 7 at 0');
    expect(parseDlqReason(reason)).toEqual({
      code: 'DECODE_FAILED',
      detail: 'invalid wire type 7 at 0',
    });
    expect(formatDlqReason(DlqReasonCodes.RetriesExhausted)).toBe('RETRIES_EXHAUSTED');
    expect(parseDlqReason('RETRIES_EXHAUSTED')).toEqual({ code: 'RETRIES_EXHAUSTED', detail: '' });
  });
});

describe('envelope', () => {
  const time = new Date('2024-01-15T10:30:00Z');
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('builds the headers of a record from the topic and the event attributes', () => {
    const headers = buildEnvelopeHeaders(Topics.TelemetryEvents, {
      id: 'e-1',
      source: ceSourceOf('ingestor'),
      time,
      tenant: 'tenant-a',
      traceparent,
      retryCount: 2,
    });
    expect(headers).toEqual({
      ce_id: 'e-1',
      ce_type: 'telcomesh.telemetry.event.v1',
      ce_source: '/telcomesh/ingestor',
      ce_time: '2024-01-15T10:30:00.000Z',
      ce_tenant: 'tenant-a',
      ce_specversion: '1.0',
      'content-type': 'application/protobuf',
      traceparent,
      'x-retry-count': '2',
    });
    expect(readEnvelopeHeaders(Topics.TelemetryEvents, headers)).toEqual(headers);
    expect(retryCountOf(headers)).toBe(2);
  });

  it('omits optional headers that are not set', () => {
    const headers = buildEnvelopeHeaders(Topics.Audit, { id: 'a-1', source: '/telcomesh/gateway' });
    expect(Object.keys(headers).sort()).toEqual(
      ['ce_id', 'ce_source', 'ce_specversion', 'ce_time', 'ce_type', 'content-type'].sort(),
    );
    expect(retryCountOf(headers)).toBe(0);
  });

  it('refuses to build an envelope without id or source', () => {
    expect(() => buildEnvelopeHeaders(Topics.Audit, { id: '', source: '' })).toThrow(
      ContractEnvelopeError,
    );
  });

  it('lists every problem of a bad envelope, naming the topic', () => {
    expect.assertions(3);
    try {
      readEnvelopeHeaders(Topics.ItsmTickets, {
        ce_type: 'telcomesh.telemetry.event.v1',
        ce_time: 'yesterday',
        ce_specversion: '0.3',
        'content-type': 'application/json',
        'x-retry-count': '-1',
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ContractEnvelopeError);
      expect((error as ContractEnvelopeError).topic).toBe('itsm.tickets.v1');
      expect((error as ContractEnvelopeError).problems).toEqual([
        'ce_id is missing',
        'ce_source is missing',
        'ce_type is "telcomesh.telemetry.event.v1", topic carries "telcomesh.itsm.ticket.v1"',
        'ce_time "yesterday" is not an RFC 3339 timestamp',
        'ce_specversion is "0.3", expected "1.0"',
        'content-type is "application/json", expected "application/protobuf"',
        'x-retry-count "-1" is not a non-negative integer',
      ]);
    }
  });
});
