import { NewRelicSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import { sampleNotification } from '../webhook/notification.fixture';
import { parseNewRelicConfig } from './newrelic.config';
import { NewRelicIntegration } from './newrelic.integration';

describe('NewRelicIntegration against the Event API simulator (real HTTP)', () => {
  const simulator = new NewRelicSimulator();
  const http = fetchHttpSend({ timeoutMs: 5_000 });
  let newrelic: NewRelicIntegration;

  beforeAll(async () => {
    await simulator.start();
    newrelic = new NewRelicIntegration(
      parseNewRelicConfig({
        account_id: simulator.accountId,
        api_key: simulator.licenseKey,
        event_types: { config_change: 'ConfigurationChanged' },
        custom_attributes: { team: 'platform' },
        base_url: simulator.url,
      }),
    );
  });
  afterEach(() => simulator.reset());
  afterAll(() => simulator.stop());

  it('delivers a batch of events New Relic keeps', async () => {
    const batch = [sampleNotification({ id: 'a' }), sampleNotification({ id: 'b', kind: 'alarm' })];
    const outcome = await newrelic.deliver(batch, http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 200 });
    expect(outcome.result === 'delivered' && outcome.reference).toMatch(/^[0-9a-f-]{36}$/);
    expect(simulator.requests).toHaveLength(1);
    expect(simulator.received.map((e) => e.eventType)).toEqual([
      'ConfigurationChanged',
      'TelcoMeshNotification',
    ]);
    expect(simulator.received[0].attributes).toMatchObject({
      team: 'platform',
      oldValue: 'localhost',
    });
    expect(simulator.integrationErrors).toEqual([]);
  });

  it('delivers an oversized batch without any event dropped', async () => {
    const big = 'x'.repeat(20_000);
    const batch = Array.from({ length: 20 }, (_, i) =>
      sampleNotification({
        id: `n${i}`,
        summary: big,
        fields: Array.from({ length: 300 }, (_, j) => ({ name: `f${j}`, value: big })),
      }),
    );
    await expect(newrelic.deliver(batch, http)).resolves.toMatchObject({ result: 'delivered' });
    expect(simulator.received).toHaveLength(20);
    expect(simulator.integrationErrors).toEqual([]);
  });

  it('uses X-Insert-Key for insert keys', async () => {
    const insert = new NewRelicIntegration(
      parseNewRelicConfig({
        account_id: simulator.accountId,
        api_key: simulator.insertKey,
        key_type: 'insert',
        base_url: simulator.url,
      }),
    );
    await expect(insert.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
  });

  it('retries 429 with the Retry-After delay, then delivers', async () => {
    simulator.failNext(1, 429, 8);
    await expect(newrelic.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 8_000,
    });
    await expect(newrelic.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
    expect(simulator.received).toHaveLength(1);
  });

  it('retries 500', async () => {
    simulator.failNext(1, 500);
    await expect(newrelic.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 500,
    });
  });

  it('fails with a wrong key', async () => {
    const wrong = new NewRelicIntegration(
      parseNewRelicConfig({
        account_id: simulator.accountId,
        api_key: 'x'.repeat(36) + 'NRAL',
        base_url: simulator.url,
      }),
    );
    await expect(wrong.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'failed',
      status: 403,
    });
    await expect(wrong.checkHealth(http)).resolves.toMatchObject({ healthy: false });
  });

  it('health: an empty array proves the key, no event recorded', async () => {
    await expect(newrelic.checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(simulator.received).toHaveLength(0);
  });
});
