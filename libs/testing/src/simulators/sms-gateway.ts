import { randomUUID } from 'node:crypto';
import {
  isRecord,
  parseJson,
  SimulatorServer,
  withHeaders,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface SmsGatewaySimulatorOptions extends SimulatorOptions {
  /** The key accepted in `/SMS/plaintext/{api_key}`. */
  apiKey: string;
}

/** One SMS the gateway accepted. */
export interface SmsGatewayMessage {
  message_id: string;
  source_msisdn: string;
  destination_msisdn: string;
  message_body: string;
  /** Which spelling the caller used for the destination (the playbooks use the misspelt one). */
  destination_field: 'destinatination_msisdn' | 'destination_msisdn';
  received_at: string;
}

const MISSPELT = 'destinatination_msisdn';
const SPELT = 'destination_msisdn';

/**
 * The SMS gateway the playbooks notify through, on 127.0.0.1: `POST /SMS/plaintext/{api_key}` with
 * `{source_msisdn, destinatination_msisdn, message_body}` (the playbooks' spelling; the correct
 * `destination_msisdn` is taken too) answers 201 `{message_id}`; 401 for another key, 400
 * `{error, field}` for a missing or non-string field. `failNext(count, status)` as in
 * `SimulatorServer`.
 */
export class SmsGatewaySimulator extends SimulatorServer<SmsGatewayMessage> {
  constructor(private readonly options: SmsGatewaySimulatorOptions) {
    super(options);
  }

  /** The accepted messages (copies), oldest first. */
  messages(): SmsGatewayMessage[] {
    return this.received.map((m) => ({ ...m }));
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: { error: status === 429 ? 'Too Many Requests' : 'Service Unavailable' },
    };
  }

  protected override internalError(): SimulatorResponse {
    return { status: 500, body: { error: 'Internal Server Error' } };
  }

  protected override decorate(response: SimulatorResponse): SimulatorResponse {
    return withHeaders(response, 'application/json');
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    const match = /^\/SMS\/plaintext\/([^/]+)$/.exec(request.path);
    if (!match) return { status: 404, body: { error: 'Not Found' } };
    if (request.method !== 'POST') return { status: 405, body: { error: 'Method Not Allowed' } };
    if (decodeURIComponent(match[1]) !== this.options.apiKey) {
      return { status: 401, body: { error: 'Invalid API key' } };
    }
    const body = parseJson(request.body);
    if (!isRecord(body)) return badRequest('body', 'request body must be a JSON object');
    const misspelt = body[MISSPELT];
    const spelt = body[SPELT];
    if (misspelt !== undefined && spelt !== undefined && misspelt !== spelt) {
      return badRequest(SPELT, `${MISSPELT} and ${SPELT} disagree`);
    }
    const destinationField = misspelt !== undefined ? MISSPELT : SPELT;
    const values: Record<string, unknown> = {
      source_msisdn: body.source_msisdn,
      [destinationField]: body[destinationField],
      message_body: body.message_body,
    };
    const text: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined || value === null || value === '') {
        return badRequest(name, `${name} is required`);
      }
      // Ansible renders a numeric-looking template as a number: numbers are taken for the MSISDNs.
      if (name !== 'message_body' && typeof value === 'number' && Number.isSafeInteger(value)) {
        text[name] = String(value);
        continue;
      }
      if (typeof value !== 'string') return badRequest(name, `${name} must be a string`);
      text[name] = value;
    }
    const message: SmsGatewayMessage = {
      message_id: randomUUID(),
      source_msisdn: text.source_msisdn,
      destination_msisdn: text[destinationField],
      message_body: text.message_body,
      destination_field: destinationField,
      received_at: new Date().toISOString(),
    };
    this.received.push(message);
    return { status: 201, body: { message_id: message.message_id } };
  }
}

function badRequest(field: string, error: string): SimulatorResponse {
  return { status: 400, body: { error, field } };
}
