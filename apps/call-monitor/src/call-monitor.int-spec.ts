/*
 * The call monitor end to end on real parts: the contact-centre simulator speaking Asterisk AMI
 * over TCP, two call-monitor replicas sharing PostgreSQL, Redis (source leases) and Kafka.
 * One replica holds the source; its live view, websocket feed, call records, trends, CSV export
 * and alerts are checked against the simulator's ground truth; then it dies and the other
 * replica takes the source over.
 */
import { randomBytes } from 'node:crypto';
import { fromBinary } from '@bufbuild/protobuf';
import { CallAlertSchema, CallAlertState, Topics } from '@telcomesh/contracts';
import type { RunningService } from '@telcomesh/platform';
import { ContactCentreSimulator, eventually, type AmiServer } from '@telcomesh/testing';
import WebSocket from 'ws';
import type { CallMonitorConfig } from './call-monitor.config';
import { bootstrap } from './main';

const RUN = randomBytes(3).toString('hex');
const SOURCE = 'pbx-it';

interface SourceRow {
  source_id: string;
  held_here: boolean;
  connection: string;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

describe('call monitor (AMI simulator, two replicas, PostgreSQL, Redis, Kafka)', () => {
  let sim: ContactCentreSimulator;
  let ami: AmiServer;
  let stopRun: (() => void) | undefined;
  const replicas: RunningService<CallMonitorConfig>[] = [];
  const alerts: { state: CallAlertState; rule: string; queueId: string }[] = [];

  const envFor = (replica: string) => ({
    ...process.env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    DATABASE_SCHEMA: `call_monitor_it_${RUN}`,
    KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX}-cm-${RUN}`,
    CALL_MONITOR_REPLICA_ID: replica,
    CALL_MONITOR_LEASE_TTL_MS: '3000',
    CALL_MONITOR_ALERT_INTERVAL_MS: '200',
    CALL_MONITOR_SOURCES: JSON.stringify([
      {
        id: SOURCE,
        kind: 'ami',
        host: '127.0.0.1',
        port: ami.port,
        username: 'monitor',
        secret: '${env:IT_AMI_SECRET}',
      },
    ]),
  });

  const holder = async () => {
    for (const r of replicas) {
      const rows = await json<SourceRow[]>(`${r.url}/sources`);
      if (rows.some((row) => row.held_here && row.connection === 'connected')) return r;
    }
    return undefined;
  };

  beforeAll(async () => {
    // Secrets are `${env:NAME}` references resolved from the process environment.
    process.env.IT_AMI_SECRET = 'amp-it-secret';
    sim = new ContactCentreSimulator({
      seed: 'call-monitor-it',
      startTime: Date.now(),
      queues: [
        {
          name: 'support',
          number: '0140000000',
          callsPerHour: 900,
          serviceLevelSeconds: 20,
          handleTime: { kind: 'lognormal', mean: 6, sigma: 0.3 },
          patience: { kind: 'exponential', mean: 30 },
        },
        // No random traffic: the alert test alone decides when a VIP caller waits.
        { name: 'vip', number: '0140000009', callsPerHour: 0 },
      ],
      agents: [
        { extension: '1001', name: 'Alice Dupont', queues: ['support'] },
        { extension: '1002', name: 'Bob Leroy', queues: ['support'] },
        { extension: '1003', name: 'Chloé Lambert', queues: ['vip'] },
      ],
    });
    ami = await sim.serve({ users: { monitor: 'amp-it-secret' } });
    const run = sim.run({ speed: 1 });
    stopRun = () => run.stop();
    replicas.push(await bootstrap(envFor('replica-a')));
    replicas.push(await bootstrap(envFor('replica-b')));
    await replicas[0].runtime.transport.subscribe({
      groupId: `cm-it-alerts-${RUN}`,
      topics: [Topics.CallAlerts.name],
      fromBeginning: true,
      handler: async (record) => {
        const alert = fromBinary(CallAlertSchema, record.value);
        alerts.push({ state: alert.state, rule: alert.rule, queueId: alert.queueId });
      },
    });
  }, 120_000);

  afterAll(async () => {
    stopRun?.();
    for (const r of replicas) await r.close().catch(() => undefined);
    await sim?.close();
  });

  it('exactly one replica holds the source and streams it', async () => {
    await eventually(holder, 'a replica connected to the AMI source', 30_000);
    const held = await Promise.all(
      replicas.map(async (r) => (await json<SourceRow[]>(`${r.url}/sources`))[0].held_here),
    );
    expect(held.filter(Boolean)).toHaveLength(1);
    expect(ami.logins.filter((l) => l.ok)).toHaveLength(1);
  });

  it('shows live calls with E.164 numbers, agents and queues; the feed sends a snapshot then deltas', async () => {
    const owner = (await holder())!;
    const socket = new WebSocket(`${owner.url.replace('http', 'ws')}/live?queue=support`);
    const messages: { type: string; kind?: string; calls?: unknown[] }[] = [];
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        items?: { type: string; kind?: string }[];
      };
      // Deltas come batched: one `deltas` message per window, each item a `delta`.
      if (message.type === 'deltas') messages.push(...(message.items ?? []));
      else messages.push(message);
    });
    await eventually(() => messages.length > 0, 'the feed snapshot', 10_000);
    expect(messages[0]?.type).toBe('snapshot');
    expect(Array.isArray(messages[0]?.calls)).toBe(true);
    sim.placeQueueCall('support');
    const calls = await eventually(async () => {
      const list = await json<{ remoteNumber?: string; queueId?: string; state: string }[]>(
        `${owner.url}/calls?queue=support`,
      );
      return list.length > 0 ? list : undefined;
    }, 'a call in progress on the support queue');
    for (const call of calls) {
      expect(call.queueId).toBe('support');
      if (call.remoteNumber && call.remoteNumber.length > 6)
        expect(call.remoteNumber).toMatch(/^\+\d{8,15}$/);
    }
    await eventually(
      () => messages.some((m) => m.type === 'delta' && m.kind === 'call_updated'),
      'a call delta on the feed',
    );
    const agents = await json<{ login: string; queues: string[] }[]>(
      `${owner.url}/agents?queue=support`,
    );
    expect(agents.length).toBe(2);
    const bad = await fetch(`${owner.url}/calls?state=talking`);
    expect(bad.status).toBe(400);
    socket.close();
  });

  it('records every finished call once, matching the simulator, with trends and a CSV export', async () => {
    const owner = (await holder())!;
    await eventually(
      () => sim.finishedCalls().length >= 8,
      'eight finished calls in the simulator',
      90_000,
    );
    const truth = sim.finishedCalls();
    const records = await eventually(async () => {
      const page = await json<{ records: { callId: string; disposition: string }[] }>(
        `${owner.url}/history/calls?limit=1000&from=2000-01-01T00:00:00Z`,
      );
      return page.records.length >= truth.length ? page.records : undefined;
    }, 'call records for the finished calls');
    expect(new Set(records.map((r) => r.callId)).size).toBe(records.length);
    const truthAnswered = truth.filter((c) => c.outcome === 'answered').length;
    const truthAbandoned = truth.filter((c) => c.outcome === 'abandoned').length;
    // Calls that finished after `truth` was read may be recorded too, never fewer.
    expect(records.filter((r) => r.disposition === 'answered').length).toBeGreaterThanOrEqual(
      truthAnswered,
    );
    expect(records.filter((r) => r.disposition === 'abandoned').length).toBeGreaterThanOrEqual(
      truthAbandoned,
    );

    const trends = await json<{ key: string | null; calls: number; answered: number }[]>(
      `${owner.url}/history/trends?from=2000-01-01T00:00:00Z&interval=1d&group_by=queue`,
    );
    const support = trends.filter((p) => p.key === 'support');
    expect(support.reduce((n, p) => n + p.calls, 0)).toBeGreaterThan(0);

    const csv = await (
      await fetch(`${owner.url}/history/calls.csv?from=2000-01-01T00:00:00Z`)
    ).text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^source_id,call_id,direction/);
    expect(lines.length - 1).toBeGreaterThanOrEqual(records.length);
  }, 120_000);

  it('fires a longest-wait alert when nobody answers and resolves it when agents are back', async () => {
    const owner = (await holder())!;
    const put = await fetch(`${owner.url}/alerts/policies/vip`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-actor': 'it' },
      body: JSON.stringify({
        longest_wait: { threshold: 3, clear_threshold: 1, for_seconds: 0 },
      }),
    });
    expect(put.status).toBe(200);
    const wrong = await fetch(`${owner.url}/alerts/policies/support`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ longest_wait: { threshold: 'soon' } }),
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('threshold');

    // An agent can only pause between calls: wait for each to be free.
    for (const extension of ['1003']) {
      await eventually(() => {
        try {
          sim.pauseAgent(extension, 'Meeting');
          return true;
        } catch {
          return false;
        }
      }, `agent ${extension} paused`);
    }
    const since = alerts.length;
    const after = (state: CallAlertState) =>
      alerts
        .slice(since)
        .some((a) => a.rule === 'longest_wait' && a.queueId === 'vip' && a.state === state);
    sim.placeQueueCall('vip', { patienceSeconds: 60 });
    await eventually(() => after(CallAlertState.FIRING), 'longest_wait FIRING on calls.alerts.v1');
    // Nobody can answer and the caller waits 60 s: the alert stays active meanwhile.
    const active = await json<{ rule: string; queueId: string }[]>(`${owner.url}/alerts`);
    expect(active).toContainEqual(
      expect.objectContaining({ rule: 'longest_wait', queueId: 'vip' }),
    );
    sim.unpauseAgent('1003');
    await eventually(
      () => after(CallAlertState.RESOLVED),
      'longest_wait RESOLVED on calls.alerts.v1',
    );
    // Per alert, reports alternate FIRING, RESOLVED, FIRING... from the start.
    const sequence = alerts
      .filter((a) => a.rule === 'longest_wait' && a.queueId === 'vip')
      .map((a) => a.state);
    sequence.forEach((state, i) =>
      expect(state).toBe(i % 2 === 0 ? CallAlertState.FIRING : CallAlertState.RESOLVED),
    );
  }, 120_000);

  it('the other replica takes the source over when the holder dies', async () => {
    const owner = (await holder())!;
    const survivor = replicas.find((r) => r !== owner)!;
    const loginsBefore = ami.logins.filter((l) => l.ok).length;
    await owner.close();
    replicas.splice(replicas.indexOf(owner), 1);
    await eventually(holder, 'the surviving replica connected', 15_000);
    expect(await holder()).toBe(survivor);
    expect(ami.logins.filter((l) => l.ok).length).toBe(loginsBefore + 1);
    const calls = await json<unknown[]>(`${survivor.url}/calls`);
    expect(Array.isArray(calls)).toBe(true);
  }, 60_000);
});
