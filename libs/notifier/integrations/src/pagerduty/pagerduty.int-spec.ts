import { PagerDutySimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import { sampleNotification } from '../webhook/notification.fixture';
import { parsePagerDutyConfig } from './pagerduty.config';
import { PagerDutyIntegration } from './pagerduty.integration';

describe('PagerDutyIntegration against the Events API v2 simulator (real HTTP)', () => {
  const simulator = new PagerDutySimulator();
  const http = fetchHttpSend({ timeoutMs: 5_000 });
  let pagerduty: PagerDutyIntegration;

  beforeAll(async () => {
    await simulator.start();
    pagerduty = new PagerDutyIntegration(
      parsePagerDutyConfig({ routing_key: simulator.routingKey, base_url: simulator.url }),
    );
  });
  afterEach(() => simulator.reset());
  afterAll(() => simulator.stop());

  it('triggers and then resolves the same alert', async () => {
    const firing = sampleNotification({ severity: 'critical', labels: { dedup_key: 'alarm-7' } });
    await expect(pagerduty.deliver([firing], http)).resolves.toEqual({
      result: 'delivered',
      status: 202,
      reference: 'alarm-7',
    });
    expect(simulator.alerts.get('alarm-7')).toBe('triggered');
    expect(simulator.received[0].payload).toMatchObject({ severity: 'critical' });
    await expect(
      pagerduty.deliver([{ ...firing, status: 'resolved' }], http),
    ).resolves.toMatchObject({ result: 'delivered' });
    expect(simulator.alerts.get('alarm-7')).toBe('resolved');
  });

  it('delivers an oversized notification within the limits', async () => {
    const big = 'z'.repeat(50_000);
    await expect(
      pagerduty.deliver(
        [
          sampleNotification({
            summary: big,
            fields: Array.from({ length: 100 }, (_, i) => ({ name: `f${i}`, value: big })),
          }),
        ],
        http,
      ),
    ).resolves.toMatchObject({ result: 'delivered' });
  });

  it('retries 429 with the Retry-After delay, then delivers', async () => {
    simulator.failNext(1, 429, 5);
    await expect(pagerduty.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 5_000,
    });
    await expect(pagerduty.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
  });

  it('retries 500', async () => {
    simulator.failNext(1, 500);
    await expect(pagerduty.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 500,
    });
  });

  it('fails on an unknown routing key, without echoing it', async () => {
    const wrongKey = 'a'.repeat(32);
    const wrong = new PagerDutyIntegration(
      parsePagerDutyConfig({ routing_key: wrongKey, base_url: simulator.url }),
    );
    const outcome = await wrong.deliver([sampleNotification()], http);
    expect(outcome).toMatchObject({ result: 'failed', status: 400 });
    expect(JSON.stringify(outcome)).toContain('Invalid routing key');
    expect(JSON.stringify(outcome)).not.toContain(wrongKey);
    await expect(wrong.checkHealth(http)).resolves.toMatchObject({ healthy: false });
  });

  it('health: the routing key is accepted and no alert is opened', async () => {
    await expect(pagerduty.checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(simulator.alerts.size).toBe(0);
  });
});
