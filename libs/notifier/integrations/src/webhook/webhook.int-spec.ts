import { StandardWebhookSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import { sampleNotification } from './notification.fixture';
import { parseWebhookConfig } from './webhook.config';
import { WebhookIntegration } from './webhook.integration';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('WebhookIntegration against a Standard Webhooks receiver (real HTTP)', () => {
  const simulator = new StandardWebhookSimulator({
    secret: SECRET,
    requiredHeaders: { authorization: 'Bearer s3cret' },
  });
  const http = fetchHttpSend({ timeoutMs: 5_000 });
  let webhook: WebhookIntegration;

  beforeAll(async () => {
    const url = await simulator.start();
    webhook = new WebhookIntegration(
      parseWebhookConfig({
        url: `${url}/hooks/telcomesh`,
        secret: SECRET,
        headers: { Authorization: 'Bearer s3cret' },
      }),
    );
  });
  afterEach(() => simulator.reset());
  afterAll(() => simulator.stop());

  it('delivers a signed notification the receiver verifies', async () => {
    const n = sampleNotification();
    await expect(webhook.deliver([n], http)).resolves.toEqual({ result: 'delivered', status: 204 });
    expect(simulator.received).toHaveLength(1);
    expect(simulator.received[0]).toMatchObject({ id: n.id, body: { subject: n.subject } });
  });

  it('a redelivery carries the same webhook-id, so the receiver drops it', async () => {
    await webhook.deliver([sampleNotification()], http);
    await webhook.deliver([sampleNotification()], http);
    expect(simulator.received).toHaveLength(1);
    expect(simulator.repeats).toBe(1);
  });

  it('retries 429 with the Retry-After delay, then delivers', async () => {
    simulator.failNext(1, 429, 3);
    await expect(webhook.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 3_000,
    });
    await expect(webhook.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
  });

  it('retries 500', async () => {
    simulator.failNext(1, 500);
    await expect(webhook.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 500,
    });
  });

  it('fails with a wrong signing secret', async () => {
    const wrong = new WebhookIntegration(
      parseWebhookConfig({
        url: simulator.url,
        secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        headers: { Authorization: 'Bearer s3cret' },
      }),
    );
    await expect(wrong.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'failed',
      status: 401,
    });
    expect(simulator.received).toHaveLength(0);
  });

  it('health: the receiver answers GET (405) without a delivery', async () => {
    await expect(webhook.checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(simulator.received).toHaveLength(0);
  });
});
