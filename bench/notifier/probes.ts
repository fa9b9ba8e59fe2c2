/**
 * What the notifier benchmark looks at besides the sink: SQL statements sent to PostgreSQL (by
 * wrapping `pg.Client#query`, which every TypeORM query goes through), the connection pool's
 * queue, CPU time of other processes (PostgreSQL, the broker) from /proc, the notifier's own
 * Prometheus counters, and the clean-up of the run's Kafka topics and consumer groups.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Admin } from '@platformatic/kafka';
import { Client } from 'pg';
import { NotificationDispatcher } from '../../apps/notifier/src/delivery/notification-dispatcher';
import { log, round } from '../messaging/stats';

// ---------------------------------------------------------------------------------------------
// SQL round trips
// ---------------------------------------------------------------------------------------------

type QueryFn = (...args: unknown[]) => unknown;

/** "UPDATE notification_deliveries →delivered", "INSERT outbox", "BEGIN"… from one statement. */
export function statementLabel(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  const verb = (/^\w+/.exec(text)?.[0] ?? '?').toUpperCase();
  const table = /\b(?:INTO|UPDATE|FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(text)?.[1] ?? '';
  const status = verb === 'UPDATE' ? /SET "status" = '(\w+)'/.exec(text)?.[1] : undefined;
  if (!table) return text.slice(0, 48);
  return [verb, table, status ? `→${status}` : ''].filter(Boolean).join(' ');
}

/**
 * Counts every statement a `pg.Client` sends while `active`, by label, and times it from the call
 * to its result on the connection (network + execution + commit flush; pool waits come before and
 * are not included). Installed once per process; the overhead is a regex or two and a Map update.
 */
export class StatementCounter {
  private static installed: StatementCounter | undefined;
  active = false;
  private stats = new Map<string, { count: number; ms: number; maxMs: number }>();
  total = 0;

  static install(): StatementCounter {
    if (StatementCounter.installed) return StatementCounter.installed;
    const counter = new StatementCounter();
    const proto = Client.prototype as unknown as { query: QueryFn };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      if (counter.active) {
        const first = args[0];
        const sql =
          typeof first === 'string'
            ? first
            : typeof first === 'object' && first !== null && 'text' in first
              ? String(first.text)
              : '';
        const started = performance.now();
        const done = () => counter.add(sql, performance.now() - started);
        if (result instanceof Promise) result.then(done, done);
        else done();
      }
      return result;
    };
    StatementCounter.installed = counter;
    return counter;
  }

  private add(sql: string, ms: number): void {
    this.total++;
    const label = statementLabel(sql);
    const s = this.stats.get(label) ?? { count: 0, ms: 0, maxMs: 0 };
    s.count++;
    s.ms += ms;
    s.maxMs = Math.max(s.maxMs, ms);
    this.stats.set(label, s);
  }

  reset(): void {
    this.stats = new Map();
    this.total = 0;
  }

  /** Labels, most frequent first, with their mean and max time on the connection. */
  byLabel(): { statement: string; count: number; meanMs: number; maxMs: number }[] {
    return [...this.stats]
      .map(([statement, s]) => ({
        statement,
        count: s.count,
        meanMs: round(s.ms / s.count, 2),
        maxMs: round(s.maxMs, 1),
      }))
      .sort((a, b) => b.count - a.count);
  }
}

// ---------------------------------------------------------------------------------------------
// Connection pool
// ---------------------------------------------------------------------------------------------

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

export interface PoolStats {
  max: number | null;
  samples: number;
  /** Share of samples in which every connection was busy. */
  allBusyPct: number;
  waitingMean: number;
  waitingPeak: number;
}

