import {
  classifyResponse,
  retryAfterMs,
  truncate,
  type DeliveryOutcome,
  type HttpResponse,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from '../integration';
import type { Notification, NotificationSeverity } from '../notification';
import { deliverEach, sendSafely, since, subjectMatcher } from '../webhook/integration-support';
import type { DiscordConfig } from './discord.config';

/** Embed limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_LIMITS = {
  content: 2000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  /** Title, description, field names and values, footer and author text, all embeds together. */
  embedTotal: 6000,
} as const;

export interface DiscordEmbed {
  title: string;
  description?: string;
  url?: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
  timestamp: string;
  footer: { text: string };
}

export interface DiscordAllowedMentions {
  parse: ('users' | 'roles' | 'everyone')[];
  users?: string[];
  roles?: string[];
}

export interface DiscordMessage {
  username?: string;
  avatar_url?: string;
  content?: string;
  embeds: DiscordEmbed[];
  allowed_mentions: DiscordAllowedMentions;
}

export const DISCORD_COLORS: Record<NotificationSeverity | 'resolved', number> = {
  critical: 0xe01e5a,
  major: 0xf2711c,
  minor: 0xf2c744,
  warning: 0xffd000,
  info: 0x3498db,
  resolved: 0x2eb67d,
};

/** The embed text Discord counts against its 6000-character total. */
export function embedTextLength(embed: DiscordEmbed): number {
  return (
    embed.title.length +
    (embed.description?.length ?? 0) +
    embed.footer.text.length +
    embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0)
  );
}

/** Discord rejects empty field names and values. */
const nonEmpty = (text: string) => (text.trim() === '' ? '\u200b' : text);

/** Turns `mention_users` into content text and the `allowed_mentions` that let exactly those ping. */
export function discordMentions(entries: readonly string[]): {
  text: string;
  allowed: DiscordAllowedMentions;
} {
  const users: string[] = [];
  const roles: string[] = [];
  const parse: DiscordAllowedMentions['parse'] = [];
  const words = entries.map((raw) => {
    const entry = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = /^<@&(\d+)>$/.exec(entry))) {
      roles.push(m[1]);
      return entry;
    }
    if ((m = /^<@!?(\d+)>$/.exec(entry) ?? /^(\d{15,21})$/.exec(entry))) {
      users.push(m[1]);
      return `<@${m[1]}>`;
    }
    if (/^@(everyone|here)$/.test(entry)) {
      if (!parse.includes('everyone')) parse.push('everyone');
      return entry;
    }
    return entry;
  });
  const allowed: DiscordAllowedMentions = { parse };
  if (users.length) allowed.users = [...new Set(users)].slice(0, 100);
  if (roles.length) allowed.roles = [...new Set(roles)].slice(0, 100);
  return { text: words.join(' '), allowed };
}

/** Seconds in Discord's 429 body (`retry_after`, a float), else the Retry-After header. */
export function discordRetryAfterMs(response: HttpResponse): number | undefined {
  try {
    const body = JSON.parse(response.body) as { retry_after?: unknown };
    if (typeof body.retry_after === 'number' && body.retry_after >= 0)
      return Math.ceil(body.retry_after * 1000);
  } catch {
    // not JSON: fall back to the header
  }
  return retryAfterMs(response.headers['retry-after']);
}

/**
 * Discord webhook: one embed per notification (colour by severity, fields, timestamp, footer),
 * within every embed limit. Critical subjects (`critical_patterns`) ping `mention_users`; the
 * subject's segments pick a per-channel webhook from `channels`. Sent with `?wait=true` so Discord
 * confirms with the created message (its id becomes the delivery reference).
 */
export class DiscordIntegration implements Integration {
  readonly type = 'discord';
  readonly maxBatchSize = 1;
  private readonly isCritical: (subject: string) => boolean;

  constructor(private readonly config: DiscordConfig) {
    this.isCritical = subjectMatcher(config.critical_patterns);
  }

  /** Which webhook a subject goes to: the first configured channel named by one of its segments. */
  route(subject: string): { channel: string; url: string } {
    const segments = subject.split('.');
    for (const [channel, url] of Object.entries(this.config.channels)) {
      if (segments.includes(channel)) return { channel, url };
    }
    return { channel: 'default', url: this.config.webhook_url };
  }

