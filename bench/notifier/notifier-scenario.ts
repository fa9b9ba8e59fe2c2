/**
 * The notifier in process (`bootstrap` from apps/notifier) against the real broker and PostgreSQL,
 * configured as code with K `webhook` integrations on the sink and one trigger routing `alarm` to
 * all of them. N alarms are published to `telemetry.events.v1` as fast as the transport takes
 * them; every (integration, alarm) pair is one delivery, timed from the publish call of its alarm
 * to its request at the sink.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AlarmState,
  create,
  encode,
  NetworkEventType,
  PerceivedSeverity,
  timestampFromDate,
  Topics,
} from '@telcomesh/contracts';
import { envelopeHeaders, type OutboundRecord } from '@telcomesh/messaging';
import type { RunningService } from '@telcomesh/platform';
import { bootstrap } from '../../apps/notifier/src/main';
import type { NotifierConfig } from '../../apps/notifier/src/notifier.config';
import {
  type PostgresTarget,
  createThrowawayDatabase,
  dropDatabase,
  postgresUrl,
} from '../messaging/environment';
import {
  type LatencySummary,
  type MemoryPeak,
  MemorySampler,
  log,
  perSecond,
  round,
  summarizeLatencies,
} from '../messaging/stats';
import { DeliveryQueue, DeliveryWorker } from '@telcomesh/notifier-delivery';
import { WebhookIntegration } from '@telcomesh/notifier-integrations';
import {
  type DrainProfile,
  DrainProfiler,
  type PoolStats,
  PoolSampler,
  ProcessCpu,
  StatementCounter,
  deletePrefixed,
  disableDeliveryEvents,
  overridePoolMax,
  scrapeMetrics,
  sumOf,
} from './probes';
import { type Arrivals, type SinkProcess, wallNow } from './sink';

const MiB = 1024 * 1024;
const SCHEMA = 'notifier';

export interface NotifierScenarioOptions {
  brokers: string[];
  pg: PostgresTarget;
  sink: SinkProcess;
  alarms: number;
  integrations: number;
  /** Alarms per publish() call. */
  publishBatch: number;
  warmupAlarms: number;
  /** NOTIFIER_POLL_INTERVAL_MS; undefined keeps the service default (250). */
  pollIntervalMs?: number;
  tag: string;
  quiet: () => Promise<void>;
  timeoutMs: number;
  /** What-if switches (not the shipped behaviour): a larger pg pool, no delivery outcome events. */
  diagnostics: { poolMax?: number; noDeliveryEvents?: boolean };
  /** Time the delivery worker's rounds (claim, requests, marks). */
  profile: boolean;
  /** Paced latency run after the burst: alarms per second (0 skips it) for `rateSeconds`. */
  rate: number;
  rateSeconds: number;
}

export interface NotifierScenarioResult {
  database: string;
  postgresVersion: string;
  topicPrefix: string;
  alarms: number;
  integrations: number;
  expectedDeliveries: number;
  deliveries: number;
  missing: number;
  /** Requests for a (path, webhook-id) the sink had already seen. */
  repeats: number;
  strays: number;
  publishCalls: number;
  /** First publish call → last publish resolved. */
  publishMs: number;
  /** First publish call → last delivery at the sink. */
  endToEndMs: number;
  deliveriesPerSec: number;
  /** Rate between the 10th and the 90th percentile arrival (leaves out start-up and tail). */
  steadyDeliveriesPerSec: number;
  /** First publish → the last notification's deliveries were queued (intake done). */
  intakeMs: number | null;
  intakeAlarmsPerSec: number | null;
  latency: LatencySummary;
  /** Publish → sink of the first delivery of each alarm (how fast intake + one worker react). */
  firstDeliveryLatency: LatencySummary;
  /** Deliveries that arrived in each second after the first publish. */
  perSecond: number[];
  perIntegration: { integration: string; deliveries: number; p50Ms: number; p99Ms: number }[];
  memory: MemoryPeak & { rssBeforeBootMiB: number };
  cpu: { postgresPct: number; kafkaPct: number; sinkPct: number };
  /** CPU time per delivery over the burst: this process (notifier + publisher) and PostgreSQL. */
  cpuMsPerDelivery: { notifier: number; postgres: number };
  pool: PoolStats;
  statements: {
    total: number;
    perDelivery: number;
    perAlarm: number;
    byLabel: {
      statement: string;
      count: number;
      perDelivery: number;
      meanMs: number;
      maxMs: number;
    }[];
  };
  drain?: DrainProfile;
  paced?: PacedResult;
  metrics: {
    attemptsDelivered: number;
    attemptsRetry: number;
    attemptsDead: number;
    notificationsQueued: number;
    requestSecondsMean: number | null;
  };
  queueAfter: Record<string, number>;
  diagnostics: { poolMax?: number; noDeliveryEvents?: boolean };
  cleanup: string;
}

