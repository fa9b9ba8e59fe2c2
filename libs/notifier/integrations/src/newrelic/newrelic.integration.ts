import {
  classifyResponse,
  truncate,
  type DeliveryOutcome,
  type HttpResponse,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from '../integration';
import type { Notification } from '../notification';
import { sendSafely, since } from '../webhook/integration-support';
import type { NewRelicConfig } from './newrelic.config';

/** Event API limits (https://docs.newrelic.com/docs/data-apis/ingest-apis/event-api/introduction-event-api/#limits). */
export const NEWRELIC_LIMITS = {
  attributesPerEvent: 255,
  attributeName: 255,
  stringValue: 4096,
  /** Bytes per POST. */
  payload: 1_000_000,
} as const;

export const NEWRELIC_COLLECTORS = {
  US: 'https://insights-collector.newrelic.com',
  EU: 'https://insights-collector.eu01.nr-data.net',
} as const;

export const DEFAULT_EVENT_TYPE = 'TelcoMeshNotification';

export type NewRelicEvent = Record<string, string | number | boolean> & {
  eventType: string;
  timestamp: number;
};

/** `Old Value` → `oldValue`; keeps names New Relic and NRQL handle without backticks. */
export function attributeName(name: string): string {
  const words = name
    .replace(/[^A-Za-z0-9_.:]+/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return '';
  const camel = words
    .map((w, i) =>
      i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1),
    )
    .join('');
  return camel.slice(0, NEWRELIC_LIMITS.attributeName);
}

/** Labels and custom attributes keep their names when New Relic-safe (`config_key`). */
function labelName(name: string): string {
  return /^[A-Za-z0-9_.:]{1,255}$/.test(name) ? name : attributeName(name);
}

const RESERVED = new Set(['eventType', 'timestamp']);

/**
 * New Relic Event API: each batch is one POST of a JSON array of custom events to
 * `/v1/accounts/{account_id}/events` on the region's collector. Attribute precedence on a name
 * clash: the notification's own > its fields > its labels > `custom_attributes`; when over 255
 * attributes, fields and then labels are dropped first; strings are cut to 4096 characters.
 */
export class NewRelicIntegration implements Integration {
  readonly type = 'newrelic';
  readonly maxBatchSize: number;

  constructor(private readonly config: NewRelicConfig) {
    this.maxBatchSize = config.batch_size;
  }

  get eventsUrl(): string {
    const base = (this.config.base_url ?? NEWRELIC_COLLECTORS[this.config.region]).replace(
      /\/+$/,
      '',
    );
    return `${base}/v1/accounts/${this.config.account_id}/events`;
  }

  eventType(kind: string): string {
    return this.config.event_types[kind] ?? DEFAULT_EVENT_TYPE;
  }

  buildEvent(
    n: Notification,
    stringCap: number = NEWRELIC_LIMITS.stringValue,
    minimal = false,
  ): NewRelicEvent {
    // rank: 0 core, 1 custom attributes, 2 labels, 3 fields (lower is kept first when over 255).
    const values = new Map<string, { value: string | number | boolean; rank: number }>();
    const put = (key: string, value: string | number | boolean | undefined, rank: number) => {
      if (!key || RESERVED.has(key) || value === undefined) return;
      values.set(key, {
        value: typeof value === 'string' ? truncate(value, stringCap) : value,
        rank,
      });
    };
    for (const [k, v] of Object.entries(this.config.custom_attributes)) put(labelName(k), v, 1);
    if (!minimal) {
      for (const [k, v] of Object.entries(n.labels)) put(labelName(k), v, 2);
      for (const f of n.fields) put(attributeName(f.name), f.value, 3);
    }
    const core: [string, string | number | undefined][] = [
      ['notificationId', n.id],
      ['kind', n.kind],
      ['subject', n.subject],
      ['title', n.title],
      ['summary', n.summary],
      ['severity', n.severity],
      ['status', n.status],
      ['tenant', n.tenant],
      ['site', n.site],
      ['url', n.url],
      ['count', n.count],
    ];
    for (const [k, v] of core) put(k, v, 0);
    const kept = [...values.entries()]
      .sort((a, b) => a[1].rank - b[1].rank)
      .slice(0, NEWRELIC_LIMITS.attributesPerEvent - RESERVED.size);
    const event: NewRelicEvent = {
      eventType: this.eventType(n.kind),
      timestamp: Math.floor(n.occurredAt.getTime() / 1000),
    };
    for (const [k, { value }] of kept) event[k] = value;
    return event;
  }

  /** The events of a batch, cut further (shorter strings, then core attributes only) to fit 1 MB. */
  buildEvents(notifications: readonly Notification[]): NewRelicEvent[] {
    const max = NEWRELIC_LIMITS.payload;
    const size = (events: NewRelicEvent[]) => Buffer.byteLength(JSON.stringify(events), 'utf8');
    let cap: number = NEWRELIC_LIMITS.stringValue;
    let events = notifications.map((n) => this.buildEvent(n, cap));
    let bytes = size(events);
    while (bytes > max && cap > 64) {
      // Shrink in proportion to the excess (at least halving), down to 64 characters.
      cap = Math.max(64, Math.min(Math.floor(cap / 2), Math.floor((cap * max) / bytes)));
      events = notifications.map((n) => this.buildEvent(n, cap));
      bytes = size(events);
    }
    if (bytes > max) events = notifications.map((n) => this.buildEvent(n, cap, true));
    return events;
  }

  private headers(): Record<string, string> {
    return {
      'content-type': 'application/json',
      [this.config.key_type === 'insert' ? 'x-insert-key' : 'api-key']: this.config.api_key,
    };
  }

  buildRequest(notifications: readonly Notification[]): OutboundRequest {
    return {
      method: 'POST',
      url: this.eventsUrl,
      headers: this.headers(),
      body: JSON.stringify(this.buildEvents(notifications)),
    };
  }

  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    if (notifications.length === 0) return { result: 'delivered', status: 200 };
    const response = await sendSafely(http, this.buildRequest(notifications), [
      this.config.api_key,
    ]);
    if ('error' in response) return { result: 'retry', reason: response.error };
    return this.classify(response);
  }

  /** 200 `{"success":true,"uuid":…}`; 403 bad key, 400/413/415 bad request: dead; 429/5xx: retry. */
  classify(response: HttpResponse): DeliveryOutcome {
    const outcome = classifyResponse(response);
    if (outcome.result !== 'delivered')
      return { ...outcome, reason: `new relic ${outcome.reason}` };
    try {
      const body = JSON.parse(response.body) as { success?: unknown; uuid?: unknown };
      if (body.success === false)
        return {
          result: 'failed',
          status: response.status,
          reason: `new relic refused: ${response.body.slice(0, 300)}`,
        };
      if (typeof body.uuid === 'string') return { ...outcome, reference: body.uuid };
    } catch {
      // not JSON: the status is all there is
    }
    return outcome;
  }

  /** The Event API has no read endpoint: POST an empty array, which proves key and account. */
  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    const response = await sendSafely(
      http,
      { method: 'POST', url: this.eventsUrl, headers: this.headers(), body: '[]' },
      [this.config.api_key],
    );
    const latencyMs = since(started);
    if ('error' in response) return { healthy: false, detail: response.error, latencyMs };
    const healthy = response.status >= 200 && response.status < 300;
    return {
      healthy,
      detail: healthy
        ? `event API accepts the key (${this.config.base_url ? 'custom collector' : this.config.region})`
        : `HTTP ${response.status}: ${response.body.slice(0, 200)}`,
      latencyMs,
    };
  }
}
