import { verifyStandardWebhook } from '@telcomesh/testing';
import { sampleNotification, scriptedHttp } from './notification.fixture';
import { parseWebhookConfig } from './webhook.config';
import { signStandardWebhook, WebhookIntegration } from './webhook.integration';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1_735_741_800_123;

function webhook(extra: Record<string, unknown> = {}) {
  return new WebhookIntegration(
    parseWebhookConfig({
      url: 'https://receiver.example.com/hooks/pathTOKEN',
      secret: SECRET,
      headers: { Authorization: 'Bearer hdrTOKEN', 'X-Team': 'noc' },
      ...extra,
    }),
    () => NOW,
  );
}

describe('signStandardWebhook', () => {
  it('matches the Standard Webhooks reference vector', () => {
    expect(
      signStandardWebhook(
        SECRET,
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});

describe('WebhookIntegration request', () => {
  it('POSTs the notification as JSON with Standard Webhooks headers and extra headers', () => {
    const n = sampleNotification();
    const request = webhook().buildRequest(n);
    expect(request.method).toBe('POST');
    expect(request.url).toBe('https://receiver.example.com/hooks/pathTOKEN');
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': n.id,
      'webhook-timestamp': '1735741800',
      Authorization: 'Bearer hdrTOKEN',
      'X-Team': 'noc',
    });
    expect(JSON.parse(request.body ?? '')).toEqual({
      ...n,
      occurredAt: '2025-01-01T14:30:00.000Z',
    });
    expect(request.headers['webhook-signature']).toBe(
      signStandardWebhook(SECRET, n.id, 1735741800, request.body ?? ''),
    );
    expect(
      verifyStandardWebhook(
        SECRET,
        n.id,
        '1735741800',
        request.body ?? '',
        request.headers['webhook-signature'],
      ),
    ).toBe(true);
  });

  it('sends no signature without a secret', () => {
    const request = webhook({ secret: undefined }).buildRequest(sampleNotification());
    expect(request.headers).not.toHaveProperty('webhook-signature');
    expect(request.headers['webhook-id']).toBe(sampleNotification().id);
  });
});

describe('WebhookIntegration delivery', () => {
  it('delivers on 2xx', async () => {
    await expect(
      webhook().deliver([sampleNotification()], scriptedHttp({ status: 204 })),
    ).resolves.toEqual({ result: 'delivered', status: 204 });
  });

  it.each([400, 401, 403, 404, 410, 422])('fails on %i without leaking secrets', async (status) => {
    const outcome = await webhook().deliver(
      [sampleNotification()],
      scriptedHttp({ status, body: 'nope' }),
    );
    expect(outcome).toMatchObject({ result: 'failed', status });
    expect(JSON.stringify(outcome)).not.toMatch(/TOKEN/);
  });

  it('retries 408, 429 (with Retry-After) and 5xx', async () => {
    for (const status of [408, 500, 503])
      await expect(
        webhook().deliver([sampleNotification()], scriptedHttp({ status })),
      ).resolves.toMatchObject({ result: 'retry', status });
    await expect(
      webhook().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 429, headers: { 'retry-after': '4' } }),
      ),
    ).resolves.toMatchObject({ result: 'retry', retryAfterMs: 4000 });
  });

  it('masks the URL and header values in network errors', async () => {
    const outcome = await webhook().deliver([sampleNotification()], async (r) => {
      throw new Error(`failed ${r.url} with Bearer hdrTOKEN`);
    });
    expect(outcome.result).toBe('retry');
    expect(JSON.stringify(outcome)).not.toMatch(/TOKEN/);
  });

  it('health: GET url (405 is fine, 404 is not) or health_url (2xx wanted)', async () => {
    const probe = scriptedHttp({ status: 405 });
    await expect(webhook().checkHealth(probe)).resolves.toMatchObject({ healthy: true });
    expect(probe.requests[0]).toMatchObject({ method: 'GET' });
    await expect(webhook().checkHealth(scriptedHttp({ status: 404 }))).resolves.toMatchObject({
      healthy: false,
    });
    const withHealth = webhook({ health_url: 'https://receiver.example.com/health' });
    await expect(withHealth.checkHealth(scriptedHttp({ status: 405 }))).resolves.toMatchObject({
      healthy: false,
    });
    await expect(withHealth.checkHealth(scriptedHttp({ status: 200 }))).resolves.toMatchObject({
      healthy: true,
    });
  });
});

describe('parseWebhookConfig', () => {
  it('names every bad field, never echoing secrets', () => {
    let message = '';
    try {
      parseWebhookConfig({
        url: 'nope',
        secret: 'plainTOKEN',
        headers: { 'webhook-signature': 'forgedTOKEN' },
        health_url: 3,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of ['url', 'secret', 'headers', 'health_url'])
      expect(message).toContain(field);
    expect(message).not.toMatch(/TOKEN/);
  });

  it('refuses non-string header values', () => {
    expect(() =>
      parseWebhookConfig({ url: 'https://x.example.com', headers: { 'X-A': 1 } }),
    ).toThrow(/headers must map names to strings/);
  });
});
