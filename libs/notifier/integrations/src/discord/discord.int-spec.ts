import { DiscordSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import { sampleNotification } from '../webhook/notification.fixture';
import { parseDiscordConfig } from './discord.config';
import { DiscordIntegration } from './discord.integration';

describe('DiscordIntegration against the Discord simulator (real HTTP)', () => {
  const simulator = new DiscordSimulator();
  const http = fetchHttpSend({ timeoutMs: 5_000 });
  let discord: DiscordIntegration;

  beforeAll(async () => {
    simulator.addWebhook('database');
    await simulator.start();
    discord = new DiscordIntegration(
      parseDiscordConfig({
        webhook_url: simulator.webhookUrl('default'),
        username: 'APG Config Bot',
        mention_users: ['<@80351110224678912>'],
        critical_patterns: ['*.database.*'],
        channels: { database: simulator.webhookUrl('database') },
      }),
    );
  });
  afterEach(() => simulator.reset());
  afterAll(() => simulator.stop());

  it('delivers to the channel named by the subject, with the mention, and gets the message id', async () => {
    const outcome = await discord.deliver([sampleNotification()], http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 200 });
    expect(outcome.result === 'delivered' && outcome.reference).toMatch(/^\d+$/);
    expect(simulator.receivedBy('database')).toHaveLength(1);
    const [{ message, wait }] = simulator.received;
    expect(wait).toBe(true);
    expect(message.content).toBe('<@80351110224678912>');
    expect(message.username).toBe('APG Config Bot');
  });

  it('delivers other subjects to the default webhook without mentions', async () => {
    await expect(
      discord.deliver([sampleNotification({ subject: 'app.cache.ttl' })], http),
    ).resolves.toMatchObject({ result: 'delivered' });
    expect(simulator.receivedBy('default')).toHaveLength(1);
    expect(simulator.received[0].message).not.toHaveProperty('content');
  });

  it('delivers an oversized notification cut to the embed limits', async () => {
    const big = 'x'.repeat(20_000);
    const outcome = await discord.deliver(
      [
        sampleNotification({
          title: big,
          summary: big,
          fields: Array.from({ length: 80 }, (_, i) => ({ name: `${i}${big}`, value: big })),
        }),
      ],
      http,
    );
    expect(outcome.result).toBe('delivered');
  });

  it('honours the 429 retry_after (float seconds), then delivers', async () => {
    simulator.failNext(1, 429, 1.5);
    await expect(discord.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 1500,
    });
    await expect(discord.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
    expect(simulator.received).toHaveLength(1);
  });

  it('retries 500', async () => {
    simulator.failNext(1, 500);
    await expect(discord.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 500,
    });
  });

  it('fails on a wrong webhook token without leaking it', async () => {
    const url = simulator.webhookUrl('default');
    const wrong = new DiscordIntegration(parseDiscordConfig({ webhook_url: `${url}x` }));
    const outcome = await wrong.deliver([sampleNotification()], http);
    expect(outcome).toMatchObject({ result: 'failed', status: 401 });
    expect(JSON.stringify(outcome)).not.toContain(url.split('/').at(-1));
    await expect(wrong.checkHealth(http)).resolves.toMatchObject({ healthy: false });
  });

  it('health: every configured webhook answers GET', async () => {
    await expect(discord.checkHealth(http)).resolves.toMatchObject({
      healthy: true,
      detail: '2 webhook(s) reachable',
    });
    expect(simulator.received).toHaveLength(0);
  });
});
