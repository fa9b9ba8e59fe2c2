import { randomBytes } from 'node:crypto';
import { signWebhook, verifyWebhookSignature, type SignatureSettings } from './webhook-signature';

const NOW = Date.parse('2024-01-15T10:00:00Z');
const body = Buffer.from('{"alarm_id":"A-1","severity":"MAJOR"}');
const hexSettings: SignatureSettings = {
  scheme: 'hmac_sha256_hex',
  secret: 'a-shared-secret-of-enough-length',
  signatureHeader: 'x-signature-256',
  toleranceSeconds: 300,
};
const standardSettings: SignatureSettings = {
  ...hexSettings,
  scheme: 'standard_webhooks',
  secret: `whsec_${randomBytes(24).toString('base64')}`,
};

describe('verifyWebhookSignature, sha256=<hex> of the raw body', () => {
  it('accepts a good signature and names the delivery by the hash of its body', () => {
    const headers = signWebhook('hmac_sha256_hex', hexSettings.secret, body);
    const verdict = verifyWebhookSignature(hexSettings, headers, body, NOW);
    expect(verdict.ok).toBe(true);
    expect(verdict.ok && verdict.deliveryId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('takes the delivery id from the configured header', () => {
    const headers = {
      ...signWebhook('hmac_sha256_hex', hexSettings.secret, body),
      'x-github-delivery': 'd-42',
    };
    const settings = { ...hexSettings, deliveryIdHeader: 'X-GitHub-Delivery' };
    expect(verifyWebhookSignature(settings, headers, body, NOW)).toEqual({
      ok: true,
      deliveryId: 'd-42',
    });
  });

  it('refuses a body changed by one byte, another secret, or no header, without echoing secrets', () => {
    const headers = signWebhook('hmac_sha256_hex', hexSettings.secret, body);
    const tampered = Buffer.from(body);
    tampered[3] ^= 1;
    const other = signWebhook('hmac_sha256_hex', 'another-secret-of-enough-length', body);
    const verdicts = [
      verifyWebhookSignature(hexSettings, headers, tampered, NOW),
      verifyWebhookSignature(hexSettings, other, body, NOW),
      verifyWebhookSignature(hexSettings, {}, body, NOW),
      verifyWebhookSignature(hexSettings, { 'x-signature-256': 'sha1=abc' }, body, NOW),
    ];
    expect(verdicts).toEqual([
      { ok: false, reason: 'signature does not match the body' },
      { ok: false, reason: 'signature does not match the body' },
      { ok: false, reason: 'missing x-signature-256 header' },
      { ok: false, reason: 'x-signature-256 must be sha256=<64 hex digits>' },
    ]);
    expect(JSON.stringify(verdicts)).not.toContain(hexSettings.secret);
  });
});

describe('verifyWebhookSignature, Standard Webhooks', () => {
  const sign = (timestampSeconds: number, id = 'msg_1') =>
    signWebhook('standard_webhooks', standardSettings.secret, body, { id, timestampSeconds });

  it('accepts a good signature within the tolerance and names the delivery by webhook-id', () => {
    expect(verifyWebhookSignature(standardSettings, sign(NOW / 1000 - 60), body, NOW)).toEqual({
      ok: true,
      deliveryId: 'msg_1',
    });
  });

  it('accepts any of several signatures (key rotation)', () => {
    const headers = sign(NOW / 1000);
    headers['webhook-signature'] =
      `v1,${randomBytes(32).toString('base64')} ${headers['webhook-signature']}`;
    expect(verifyWebhookSignature(standardSettings, headers, body, NOW).ok).toBe(true);
  });

  it('refuses a replay outside the tolerance, in the past or the future', () => {
    for (const skew of [-301, 301]) {
      expect(verifyWebhookSignature(standardSettings, sign(NOW / 1000 + skew), body, NOW)).toEqual({
        ok: false,
        reason: 'webhook-timestamp is more than 300 s from now',
      });
    }
  });

  it('refuses a signature replayed with another id or timestamp, and a bad body', () => {
    const headers = sign(NOW / 1000);
    const verdicts = [
      verifyWebhookSignature(standardSettings, { ...headers, 'webhook-id': 'msg_2' }, body, NOW),
      verifyWebhookSignature(
        standardSettings,
        { ...headers, 'webhook-timestamp': String(NOW / 1000 - 1) },
        body,
        NOW,
      ),
      verifyWebhookSignature(standardSettings, headers, Buffer.from('{}'), NOW),
    ];
    for (const verdict of verdicts) {
      expect(verdict).toEqual({ ok: false, reason: 'signature does not match the body' });
    }
    const missing = verifyWebhookSignature(standardSettings, { 'webhook-id': 'x' }, body, NOW);
    expect(!missing.ok && missing.reason).toMatch(/^missing /);
  });
});
