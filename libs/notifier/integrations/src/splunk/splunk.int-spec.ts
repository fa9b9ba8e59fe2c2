import { SplunkSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import { sampleNotification } from '../webhook/notification.fixture';
import { parseSplunkConfig } from './splunk.config';
import { SplunkIntegration } from './splunk.integration';

describe('SplunkIntegration against the HEC simulator (real HTTP)', () => {
  const simulator = new SplunkSimulator({ indexes: ['main', 'apg_config'] });
  const http = fetchHttpSend({ timeoutMs: 5_000 });
  let splunk: SplunkIntegration;

  beforeAll(async () => {
    await simulator.start();
    splunk = new SplunkIntegration(
      parseSplunkConfig({
        hec_url: simulator.hecUrl,
        hec_token: simulator.token,
        index: 'apg_config',
        sourcetype: 'apg:configuration',
        source: 'central-configuration',
        batch_size: 50,
      }),
    );
  });
  afterEach(() => simulator.reset());
  afterAll(() => simulator.stop());

  it('delivers a batch as one request HEC indexes', async () => {
    const batch = Array.from({ length: splunk.maxBatchSize }, (_, i) =>
      sampleNotification({ id: `n${i}` }),
    );
    await expect(splunk.deliver(batch, http)).resolves.toEqual({
      result: 'delivered',
      status: 200,
    });
    expect(simulator.requests).toHaveLength(1);
    expect(simulator.received).toHaveLength(50);
    expect(simulator.received[0]).toMatchObject({
      index: 'apg_config',
      sourcetype: 'apg:configuration',
      source: 'central-configuration',
      time: 1735741800,
      event: { id: 'n0', subject: 'app.database.host' },
    });
  });

  it('retries server busy with the Retry-After delay, then delivers', async () => {
    simulator.failNext(1, 503, 2);
    await expect(splunk.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 503,
      retryAfterMs: 2_000,
    });
    await expect(splunk.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'delivered',
    });
    expect(simulator.received).toHaveLength(1);
  });

  it('retries 429 with Retry-After and 500', async () => {
    simulator.failNext(1, 429, 6);
    simulator.failNext(1, 500);
    await expect(splunk.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      retryAfterMs: 6_000,
    });
    await expect(splunk.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'retry',
      status: 500,
    });
  });

  it('fails on an invalid token and on an index the token may not use', async () => {
    const badToken = new SplunkIntegration(
      parseSplunkConfig({
        hec_url: simulator.hecUrl,
        hec_token: '00000000-0000-4000-8000-000000000000',
      }),
    );
    await expect(badToken.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'failed',
      status: 403,
      reason: expect.stringContaining('Invalid token') as unknown,
    });
    await expect(badToken.checkHealth(http)).resolves.toMatchObject({ healthy: false });
    const badIndex = new SplunkIntegration(
      parseSplunkConfig({ hec_url: simulator.hecUrl, hec_token: simulator.token, index: 'nope' }),
    );
    await expect(badIndex.deliver([sampleNotification()], http)).resolves.toMatchObject({
      result: 'failed',
      status: 400,
    });
    expect(simulator.received).toHaveLength(0);
  });

  it('health: HEC healthy and token accepted, nothing indexed', async () => {
    await expect(splunk.checkHealth(http)).resolves.toMatchObject({
      healthy: true,
      detail: 'HEC is healthy and accepts the token',
    });
    expect(simulator.received).toHaveLength(0);
  });
});