/** Samples a pg Pool's busy connections and queued requests every `intervalMs`. */
export class PoolSampler {
  private samples = 0;
  private allBusy = 0;
  private waitingSum = 0;
  private waitingPeak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pool: PoolLike | undefined,
    intervalMs = 20,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const p = this.pool;
    if (!p) return;
    this.samples++;
    const max = p.options?.max ?? Infinity;
    if (p.totalCount >= max && p.idleCount === 0) this.allBusy++;
    this.waitingSum += p.waitingCount;
    this.waitingPeak = Math.max(this.waitingPeak, p.waitingCount);
  }

  stop(): PoolStats {
    clearInterval(this.timer);
    return {
      max: this.pool?.options?.max ?? null,
      samples: this.samples,
      allBusyPct: this.samples ? round((100 * this.allBusy) / this.samples, 0) : Number.NaN,
      waitingMean: this.samples ? round(this.waitingSum / this.samples, 1) : Number.NaN,
      waitingPeak: this.waitingPeak,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// CPU of other processes (Linux /proc)
// ---------------------------------------------------------------------------------------------

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

function pidsOf(args: string[]): number[] {
  const out = spawnSync('pgrep', args, { encoding: 'utf8' });
  return out.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/**
 * CPU used by a set of processes over a window, % of one core. Processes are looked up again at
 * the end (new PostgreSQL backends count from zero); one that exits inside the window is lost.
 */
export class ProcessCpu {
  private readonly start = new Map<number, number>();
  private readonly startedAt = performance.now();

  constructor(private readonly find: () => number[]) {
    for (const pid of find()) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) this.start.set(pid, ms);
    }
  }

  static postgres(): ProcessCpu {
    return new ProcessCpu(() => pidsOf(['-x', 'postgres']));
  }

  /** The broker: the JVM started by scripts/kafka.sh (its main class is kafka.Kafka). */
  static kafka(): ProcessCpu {
    return new ProcessCpu(() => pidsOf(['-f', 'kafka\\.Kafka ']));
  }

  stopPct(): number {
    const wall = performance.now() - this.startedAt;
    let used = 0;
    const pids = new Set([...this.start.keys(), ...this.find()]);
    for (const pid of pids) {
      const end = cpuMsOf(pid);
      if (end !== undefined) used += end - (this.start.get(pid) ?? 0);
    }
    return wall > 0 ? round((100 * used) / wall, 0) : Number.NaN;
  }
}

// ---------------------------------------------------------------------------------------------
// The notifier's /metrics
// ---------------------------------------------------------------------------------------------

/** Samples of the named metrics, as `name{labels}` → value. */
export async function scrapeMetrics(url: string, names: string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (!names.some((n) => line.startsWith(n))) continue;
    const space = line.lastIndexOf(' ');
    out[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return out;
}

/** Sum of a counter's samples whose labels contain every `match` (e.g. `outcome="delivered"`). */
export function sumOf(metrics: Record<string, number>, name: string, ...match: string[]): number {
  let sum = 0;
  for (const [key, value] of Object.entries(metrics)) {
    if ((key === name || key.startsWith(`${name}{`)) && match.every((m) => key.includes(m)))
      sum += value;
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Kafka clean-up
// ---------------------------------------------------------------------------------------------

/** Deletes the topics and consumer groups of one KAFKA_TOPIC_PREFIX (the notifier's and their DLQs). */
export async function deletePrefixed(brokers: string[], prefix: string): Promise<string> {
  const admin = new Admin({ clientId: 'bench-notifier-janitor', bootstrapBrokers: brokers });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length) await admin.deleteTopics({ topics });
    const groups = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(`${prefix}.`));
    if (groups.length) await admin.deleteGroups({ groups });
    return `${topics.length} topics and ${groups.length} consumer groups deleted`;
  } catch (error) {
    const message = `could not delete ${prefix}.* topics/groups (${String(error)}); delete them by hand`;
    log(message);
    return message;
  } finally {
    await admin.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics (what-if runs; they change the notifier's behaviour and are labelled as such)
// ---------------------------------------------------------------------------------------------

/**
 * Makes every pg Pool created from now on hold `max` connections instead of the 10 that
 * `createServiceDataSource` sets (TypeORM builds its pool from the `pg` module's `Pool`).
 */
export function overridePoolMax(max: number): void {
  const pgModule = createRequire(__filename)('pg') as { Pool: new (options?: object) => object };
  const Original = pgModule.Pool;
  pgModule.Pool = class extends Original {
    constructor(options: object = {}) {
      super({ ...options, max });
    }
  };
}

/**
 * Turns the per-batch `notify.deliveries.v1` outbox transaction (the dispatcher's `publish`) into
 * a no-op: shows what recording delivery outcomes costs.
 */
export function disableDeliveryEvents(): void {
  const proto = NotificationDispatcher.prototype as unknown as { publish: () => Promise<void> };
  proto.publish = () => Promise.resolve();
}

export interface DrainProfile {
  rounds: number;
  /** Rounds that found deliveries. */
  busyRounds: number;
  deliveries: number;
  meanDeliveriesPerBusyRound: number;
  /** One busy round: claim → requests → marks (the worker awaits all of it before the next claim). */
  busyRoundMeanMs: number;
  claimMeanMs: number;
  /** deliver() of one delivery (the HTTP request), as the worker sees it. */
  requestMeanMs: number;
  markDeliveredMeanMs: number;
}

/** Replaces `proto[name]` with a wrapper that times each call (`this` is kept). */
function timeMethod<T>(proto: object, name: string, onDone: (ms: number, value: T) => void): void {
  const target = proto as Record<string, (...a: unknown[]) => Promise<T>>;
  const original = target[name];
  target[name] = async function (this: unknown, ...a: unknown[]): Promise<T> {
    const started = performance.now();
    const value = await original.apply(this, a);
    onDone(performance.now() - started, value);
    return value;
  };
}

/**
 * PROFILE: times the delivery worker's rounds and the calls inside them by wrapping
 * `DeliveryWorker#drain`, `DeliveryQueue#claimDue` / `#markDelivered` and the integration's
 * `deliver` (a clock read and an addition each; the behaviour is unchanged).
 */
export class DrainProfiler {
  active = false;
  private rounds = 0;
  private busy = 0;
  private deliveries = 0;
  private busyMs = 0;
  private readonly sums = {
    claim: { n: 0, ms: 0 },
    request: { n: 0, ms: 0 },
    mark: { n: 0, ms: 0 },
  };

  constructor(
    worker: { prototype: object },
    queue: { prototype: object },
    integration: { prototype: object },
  ) {
    const add = (key: keyof DrainProfiler['sums']) => (ms: number) => {
      if (!this.active) return;
      this.sums[key].n++;
      this.sums[key].ms += ms;
    };
    timeMethod<number>(worker.prototype, 'drain', (ms, n) => {
      if (!this.active) return;
      this.rounds++;
      if (n > 0) {
        this.busy++;
        this.deliveries += n;
        this.busyMs += ms;
      }
    });
    timeMethod(queue.prototype, 'claimDue', add('claim'));
    timeMethod(queue.prototype, 'markDelivered', add('mark'));
    timeMethod(integration.prototype, 'deliver', add('request'));
  }

  result(): DrainProfile {
    const mean = (ms: number, n: number) => (n ? round(ms / n, 2) : Number.NaN);
    return {
      rounds: this.rounds,
      busyRounds: this.busy,
      deliveries: this.deliveries,
      meanDeliveriesPerBusyRound: mean(this.deliveries, this.busy),
      busyRoundMeanMs: mean(this.busyMs, this.busy),
      claimMeanMs: mean(this.sums.claim.ms, this.sums.claim.n),
      requestMeanMs: mean(this.sums.request.ms, this.sums.request.n),
      markDeliveredMeanMs: mean(this.sums.mark.ms, this.sums.mark.n),
    };
  }
}
