import { randomBytes } from 'node:crypto';
import {
  isRecord,
  parseJson,
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface SlackReceivedMessage {
  text?: string;
  blocks: Record<string, unknown>[];
  channel?: string;
  username?: string;
  icon_emoji?: string;
}

/** Limits from https://api.slack.com/reference/block-kit/blocks. */
const MAX_BLOCKS = 50;
const TEXT_LIMITS: Record<string, number> = { header: 150, section: 3000, context: 3000 };

function textObject(value: unknown, max: number, plainOnly = false): boolean {
  if (!isRecord(value)) return false;
  if (value.type !== 'plain_text' && (plainOnly || value.type !== 'mrkdwn')) return false;
  return typeof value.text === 'string' && value.text.length > 0 && value.text.length <= max;
}

function validBlock(block: unknown): boolean {
  if (!isRecord(block)) return false;
  switch (block.type) {
    case 'header':
      return textObject(block.text, TEXT_LIMITS.header, true);
    case 'section': {
      if (block.text === undefined && block.fields === undefined) return false;
      if (block.text !== undefined && !textObject(block.text, TEXT_LIMITS.section)) return false;
      if (block.fields === undefined) return true;
      return (
        Array.isArray(block.fields) &&
        block.fields.length > 0 &&
        block.fields.length <= 10 &&
        block.fields.every((f) => textObject(f, 2000))
      );
    }
    case 'context':
      return (
        Array.isArray(block.elements) &&
        block.elements.length > 0 &&
        block.elements.length <= 10 &&
        block.elements.every((e) => textObject(e, TEXT_LIMITS.context))
      );
    case 'divider':
      return true;
    case 'actions':
      return (
        Array.isArray(block.elements) &&
        block.elements.length > 0 &&
        block.elements.length <= 25 &&
        block.elements.every(
          (e) =>
            isRecord(e) &&
            e.type === 'button' &&
            textObject(e.text, 75, true) &&
            (e.url === undefined || (typeof e.url === 'string' && e.url.length <= 3000)),
        )
      );
    default:
      return false;
  }
}

/**
 * Slack's error code for an incoming-webhook message (`invalid_payload`, `no_text`,
 * `invalid_blocks`), or undefined when Slack would post it.
 */
export function slackMessageError(message: unknown): string | undefined {
  if (!isRecord(message)) return 'invalid_payload';
  const { text, blocks } = message;
  if (text !== undefined && typeof text !== 'string') return 'invalid_payload';
  if (blocks !== undefined) {
    if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > MAX_BLOCKS)
      return 'invalid_blocks';
    if (!blocks.every(validBlock)) return 'invalid_blocks';
  }
  if (!text && blocks === undefined && message.attachments === undefined) return 'no_text';
  return undefined;
}

/**
 * Slack incoming webhooks (https://api.slack.com/messaging/webhooks): POST JSON to
 * `/services/T…/B…/<secret>`; `200 ok` when posted, plain-text error codes otherwise
 * (`400 invalid_payload`, `400 no_text`, `400 invalid_blocks`, `403 invalid_token`,
 * `404 no_service`, `429 rate_limited` with Retry-After).
 */
export class SlackSimulator extends SimulatorServer<SlackReceivedMessage> {
  readonly webhookPath: string;
  private readonly prefix: string;

  constructor(options: SimulatorOptions & { secret?: string } = {}) {
    super(options);
    this.prefix = '/services/T0TELCOMSH/B0SIMULATR/';
    this.webhookPath = this.prefix + (options.secret ?? randomBytes(12).toString('hex'));
  }

  /** The incoming-webhook URL to configure (valid once started). */
  get webhookUrl(): string {
    return this.url + this.webhookPath;
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: status === 429 ? 'rate_limited' : 'service_unavailable',
    };
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    if (request.method !== 'POST') return { status: 405, body: 'invalid_method' };
    if (request.path !== this.webhookPath) {
      return request.path.startsWith(this.prefix)
        ? { status: 403, body: 'invalid_token' }
        : { status: 404, body: 'no_service' };
    }
    const message = parseJson(request.body);
    const error = slackMessageError(message);
    if (error || !isRecord(message)) return { status: 400, body: error ?? 'invalid_payload' };
    const optional = (key: string) => {
      const value = message[key];
      return typeof value === 'string' ? value : undefined;
    };
    this.received.push({
      text: optional('text'),
      blocks: (message.blocks ?? []) as Record<string, unknown>[],
      channel: optional('channel'),
      username: optional('username'),
      icon_emoji: optional('icon_emoji'),
    });
    return { status: 200, body: 'ok' };
  }
}
