import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureScheme } from './webhook-source-config';

/** Request headers as Node gives them (lower-case names). */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface SignatureSettings {
  scheme: SignatureScheme;
  secret: string;
  /** hmac_sha256_hex: header of `sha256=<hex>`. */
  signatureHeader: string;
  /** hmac_sha256_hex: header naming the delivery; else the body's hash names it. */
  deliveryIdHeader?: string;
  toleranceSeconds: number;
}

/** A verified delivery and its id (for de-duplication), or why it is refused (a 401). */
export type SignatureVerdict = { ok: true; deliveryId: string } | { ok: false; reason: string };

function header(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time equality of two byte strings (unequal lengths differ, in constant time too). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  // Hash both first so the comparison never leaks the expected length either.
  const digest = (value: Buffer) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b)) && a.length === b.length;
}

/** Standard Webhooks keys are `whsec_<base64>`; any other secret is used as its UTF-8 bytes. */
function keyOf(secret: string): Buffer {
  return secret.startsWith('whsec_')
    ? Buffer.from(secret.slice(6), 'base64')
    : Buffer.from(secret, 'utf8');
}

function verifyHexBody(
  settings: SignatureSettings,
  headers: WebhookHeaders,
  body: Uint8Array,
): SignatureVerdict {
  const presented = header(headers, settings.signatureHeader);
  if (!presented) return { ok: false, reason: `missing ${settings.signatureHeader} header` };
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(presented.trim());
  if (!match) {
    return { ok: false, reason: `${settings.signatureHeader} must be sha256=<64 hex digits>` };
  }
  const expected = createHmac('sha256', keyOf(settings.secret)).update(body).digest();
  if (!sameBytes(Buffer.from(match[1], 'hex'), expected)) {
    return { ok: false, reason: 'signature does not match the body' };
  }
  const named = settings.deliveryIdHeader ? header(headers, settings.deliveryIdHeader) : undefined;
  return {
    ok: true,
    deliveryId: named?.trim() || `sha256:${createHash('sha256').update(body).digest('hex')}`,
  };
}

function verifyStandard(
  settings: SignatureSettings,
  headers: WebhookHeaders,
  body: Uint8Array,
  nowMs: number,
): SignatureVerdict {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    return {
      ok: false,
      reason: 'missing webhook-id, webhook-timestamp or webhook-signature header',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: 'webhook-timestamp must be Unix seconds' };
  }
  const skewSeconds = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skewSeconds > settings.toleranceSeconds) {
    return {
      ok: false,
      reason: `webhook-timestamp is more than ${settings.toleranceSeconds} s from now`,
    };
  }
  const expected = createHmac('sha256', keyOf(settings.secret))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest();
  // Several space-separated `v1,<base64>` while a sender rotates keys; any one may match.
  const matched = signatures
    .split(' ')
    .map((entry) => entry.split(','))
    .filter(([version, value]) => version === 'v1' && value !== undefined)
    .reduce(
      (found, [, value]) => sameBytes(Buffer.from(value, 'base64'), expected) || found,
      false,
    );
  return matched
    ? { ok: true, deliveryId: id }
    : { ok: false, reason: 'signature does not match the body' };
}

/**
 * Checks a delivery's signature on its raw body, in constant time, and names the delivery.
 * The reason never contains the secret or the expected signature.
 */
export function verifyWebhookSignature(
  settings: SignatureSettings,
  headers: WebhookHeaders,
  body: Uint8Array,
  nowMs: number,
): SignatureVerdict {
  return settings.scheme === 'standard_webhooks'
    ? verifyStandard(settings, headers, body, nowMs)
    : verifyHexBody(settings, headers, body);
}

/** Signature headers for a body (tests and the README's example senders). */
export function signWebhook(
  scheme: SignatureScheme,
  secret: string,
  body: Uint8Array | string,
  options: { id?: string; timestampSeconds?: number; signatureHeader?: string } = {},
): Record<string, string> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (scheme === 'hmac_sha256_hex') {
    const hex = createHmac('sha256', keyOf(secret)).update(bytes).digest('hex');
    return { [options.signatureHeader ?? 'x-signature-256']: `sha256=${hex}` };
  }
  const id = options.id ?? `msg_${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}`;
  const timestamp = String(options.timestampSeconds ?? Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', keyOf(secret))
    .update(`${id}.${timestamp}.`)
    .update(bytes)
    .digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature}`,
  };
}
