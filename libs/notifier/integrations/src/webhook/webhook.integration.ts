import { createHmac } from 'node:crypto';
import {
  classifyResponse,
  type DeliveryOutcome,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from '../integration';
import type { Notification } from '../notification';
import { deliverEach, redactWebhookUrl, sendSafely, since } from './integration-support';
import type { WebhookConfig } from './webhook.config';

/**
 * Standard Webhooks signature: HMAC-SHA256 over `${id}.${timestamp}.${body}` keyed with the
 * base64-decoded secret (after `whsec_`), sent as `v1,<base64>`.
 */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/**
 * Generic webhook: POSTs the notification as JSON with Standard Webhooks headers. `webhook-id` is
 * the notification id (stable across retries, so receivers drop repeats) and the signature covers
 * id, timestamp and the exact body bytes.
 */
export class WebhookIntegration implements Integration {
  readonly type = 'webhook';
  readonly maxBatchSize = 1;

  constructor(
    private readonly config: WebhookConfig,
    private readonly clock: () => number = Date.now,
  ) {}

  buildRequest(n: Notification): OutboundRequest {
    const body = JSON.stringify(n);
    const timestamp = Math.floor(this.clock() / 1000);
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-type': 'application/json',
      'webhook-id': n.id,
      'webhook-timestamp': String(timestamp),
    };
    if (this.config.secret)
      headers['webhook-signature'] = signStandardWebhook(this.config.secret, n.id, timestamp, body);
    return { method: 'POST', url: this.config.url, headers, body };
  }

  deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEach(notifications, http, (n, send) => this.deliverOne(n, send));
  }

  private secrets(): string[] {
    return [this.config.url, this.config.secret ?? '', ...Object.values(this.config.headers)];
  }

  private async deliverOne(n: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const response = await sendSafely(http, this.buildRequest(n), this.secrets());
    if ('error' in response) return { result: 'retry', reason: response.error };
    const outcome = classifyResponse(response);
    return outcome.result === 'delivered'
      ? outcome
      : { ...outcome, reason: `${outcome.reason} (${redactWebhookUrl(this.config.url)})` };
  }

  /**
   * GET `health_url` (2xx wanted) or, without one, GET `url`: any answer below 500 other than
   * 404/410 shows the receiver is there (many answer 405 to GET).
   */
  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    const url = this.config.health_url ?? this.config.url;
    const response = await sendSafely(
      http,
      { method: 'GET', url, headers: { ...this.config.headers } },
      this.secrets(),
    );
    const latencyMs = since(started);
    if ('error' in response) return { healthy: false, detail: response.error, latencyMs };
    const { status } = response;
    const healthy = this.config.health_url
      ? status >= 200 && status < 300
      : status < 500 && status !== 404 && status !== 410;
    return { healthy, detail: `${redactWebhookUrl(url)} answered HTTP ${status}`, latencyMs };
  }
}
