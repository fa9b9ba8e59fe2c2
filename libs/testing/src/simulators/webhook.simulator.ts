import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  header,
  parseJson,
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface StandardWebhookReceived {
  id: string;
  timestamp: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface StandardWebhookSimulatorOptions extends SimulatorOptions {
  /** `whsec_…`: signatures are required and checked when set. */
  secret?: string;
  /** Headers every delivery must carry with these exact values (e.g. `authorization`). */
  requiredHeaders?: Record<string, string>;
  /** Allowed clock skew of `webhook-timestamp`, seconds (Standard Webhooks suggests 5 minutes). */
  toleranceSeconds?: number;
}

/**
 * Verifies a Standard Webhooks signature header (`v1,<base64>` entries separated by spaces)
 * over `${id}.${timestamp}.${body}`; true when one entry matches.
 */
export function verifyStandardWebhook(
  secret: string,
  id: string,
  timestamp: string,
  body: string,
  signatureHeader: string,
): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return signatureHeader.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * A receiver that insists on Standard Webhooks (https://www.standardwebhooks.com): required
 * `webhook-id`/`webhook-timestamp` (400 otherwise), timestamp within tolerance and a valid
 * signature (401 otherwise), JSON body (400). Accepts with 204 and drops repeats of an id
 * (answered 204, counted in `repeats`). GET answers 405, like most receivers.
 */
export class StandardWebhookSimulator extends SimulatorServer<StandardWebhookReceived> {
  repeats = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly config: StandardWebhookSimulatorOptions = {}) {
    super(config);
  }

  override reset(): void {
    super.reset();
    this.seen.clear();
    this.repeats = 0;
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    if (request.method !== 'POST') return { status: 405, body: { error: 'method not allowed' } };
    for (const [name, value] of Object.entries(this.config.requiredHeaders ?? {})) {
      if (header(request, name) !== value) return { status: 401, body: { error: `bad ${name}` } };
    }
    const id = header(request, 'webhook-id');
    const timestamp = header(request, 'webhook-timestamp');
    if (!id || !timestamp || !/^\d+$/.test(timestamp))
      return { status: 400, body: { error: 'webhook-id and webhook-timestamp are required' } };
    const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
    if (skew > (this.config.toleranceSeconds ?? 300))
      return { status: 401, body: { error: 'timestamp outside tolerance' } };
    if (this.config.secret) {
      const signature = header(request, 'webhook-signature');
      if (
        !signature ||
        !verifyStandardWebhook(this.config.secret, id, timestamp, request.body, signature)
      )
        return { status: 401, body: { error: 'invalid signature' } };
    }
    const body = parseJson(request.body);
    if (body === undefined) return { status: 400, body: { error: 'body is not JSON' } };
    if (this.seen.has(id)) {
      this.repeats++;
      return { status: 204 };
    }
    this.seen.add(id);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers))
      if (typeof value === 'string') headers[name] = value;
    this.received.push({ id, timestamp: Number(timestamp), body, headers });
    return { status: 204 };
  }
}
