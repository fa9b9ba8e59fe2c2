import { DataSource } from 'typeorm';
import type {
  DeliveryOutcome,
  HttpSend,
  Integration,
  Notification,
} from '@telcomesh/notifier-integrations';
import { DeliveryQueue, deliveryKeyOf } from './delivery-queue';
import { DeliveryWorker, type DeliveryPolicy } from './delivery-worker';
import { NotificationDeliveries1763800000300 } from './notification-deliveries.migration';
import { NotificationDeliveryContext1763800000310 } from './notification-delivery-context.migration';

const POLICY: DeliveryPolicy = {
  maxRetries: 2,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  leaseMs: 30_000,
  concurrency: 2,
  circuitFailureThreshold: 3,
  circuitCooldownMs: 10_000,
};

const http: HttpSend = () => Promise.reject(new Error('fake integrations do not use http'));

function notification(id: string): Notification {
  return {
    id,
    kind: 'alarm',
    subject: `alarm.site-001.${id}`,
    title: `Cell Down ${id}`,
    summary: 'Cell site is down',
    severity: 'critical',
    status: 'firing',
    fields: [{ name: 'Site', value: 'site-001' }],
    labels: { site: 'site-001' },
    occurredAt: new Date('2026-11-22T10:00:00Z'),
    count: 1,
  };
}

/** An integration whose answers the test scripts; records every batch it was given. */
class ScriptedIntegration implements Integration {
  readonly batches: string[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    readonly type: string,
    private readonly answer: (call: number) => DeliveryOutcome | Error,
    readonly maxBatchSize = 1,
    private readonly delayMs = 0,
  ) {}
  async deliver(notifications: Notification[]): Promise<DeliveryOutcome> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.batches.push(notifications.map((n) => n.id));
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    this.inFlight--;
    const answer = this.answer(this.batches.length);
    if (answer instanceof Error) throw answer;
    return answer;
  }
  checkHealth() {
    return Promise.resolve({ healthy: true, detail: 'scripted', latencyMs: 0 });
  }
}

