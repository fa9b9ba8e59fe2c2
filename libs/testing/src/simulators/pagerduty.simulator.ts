import { randomBytes } from 'node:crypto';
import {
  isRecord,
  parseJson,
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface PagerDutyReceivedEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key: string;
  payload?: Record<string, unknown>;
  raw: Record<string, unknown>;
}

export type PagerDutyAlertState = 'triggered' | 'acknowledged' | 'resolved';

const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const MAX_EVENT_BYTES = 512 * 1024;

/**
 * PagerDuty's validation errors for an Events API v2 event (`errors` of its 400 answer), routing
 * key format included but not whether the key exists. Empty when valid.
 */
export function pagerDutyEventErrors(event: unknown): string[] {
  if (!isRecord(event)) return ['Event object is invalid'];
  const errors: string[] = [];
  const key = event.routing_key;
  if (typeof key !== 'string' || key === '') errors.push("'routing_key' is missing or blank");
  else {
    if (key.length !== 32)
      errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (!/^[A-Za-z0-9]*$/.test(key))
      errors.push("'routing_key' cannot contain non-alphanumeric characters.");
  }
  const action = event.event_action;
  if (typeof action !== 'string' || !ACTIONS.includes(action))
    errors.push("'event_action' is missing or invalid");
  const dedup = event.dedup_key;
  if (dedup !== undefined && (typeof dedup !== 'string' || dedup.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if ((action === 'acknowledge' || action === 'resolve') && !dedup)
    errors.push("'dedup_key' is required for acknowledge and resolve");
  if (action === 'trigger') {
    const payload = event.payload;
    if (!isRecord(payload)) errors.push("'payload' is missing or blank");
    else {
      if (typeof payload.summary !== 'string' || payload.summary.trim() === '')
        errors.push("'payload.summary' is missing or blank");
      else if (payload.summary.length > 1024) errors.push("'payload.summary' is too long");
      if (typeof payload.source !== 'string' || payload.source.trim() === '')
        errors.push("'payload.source' is missing or blank");
      if (typeof payload.severity !== 'string' || !SEVERITIES.includes(payload.severity))
        errors.push(
          "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
        );
      if (
        payload.timestamp !== undefined &&
        (typeof payload.timestamp !== 'string' || Number.isNaN(Date.parse(payload.timestamp)))
      )
        errors.push("'payload.timestamp' is invalid");
      if (payload.custom_details !== undefined && !isRecord(payload.custom_details))
        errors.push("'payload.custom_details' must be an object");
    }
  }
  return errors;
}

const invalid = (errors: string[]): SimulatorResponse => ({
  status: 400,
  body: { status: 'invalid event', message: 'Event object is invalid', errors },
});

/**
 * PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/):
 * `POST /v2/enqueue`. 202 `{status:"success", message:"Event processed", dedup_key}`; 400
 * `{status:"invalid event", errors:[…]}` (an unknown routing key is `Invalid routing key`); 429
 * throttled. Keeps each alert's state by dedup key; acknowledging or resolving an unknown alert
 * is accepted and changes nothing, as PagerDuty does.
 */
export class PagerDutySimulator extends SimulatorServer<PagerDutyReceivedEvent> {
  readonly routingKey: string;
  /** Alert state by dedup key. */
  readonly alerts = new Map<string, PagerDutyAlertState>();

  constructor(options: SimulatorOptions & { routingKey?: string } = {}) {
    super(options);
    this.routingKey = options.routingKey ?? randomBytes(16).toString('hex');
  }

  override reset(): void {
    super.reset();
    this.alerts.clear();
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body:
        status === 429
          ? {
              status: 'throttle event',
              message: 'Requests for this service are arriving too quickly.  Please retry later.',
            }
          : { status: 'error', message: 'Internal Server Error' },
    };
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    if (request.path !== '/v2/enqueue') return { status: 404, body: { message: 'Not Found' } };
    if (request.method !== 'POST') return { status: 405, body: { message: 'Method Not Allowed' } };
    if (Buffer.byteLength(request.body, 'utf8') > MAX_EVENT_BYTES)
      return { status: 413, body: { status: 'invalid event', message: 'Request too large' } };
    const event = parseJson(request.body);
    if (!isRecord(event)) return invalid(['Event object is invalid']);
    const errors = pagerDutyEventErrors(event);
    if (errors.length > 0) return invalid(errors);
    if (event.routing_key !== this.routingKey) return invalid(['Invalid routing key']);
    const action = event.event_action as PagerDutyReceivedEvent['event_action'];
    const dedup =
      typeof event.dedup_key === 'string' && event.dedup_key !== ''
        ? event.dedup_key
        : randomBytes(16).toString('hex');
    const state = this.alerts.get(dedup);
    if (action === 'trigger') {
      if (state !== 'triggered' && state !== 'acknowledged') this.alerts.set(dedup, 'triggered');
    } else if (state !== undefined && state !== 'resolved') {
      this.alerts.set(dedup, action === 'resolve' ? 'resolved' : 'acknowledged');
    }
    this.received.push({
      routing_key: this.routingKey,
      event_action: action,
      dedup_key: dedup,
      payload: isRecord(event.payload) ? event.payload : undefined,
      raw: event,
    });
    return {
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: dedup },
    };
  }
}
