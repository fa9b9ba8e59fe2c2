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
import { deliverEach, redactWebhookUrl, sendSafely, since } from '../webhook/integration-support';
import type { TeamsConfig } from './teams.config';

/** Teams refuses messages over 28 KB; stay a little under (UTF-8 bytes of the whole payload). */
export const TEAMS_MAX_PAYLOAD_BYTES = 28_000;

export interface AdaptiveTextBlock {
  type: 'TextBlock';
  text: string;
  wrap: boolean;
  size?: 'Small' | 'Default' | 'Medium' | 'Large';
  weight?: 'Lighter' | 'Default' | 'Bolder';
  color?: 'Default' | 'Good' | 'Warning' | 'Attention' | 'Accent';
  isSubtle?: boolean;
  spacing?: 'Small' | 'Medium';
}

export interface AdaptiveFactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}

export interface AdaptiveCard {
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json';
  type: 'AdaptiveCard';
  version: '1.4';
  body: (AdaptiveTextBlock | AdaptiveFactSet)[];
  actions?: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams: { width: 'Full' };
}

export interface TeamsMessage {
  type: 'message';
  attachments: {
    contentType: 'application/vnd.microsoft.card.adaptive';
    contentUrl: null;
    content: AdaptiveCard;
  }[];
}

const COLOR: Record<NotificationSeverity, AdaptiveTextBlock['color']> = {
  critical: 'Attention',
  major: 'Attention',
  minor: 'Warning',
  warning: 'Warning',
  info: 'Accent',
};

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Microsoft Teams via a Workflows (or legacy connector) webhook: one Adaptive Card 1.4 per
 * notification (title, summary, facts, context line, link), kept under Teams' 28 KB message limit
 * by cutting facts (the last fact says how many were left out), then the summary.
 */
export class TeamsIntegration implements Integration {
  readonly type = 'teams';
  readonly maxBatchSize = 1;

  constructor(private readonly config: TeamsConfig) {}

  buildMessage(n: Notification): TeamsMessage {
    const resolved = n.status === 'resolved';
    const title: AdaptiveTextBlock = {
      type: 'TextBlock',
      text: truncate(
        `${resolved ? '✅ RESOLVED' : n.severity.toUpperCase()}: ${n.title}${n.count > 1 ? ` (×${n.count})` : ''}`,
        256,
      ),
      size: 'Large',
      weight: 'Bolder',
      color: resolved ? 'Good' : COLOR[n.severity],
      wrap: true,
    };
    const summary: AdaptiveTextBlock = {
      type: 'TextBlock',
      text: truncate(n.summary, 4000),
      wrap: true,
    };
    const context: AdaptiveTextBlock = {
      type: 'TextBlock',
      text: truncate(
        [n.kind, n.subject, n.tenant, n.site, n.occurredAt.toISOString()]
          .filter(Boolean)
          .join(' · '),
        500,
      ),
      isSubtle: true,
      spacing: 'Small',
      wrap: true,
    };
    const facts: AdaptiveFactSet = {
      type: 'FactSet',
      facts: n.fields.map((f) => ({
        title: truncate(f.name, 100),
        value: truncate(f.value, 1000),
      })),
    };
    const card: AdaptiveCard = {
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: '1.4',
      body: [title, summary, facts, context],
      msteams: { width: 'Full' },
    };
    if (n.url)
      card.actions = [{ type: 'Action.OpenUrl', title: this.config.link_title, url: n.url }];
    const message: TeamsMessage = {
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
      ],
    };

    // Over 28 KB: drop facts from the end (keeping a count of what went), then cut the summary.
    const all = facts.facts;
    if (bytes(message) > TEAMS_MAX_PAYLOAD_BYTES) {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        facts.facts = [...all.slice(0, mid), { title: '…', value: `${all.length - mid} more` }];
        if (bytes(message) <= TEAMS_MAX_PAYLOAD_BYTES) lo = mid;
        else hi = mid - 1;
      }
      facts.facts = [...all.slice(0, lo), { title: '…', value: `${all.length - lo} more` }];
    }
    while (bytes(message) > TEAMS_MAX_PAYLOAD_BYTES && summary.text.length > 1) {
      summary.text = truncate(summary.text, Math.floor(summary.text.length / 2));
    }
    if (facts.facts.length === 0) card.body = card.body.filter((b) => b !== facts);
    return message;
  }

  buildRequest(n: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: this.config.webhook_url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.buildMessage(n)),
    };
  }

  deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEach(notifications, http, (n, send) => this.deliverOne(n, send));
  }

  /**
   * Workflows answer 202; legacy connectors 200 `1`, but also 200 with
   * `Webhook message delivery failed with error: … HTTP error 429 …` when Teams throttled them.
   */
  classify(response: HttpResponse): DeliveryOutcome {
    const where = `(${redactWebhookUrl(this.config.webhook_url)})`;
    const body = response.body.trim();
    if (response.status < 300 && body.startsWith('Webhook message delivery failed')) {
      const inner = /HTTP error (\d{3})/.exec(body);
      const status = inner ? Number(inner[1]) : 502;
      const reason = `${body.slice(0, 300)} ${where}`;
      return status === 429 || status >= 500
        ? { result: 'retry', status, reason }
        : { result: 'failed', status, reason };
    }
    const outcome = classifyResponse(response);
    return outcome.result === 'delivered'
      ? outcome
      : { ...outcome, reason: `${outcome.reason} ${where}` };
  }

  private async deliverOne(n: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const response = await sendSafely(http, this.buildRequest(n), [this.config.webhook_url]);
    if ('error' in response) return { result: 'retry', reason: response.error };
    return this.classify(response);
  }

  /**
   * Teams offers no health endpoint and a test post would show in the channel. A GET proves the
   * URL and its signature: Workflows check `sig` first (401/404 when wrong or deleted) and then
   * refuse the method (405); any other 2xx/400/405 means the endpoint is there.
   */
  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    const response = await sendSafely(
      http,
      { method: 'GET', url: this.config.webhook_url, headers: {} },
      [this.config.webhook_url],
    );
    const latencyMs = since(started);
    if ('error' in response) return { healthy: false, detail: response.error, latencyMs };
    const healthy = response.status < 300 || response.status === 400 || response.status === 405;
    return {
      healthy,
      detail: `${redactWebhookUrl(this.config.webhook_url)} answered HTTP ${response.status}`,
      latencyMs,
    };
  }
}
