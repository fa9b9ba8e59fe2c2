import { createHash } from 'node:crypto';
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
import type { Notification, NotificationSeverity } from '../notification';
import { deliverEach, sendSafely, since } from '../webhook/integration-support';
import type { PagerDutyConfig } from './pagerduty.config';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com';

/** Events API v2 limits. */
export const PAGERDUTY_LIMITS = {
  summary: 1024,
  dedupKey: 255,
  /** Bytes of the whole event. */
  event: 512 * 1024,
} as const;

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export const PAGERDUTY_SEVERITY: Record<NotificationSeverity, PagerDutySeverity> = {
  critical: 'critical',
  major: 'error',
  minor: 'warning',
  warning: 'warning',
  info: 'info',
};

export interface PagerDutyTriggerEvent {
  routing_key: string;
  event_action: 'trigger';
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
  links?: { href: string; text: string }[];
}

export interface PagerDutyResolveEvent {
  routing_key: string;
  event_action: 'resolve' | 'acknowledge';
  dedup_key: string;
}

export type PagerDutyEvent = PagerDutyTriggerEvent | PagerDutyResolveEvent;

/**
 * The alert's identity in PagerDuty: `labels.dedup_key`, else the subject; the same for the
 * trigger and the resolve of one condition. Keys over 255 characters become a SHA-256.
 */
export function dedupKey(n: Notification): string {
  const key = n.labels.dedup_key || n.subject;
  return key.length <= PAGERDUTY_LIMITS.dedupKey
    ? key
    : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * PagerDuty Events API v2: firing notifications trigger an alert, resolved ones resolve it, both
 * keyed by `dedupKey`. Answers 202 `{status:"success", dedup_key}`; 400 invalid event (including
 * an unknown routing key) is dead; 429 and 5xx are retried.
 */
export class PagerDutyIntegration implements Integration {
  readonly type = 'pagerduty';
  readonly maxBatchSize = 1;

  constructor(private readonly config: PagerDutyConfig) {}

  get enqueueUrl(): string {
    return `${(this.config.base_url ?? PAGERDUTY_EVENTS_URL).replace(/\/+$/, '')}/v2/enqueue`;
  }

  buildEvent(n: Notification): PagerDutyEvent {
    const dedup = dedupKey(n);
    if (n.status === 'resolved')
      return { routing_key: this.config.routing_key, event_action: 'resolve', dedup_key: dedup };
    const event = this.trigger(n, dedup, 4096);
    // Over 512 KB: cut field and label values harder, then leave them out.
    if (Buffer.byteLength(JSON.stringify(event)) <= PAGERDUTY_LIMITS.event) return event;
    const smaller = this.trigger(n, dedup, 256);
    if (Buffer.byteLength(JSON.stringify(smaller)) <= PAGERDUTY_LIMITS.event) return smaller;
    return this.trigger(n, dedup, 0);
  }

  private trigger(n: Notification, dedup: string, valueCap: number): PagerDutyTriggerEvent {
    const cut = (text: string) => truncate(text, valueCap);
    const details: Record<string, unknown> = {
      kind: n.kind,
      subject: n.subject,
      title: truncate(n.title, 1024),
      description: truncate(n.summary, Math.max(valueCap, 1024)),
      count: n.count,
    };
    if (n.tenant) details.tenant = n.tenant;
    if (n.site) details.site = n.site;
    if (valueCap > 0) {
      details.fields = Object.fromEntries(n.fields.map((f) => [cut(f.name), cut(f.value)]));
      details.labels = Object.fromEntries(
        Object.entries(n.labels).map(([k, v]) => [cut(k), cut(v)]),
      );
    } else {
      details.omitted = `${n.fields.length} fields and ${Object.keys(n.labels).length} labels (too large)`;
    }
    const label = (name: string) => n.labels[name]?.slice(0, 255) || undefined;
    const event: PagerDutyTriggerEvent = {
      routing_key: this.config.routing_key,
      event_action: 'trigger',
      dedup_key: dedup,
      payload: {
        summary: truncate(`${n.title}: ${n.summary}`, PAGERDUTY_LIMITS.summary),
        source: label('source') ?? n.site ?? this.config.source,
        severity: PAGERDUTY_SEVERITY[n.severity],
        timestamp: n.occurredAt.toISOString(),
        custom_details: details,
      },
      client: this.config.client,
    };
    const component = label('component') ?? this.config.component;
    const group = label('group') ?? this.config.group;
    const klass = label('class') ?? this.config.class;
    if (component) event.payload.component = component;
    if (group) event.payload.group = group;
    if (klass) event.payload.class = klass;
    if (this.config.client_url) event.client_url = this.config.client_url;
    if (n.url) event.links = [{ href: n.url, text: 'Open in TelcoMesh' }];
    return event;
  }

  buildRequest(n: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: this.enqueueUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.buildEvent(n)),
    };
  }

  deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEach(notifications, http, (n, send) => this.deliverOne(n, send));
  }

  private async deliverOne(n: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const response = await sendSafely(http, this.buildRequest(n), [this.config.routing_key]);
    if ('error' in response) return { result: 'retry', reason: response.error };
    return this.classify(response);
  }

  classify(response: HttpResponse): DeliveryOutcome {
    const outcome = classifyResponse(response);
    if (outcome.result !== 'delivered') {
      const reason = `pagerduty ${outcome.reason}`.split(this.config.routing_key).join('***');
      return { ...outcome, reason };
    }
    try {
      const body = JSON.parse(response.body) as { dedup_key?: unknown };
      if (typeof body.dedup_key === 'string') return { ...outcome, reference: body.dedup_key };
    } catch {
      // no body: the status says enough
    }
    return outcome;
  }

  /**
   * No read endpoint takes an integration key. Acknowledging an alert that does not exist is a
   * no-op PagerDuty still validates: 202 for a good routing key, 400 `Invalid routing key` if not.
   */
  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    const probe: PagerDutyResolveEvent = {
      routing_key: this.config.routing_key,
      event_action: 'acknowledge',
      dedup_key: 'telcomesh-health-check',
    };
    const response = await sendSafely(
      http,
      {
        method: 'POST',
        url: this.enqueueUrl,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(probe),
      },
      [this.config.routing_key],
    );
    const latencyMs = since(started);
    if ('error' in response) return { healthy: false, detail: response.error, latencyMs };
    const healthy = response.status === 202 || response.status === 200;
    return {
      healthy,
      detail: healthy
        ? 'events API accepts the routing key'
        : `HTTP ${response.status}: ${response.body.slice(0, 200)}`
            .split(this.config.routing_key)
            .join('***'),
      latencyMs,
    };
  }
}
