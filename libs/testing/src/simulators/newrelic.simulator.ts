import { randomBytes, randomUUID } from 'node:crypto';
import {
  header,
  isRecord,
  parseJson,
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface NewRelicReceivedEvent {
  eventType: string;
  timestamp?: number;
  attributes: Record<string, string | number | boolean>;
}

export interface NewRelicSimulatorOptions extends SimulatorOptions {
  accountId?: string;
  /** License key accepted in `Api-Key` (random by default). */
  licenseKey?: string;
  /** Insert key accepted in `X-Insert-Key` (random by default). */
  insertKey?: string;
}

/** Event API limits (docs.newrelic.com, "Event API: limits and restricted characters"). */
const MAX_PAYLOAD_BYTES = 1_000_000;
const MAX_ATTRIBUTES = 255;
const MAX_NAME = 255;
const MAX_STRING = 4096;
const EVENT_TYPE = /^[A-Za-z0-9_:]{1,255}$/;

/** Why New Relic would drop this event (it reports it later as an NrIntegrationError), if it would. */
export function newRelicEventProblem(event: unknown): string | undefined {
  if (!isRecord(event)) return 'event is not an object';
  if (typeof event.eventType !== 'string' || !EVENT_TYPE.test(event.eventType))
    return 'eventType is missing or invalid';
  if (event.timestamp !== undefined && typeof event.timestamp !== 'number')
    return 'timestamp must be a number';
  const entries = Object.entries(event);
  if (entries.length > MAX_ATTRIBUTES) return `more than ${MAX_ATTRIBUTES} attributes`;
  for (const [name, value] of entries) {
    if (name.length > MAX_NAME) return `attribute name longer than ${MAX_NAME}`;
    if (typeof value === 'string') {
      if (value.length > MAX_STRING) return `attribute ${name} longer than ${MAX_STRING}`;
    } else if (typeof value !== 'number' && typeof value !== 'boolean')
      return `attribute ${name} is not a string, number or boolean`;
  }
  return undefined;
}

/**
 * New Relic Event API (https://docs.newrelic.com/docs/data-apis/ingest-apis/event-api/introduction-event-api/):
 * `POST /v1/accounts/{accountId}/events` with `Api-Key` (license) or `X-Insert-Key`, a JSON array
 * of events (or one object). 200 `{"success":true,"uuid":…}` once the payload is accepted; like the
 * real collector, events that break the limits are dropped afterwards and listed in
 * `integrationErrors` (New Relic's NrIntegrationError). 403 bad key/account, 413 over 1 MB,
 * 415 not JSON, 400 unparseable.
 */
export class NewRelicSimulator extends SimulatorServer<NewRelicReceivedEvent> {
  readonly accountId: string;
  readonly licenseKey: string;
  readonly insertKey: string;
  readonly integrationErrors: string[] = [];

  constructor(options: NewRelicSimulatorOptions = {}) {
    super(options);
    this.accountId = options.accountId ?? '1234567';
    this.licenseKey = options.licenseKey ?? `${randomBytes(18).toString('hex')}NRAL`;
    this.insertKey = options.insertKey ?? `NRII-${randomBytes(16).toString('hex')}`;
  }

  override reset(): void {
    super.reset();
    this.integrationErrors.length = 0;
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: { success: false, error: status === 429 ? 'Too Many Requests' : 'Service Unavailable' },
    };
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    const match = /^\/v1\/accounts\/(\d+)\/events$/.exec(request.path);
    if (!match) return { status: 404, body: { success: false, error: 'Not Found' } };
    if (request.method !== 'POST')
      return { status: 405, body: { success: false, error: 'Method Not Allowed' } };
    const licensed = header(request, 'api-key') === this.licenseKey;
    const inserted = header(request, 'x-insert-key') === this.insertKey;
    if ((!licensed && !inserted) || match[1] !== this.accountId)
      return {
        status: 403,
        body: { success: false, error: 'Forbidden: invalid API key or account' },
      };
    if (!(header(request, 'content-type') ?? '').startsWith('application/json'))
      return { status: 415, body: { success: false, error: 'Unsupported Media Type' } };
    if (Buffer.byteLength(request.body, 'utf8') > MAX_PAYLOAD_BYTES)
      return { status: 413, body: { success: false, error: 'Payload Too Large' } };
    const payload = parseJson(request.body);
    if (payload === undefined || !(Array.isArray(payload) || isRecord(payload)))
      return { status: 400, body: { success: false, error: 'Invalid JSON' } };
    const events: unknown[] = Array.isArray(payload) ? payload : [payload];
    for (const event of events) {
      const problem = newRelicEventProblem(event);
      if (problem || !isRecord(event)) {
        this.integrationErrors.push(problem ?? 'invalid event');
        continue;
      }
      const { eventType, timestamp, ...attributes } = event;
      this.received.push({
        eventType: eventType as string,
        timestamp: timestamp as number | undefined,
        attributes: attributes as Record<string, string | number | boolean>,
      });
    }
    return { status: 200, body: { success: true, uuid: randomUUID() } };
  }
}
