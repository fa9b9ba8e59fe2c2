import { splitConcatenatedJson } from '@telcomesh/testing';
import { sampleNotification, scriptedHttp } from '../webhook/notification.fixture';
import { parseSplunkConfig } from './splunk.config';
import { SplunkIntegration } from './splunk.integration';

const TOKEN = '12345678-9abc-4def-8123-456789abcdef';

function splunk(extra: Record<string, unknown> = {}) {
  return new SplunkIntegration(
    parseSplunkConfig({
      hec_url: 'https://splunk.company.com:8088/services/collector',
      hec_token: TOKEN,
      index: 'apg_config',
      sourcetype: 'apg:configuration',
      source: 'central-configuration',
      ssl_verify: true,
      batch_size: 100,
      flush_interval: 30,
      ...extra,
    }),
  );
}

describe('SplunkIntegration events', () => {
  it('batches by batch_size and holds partial batches for flush_interval', () => {
    expect(splunk().maxBatchSize).toBe(100);
    expect(splunk({ batch_size: 7 }).maxBatchSize).toBe(7);
    expect(splunk().flushIntervalMs).toBe(30_000);
  });

  it('builds HEC JSON events with fractional epoch time and the configured metadata', () => {
    const n = sampleNotification({ occurredAt: new Date('2025-01-01T14:30:00.250Z') });
    expect(splunk({ host: 'notifier-1' }).buildEvent(n)).toEqual({
      time: 1735741800.25,
      host: 'notifier-1',
      source: 'central-configuration',
      sourcetype: 'apg:configuration',
      index: 'apg_config',
      event: {
        id: n.id,
        kind: 'config_change',
        subject: 'app.database.host',
        title: 'Configuration Changed',
        summary: n.summary,
        severity: 'major',
        status: 'firing',
        tenant: 'company',
        site: 'site-001',
        fields: {
          Key: 'app.database.host',
          'Old Value': 'localhost',
          'New Value': 'prod-db.internal',
          'Changed By': 'admin@company.com',
        },
        labels: { config_key: 'app.database.host', environment: 'production' },
        url: n.url,
        count: 1,
      },
    });
  });

  it('omits host and index when not configured', () => {
    const event = new SplunkIntegration(
      parseSplunkConfig({
        hec_url: 'https://splunk.example.com:8088/services/collector/event',
        hec_token: TOKEN,
      }),
    ).buildEvent(sampleNotification());
    expect(event).not.toHaveProperty('host');
    expect(event).not.toHaveProperty('index');
    expect(event).toMatchObject({ source: 'telcomesh', sourcetype: 'telcomesh:notification' });
  });

  it('sends one POST of concatenated events with the Splunk authorization', () => {
    const request = splunk().buildRequest([
      sampleNotification({ id: 'a' }),
      sampleNotification({ id: 'b' }),
      sampleNotification({ id: 'c' }),
    ]);
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://splunk.company.com:8088/services/collector',
      headers: { authorization: `Splunk ${TOKEN}`, 'content-type': 'application/json' },
    });
    const events = splitConcatenatedJson(request.body ?? '')?.map(
      (t) => JSON.parse(t) as { event: { id: string } },
    );
    expect(events?.map((e) => e.event.id)).toEqual(['a', 'b', 'c']);
  });

  it('derives the health URL from hec_url', () => {
    expect(splunk().healthUrl()).toBe('https://splunk.company.com:8088/services/collector/health');
    expect(
      splunk({ hec_url: 'https://h.example.com/x/services/collector/event?channel=1' }).healthUrl(),
    ).toBe('https://h.example.com/x/services/collector/health');
  });
});

describe('SplunkIntegration answers', () => {
  it('reads {"text":"Success","code":0} as delivered', async () => {
    await expect(
      splunk().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 200, body: '{"text":"Success","code":0}' }),
      ),
    ).resolves.toEqual({ result: 'delivered', status: 200 });
  });

  it('retries server busy (503 code 9) and 500 (code 8)', async () => {
    await expect(
      splunk().deliver(
        [sampleNotification()],
        scriptedHttp({
          status: 503,
          headers: { 'retry-after': '5' },
          body: '{"text":"Server is busy","code":9}',
        }),
      ),
    ).resolves.toEqual({
      result: 'retry',
      status: 503,
      reason: 'splunk HEC busy (HEC code 9: Server is busy)',
      retryAfterMs: 5000,
    });
    await expect(
      splunk().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 500, body: '{"text":"Internal server error","code":8}' }),
      ),
    ).resolves.toMatchObject({ result: 'retry', status: 500 });
  });

  it.each([
    [403, 4, 'Invalid token'],
    [401, 2, 'Token is required'],
    [400, 6, 'Invalid data format'],
    [400, 7, 'Incorrect index'],
  ])('fails on %i code %i (%s), never showing the token', async (status, code, text) => {
    const outcome = await splunk().deliver(
      [sampleNotification()],
      scriptedHttp({ status, body: JSON.stringify({ text, code }) }),
    );
    expect(outcome).toMatchObject({ result: 'failed', status });
    expect(outcome.result !== 'delivered' && outcome.reason).toContain(`HEC code ${code}`);
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('masks the token in network errors', async () => {
    const outcome = await splunk().deliver([sampleNotification()], async (r) => {
      throw new Error(`socket hang up (${r.headers.authorization})`);
    });
    expect(outcome.result).toBe('retry');
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('health: HEC healthy and the empty probe refused as No data (code 5)', async () => {
    const http = scriptedHttp(
      { status: 200, body: '{"text":"HEC is healthy","code":17}' },
      { status: 400, body: '{"text":"No data","code":5}' },
    );
    await expect(splunk().checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(http.requests.map((r) => [r.method, r.url, r.body ?? null])).toEqual([
      ['GET', 'https://splunk.company.com:8088/services/collector/health', null],
      ['POST', 'https://splunk.company.com:8088/services/collector', ''],
    ]);
    await expect(
      splunk().checkHealth(
        scriptedHttp(
          { status: 200, body: '{"text":"HEC is healthy","code":17}' },
          { status: 403, body: '{"text":"Invalid token","code":4}' },
        ),
      ),
    ).resolves.toMatchObject({ healthy: false });
    await expect(
      splunk().checkHealth(
        scriptedHttp({
          status: 503,
          body: '{"text":"HEC is unhealthy, queues are full","code":18}',
        }),
      ),
    ).resolves.toMatchObject({ healthy: false });
  });
});

describe('parseSplunkConfig', () => {
  it('names every bad field and never echoes the token', () => {
    let message = '';
    try {
      parseSplunkConfig({
        hec_url: 'https://splunk.example.com/wrong',
        hec_token: 'not-a-guid-SECRET',
        index: '_Internal',
        ssl_verify: false,
        batch_size: 0,
        flush_interval: 'soon',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'hec_url',
      'hec_token',
      'index',
      'ssl_verify',
      'batch_size',
      'flush_interval',
    ])
      expect(message).toContain(field);
    expect(message).toContain('NODE_EXTRA_CA_CERTS');
    expect(message).not.toContain('SECRET');
  });

  it('defaults batching, source and sourcetype', () => {
    const config = parseSplunkConfig({
      hec_url: 'https://s.example.com:8088/services/collector',
      hec_token: TOKEN,
    });
    expect(config).toMatchObject({
      batch_size: 100,
      flush_interval: 30,
      ssl_verify: true,
      source: 'telcomesh',
      sourcetype: 'telcomesh:notification',
    });
  });
});
