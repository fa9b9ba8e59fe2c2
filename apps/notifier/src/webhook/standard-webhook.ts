import { createHmac } from 'node:crypto';

/**
 * Signature per the Standard Webhooks spec: HMAC-SHA256 over `${id}.${timestamp}.${body}` with the
 * base64 secret (after its `whsec_` prefix), sent as `v1,<base64>`.
 */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}
