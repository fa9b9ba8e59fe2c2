import {
  classifyResponse,
  truncate,
  type DeliveryOutcome,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from '../integration';
import type { Notification, NotificationSeverity } from '../notification';
import { deliverEach, redactWebhookUrl, sendSafely, since } from '../webhook/integration-support';
import type { SlackConfig } from './slack.config';

/** Block Kit limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 3000,
  buttonText: 75,
  buttonUrl: 3000,
  /** Top-level `text`: Slack truncates past 40,000; a notification fallback stays far below. */
  fallbackText: 3000,
} as const;

export interface SlackTextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackTextObject }
  | { type: 'section'; text?: SlackTextObject; fields?: SlackTextObject[] }
  | { type: 'context'; elements: SlackTextObject[] }
  | {
      type: 'actions';
      elements: { type: 'button'; text: SlackTextObject; url: string; action_id: string }[];
    };

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
  channel?: string;
  username?: string;
  icon_emoji?: string;
}

const SEVERITY_EMOJI: Record<NotificationSeverity, string> = {
  critical: ':red_circle:',
  major: ':large_orange_circle:',
  minor: ':large_yellow_circle:',
  warning: ':warning:',
  info: ':information_source:',
};

/** Slack's mrkdwn needs `&`, `<` and `>` escaped (https://api.slack.com/reference/surfaces/formatting). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped and cut so the escaped text fits `max` (never splitting an entity). */
function mrkdwn(text: string, max: number): string {
  const whole = escapeMrkdwn(text);
  if (whole.length <= max) return whole;
  // The longest prefix whose escaped, ellipsised form fits.
  let lo = 0;
  let hi = Math.min(text.length, max);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (escapeMrkdwn(truncate(text, mid)).length <= max) lo = mid;
    else hi = mid - 1;
  }
  return escapeMrkdwn(truncate(text, Math.max(1, lo)));
}

/** `@here`, `@channel`, `S0123ABCD` and `<!subteam^…>` become real pings; anything else is text. */
export function slackMention(group: string): string {
  const g = group.trim();
  if (/^<![^>]+>$/.test(g)) return g;
  if (/^@?(here|channel|everyone)$/i.test(g)) return `<!${g.replace(/^@/, '').toLowerCase()}>`;
  if (/^S[A-Z0-9]{6,}$/.test(g)) return `<!subteam^${g}>`;
  return escapeMrkdwn(g);
}

/**
 * Slack incoming webhook: one Block Kit message per notification (header, summary, fields in
 * sections of ten, context, link button), with a plain `text` fallback for notifications and
 * screen readers. Critical notifications ping `mention_groups`.
 */
export class SlackIntegration implements Integration {
  readonly type = 'slack';
  readonly maxBatchSize = 1;

  constructor(private readonly config: SlackConfig) {}

  buildMessage(n: Notification): SlackMessage {
    const L = SLACK_LIMITS;
    const resolved = n.status === 'resolved';
    const emoji = resolved ? ':white_check_mark:' : SEVERITY_EMOJI[n.severity];
    const label = resolved ? 'RESOLVED' : n.severity.toUpperCase();
    const mentions =
      !resolved && n.severity === 'critical' && this.config.mention_groups.length > 0
        ? `${this.config.mention_groups.map(slackMention).join(' ')} `
        : '';
    const countNote = n.count > 1 ? ` (×${n.count})` : '';

    const blocks: SlackBlock[] = [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: truncate(`${n.title}${countNote}`, L.headerText),
          emoji: true,
        },
      },
    ];
    const lead = `${mentions}${emoji} *${label}*  `;
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: lead + mrkdwn(n.summary || n.title, L.sectionText - lead.length),
      },
    });

    const context: SlackTextObject[] = [
      { type: 'mrkdwn', text: mrkdwn(`${n.kind} · ${n.subject}`, L.contextText) },
      ...[n.tenant && `tenant ${n.tenant}`, n.site && `site ${n.site}`]
        .filter((t): t is string => Boolean(t))
        .map((t) => ({ type: 'mrkdwn' as const, text: mrkdwn(t, L.contextText) })),
      {
        type: 'mrkdwn',
        text: `<!date^${Math.floor(n.occurredAt.getTime() / 1000)}^{date_short_pretty} {time_secs}|${n.occurredAt.toISOString()}>`,
      },
    ];
    const tail: SlackBlock[] = [{ type: 'context', elements: context.slice(0, L.contextElements) }];
    if (n.url && n.url.length <= L.buttonUrl) {
      tail.push({
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open in TelcoMesh' },
            url: n.url,
            action_id: 'open',
          },
        ],
      });
    }

    // Fields in sections of ten, within the 50-block cap; the last one says how many were left out.
    const room = (L.blocks - blocks.length - tail.length) * L.sectionFields;
    const fields = n.fields.map((f) => mrkdwn(`*${f.name}*\n${f.value}`, L.fieldText));
    if (fields.length > room) {
      const dropped = fields.length - room + 1;
      fields.splice(room - 1, fields.length, `_…and ${dropped} more fields_`);
    }
    for (let i = 0; i < fields.length; i += L.sectionFields) {
      blocks.push({
        type: 'section',
        fields: fields
          .slice(i, i + L.sectionFields)
          .map((text) => ({ type: 'mrkdwn' as const, text })),
      });
    }
    blocks.push(...tail);

    // The fallback is mrkdwn too: escape what came from the notification, keep the pings.
    const fallbackLead = `${mentions}${emoji} [${label}] `;
    const message: SlackMessage = {
      text:
        fallbackLead +
        mrkdwn(`${n.title}${countNote}: ${n.summary}`, L.fallbackText - fallbackLead.length),
      blocks,
    };
    if (this.config.channel) message.channel = this.config.channel;
    if (this.config.username) message.username = this.config.username;
    if (this.config.icon_emoji) message.icon_emoji = this.config.icon_emoji;
    return message;
  }

  buildRequest(n: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: this.config.webhook_url,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(this.buildMessage(n)),
    };
  }

  deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEach(notifications, http, (n, send) => this.deliverOne(n, send));
  }

  /** Slack answers `200 ok`; errors are plain-text codes (`400 invalid_blocks`, `404 no_service`). */
  private async deliverOne(n: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const response = await sendSafely(http, this.buildRequest(n), [this.config.webhook_url]);
    if ('error' in response) return { result: 'retry', reason: response.error };
    const outcome = classifyResponse(response);
    if (outcome.result === 'delivered') return outcome;
    return {
      ...outcome,
      reason: `${outcome.reason} (${redactWebhookUrl(this.config.webhook_url)})`,
    };
  }

  /**
   * Slack webhooks have no read endpoint; posting an empty object is refused with `400 no_text`
   * by a live webhook (nothing is posted) and `403/404/410` by a revoked or unknown one.
   */
  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    const response = await sendSafely(
      http,
      {
        method: 'POST',
        url: this.config.webhook_url,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{}',
      },
      [this.config.webhook_url],
    );
    const latencyMs = since(started);
    if ('error' in response) return { healthy: false, detail: response.error, latencyMs };
    const body = response.body.trim();
    const healthy =
      (response.status === 400 && /^(no_text|invalid_payload|missing_text)/.test(body)) ||
      response.status === 200;
    return {
      healthy,
      detail: healthy
        ? `webhook ${redactWebhookUrl(this.config.webhook_url)} is live`
        : `HTTP ${response.status}: ${body.slice(0, 100)}`,
      latencyMs,
    };
  }
}
