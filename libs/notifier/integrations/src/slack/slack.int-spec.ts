import { SlackSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import { sampleNotification } from '../webhook/notification.fixture';
import { parseSlackConfig } from './slack.config';
import { SlackIntegration } from './slack.integration';

describe('SlackIntegration against the Slack simulator (real HTTP)', () => {
  const simulator = new SlackSimulator();
  const http = fetchHttpSend({ timeoutMs: 5_000 });
  let slack: SlackIntegration;

  beforeAll(async () => {
    await simulator.start();
    slack = new SlackIntegration(
      parseSlackConfig({
        webhook_url: simulator.webhookUrl,
        channel: '#config-changes',
        username: 'APG Config Bot',
        icon_emoji: ':gear:',
        mention_groups: ['@here'],
      }),
    );
  });
  afterEach(() => simulator.reset());
  afterAll(() => simulator.stop());

  it('delivers a Block Kit message Slack accepts', async () => {
    const outcome = await slack.deliver([sampleNotification({ severity: 'critical' })], http);
    expect(outcome).toEqual({ result: 'delivered', status: 200 });
    expect(simulator.received).toHaveLength(1);
    const [message] = simulator.received;
    expect(message.channel).toBe('#config-changes');
    expect(message.username).toBe('APG Config Bot');
    expect(message.icon_emoji).toBe(':gear:');
    expect(message.text).toContain('<!here>');
    expect(message.blocks[0]).toMatchObject({ type: 'header' });
  });

  it('delivers an oversized notification cut to Slack limits', async () => {
    const big = 'x'.repeat(10_000);
    const outcome = await slack.deliver(
      [
        sampleNotification({
          title: big,
          summary: big,
          fields: Array.from({ length: 600 }, (_, i) => ({ name: `n${i}`, value: big })),
        }),
      ],
      http,
    );
    expect(outcome.result).toBe('delivered');
    expect(simulator.received[0].blocks).toHaveLength(50);
  });

  it('retries 429 rate_limited with the Retry-After delay, then delivers', async () => {
    simulator.failNext(1, 429, 7);
    await expect(slack.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 7_000,
    });
    expect(simulator.received).toHaveLength(0);
    await expect(slack.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
    expect(simulator.received).toHaveLength(1);
  });

  it('retries 500', async () => {
    simulator.failNext(1, 500);
    await expect(slack.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 500,
    });
  });

  it('fails on a revoked webhook token without leaking it', async () => {
    const revoked = new SlackIntegration(
      parseSlackConfig({ webhook_url: `${simulator.webhookUrl}-revoked` }),
    );
    const outcome = await revoked.deliver([sampleNotification()], http);
    expect(outcome).toMatchObject({ result: 'failed', status: 403 });
    expect(JSON.stringify(outcome)).toContain('invalid_token');
    expect(JSON.stringify(outcome)).not.toContain(simulator.webhookPath);
  });

  it('health: a live webhook is healthy without posting; an unknown one is not', async () => {
    await expect(slack.checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(simulator.received).toHaveLength(0);
    const unknown = new SlackIntegration(
      parseSlackConfig({ webhook_url: `${simulator.url}/services/nope` }),
    );
    await expect(unknown.checkHealth(http)).resolves.toMatchObject({
      healthy: false,
      detail: 'HTTP 404: no_service',
    });
  });
});
