import { newRelicEventProblem } from '@telcomesh/testing';
import { sampleNotification, scriptedHttp } from '../webhook/notification.fixture';
import { parseNewRelicConfig } from './newrelic.config';
import {
  attributeName,
  NEWRELIC_LIMITS,
  NewRelicIntegration,
  type NewRelicEvent,
} from './newrelic.integration';

const KEY = 'eu01xxaaaabbbbccccddddeeeeffff0000NRAL';

function newrelic(extra: Record<string, unknown> = {}) {
  return new NewRelicIntegration(
    parseNewRelicConfig({
      account_id: '1234567',
      api_key: KEY,
      region: 'US',
      event_types: {
        config_change: 'ConfigurationChanged',
        config_error: 'ConfigurationError',
      },
      custom_attributes: {
        service: 'central-configuration',
        team: 'platform',
        environment: 'staging',
      },
      ...extra,
    }),
  );
}

describe('NewRelicIntegration events', () => {
  it('posts to the regional collector with the key header', () => {
    const request = newrelic().buildRequest([sampleNotification()]);
    expect(request.url).toBe('https://insights-collector.newrelic.com/v1/accounts/1234567/events');
    expect(request.headers).toEqual({ 'content-type': 'application/json', 'api-key': KEY });
    expect(newrelic({ region: 'EU' }).eventsUrl).toBe(
      'https://insights-collector.eu01.nr-data.net/v1/accounts/1234567/events',
    );
    expect(newrelic({ base_url: 'http://127.0.0.1:9/' }).eventsUrl).toBe(
      'http://127.0.0.1:9/v1/accounts/1234567/events',
    );
    expect(newrelic({ key_type: 'insert' }).buildRequest([]).headers).toHaveProperty(
      'x-insert-key',
      KEY,
    );
  });

  it('maps kind to eventType, merges custom attributes under the notification’s own', () => {
    const [event] = JSON.parse(
      newrelic().buildRequest([sampleNotification()]).body ?? '',
    ) as NewRelicEvent[];
    expect(event).toEqual({
      eventType: 'ConfigurationChanged',
      timestamp: 1735741800,
      notificationId: 'evt-1:route-1:integration-1',
      kind: 'config_change',
      subject: 'app.database.host',
      title: 'Configuration Changed',
      summary: 'app.database.host changed from localhost to prod-db.internal',
      severity: 'major',
      status: 'firing',
      tenant: 'company',
      site: 'site-001',
      url: 'https://telcomesh.example.com/config/app.database.host',
      count: 1,
      service: 'central-configuration',
      team: 'platform',
      environment: 'production',
      config_key: 'app.database.host',
      key: 'app.database.host',
      oldValue: 'localhost',
      newValue: 'prod-db.internal',
      changedBy: 'admin@company.com',
    });
    expect(newrelic().eventType('alarm')).toBe('TelcoMeshNotification');
  });

  it('names attributes NRQL-friendly', () => {
    expect(attributeName('Old Value')).toBe('oldValue');
    expect(attributeName('changed-by (user)')).toBe('changedByUser');
    expect(attributeName('***')).toBe('');
  });

  it('never lets fields overwrite eventType or timestamp', () => {
    const event = newrelic().buildEvent(
      sampleNotification({
        fields: [
          { name: 'eventType', value: 'Hacked' },
          { name: 'Timestamp', value: 'x' },
        ],
      }),
    );
    expect(event.eventType).toBe('ConfigurationChanged');
    expect(event.timestamp).toBe(1735741800);
  });

  it('keeps ≤255 attributes (core and custom first) and strings ≤4096', () => {
    const event = newrelic().buildEvent(
      sampleNotification({
        summary: 's'.repeat(10_000),
        fields: Array.from({ length: 400 }, (_, i) => ({ name: `f${i}`, value: 'v'.repeat(5000) })),
      }),
    );
    const entries = Object.entries(event);
    expect(entries.length).toBe(NEWRELIC_LIMITS.attributesPerEvent);
    expect(event.summary).toHaveLength(4096);
    expect(event.team).toBe('platform');
    for (const [name, value] of entries) {
      expect(name.length).toBeLessThanOrEqual(255);
      if (typeof value === 'string') expect(value.length).toBeLessThanOrEqual(4096);
    }
    expect(newRelicEventProblem(event)).toBeUndefined();
  });

  it('fits a huge batch in 1 MB', () => {
    const summary = 'é'.repeat(5000);
    const fields = Array.from({ length: 300 }, (_, j) => ({
      name: `f${j}`,
      value: 'v'.repeat(5000),
    }));
    const batch = Array.from({ length: 100 }, (_, i) =>
      sampleNotification({ id: `n${i}`, summary, fields }),
    );
    const request = newrelic().buildRequest(batch);
    expect(Buffer.byteLength(request.body ?? '')).toBeLessThanOrEqual(NEWRELIC_LIMITS.payload);
    const events = JSON.parse(request.body ?? '') as NewRelicEvent[];
    expect(events).toHaveLength(100);
    expect(events.every((e) => newRelicEventProblem(e) === undefined)).toBe(true);
    expect(events[99].notificationId).toBe('n99');
  });
});

describe('NewRelicIntegration answers', () => {
  it('reads 200 success as delivered with the uuid', async () => {
    await expect(
      newrelic().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 200, body: '{"success":true,"uuid":"b2a1-42"}' }),
      ),
    ).resolves.toEqual({ result: 'delivered', status: 200, reference: 'b2a1-42' });
  });

  it.each([400, 403, 413, 415])('fails on %i without the key', async (status) => {
    const outcome = await newrelic().deliver(
      [sampleNotification()],
      scriptedHttp({ status, body: '{"success":false}' }),
    );
    expect(outcome).toMatchObject({ result: 'failed', status });
    expect(JSON.stringify(outcome)).not.toContain(KEY);
  });

  it('retries 429 (Retry-After), 408 and 5xx', async () => {
    await expect(
      newrelic().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 429, headers: { 'retry-after': '11' } }),
      ),
    ).resolves.toMatchObject({ result: 'retry', retryAfterMs: 11_000 });
    for (const status of [408, 500, 503])
      await expect(
        newrelic().deliver([sampleNotification()], scriptedHttp({ status })),
      ).resolves.toMatchObject({ result: 'retry', status });
  });

  it('health posts an empty array', async () => {
    const http = scriptedHttp({ status: 200, body: '{"success":true,"uuid":"u"}' });
    await expect(newrelic().checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(http.requests[0]).toMatchObject({ method: 'POST', body: '[]' });
    await expect(newrelic().checkHealth(scriptedHttp({ status: 403 }))).resolves.toMatchObject({
      healthy: false,
    });
  });
});

describe('parseNewRelicConfig', () => {
  it('names every bad field without echoing the key', () => {
    let message = '';
    try {
      parseNewRelicConfig({
        account_id: 1234567,
        api_key: 'shortSECRET',
        region: 'APAC',
        event_types: { config_change: 'Configuration Changed!' },
        custom_attributes: { nested: { no: true } },
        base_url: 'file:///etc/passwd',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'account_id',
      'api_key',
      'region',
      'event_types',
      'custom_attributes',
      'base_url',
    ])
      expect(message).toContain(field);
    expect(message).not.toContain('SECRET');
  });
});
