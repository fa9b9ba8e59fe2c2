import { TeamsSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import { sampleNotification } from '../webhook/notification.fixture';
import { parseTeamsConfig } from './teams.config';
import { TeamsIntegration } from './teams.integration';

describe('TeamsIntegration against the Teams Workflows simulator (real HTTP)', () => {
  const simulator = new TeamsSimulator();
  const http = fetchHttpSend({ timeoutMs: 5_000 });
  let teams: TeamsIntegration;

  beforeAll(async () => {
    await simulator.start();
    teams = new TeamsIntegration(parseTeamsConfig({ webhook_url: simulator.webhookUrl }));
  });
  afterEach(() => simulator.reset());
  afterAll(() => simulator.stop());

  it('delivers an Adaptive Card Teams accepts', async () => {
    await expect(teams.deliver([sampleNotification()], http)).resolves.toEqual({
      result: 'delivered',
      status: 202,
    });
    expect(simulator.received).toHaveLength(1);
    expect(simulator.received[0].card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
  });

  it('delivers a notification with too many facts cut under 28 KB', async () => {
    const outcome = await teams.deliver(
      [
        sampleNotification({
          fields: Array.from({ length: 400 }, (_, i) => ({
            name: `f${i}`,
            value: 'v'.repeat(800),
          })),
        }),
      ],
      http,
    );
    expect(outcome.result).toBe('delivered');
    expect(simulator.received[0].bytes).toBeLessThanOrEqual(28 * 1024);
  });

  it('retries 429 with the Retry-After delay, then delivers', async () => {
    simulator.failNext(1, 429, 9);
    await expect(teams.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 9_000,
    });
    await expect(teams.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
  });

  it('retries 500', async () => {
    simulator.failNext(1, 500);
    await expect(teams.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 500,
    });
  });

  it('fails with a wrong signature, without leaking either', async () => {
    const wrong = new TeamsIntegration(
      parseTeamsConfig({ webhook_url: simulator.webhookUrl.replace(simulator.sig, 'forged') }),
    );
    const outcome = await wrong.deliver([sampleNotification()], http);
    expect(outcome).toMatchObject({ result: 'failed', status: 401 });
    expect(JSON.stringify(outcome)).not.toContain('forged');
    await expect(wrong.checkHealth(http)).resolves.toMatchObject({ healthy: false });
  });

  it('health: the signed URL answers without posting', async () => {
    await expect(teams.checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(simulator.received).toHaveLength(0);
  });
});