  buildEmbed(n: Notification): DiscordEmbed {
    const L = DISCORD_LIMITS;
    const resolved = n.status === 'resolved';
    const title = truncate(
      `${resolved ? '✅ Resolved: ' : ''}${n.title}${n.count > 1 ? ` (×${n.count})` : ''}`,
      L.title,
    );
    const footer = {
      text: truncate(
        ['TelcoMesh', n.kind, n.subject, n.tenant, n.site].filter(Boolean).join(' · '),
        256,
      ),
    };
    // Fields and description share what the 6000 total leaves after title and footer.
    const budget = L.embedTotal - title.length - footer.text.length;
    const fields = n.fields.map((f) => ({
      name: truncate(nonEmpty(f.name), L.fieldName),
      value: truncate(nonEmpty(f.value), L.fieldValue),
      inline: f.value.length <= 40,
    }));
    const fieldsTotal = fields.reduce((s, f) => s + f.name.length + f.value.length, 0);
    const summary = nonEmpty(n.summary);
    const description = truncate(
      summary,
      Math.min(L.description, Math.max(1024, budget - fieldsTotal)),
    );
    // Keep fields in order while they fit; say how many were left out.
    const marker = (left: number) => ({ name: '…', value: `${left} more fields`, inline: false });
    const reserve = 20;
    let room = budget - description.length - reserve;
    const kept: DiscordEmbed['fields'] = [];
    for (const [i, field] of fields.entries()) {
      const size = field.name.length + field.value.length;
      const last = kept.length === L.fields - 1 && i < fields.length - 1;
      if (size > room || last) {
        if (kept.length < L.fields) kept.push(marker(fields.length - i));
        break;
      }
      kept.push(field);
      room -= size;
    }
    const embed: DiscordEmbed = {
      title,
      description,
      color: resolved ? DISCORD_COLORS.resolved : DISCORD_COLORS[n.severity],
      fields: kept,
      timestamp: n.occurredAt.toISOString(),
      footer,
    };
    if (n.url) embed.url = n.url;
    return embed;
  }

  buildMessage(n: Notification): DiscordMessage {
    const critical = n.status === 'firing' && this.isCritical(n.subject);
    const message: DiscordMessage = {
      embeds: [this.buildEmbed(n)],
      allowed_mentions: { parse: [] },
    };
    if (this.config.username) message.username = this.config.username;
    if (this.config.avatar_url) message.avatar_url = this.config.avatar_url;
    if (critical && this.config.mention_users.length > 0) {
      const { text, allowed } = discordMentions(this.config.mention_users);
      message.content = truncate(text, DISCORD_LIMITS.content);
      message.allowed_mentions = allowed;
    }
    return message;
  }

  buildRequest(n: Notification): OutboundRequest {
    const url = new URL(this.route(n.subject).url);
    url.searchParams.set('wait', 'true');
    return {
      method: 'POST',
      url: url.toString(),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(this.buildMessage(n)),
    };
  }

  deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEach(notifications, http, (n, send) => this.deliverOne(n, send));
  }

  private secrets(): string[] {
    return [this.config.webhook_url, ...Object.values(this.config.channels)];
  }

  private async deliverOne(n: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const { channel } = this.route(n.subject);
    const response = await sendSafely(http, this.buildRequest(n), this.secrets());
    if ('error' in response) return { result: 'retry', reason: response.error };
    return this.classify(response, channel);
  }

  /** 200 (message, with `wait=true`) or 204: sent. 429: `retry_after` seconds. 400/401/404: dead. */
  classify(response: HttpResponse, channel = 'default'): DeliveryOutcome {
    const outcome = classifyResponse(response);
    if (outcome.result === 'delivered') {
      let reference: string | undefined;
      try {
        const id = (JSON.parse(response.body) as { id?: unknown }).id;
        if (typeof id === 'string') reference = id;
      } catch {
        // 204 No Content
      }
      return reference ? { ...outcome, reference } : outcome;
    }
    const reason = `${outcome.reason} (discord channel ${channel})`;
    if (outcome.result === 'failed') return { ...outcome, reason };
    const retryAfterMs =
      response.status === 429 ? discordRetryAfterMs(response) : outcome.retryAfterMs;
    return { ...outcome, reason, retryAfterMs };
  }

  /** `GET` on each webhook URL returns the webhook object: proves every token without posting. */
  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = Date.now();
    const targets: [string, string][] = [
      ['default', this.config.webhook_url],
      ...Object.entries(this.config.channels),
    ];
    const problems: string[] = [];
    for (const [channel, url] of targets) {
      const response = await sendSafely(http, { method: 'GET', url, headers: {} }, this.secrets());
      if ('error' in response) problems.push(`${channel}: ${response.error}`);
      else if (response.status !== 200)
        problems.push(`${channel}: HTTP ${response.status} ${response.body.slice(0, 100)}`);
    }
    return {
      healthy: problems.length === 0,
      detail:
        problems.length === 0 ? `${targets.length} webhook(s) reachable` : problems.join('; '),
      latencyMs: since(started),
    };
  }
}
