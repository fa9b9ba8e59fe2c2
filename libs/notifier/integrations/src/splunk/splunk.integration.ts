import {
  classifyResponse,
  type DeliveryOutcome,
  type HttpResponse,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from '../integration';
import type { Notification } from '../notification';
import { sendSafely, since } from '../webhook/integration-support';
import type { SplunkConfig } from './splunk.config';

/** One HEC event (https://docs.splunk.com/Documentation/Splunk/latest/Data/FormateventsforHTTPEventCollector). */
export interface SplunkHecEvent {
  /** Epoch seconds, milliseconds as the fraction. */
  time: number;
  host?: string;
  source: string;
  sourcetype: string;
  index?: string;
  event: {
    id: string;
    kind: string;
    subject: string;
    title: string;
    summary: string;
    severity: string;
    status: string;
    tenant?: string;
    site?: string;
    fields: Record<string, string>;
    labels: Record<string, string>;
    url?: string;
    count: number;
  };
}

/** HEC status codes worth naming (https://docs.splunk.com/Documentation/Splunk/latest/Data/TroubleshootHTTPEventCollector). */
export const HEC_CODES: Record<number, string> = {
  0: 'Success',
  1: 'Token disabled',
  2: 'Token is required',
  3: 'Invalid authorization',
  4: 'Invalid token',
  5: 'No data',
  6: 'Invalid data format',
  7: 'Incorrect index',
  8: 'Internal server error',
  9: 'Server is busy',
  12: 'Event field is required',
  13: 'Event field cannot be blank',
  17: 'HEC is healthy',
  18: 'HEC is unhealthy, queues are full',
};

function hecCode(body: string): number | undefined {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'number' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Splunk HTTP Event Collector: a batch of notifications is one POST of concatenated JSON events
 * (`Authorization: Splunk <token>`). HEC answers `{"text":"Success","code":0}`; busy (503, code 9)
 * and 5xx are retried; a bad token (401/403) or malformed data (400) is not.
 */
export class SplunkIntegration implements Integration {
  readonly type = 'splunk';
  readonly maxBatchSize: number;
  /** How long the delivery layer may hold a partial batch. */
  readonly flushIntervalMs: number;

  constructor(private readonly config: SplunkConfig) {
    this.maxBatchSize = config.batch_size;
    this.flushIntervalMs = config.flush_interval * 1000;
  }

  buildEvent(n: Notification): SplunkHecEvent {
    const event: SplunkHecEvent = {
      time: Math.round(n.occurredAt.getTime()) / 1000,
      source: this.config.source,
      sourcetype: this.config.sourcetype,
      event: {
        id: n.id,
        kind: n.kind,
        subject: n.subject,
        title: n.title,
        summary: n.summary,
        severity: n.severity,
        status: n.status,
        fields: Object.fromEntries(n.fields.map((f) => [f.name, f.value])),
        labels: { ...n.labels },
        count: n.count,
      },
    };
    if (this.config.host) event.host = this.config.host;
    if (this.config.index) event.index = this.config.index;
    if (n.tenant) event.event.tenant = n.tenant;
    if (n.site) event.event.site = n.site;
    if (n.url) event.event.url = n.url;
    return event;
  }

  buildRequest(notifications: readonly Notification[]): OutboundRequest {
    return {
      method: 'POST',
      url: this.config.hec_url,
      headers: this.headers(),
      body: notifications.map((n) => JSON.stringify(this.buildEvent(n))).join('\n'),
    };
  }

  private headers(): Record<string, string> {
    return {
      authorization: `Splunk ${this.config.hec_token}`,
      'content-type': 'application/json',
    };
  }

  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    if (notifications.length === 0) return { result: 'delivered', status: 200 };
    const response = await sendSafely(http, this.buildRequest(notifications), [
      this.config.hec_token,
    ]);
    if ('error' in response) return { result: 'retry', reason: response.error };
    return this.classify(response);
  }

  classify(response: HttpResponse): DeliveryOutcome {
    const code = hecCode(response.body);
    const outcome = classifyResponse(response);
    if (outcome.result === 'delivered') {
      return code === undefined || code === 0
        ? outcome
        : { result: 'failed', status: response.status, reason: `HEC code ${code}` };
    }
    const named = code === undefined ? '' : ` (HEC code ${code}: ${HEC_CODES[code] ?? 'unknown'})`;
    // Code 9 (server busy) and 18 (queues full) are transient whatever the status says.
    if (code === 9 || code === 18) {
      return {
        result: 'retry',
        status: response.status,
        reason: `splunk HEC busy${named}`,
        retryAfterMs: outcome.result === 'retry' ? outcome.retryAfterMs : undefined,
      };
    }
    return { ...outcome, reason: `splunk HEC ${outcome.reason}${named}` };
  }

  /** `<base>/services/collector/health` for HEC itself, then an empty POST to prove the token. */
  healthUrl(): string {
    const url = new URL(this.config.hec_url);
    url.pathname = url.pathname.replace(/\/services\/collector.*$/, '/services/collector/health');
    url.search = '';
    return url.toString();
  }

  /**
   * HEC health answers 200 `HEC is healthy` (code 17). An empty POST is then refused with
   * `400 No data` (code 5) when the token is good and `401/403` when not: nothing is indexed.
   */
  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    const secrets = [this.config.hec_token];
    const health = await sendSafely(
      http,
      { method: 'GET', url: this.healthUrl(), headers: {} },
      secrets,
    );
    if ('error' in health)
      return { healthy: false, detail: health.error, latencyMs: since(started) };
    if (health.status !== 200)
      return {
        healthy: false,
        detail: `HEC health HTTP ${health.status}: ${health.body.slice(0, 200)}`,
        latencyMs: since(started),
      };
    const probe = await sendSafely(
      http,
      { method: 'POST', url: this.config.hec_url, headers: this.headers(), body: '' },
      secrets,
    );
    const latencyMs = since(started);
    if ('error' in probe) return { healthy: false, detail: probe.error, latencyMs };
    const code = hecCode(probe.body);
    const healthy = code === 5 || (probe.status >= 200 && probe.status < 300);
    return {
      healthy,
      detail: healthy
        ? 'HEC is healthy and accepts the token'
        : `token check HTTP ${probe.status}: ${probe.body.slice(0, 200)}`,
      latencyMs,
    };
  }
}