describe('delivery queue and worker (real PostgreSQL)', () => {
  let dataSource: DataSource;
  let queue: DeliveryQueue;
  let now: number;
  const schema = `delivery_${process.env.TEST_RUN_ID ?? 'local'}`;

  beforeAll(async () => {
    dataSource = new DataSource({
      type: 'postgres',
      url: process.env.TEST_DATABASE_URL,
      schema,
      migrations: [NotificationDeliveries1763800000300, NotificationDeliveryContext1763800000310],
      migrationsTableName: 'migrations',
    });
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations();
    queue = new DeliveryQueue(dataSource);
  });

  beforeEach(async () => {
    now = Date.parse('2026-11-22T12:00:00Z');
    await dataSource.query(`TRUNCATE "${schema}"."notification_deliveries"`);
  });

  afterAll(async () => dataSource.destroy());

  const worker = (integrations: Integration[], policy: DeliveryPolicy = POLICY) =>
    new DeliveryWorker(
      queue,
      () => new Map(integrations.map((i) => [i.type, i])),
      http,
      policy,
      () => now,
      {},
      () => 0.5,
    );

  const enqueue = (ids: string[], integration: string) =>
    dataSource.transaction((m) =>
      queue.enqueue(
        m,
        ids.map((id) => ({ notification: notification(id), integration })),
        new Date(now),
      ),
    );

  it('delivers once per notification and integration; queuing the same notification again is a no-op', async () => {
    const slack = new ScriptedIntegration('slack', () => ({
      result: 'delivered',
      status: 200,
      reference: 'ts-1',
    }));
    expect(await enqueue(['n1', 'n2'], 'slack')).toBe(2);
    expect(await enqueue(['n1'], 'slack')).toBe(0);
    const w = worker([slack]);
    expect(await w.runOnce()).toBe(2);
    expect(await w.runOnce()).toBe(0);
    const done = await queue.get(deliveryKeyOf('n1', 'slack'));
    expect(done).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
      reference: 'ts-1',
    });
    expect(done?.notification.occurredAt).toEqual(new Date('2026-11-22T10:00:00Z'));
    expect(slack.batches.flat().sort()).toEqual(['n1', 'n2']);
  });

  it('retries no sooner than Retry-After, then dead-letters after maxRetries, and replays', async () => {
    let healthy = false;
    const jira = new ScriptedIntegration('jira', () =>
      healthy
        ? { result: 'delivered', status: 201 }
        : { result: 'retry', status: 429, reason: 'HTTP 429', retryAfterMs: 120_000 },
    );
    await enqueue(['n1'], 'jira');
    const w = worker([jira]);
    expect(await w.runOnce()).toBe(1);
    const waiting = await queue.get(deliveryKeyOf('n1', 'jira'));
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 429 });
    expect(waiting!.nextAttemptAt.getTime()).toBe(now + 120_000);
    now += 60_000;
    expect(await w.runOnce()).toBe(0); // too early
    now += 61_000;
    expect(await w.runOnce()).toBe(1);
    now += 121_000;
    expect(await w.runOnce()).toBe(1); // third attempt = 1 + maxRetries
    const dead = await queue.get(deliveryKeyOf('n1', 'jira'));
    expect(dead).toMatchObject({ status: 'dead', attempts: 3 });
    expect(dead?.lastError).toContain('gave up after 3 attempts');
    now += 500_000;
    expect(await w.runOnce()).toBe(0);
    expect(await queue.list({ status: 'dead' })).toHaveLength(1);

    healthy = true;
    expect(await queue.replay(deliveryKeyOf('n1', 'jira'), new Date(now))).toBe(true);
    expect(await queue.replay(deliveryKeyOf('n1', 'jira'), new Date(now))).toBe(false); // no longer dead
    now += 15_000; // the breaker opened on the failures; let it half-open
    expect(await w.runOnce()).toBe(1);
    expect(await queue.get(deliveryKeyOf('n1', 'jira'))).toMatchObject({
      status: 'delivered',
      attempts: 1,
    });
  });

  it('backs off exponentially when the product gives no Retry-After; network errors are retryable', async () => {
    const teams = new ScriptedIntegration('teams', () => new Error('ECONNRESET'));
    await enqueue(['n1'], 'teams');
    const w = worker([teams], { ...POLICY, maxRetries: 5, circuitFailureThreshold: 100 });
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await w.runOnce();
      const d = await queue.get(deliveryKeyOf('n1', 'teams'));
      delays.push(d!.nextAttemptAt.getTime() - now);
      expect(d?.lastError).toContain('ECONNRESET');
      now = d!.nextAttemptAt.getTime();
    }
    // random() = 0.5 → 75 % of a ceiling doubling from 1 s
    expect(delays).toEqual([750, 1500, 3000]);
  });

  it('dead-letters at once what retrying cannot fix', async () => {
    const zendesk = new ScriptedIntegration('zendesk', () => ({
      result: 'failed',
      status: 401,
      reason: 'HTTP 401',
    }));
    await enqueue(['n1'], 'zendesk');
    await worker([zendesk]).runOnce();
    expect(await queue.get(deliveryKeyOf('n1', 'zendesk'))).toMatchObject({
      status: 'dead',
      attempts: 1,
      lastStatus: 401,
    });
  });

  it('sends batches of the integration maxBatchSize', async () => {
    const splunk = new ScriptedIntegration(
      'splunk',
      () => ({ result: 'delivered', status: 200 }),
      10,
    );
    await enqueue(
      Array.from({ length: 25 }, (_, i) => `n${i}`),
      'splunk',
    );
    const w = worker([splunk], { ...POLICY, concurrency: 3 });
    expect(await w.runOnce()).toBe(25);
    expect(splunk.batches.map((b) => b.length).sort()).toEqual([10, 10, 5]);
  });

  it('keeps at most `concurrency` requests in flight per integration', async () => {
    const slow = new ScriptedIntegration(
      'slow',
      () => ({ result: 'delivered', status: 200 }),
      1,
      30,
    );
    await enqueue(
      Array.from({ length: 8 }, (_, i) => `n${i}`),
      'slow',
    );
    const w = worker([slow]);
    while ((await w.runOnce()) > 0);
    expect(slow.batches).toHaveLength(8);
    expect(slow.maxInFlight).toBe(2);
  });

  it('opens the circuit after repeated failures, then lets one trial through after the cooldown', async () => {
    let up = false;
    const pager = new ScriptedIntegration('pagerduty', () =>
      up ? { result: 'delivered', status: 202 } : new Error('ETIMEDOUT'),
    );
    await enqueue(
      Array.from({ length: 6 }, (_, i) => `n${i}`),
      'pagerduty',
    );
    const w = worker([pager], { ...POLICY, concurrency: 1, maxRetries: 50, maxDelayMs: 1 });
    for (let i = 0; i < 3; i++) {
      await w.runOnce();
      now += 10;
    }
    expect(w.circuitState('pagerduty')).toBe('open');
    const calls = pager.batches.length;
    now += 5_000;
    expect(await w.runOnce()).toBe(0); // open: nothing sent
    expect(pager.batches.length).toBe(calls);
    now += 6_000;
    up = true;
    expect(await w.runOnce()).toBe(1); // half-open: one trial
    expect(w.circuitState('pagerduty')).toBe('closed');
    while ((await w.runOnce()) > 0) now += 10;
    expect((await queue.list({ integration: 'pagerduty', status: 'delivered' })).length).toBe(6);
  });

  it('loses nothing when a worker dies holding deliveries: they come back when the lease expires', async () => {
    await enqueue(['n1', 'n2'], 'webhook');
    const claimedByDeadWorker = await queue.claimDue('webhook', 10, POLICY.leaseMs, new Date(now));
    expect(claimedByDeadWorker).toHaveLength(2); // ...and the process is killed here
    const webhook = new ScriptedIntegration('webhook', () => ({
      result: 'delivered',
      status: 204,
    }));
    const restarted = worker([webhook]);
    expect(await restarted.runOnce()).toBe(0); // still leased
    now += POLICY.leaseMs + 1;
    expect(await restarted.runOnce()).toBe(2);
    expect(await queue.list({ integration: 'webhook', status: 'delivered' })).toHaveLength(2);
    expect((await queue.get(deliveryKeyOf('n1', 'webhook')))?.attempts).toBe(2);
  });

  it('filters the delivery log', async () => {
    const ok = new ScriptedIntegration('slack', () => ({ result: 'delivered', status: 200 }));
    const bad = new ScriptedIntegration('jira', () => ({
      result: 'failed',
      status: 400,
      reason: 'HTTP 400',
    }));
    await enqueue(['a', 'b'], 'slack');
    await enqueue(['a'], 'jira');
    await worker([ok, bad]).runOnce();
    expect((await queue.list({ notificationId: 'a' })).map((d) => d.integration).sort()).toEqual([
      'jira',
      'slack',
    ]);
    expect((await queue.list({ status: 'dead' })).map((d) => d.key)).toEqual(['a:jira']);
    expect(await queue.list({ integration: 'slack', limit: 1 })).toHaveLength(1);
    expect(await queue.backlog()).toEqual({});
  });
});
