import { pagerDutyEventErrors } from '@telcomesh/testing';
import { sampleNotification, scriptedHttp } from '../webhook/notification.fixture';
import { parsePagerDutyConfig } from './pagerduty.config';
import {
  dedupKey,
  PAGERDUTY_LIMITS,
  PagerDutyIntegration,
  type PagerDutyTriggerEvent,
} from './pagerduty.integration';

const KEY = 'R0212P1QXGEIQE2NMTQ7L7WXD00DWHIN';

function pagerduty(extra: Record<string, unknown> = {}) {
  return new PagerDutyIntegration(
    parsePagerDutyConfig({ routing_key: KEY, component: 'config-service', ...extra }),
  );
}

describe('PagerDutyIntegration events', () => {
  it('triggers a firing notification with the documented payload', () => {
    const n = sampleNotification({ labels: { config_key: 'app.database.host', group: 'db' } });
    const request = pagerduty().buildRequest(n);
    expect(request).toMatchObject({
      method: 'POST',
      url: 'https://events.pagerduty.com/v2/enqueue',
      headers: { 'content-type': 'application/json' },
    });
    const event = JSON.parse(request.body ?? '') as PagerDutyTriggerEvent;
    expect(event).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: 'app.database.host',
      payload: {
        summary:
          'Configuration Changed: app.database.host changed from localhost to prod-db.internal',
        source: 'site-001',
        severity: 'error',
        timestamp: '2025-01-01T14:30:00.000Z',
        component: 'config-service',
        group: 'db',
        custom_details: {
          kind: 'config_change',
          subject: 'app.database.host',
          title: 'Configuration Changed',
          description: n.summary,
          count: 1,
          tenant: 'company',
          site: 'site-001',
          fields: {
            Key: 'app.database.host',
            'Old Value': 'localhost',
            'New Value': 'prod-db.internal',
            'Changed By': 'admin@company.com',
          },
          labels: { config_key: 'app.database.host', group: 'db' },
        },
      },
      client: 'TelcoMesh',
      links: [{ href: n.url, text: 'Open in TelcoMesh' }],
    });
    expect(pagerDutyEventErrors(event)).toEqual([]);
  });

  it('resolves with only routing_key, event_action and the same dedup_key', () => {
    const firing = pagerduty().buildEvent(sampleNotification());
    const resolved = pagerduty().buildEvent(sampleNotification({ status: 'resolved' }));
    expect(resolved).toEqual({
      routing_key: KEY,
      event_action: 'resolve',
      dedup_key: firing.dedup_key,
    });
  });

  it.each([
    ['critical', 'critical'],
    ['major', 'error'],
    ['minor', 'warning'],
    ['warning', 'warning'],
    ['info', 'info'],
  ] as const)('maps severity %s to %s', (ours, theirs) => {
    const event = pagerduty().buildEvent(sampleNotification({ severity: ours }));
    expect(event.event_action === 'trigger' && event.payload.severity).toBe(theirs);
  });

  it('keys on labels.dedup_key, else the subject, hashing keys over 255', () => {
    expect(dedupKey(sampleNotification({ labels: { dedup_key: 'alarm-42' } }))).toBe('alarm-42');
    expect(dedupKey(sampleNotification())).toBe('app.database.host');
    const long = dedupKey(sampleNotification({ subject: 'x'.repeat(400) }));
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(long).toBe(dedupKey(sampleNotification({ subject: 'x'.repeat(400) })));
  });

  it('cuts the summary to 1024 and the event to 512 KB', () => {
    const big = 'y'.repeat(100_000);
    const event = pagerduty().buildEvent(
      sampleNotification({
        title: big,
        summary: big,
        fields: Array.from({ length: 300 }, (_, i) => ({ name: `f${i}`, value: big })),
      }),
    ) as PagerDutyTriggerEvent;
    expect(event.payload.summary.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(PAGERDUTY_LIMITS.event);
    expect(Object.keys(event.payload.custom_details.fields as object)).toHaveLength(300);
    expect(pagerDutyEventErrors(event)).toEqual([]);
  });

  it('uses base_url for tests and proxies', () => {
    expect(pagerduty({ base_url: 'http://127.0.0.1:9/' }).enqueueUrl).toBe(
      'http://127.0.0.1:9/v2/enqueue',
    );
  });
});

describe('PagerDutyIntegration answers', () => {
  it('reads 202 success as delivered, referencing the dedup key', async () => {
    await expect(
      pagerduty().deliver(
        [sampleNotification()],
        scriptedHttp({
          status: 202,
          body: '{"status":"success","message":"Event processed","dedup_key":"app.database.host"}',
        }),
      ),
    ).resolves.toEqual({ result: 'delivered', status: 202, reference: 'app.database.host' });
  });

  it('fails on 400 invalid event without echoing the key', async () => {
    const outcome = await pagerduty().deliver(
      [sampleNotification()],
      scriptedHttp({
        status: 400,
        body: `{"status":"invalid event","message":"Event object is invalid","errors":["Invalid routing key ${KEY}"]}`,
      }),
    );
    expect(outcome).toMatchObject({ result: 'failed', status: 400 });
    expect(JSON.stringify(outcome)).toContain('Invalid routing key');
    expect(JSON.stringify(outcome)).not.toContain(KEY);
  });

  it('retries 429 throttled and 5xx', async () => {
    await expect(
      pagerduty().deliver(
        [sampleNotification()],
        scriptedHttp({ status: 429, headers: { 'retry-after': '15' } }),
      ),
    ).resolves.toMatchObject({ result: 'retry', status: 429, retryAfterMs: 15_000 });
    await expect(
      pagerduty().deliver([sampleNotification()], scriptedHttp({ status: 500 })),
    ).resolves.toMatchObject({ result: 'retry', status: 500 });
  });

  it('health acknowledges a non-existent alert', async () => {
    const http = scriptedHttp({ status: 202, body: '{"status":"success"}' });
    await expect(pagerduty().checkHealth(http)).resolves.toMatchObject({ healthy: true });
    expect(JSON.parse(http.requests[0].body ?? '')).toEqual({
      routing_key: KEY,
      event_action: 'acknowledge',
      dedup_key: 'telcomesh-health-check',
    });
    const bad = await pagerduty().checkHealth(
      scriptedHttp({ status: 400, body: '{"errors":["Invalid routing key"]}' }),
    );
    expect(bad).toMatchObject({ healthy: false });
  });
});

describe('parsePagerDutyConfig', () => {
  it('names every bad field without echoing the routing key', () => {
    let message = '';
    try {
      parsePagerDutyConfig({
        routing_key: 'SECRET-short',
        source: '',
        client_url: 'nope',
        base_url: 'ftp://x',
        severity: 'high',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of ['routing_key', 'source', 'client_url', 'base_url', 'severity'])
      expect(message).toContain(field);
    expect(message).not.toContain('SECRET');
  });
});