function hookName(i: number): string {
  return `bench-hook-${String(i).padStart(2, '0')}`;
}

function hookEnv(i: number): string {
  return `BENCH_NOTIFIER_HOOK_${String(i).padStart(2, '0')}`;
}

/** The configuration-as-code file: K webhook integrations (URLs as env references) and one trigger. */
function configYaml(integrations: number): string {
  const names = Array.from({ length: integrations }, (_, i) => hookName(i));
  const hooks = names
    .map((name, i) => `  ${name}:\n    type: webhook\n    url: \${env:${hookEnv(i)}}\n`)
    .join('');
  return `integrations:
${hooks}  notifications:
    triggers:
      bench_alarms:
        kinds: [alarm]
        connectors: [${names.join(', ')}]
`;
}

interface Alarm {
  id: string;
  record: OutboundRecord;
}

function makeAlarm(id: string, n: number, label: string): Alarm {
  const site = `site-${label}-${String(n).padStart(6, '0')}`;
  const event = create(Topics.TelemetryEvents, {
    eventId: `evt-${label}-${n}`,
    tenantId: 'tenant-bench',
    sourceId: 'oss-bench',
    sourceSystem: 'ericsson',
    eventType: NetworkEventType.ALARM,
    severity: PerceivedSeverity.MAJOR,
    state: AlarmState.RAISED,
    title: 'Cell down',
    description: `Cell ${n} is down`,
    siteId: site,
    alarmId: `ALM-${label}-${n}`,
    probableCause: 'cell_down',
    managedObject: `cell-${n}`,
    eventTime: timestampFromDate(new Date()),
  });
  return {
    id,
    record: {
      topic: Topics.TelemetryEvents.name,
      key: site,
      value: encode(Topics.TelemetryEvents, event),
      headers: envelopeHeaders(Topics.TelemetryEvents, { source: '//telcomesh/bench', id }),
    },
  };
}

