import { randomBytes } from 'node:crypto';
import {
  isRecord,
  parseJson,
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface DiscordReceivedMessage {
  /** Name of the simulated webhook (channel) it was posted to. */
  webhook: string;
  wait: boolean;
  message: Record<string, unknown>;
}

interface SimulatedWebhook {
  id: string;
  token: string;
  name: string;
}

const str = (value: unknown, max: number, min = 0) =>
  typeof value === 'string' && value.length >= min && value.length <= max;

/** Why Discord would refuse one embed, or undefined (limits: discord.com/developers/docs). */
function embedProblem(embed: unknown): string | undefined {
  if (!isRecord(embed)) return 'not an object';
  if (embed.title !== undefined && !str(embed.title, 256)) return 'title';
  if (embed.description !== undefined && !str(embed.description, 4096)) return 'description';
  if (embed.url !== undefined && !(typeof embed.url === 'string' && /^https?:\/\//.test(embed.url)))
    return 'url';
  if (
    embed.color !== undefined &&
    !(
      Number.isInteger(embed.color) &&
      (embed.color as number) >= 0 &&
      (embed.color as number) <= 0xffffff
    )
  )
    return 'color';
  if (
    embed.timestamp !== undefined &&
    !(typeof embed.timestamp === 'string' && !Number.isNaN(Date.parse(embed.timestamp)))
  )
    return 'timestamp';
  if (embed.footer !== undefined && !(isRecord(embed.footer) && str(embed.footer.text, 2048, 1)))
    return 'footer';
  if (embed.fields !== undefined) {
    if (!Array.isArray(embed.fields) || embed.fields.length > 25) return 'fields';
    for (const field of embed.fields) {
      if (!isRecord(field) || !str(field.name, 256, 1) || !str(field.value, 1024, 1))
        return 'fields';
      if (field.inline !== undefined && typeof field.inline !== 'boolean') return 'fields';
    }
  }
  return undefined;
}

function embedText(embed: Record<string, unknown>): number {
  const len = (v: unknown) => (typeof v === 'string' ? v.length : 0);
  let total = len(embed.title) + len(embed.description);
  if (isRecord(embed.footer)) total += len(embed.footer.text);
  if (isRecord(embed.author)) total += len(embed.author.name);
  if (Array.isArray(embed.fields))
    for (const f of embed.fields) if (isRecord(f)) total += len(f.name) + len(f.value);
  return total;
}

/**
 * Discord's answer to an execute-webhook body: undefined when it would post it, else the
 * `400` body Discord sends (`{"embeds":["0"]}` names the bad embed's index).
 */
export function discordMessageError(message: unknown): Record<string, unknown> | undefined {
  if (!isRecord(message)) return { message: 'Cannot send an empty message', code: 50006 };
  const { content, embeds, username, avatar_url: avatar } = message;
  if (content !== undefined && !str(content, 2000))
    return { content: ['Must be 2000 or fewer in length.'] };
  if (username !== undefined && !str(username, 80, 1))
    return { username: ['Must be between 1 and 80 in length.'] };
  if (avatar !== undefined && !(typeof avatar === 'string' && /^https?:\/\//.test(avatar)))
    return { avatar_url: ['Not a well formed URL.'] };
  if (embeds !== undefined) {
    if (!Array.isArray(embeds) || embeds.length > 10)
      return { embeds: ['Must be 10 or fewer in length.'] };
    const bad = embeds.findIndex((e) => embedProblem(e) !== undefined);
    if (bad >= 0) return { embeds: [String(bad)] };
    const total = embeds.reduce(
      (sum: number, e) => sum + embedText(e as Record<string, unknown>),
      0,
    );
    if (total > 6000) return { embeds: ['Embed size exceeds maximum size of 6000'] };
  }
  const hasEmbeds = Array.isArray(embeds) && embeds.length > 0;
  if (!hasEmbeds && !(typeof content === 'string' && content.trim() !== ''))
    return { message: 'Cannot send an empty message', code: 50006 };
  if (message.allowed_mentions !== undefined && !isRecord(message.allowed_mentions))
    return { allowed_mentions: ['Must be an object.'] };
  return undefined;
}

/**
 * Discord execute-webhook API (https://discord.com/developers/docs/resources/webhook):
 * `POST /api/webhooks/{id}/{token}[?wait=true]` answers 200 with the message (wait) or 204;
 * `GET` the same URL returns the webhook object. Unknown webhook → 404 code 10015, wrong token →
 * 401 code 50027, bad body → 400, rate limited → 429 `{retry_after: seconds (float)}`.
 */
export class DiscordSimulator extends SimulatorServer<DiscordReceivedMessage> {
  private readonly webhooks = new Map<string, SimulatedWebhook>();
  private nextId = BigInt('1300000000000000000');

  constructor(options: SimulatorOptions = {}) {
    super(options);
    this.addWebhook('default');
  }

  /** Creates a webhook (a "channel") and returns its path; `webhookUrl(name)` gives the URL. */
  addWebhook(name: string): string {
    const id = String(this.nextId++);
    const webhook = { id, token: randomBytes(24).toString('base64url'), name };
    this.webhooks.set(name, webhook);
    return `/api/webhooks/${webhook.id}/${webhook.token}`;
  }

  webhookUrl(name = 'default'): string {
    const webhook = this.webhooks.get(name);
    if (!webhook) throw new Error(`no simulated Discord webhook named ${name}`);
    return `${this.url}/api/webhooks/${webhook.id}/${webhook.token}`;
  }

  /** Messages posted to one webhook. */
  receivedBy(name: string): Record<string, unknown>[] {
    return this.received.filter((r) => r.webhook === name).map((r) => r.message);
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    if (status === 429) {
      const seconds = retryAfterSeconds ?? 1;
      return {
        status,
        headers: {
          'retry-after': String(Math.ceil(seconds)),
          'x-ratelimit-scope': 'shared',
        },
        body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
      };
    }
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: { message: `${status}: Internal Server Error`, code: 0 },
    };
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    const match = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([^/]+)$/.exec(request.path);
    const webhook = match && [...this.webhooks.values()].find((w) => w.id === match[1]);
    if (!match || !webhook)
      return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
    if (webhook.token !== match[2])
      return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
    if (request.method === 'GET') {
      return {
        status: 200,
        body: {
          type: 1,
          id: webhook.id,
          name: webhook.name,
          channel_id: webhook.id,
          guild_id: '1200000000000000000',
          token: webhook.token,
          avatar: null,
          application_id: null,
        },
      };
    }
    if (request.method !== 'POST')
      return { status: 405, body: { message: '405: Method Not Allowed', code: 0 } };
    const message = parseJson(request.body);
    const error = discordMessageError(message);
    if (error || !isRecord(message)) return { status: 400, body: error };
    const wait = request.query.get('wait') === 'true';
    this.received.push({ webhook: webhook.name, wait, message });
    if (!wait) return { status: 204 };
    return {
      status: 200,
      body: {
        id: String(this.nextId++),
        type: 0,
        channel_id: webhook.id,
        webhook_id: webhook.id,
        content: message.content ?? '',
        embeds: message.embeds ?? [],
        timestamp: new Date().toISOString(),
      },
    };
  }
}
