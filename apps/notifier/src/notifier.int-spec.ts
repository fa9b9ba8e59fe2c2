/*
 * The notifier in process against real Kafka and PostgreSQL: platform events published to their
 * topics are grouped, silenced, routed and delivered over HTTP to local receivers; faults are
 * retried on schedule, dead-lettered and replayed; guarded changes wait for approvals.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AlarmState,
  AlertSeverity,
  AlertState,
  CallAlertSeverity,
  CallAlertState,
  create,
  encode,
  NetworkEventType,
  PerceivedSeverity,
  timestampFromDate,
  Topics,
} from '@telcomesh/contracts';
import { envelopeHeaders, type MessageTransport } from '@telcomesh/messaging';
import type { RunningService } from '@telcomesh/platform';
import { FaultyReceiver, WebhookSink } from '@telcomesh/testing';
import { bootstrap } from './main';
import type { NotifierConfig } from './notifier.config';

const RUN = randomBytes(3).toString('hex');

async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alarm(site: string, n: number, cleared = false) {
  return create(Topics.TelemetryEvents, {
    eventId: `evt-${site}-${n}-${cleared ? 'c' : 'r'}`,
    tenantId: 'tenant-a',
    sourceId: 'oss-it',
    sourceSystem: 'ericsson',
    eventType: NetworkEventType.ALARM,
    severity: cleared ? PerceivedSeverity.CLEARED : PerceivedSeverity.MAJOR,
    state: cleared ? AlarmState.CLEARED : AlarmState.RAISED,
    title: 'Cell down',
    description: `Cell ${n} is down`,
    siteId: site,
    alarmId: `ALM-${n}`,
    probableCause: 'cell_down',
    managedObject: `cell-${n}`,
    eventTime: timestampFromDate(new Date()),
  });
}

async function publishAlarms(
  transport: MessageTransport,
  events: ReturnType<typeof alarm>[],
): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await transport.publish(
      events.slice(i, i + 500).map((e) => ({
        topic: Topics.TelemetryEvents.name,
        key: e.siteId,
        value: encode(Topics.TelemetryEvents, e),
        headers: envelopeHeaders(Topics.TelemetryEvents, {
          source: '//telcomesh/it',
          id: randomUUID(),
        }),
      })),
    );
  }
}

describe('notifier (real Kafka, PostgreSQL, HTTP receivers)', () => {
  const noc = new WebhookSink();
  const approvalsInbox = new WebhookSink();
  const flaky = new FaultyReceiver([
    { status: 500 },
    { status: 429, headers: { 'retry-after': '2' } },
    { reset: true },
    { hang: true },
  ]);
  let service: RunningService<NotifierConfig>;
  let url: string;

  const api = async (method: string, path: string, body?: unknown, actor?: string) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(actor ? { 'x-actor': actor } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  };

  beforeAll(async () => {
    process.env.IT_NOC_URL = `${await noc.start()}/noc`;
    process.env.IT_APPROVALS_URL = `${await approvalsInbox.start()}/approvals`;
    process.env.IT_FLAKY_URL = `${await flaky.start()}/hook`;
    const dir = mkdtempSync(join(tmpdir(), 'notifier-it-'));
    const file = join(dir, 'notifier.yaml');
    writeFileSync(
      file,
      `integrations:
  noc:
    type: webhook
    url: \${env:IT_NOC_URL}
  flaky:
    type: webhook
    url: \${env:IT_FLAKY_URL}
  approvals-inbox:
    type: webhook
    url: \${env:IT_APPROVALS_URL}
  down:
    type: webhook
    url: http://127.0.0.1:9/down
  limited:
    type: webhook
    url: \${env:IT_NOC_URL}
  rate_limits:
    limited: { rate_per_minute: 1, burst: 2 }
  notifications:
    triggers:
      site_alarms:
        kinds: [alarm]
        patterns: ['**']
        connectors: [noc]
        urgency: high
      anomalies:
        kinds: [aiops_alert]
        connectors: [flaky]
      our_changes:
        kinds: [config_change]
        patterns: ['integrations.signed']
        connectors: [noc]
      sources:
        kinds: [connector_health]
        connectors: [down]
      failing_integrations:
        kinds: [integration_health]
        connectors: [noc]
      queues:
        kinds: [call_alert]
        connectors: [limited]
  grouping:
    site_alarms:
      group_by: [site]
      group_wait: 10s
      group_interval: 15s
      repeat_interval: 4h
  batching:
    max_retries: 3
    base_delay_ms: 200
    max_delay_ms: 1000
  approvals:
    required_approvals:
      'integrations.guarded-*':
        approvers: [alice@noc.example, bob@noc.example, carol@noc.example]
        min_approvals: 2
        timeout: 600
      'integrations.expiring-*':
        approvers: [alice@noc.example]
        min_approvals: 1
        timeout: 2
    approval_methods: [approvals-inbox]
`,
    );
    service = await bootstrap({
      ...process.env,
      PORT: '0',
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATABASE_SCHEMA: `notifier_it_${RUN}`,
      KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX}-notifier-${RUN}`,
      NOTIFIER_CONFIG_FILE: file,
      NOTIFIER_SECRET_KEY: randomBytes(32).toString('base64'),
      NOTIFIER_HTTP_TIMEOUT_MS: '500',
      NOTIFIER_POLL_INTERVAL_MS: '100',
      OUTBOX_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'warn',
    });
    url = service.url;
  });

  afterAll(async () => {
    await service?.close();
    await Promise.all([noc.stop(), approvalsInbox.stop(), flaky.stop()]);
  });

  it('loads configuration-as-code: integrations from the file, secrets shown as references', async () => {
    const list = await api('GET', '/integrations');
    expect(list.status).toBe(200);
    expect(
      (list.body as unknown as { name: string; origin: string }[]).map((i) => [i.name, i.origin]),
    ).toEqual([
      ['approvals-inbox', 'file'],
      ['down', 'file'],
      ['flaky', 'file'],
      ['limited', 'file'],
      ['noc', 'file'],
    ]);
    const noc = await api('GET', '/integrations/noc');
    expect(noc.body).toEqual({ type: 'webhook', enabled: true, url: '${env:IT_NOC_URL}' });
  });

  it('groups 1,000 alarms of one site into one notification, and sends one resolve when they clear', async () => {
    const transport = service.runtime.transport;
    await publishAlarms(
      transport,
      Array.from({ length: 1000 }, (_, i) => alarm('site-g1', i)),
    );
    const firing = await eventually(
      () => noc.received.find((r) => (r.body as { site?: string }).site === 'site-g1'),
      'the grouped notification for site-g1',
    );
    expect(firing.body).toMatchObject({
      kind: 'alarm',
      status: 'firing',
      site: 'site-g1',
      count: 1000,
      title: '1000 alarms at site-g1',
      severity: 'major',
    });
    // Group wait is long past; nothing else about site-g1 was sent.
    expect(
      noc.received.filter((r) => (r.body as { site?: string }).site === 'site-g1'),
    ).toHaveLength(1);

    await publishAlarms(
      transport,
      Array.from({ length: 1000 }, (_, i) => alarm('site-g1', i, true)),
    );
    // The group is checked again at group_interval (15 s): the resolve comes with that check.
    const resolved = await eventually(
      () =>
        noc.received.find(
          (r) =>
            (r.body as { site?: string; status?: string }).site === 'site-g1' &&
            (r.body as { status?: string }).status === 'resolved',
        ),
      'the resolve for site-g1',
      120_000,
    );
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      count: 1000,
      title: 'Resolved: 1000 alarms at site-g1',
    });
  }, 240_000);

  it('silences by matcher until the silence expires', async () => {
    const ends = new Date(Date.now() + 60_000).toISOString();
    const created = await api(
      'POST',
      '/silences',
      { matchers: ['site=site-s1'], ends_at: ends, comment: 'power works' },
      'ops@noc.example',
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      matchers: ['site="site-s1"'],
      created_by: 'ops@noc.example',
      state: 'active',
    });

    const bad = await api('POST', '/silences', { matchers: ['site=~('], ends_at: ends });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('matchers[0]');

    const metric = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) => l.startsWith('notifier_notifications_total{') && l.includes('outcome="silenced"'),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const before = await metric();
    await publishAlarms(service.runtime.transport, [alarm('site-s1', 1)]);
    await eventually(async () => (await metric()) > before || undefined, 'the silenced count');

    const expired = await api('DELETE', `/silences/${created.body.id as string}`);
    expect(expired.body).toMatchObject({ state: 'expired' });
    await publishAlarms(service.runtime.transport, [alarm('site-s1', 2)]);
    const told = await eventually(
      () => noc.received.find((r) => (r.body as { site?: string }).site === 'site-s1'),
      'the alarm after the silence expired',
      60_000,
    );
    // Only the alarm raised after the silence ended: the silenced one was never queued.
    expect(told.body).toMatchObject({
      count: 1,
      labels: expect.objectContaining({ alarm_id: 'ALM-2' }) as unknown,
    });
  }, 120_000);

  it('retries 500, 429 + Retry-After, resets and timeouts on schedule, dead-letters, then replays', async () => {
    const alert = create(Topics.AiopsAlerts, {
      alertId: `al-${RUN}`,
      tenantId: 'tenant-a',
      siteId: 'site-f1',
      kpi: 'throughput',
      unit: 'Mbps',
      severity: AlertSeverity.MAJOR,
      state: AlertState.FIRING,
      summary: 'Throughput 40% below baseline',
      observedValue: 90,
      expectedValue: 150,
      observedAt: timestampFromDate(new Date()),
    });
    const eventId = randomUUID();
    await service.runtime.transport.publish([
      {
        topic: Topics.AiopsAlerts.name,
        key: 'site-f1',
        value: encode(Topics.AiopsAlerts, alert),
        headers: envelopeHeaders(Topics.AiopsAlerts, { source: '//telcomesh/it', id: eventId }),
      },
    ]);
    const key = `${eventId}:flaky`;
    const dead = await eventually(async () => {
      const d = await api('GET', `/deliveries/${encodeURIComponent(key)}`);
      return d.status === 200 && d.body.status === 'dead' ? d.body : undefined;
    }, 'the delivery to be dead-lettered');
    expect(dead).toMatchObject({ attempts: 4, integration: 'flaky', rule: 'anomalies' });
    expect(flaky.requests.map((r) => r.answer)).toEqual([
      { status: 500 },
      { status: 429, headers: { 'retry-after': '2' } },
      { reset: true },
      { hang: true },
    ]);
    // Backoff: each retry came after the previous failure; the one after the 429 honoured Retry-After.
    const gaps = flaky.requests.slice(1).map((r, i) => r.at - flaky.requests[i].at);
    expect(gaps.every((g) => g >= 100)).toBe(true);
    expect(gaps[1]).toBeGreaterThanOrEqual(2000);
    expect(String(dead.last_error)).toMatch(/gave up after 4 attempts/);

    const log = await api('GET', '/deliveries?status=dead&integration=flaky');
    expect((log.body as unknown as { key: string }[]).map((d) => d.key)).toContain(key);

    const replayed = await api('POST', `/deliveries/${encodeURIComponent(key)}/replay`);
    expect(replayed.status).toBe(200);
    const delivered = await eventually(async () => {
      const d = await api('GET', `/deliveries/${encodeURIComponent(key)}`);
      return d.body.status === 'delivered' ? d.body : undefined;
    }, 'the replayed delivery');
    expect(delivered).toMatchObject({ attempts: 1, last_status: 204 });
    expect(flaky.requests).toHaveLength(5);
    expect(flaky.requests[4].headers['webhook-id']).toBe(eventId);
    const again = await api('POST', `/deliveries/${encodeURIComponent(key)}/replay`);
    expect(again.status).toBe(409);
  }, 120_000);

  it('keeps a guarded change pending below min_approvals, applies it at min_approvals, and tells the approvers', async () => {
    const change = await api(
      'PUT',
      '/integrations/guarded-hook',
      { type: 'webhook', url: 'http://127.0.0.1:9/x' },
      'dave@noc.example',
    );
    expect(change.status).toBe(202);
    const request = change.body.request as { id: string; status: string; min_approvals?: number };
    expect(request.status).toBe('pending');
    expect((await api('GET', '/integrations/guarded-hook')).status).toBe(404);

    const first = await api('POST', `/approvals/${request.id}/approve`, {}, 'alice@noc.example');
    expect(first.body).toMatchObject({
      status: 'pending',
      approvals: [expect.objectContaining({ approver: 'alice@noc.example' })],
    });
    expect((await api('GET', '/integrations/guarded-hook')).status).toBe(404);
    expect(
      (await api('POST', `/approvals/${request.id}/approve`, {}, 'alice@noc.example')).status,
    ).toBe(409);
    expect(
      (await api('POST', `/approvals/${request.id}/approve`, {}, 'mallory@noc.example')).status,
    ).toBe(403);
    expect((await api('POST', `/approvals/${request.id}/approve`, {})).status).toBe(400);

    const second = await api(
      'POST',
      `/approvals/${request.id}/approve`,
      { comment: 'ok' },
      'bob@noc.example',
    );
    expect(second.body).toMatchObject({ status: 'applied' });
    const applied = await api('GET', '/integrations/guarded-hook');
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ type: 'webhook', enabled: true });

    const titles = await eventually(() => {
      const t = approvalsInbox.received.map((r) => (r.body as { title: string }).title);
      return t.some((x) => x.startsWith('Change applied')) ? t : undefined;
    }, 'approval notifications');
    expect(titles).toEqual(
      expect.arrayContaining([
        'Approval needed: integrations.guarded-hook',
        'Change applied after approval: integrations.guarded-hook',
      ]),
    );
  });

  it('expires a request nobody approved in time; nothing changes', async () => {
    const change = await api(
      'PUT',
      '/integrations/expiring-hook',
      { type: 'webhook', url: 'http://127.0.0.1:9/y' },
      'dave@noc.example',
    );
    expect(change.status).toBe(202);
    const id = (change.body.request as { id: string }).id;
    const expired = await eventually(async () => {
      const r = await api('GET', `/approvals/${id}`);
      return r.body.status === 'expired' ? r.body : undefined;
    }, 'the request to expire');
    expect(expired.decision).toMatch(/expired/);
    expect((await api('POST', `/approvals/${id}/approve`, {}, 'alice@noc.example')).status).toBe(
      409,
    );
    expect((await api('GET', '/integrations/expiring-hook')).status).toBe(404);
  });

  it('encrypts literal secrets, never echoes them, and names bad fields', async () => {
    const secret = 'whsec_' + randomBytes(32).toString('base64');
    const put = await api(
      'PUT',
      '/integrations/signed',
      { type: 'webhook', url: process.env.IT_NOC_URL, secret },
      'ops@noc.example',
    );
    expect(put.status).toBe(200);
    const read = await api('GET', '/integrations/signed');
    expect(read.body).toEqual({
      type: 'webhook',
      enabled: true,
      url: '********',
      secret: '********',
    });
    const rows = await service.runtime.dataSource.query<{ config: unknown }[]>(
      `SELECT "config" FROM "notifier_it_${RUN}"."integrations" WHERE "name" = 'signed'`,
    );
    expect(JSON.stringify(rows)).not.toContain(secret.slice(6));
    expect(JSON.stringify(rows)).not.toContain(process.env.IT_NOC_URL);

    const test = await api('POST', '/integrations/signed/test', undefined, 'ops@noc.example');
    expect(test.body).toMatchObject({ result: 'delivered', status: 204 });
    const sent = noc.received.find((r) => (r.body as { kind?: string }).kind === 'test');
    expect(sent?.signature).toMatch(/^v1,/);

    // Our own change went out on config.changes.v1 and came back routed like any event.
    const changed = await eventually(
      () =>
        noc.received.find(
          (r) =>
            (r.body as { title?: string }).title === 'Configuration Created: integrations.signed',
        ),
      'the config change notification',
    );
    const shown = JSON.stringify(changed.body);
    expect(shown).toContain('ops@noc.example');
    expect(shown).not.toContain(secret.slice(6));

    const bad = await api('PUT', '/integrations/broken', {
      type: 'slack',
      webhook_url: 'not a url',
      colour: 1,
    });
    expect(bad.status).toBe(400);
    const message = JSON.stringify(bad.body);
    expect(message).toContain('webhook_url');
    expect(message).toContain('colour');
    expect(message).not.toContain('not a url');
    const unknown = await api('PUT', '/integrations/broken', { type: 'carrier-pigeon' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('unknown integration type');
  });

  it('raises an event of its own when an integration keeps failing', async () => {
    await service.runtime.transport.publish(
      Array.from({ length: 6 }, (_, i) => {
        const health = create(Topics.IngestHealth, {
          sourceId: `oss-down-${i}`,
          tenantId: 'tenant-a',
          healthy: false,
          errorCount: 3,
          lastError: 'connect ETIMEDOUT',
          checkedAt: timestampFromDate(new Date()),
        });
        return {
          topic: Topics.IngestHealth.name,
          key: health.sourceId,
          value: encode(Topics.IngestHealth, health),
          headers: envelopeHeaders(Topics.IngestHealth, { source: '//telcomesh/it' }),
        };
      }),
    );
    const raised = await eventually(
      () =>
        noc.received.find(
          (r) => (r.body as { title?: string }).title === 'Integration down keeps failing',
        ),
      'the integration_health notification',
    );
    expect(raised.body).toMatchObject({
      kind: 'integration_health',
      status: 'firing',
      severity: 'major',
    });
    const list = await api('GET', '/integrations');
    expect(
      (list.body as unknown as { name: string; circuit: string }[]).find((i) => i.name === 'down'),
    ).toMatchObject({
      circuit: 'open',
    });
  });

  it('rate-limits an integration: beyond its burst, deliveries wait in the queue, none is dropped', async () => {
    const alerts = Array.from({ length: 5 }, (_, i) =>
      create(Topics.CallAlerts, {
        alertId: `ca-${RUN}-${i}`,
        queueId: `q-${i}`,
        queueName: `Queue ${i}`,
        rule: 'longest_wait',
        severity: CallAlertSeverity.MAJOR,
        state: CallAlertState.FIRING,
        observedValue: 240,
        threshold: 120,
        unit: 's',
        observedAt: timestampFromDate(new Date()),
      }),
    );
    await service.runtime.transport.publish(
      alerts.map((alert) => ({
        topic: Topics.CallAlerts.name,
        key: alert.queueId,
        value: encode(Topics.CallAlerts, alert),
        headers: envelopeHeaders(Topics.CallAlerts, { source: '//telcomesh/it' }),
      })),
    );
    const list = (status: string) =>
      api('GET', `/deliveries?integration=limited&status=${status}`).then(
        (r) => r.body as unknown as { key: string }[],
      );
    const settled = await eventually(async () => {
      const [delivered, pending] = await Promise.all([list('delivered'), list('pending')]);
      return delivered.length + pending.length === 5 && delivered.length >= 2
        ? { delivered, pending }
        : undefined;
    }, 'the five call alerts queued for the limited integration');
    // One token a minute after a burst of two: exactly two went out, three wait their turn.
    expect(settled.delivered).toHaveLength(2);
    expect(settled.pending).toHaveLength(3);
  });

  it('answers health with the product check and delivery statistics', async () => {
    const health = await api('GET', '/integrations/noc/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ name: 'noc', circuit: 'closed', backlog: 0 });
    expect(typeof health.body.success_rate).toBe('number');
    expect((await api('GET', '/integrations/nope/health')).status).toBe(404);
  });
});