function percentileOfSorted(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

interface Matched {
  latencies: number[];
  /** Arrival times on our clock, in arrival order. */
  arrivals: number[];
  /** Per alarm, the latency of its first delivery (NaN when none arrived). */
  firstOfAlarm: Float64Array;
  byIntegration: Map<string, number[]>;
  repeats: number;
  strays: number;
}

/**
 * Pairs each (path, webhook-id) request with its alarm: latency = arrival (sink clock mapped onto
 * ours) − publish time of the alarm. Later requests for a pair already seen are repeats; ids of
 * no alarm of this phase are strays.
 */
function matchArrivals(
  webhook: Arrivals,
  seqOf: Map<string, number>,
  publishedAt: Float64Array,
  offsetMs: number,
): Matched {
  const seen = new Set<string>();
  const out: Matched = {
    latencies: [],
    arrivals: [],
    firstOfAlarm: new Float64Array(publishedAt.length).fill(Number.NaN),
    byIntegration: new Map(),
    repeats: 0,
    strays: 0,
  };
  for (let i = 0; i < webhook.ids.length; i++) {
    const seq = seqOf.get(webhook.ids[i]);
    if (seq === undefined) {
      out.strays++;
      continue;
    }
    const key = `${webhook.paths[i]} ${webhook.ids[i]}`;
    if (seen.has(key)) {
      out.repeats++;
      continue;
    }
    seen.add(key);
    const at = webhook.at[i] - offsetMs;
    const latency = at - publishedAt[seq];
    out.latencies.push(latency);
    out.arrivals.push(at);
    if (!(out.firstOfAlarm[seq] <= latency)) out.firstOfAlarm[seq] = latency;
    const list = out.byIntegration.get(webhook.paths[i]) ?? [];
    list.push(latency);
    out.byIntegration.set(webhook.paths[i], list);
  }
  return out;
}

export interface PacedResult {
  alarmsPerSec: number;
  seconds: number;
  alarms: number;
  expectedDeliveries: number;
  deliveries: number;
  missing: number;
  repeats: number;
  /** Scheduled publish time of the alarm → request at the sink, per delivery. */
  latency: LatencySummary;
  firstDeliveryLatency: LatencySummary;
}

/**
 * Latency below saturation: alarms published one by one at a fixed rate, each stamped with its
 * scheduled time (a late publish counts as latency), after the burst has drained.
 */
async function pacedRun(
  transport: RunningService['runtime']['transport'],
  o: NotifierScenarioOptions,
): Promise<PacedResult> {
  const total = Math.round(o.rate * o.rateSeconds);
  const alarms = Array.from({ length: total }, (_, n) => makeAlarm(randomUUID(), n, `p${o.tag}`));
  const seqOf = new Map(alarms.map((a, n) => [a.id, n]));
  const scheduled = new Float64Array(total);
  const expected = total * o.integrations;
  await o.sink.take();
  await o.quiet();
  log(
    `notifier: paced run, ${o.rate} alarms/s for ${o.rateSeconds} s → ${(o.rate * o.integrations).toLocaleString()} deliveries/s`,
  );
  const start = wallNow() + 50;
  for (let n = 0; n < total; n++) {
    scheduled[n] = start + (n * 1000) / o.rate;
    const wait = scheduled[n] - wallNow();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await transport.publish([alarms[n].record]);
  }
  const complete = await o.sink.until((c) => c.webhookUnique >= expected, o.timeoutMs);
  if (!complete) log('notifier: paced run incomplete');
  await new Promise((r) => setTimeout(r, 500));
  const { webhook } = await o.sink.take();
  const m = matchArrivals(webhook, seqOf, scheduled, o.sink.offsetMs);
  const result: PacedResult = {
    alarmsPerSec: o.rate,
    seconds: o.rateSeconds,
    alarms: total,
    expectedDeliveries: expected,
    deliveries: m.latencies.length,
    missing: expected - m.latencies.length,
    repeats: m.repeats,
    latency: summarizeLatencies(Float64Array.from(m.latencies)),
    firstDeliveryLatency: summarizeLatencies(m.firstOfAlarm.filter((v) => !Number.isNaN(v))),
  };
  log(
    `notifier: paced latency p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms; ${result.missing} missing`,
  );
  return result;
}

export async function runNotifierScenario(
  o: NotifierScenarioOptions,
): Promise<NotifierScenarioResult> {
  const { database, version } = await createThrowawayDatabase(o.pg);
  const topicPrefix = `bench-notifier-${o.tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-notifier-'));
  const configFile = join(dir, 'notifier.yaml');
  writeFileSync(configFile, configYaml(o.integrations));
  for (let i = 0; i < o.integrations; i++)
    process.env[hookEnv(i)] = `${o.sink.url}/hook/${String(i).padStart(2, '0')}`;
  const counter = StatementCounter.install();
  if (o.diagnostics.poolMax !== undefined) overridePoolMax(o.diagnostics.poolMax);
  if (o.diagnostics.noDeliveryEvents) disableDeliveryEvents();
  const profiler = o.profile
    ? new DrainProfiler(DeliveryWorker, DeliveryQueue, WebhookIntegration)
    : undefined;
  const rssBeforeBoot = process.memoryUsage().rss;
  let service: RunningService<NotifierConfig> | undefined;
  let result: NotifierScenarioResult | undefined;
  log(
    `notifier: database ${database}, topic prefix ${topicPrefix}, ${o.integrations} webhook integrations`,
  );
  try {
    service = await bootstrap({
      NODE_ENV: 'production',
      PORT: '0',
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: o.brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      DATABASE_URL: postgresUrl(o.pg, database),
      DATABASE_SCHEMA: SCHEMA,
      NOTIFIER_CONFIG_FILE: configFile,
      ...(o.pollIntervalMs !== undefined
        ? { NOTIFIER_POLL_INTERVAL_MS: String(o.pollIntervalMs) }
        : {}),
    });
    const { transport, dataSource } = service.runtime;
    const expected = o.alarms * o.integrations;

    // Warm-up: consumer groups joined, producer, pool connections, HTTP keep-alive, JIT.
    const warm = Array.from({ length: o.warmupAlarms }, (_, i) =>
      makeAlarm(`warmup-${randomUUID()}`, i, `w${o.tag}`),
    );
    log(`notifier: warm-up, ${o.warmupAlarms} alarms × ${o.integrations} integrations`);
    await transport.publish(warm.map((a) => a.record));
    const warmed = await o.sink.until(
      (c) => c.webhookUnique >= o.warmupAlarms * o.integrations,
      120_000,
    );
    if (!warmed) throw new Error('warm-up deliveries did not all reach the sink within 120 s');
    await new Promise((r) => setTimeout(r, 1000));
    await o.sink.take();

    // Built before the clock starts: the benchmark's own encoding is not the notifier's cost.
    const alarms = Array.from({ length: o.alarms }, (_, n) => makeAlarm(randomUUID(), n, o.tag));
    const seqOf = new Map(alarms.map((a, n) => [a.id, n]));
    const publishedAt = new Float64Array(o.alarms);

    await o.quiet();
    const metricsBefore = await scrapeMetrics(service.url, ['notifier_']);
    const sinkBefore = await o.sink.counts();
    const master = (
      dataSource.driver as unknown as { master?: ConstructorParameters<typeof PoolSampler>[0] }
    ).master;
    log(
      `notifier: publishing ${o.alarms.toLocaleString()} alarms (${o.publishBatch} per call) → ${expected.toLocaleString()} deliveries`,
    );
    const memory = MemorySampler.begin();
    const pool = new PoolSampler(master);
    const pgCpu = ProcessCpu.postgres();
    const kafkaCpu = ProcessCpu.kafka();
    counter.reset();
    counter.active = true;
    if (profiler) profiler.active = true;
    const firstPublish = wallNow();
    let publishCalls = 0;
    for (let from = 0; from < o.alarms; from += o.publishBatch) {
      const batch = alarms.slice(from, from + o.publishBatch);
      const at = wallNow();
      publishedAt.fill(at, from, from + batch.length);
      await transport.publish(batch.map((a) => a.record));
      publishCalls++;
    }
    const publishEnd = wallNow();
    const complete = await o.sink.until((c) => c.webhookUnique >= expected, o.timeoutMs);
    counter.active = false;
    if (profiler) profiler.active = false;
    const mem = memory.stop();
    const poolStats = pool.stop();
    const postgresPct = pgCpu.stopPct();
    const kafkaPct = kafkaCpu.stopPct();
    const sinkAfter = await o.sink.counts();
    if (!complete)
      log(`notifier: gave up waiting; sink has ${sinkAfter.webhookUnique}/${expected}`);
    const windowMs = wallNow() - firstPublish;
    // Late repeats (a retried delivery the sink already had) would still arrive now.
    await new Promise((r) => setTimeout(r, 1500));
    const { webhook } = await o.sink.take();
    const metricsAfter = await scrapeMetrics(service.url, ['notifier_']);

    const { latencies, arrivals, firstOfAlarm, byIntegration, repeats, strays } = matchArrivals(
      webhook,
      seqOf,
      publishedAt,
      o.sink.offsetMs,
    );
    const deliveries = latencies.length;
    arrivals.sort((a, b) => a - b);
    const lastArrival = arrivals.length ? arrivals[arrivals.length - 1] : Number.NaN;
    const endToEndMs = lastArrival - firstPublish;
    const sortedArrivals = Float64Array.from(arrivals);
    const t10 = percentileOfSorted(sortedArrivals, 10);
    const t90 = percentileOfSorted(sortedArrivals, 90);
    const perSecondBuckets: number[] = [];
    for (const at of arrivals) {
      const s = Math.floor((at - firstPublish) / 1000);
      while (perSecondBuckets.length <= s) perSecondBuckets.push(0);
      perSecondBuckets[s]++;
    }

    // Intake: when the last measured notification's deliveries were queued (notifier clock = ours).
    const queued = await dataSource.query<{ last: Date | null; n: number }[]>(
      `SELECT max("created_at") AS last, count(*)::int AS n FROM "${SCHEMA}"."notification_deliveries"
        WHERE "notification"->>'id' NOT LIKE 'warmup-%'`,
    );
    const lastQueued = queued[0]?.last ? new Date(queued[0].last).getTime() : undefined;
    const intakeMs = lastQueued !== undefined ? lastQueued - firstPublish : null;
    const statusRows = await dataSource.query<{ status: string; n: number }[]>(
      `SELECT "status", count(*)::int AS n FROM "${SCHEMA}"."notification_deliveries" GROUP BY "status"`,
    );

    const attempts = (outcome: string) =>
      sumOf(metricsAfter, 'notifier_delivery_attempts_total', `outcome="${outcome}"`) -
      sumOf(metricsBefore, 'notifier_delivery_attempts_total', `outcome="${outcome}"`);
    const durationSum =
      sumOf(metricsAfter, 'notifier_delivery_duration_seconds_sum') -
      sumOf(metricsBefore, 'notifier_delivery_duration_seconds_sum');
    const durationCount =
      sumOf(metricsAfter, 'notifier_delivery_duration_seconds_count') -
      sumOf(metricsBefore, 'notifier_delivery_duration_seconds_count');

    result = {
      database,
      postgresVersion: version,
      topicPrefix,
      alarms: o.alarms,
      integrations: o.integrations,
      expectedDeliveries: expected,
      deliveries,
      missing: expected - deliveries,
      repeats,
      strays,
      publishCalls,
      publishMs: round(publishEnd - firstPublish, 1),
      endToEndMs: round(endToEndMs, 1),
      deliveriesPerSec: complete ? perSecond(deliveries, endToEndMs) : Number.NaN,
      steadyDeliveriesPerSec: perSecond(Math.round(0.8 * deliveries), t90 - t10),
      intakeMs: intakeMs === null ? null : round(intakeMs, 0),
      intakeAlarmsPerSec: intakeMs === null ? null : perSecond(o.alarms, intakeMs),
      latency: summarizeLatencies(Float64Array.from(latencies)),
      firstDeliveryLatency: summarizeLatencies(firstOfAlarm.filter((v) => !Number.isNaN(v))),
      perSecond: perSecondBuckets,
      perIntegration: [...byIntegration]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([path, list]) => {
          const s = summarizeLatencies(Float64Array.from(list));
          return { integration: path, deliveries: s.count, p50Ms: s.p50Ms, p99Ms: s.p99Ms };
        }),
      memory: { ...mem, rssBeforeBootMiB: round(rssBeforeBoot / MiB, 1) },
      cpu: {
        postgresPct: postgresPct,
        kafkaPct: kafkaPct,
        sinkPct: round((100 * (sinkAfter.cpuMs - sinkBefore.cpuMs)) / windowMs, 0),
      },
      cpuMsPerDelivery: {
        notifier: round((mem.processCpuPct * windowMs) / 100 / Math.max(1, deliveries), 2),
        postgres: round((postgresPct * windowMs) / 100 / Math.max(1, deliveries), 2),
      },
      pool: poolStats,
      statements: {
        total: counter.total,
        perDelivery: round(counter.total / Math.max(1, deliveries), 2),
        perAlarm: round(counter.total / o.alarms, 1),
        byLabel: counter.byLabel().map((s) => ({
          ...s,
          perDelivery: round(s.count / Math.max(1, deliveries), 3),
        })),
      },
      metrics: {
        attemptsDelivered: attempts('delivered'),
        attemptsRetry: attempts('retry'),
        attemptsDead: attempts('dead'),
        notificationsQueued:
          sumOf(metricsAfter, 'notifier_notifications_total', 'outcome="queued"') -
          sumOf(metricsBefore, 'notifier_notifications_total', 'outcome="queued"'),
        requestSecondsMean:
          durationCount > 0 ? round((1000 * durationSum) / durationCount, 2) : null,
      },
      queueAfter: Object.fromEntries(statusRows.map((r) => [r.status, r.n])),
      diagnostics: o.diagnostics,
      ...(profiler ? { drain: profiler.result() } : {}),
      cleanup: '',
    };
    if (o.rate > 0) result.paced = await pacedRun(transport, o);
    log(
      `notifier: ${deliveries.toLocaleString()}/${expected.toLocaleString()} deliveries, ${result.deliveriesPerSec.toLocaleString()}/s; latency p50 ${result.latency.p50Ms} ms, p99 ${result.latency.p99Ms} ms; ${result.statements.perDelivery} SQL statements per delivery`,
    );
    return result;
  } finally {
    await service
      ?.close()
      .catch((error: unknown) => log(`notifier close failed: ${String(error)}`));
    const cleanup = await deletePrefixed(o.brokers, topicPrefix);
    if (result) result.cleanup = cleanup;
    await dropDatabase(o.pg, database).catch((error: unknown) =>
      log(`could not drop ${database} (${String(error)}); drop it by hand`),
    );
    rmSync(dir, { recursive: true, force: true });
    log(`notifier: cleaned up (${cleanup}; database ${database} dropped)`);
  }
}
