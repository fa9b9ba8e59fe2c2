/**
 * What the provisioning benchmark looks at besides its own clocks: CPU of PostgreSQL and of our
 * child processes (ansible-playbook and its workers), the RSS of those children, SQL statements
 * sent by the service, and timings inside the service (the runner's process, the per-event
 * database writes) taken by wrapping a few methods. None of this changes the service's behaviour.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Admin } from '@platformatic/kafka';
import { Client } from 'pg';
import { ProvisionJobs } from '../../apps/provisioning/src/jobs/provision-jobs';
import { PlaybookRun } from '../../apps/provisioning/src/runner';
import { log, round } from '../messaging/stats';
import { BENCH_SQL } from './service';

/** Wall clock in ms since the epoch with sub-millisecond resolution (comparable with now() in SQL). */
const clockOffset = Date.now() - (performance.timeOrigin + performance.now());
export function wallNow(): number {
  return performance.timeOrigin + performance.now() + clockOffset;
}

// ---------------------------------------------------------------------------------------------
// CPU and memory of other processes (Linux /proc)
// ---------------------------------------------------------------------------------------------

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
const PAGE = Number(spawnSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).stdout) || 4096;
const MiB = 1024 * 1024;

function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function cpuMsOf(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK : undefined;
}

/**
 * CPU of this process's reaped descendants (cutime + cstime): every ansible-playbook run and the
 * workers and modules it started, once they have exited.
 */
export function childrenCpuMs(): number {
  const f = statFields('self');
  return f ? ((Number(f[13]) + Number(f[14])) * 1000) / CLK_TCK : 0;
}

/** CPU of all `postgres` processes over a window, % of one core (other databases included). */
export class PostgresCpu {
  private readonly start = new Map<number, number>();
  private readonly startedAt = performance.now();
  private used = 0;

  constructor() {
    for (const pid of PostgresCpu.pids()) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) this.start.set(pid, ms);
    }
  }

  private static pids(): number[] {
    return spawnSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => Number.isInteger(n) && n > 0);
  }

  /** Returns { pct of one core, ms }; backends started inside the window count from zero. */
  stop(): { pct: number; ms: number } {
    const wall = performance.now() - this.startedAt;
    for (const pid of new Set([...this.start.keys(), ...PostgresCpu.pids()])) {
      const end = cpuMsOf(pid);
      if (end !== undefined) this.used += end - (this.start.get(pid) ?? 0);
    }
    return { pct: wall > 0 ? round((100 * this.used) / wall, 0) : Number.NaN, ms: this.used };
  }
}

/**
 * Peak RSS summed over this process's descendants (ansible-playbook, its forked workers, the
 * modules), sampled every `intervalMs` from /proc.
 */
export class DescendantsSampler {
  private peakBytes = 0;
  private peakProcesses = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 250) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const children = new Map<number, number[]>();
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return;
    }
    for (const name of entries) {
      if (!/^\d+$/.test(name)) continue;
      const f = statFields(Number(name));
      if (!f) continue;
      const ppid = Number(f[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    }
    let bytes = 0;
    let count = 0;
    const stack = [...(children.get(process.pid) ?? [])];
    while (stack.length) {
      const pid = stack.pop() as number;
      try {
        bytes += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
        count++;
      } catch {
        // exited meanwhile
      }
      stack.push(...(children.get(pid) ?? []));
    }
    this.peakBytes = Math.max(this.peakBytes, bytes);
    this.peakProcesses = Math.max(this.peakProcesses, count);
  }

  stop(): { rssPeakMiB: number; processesPeak: number } {
    clearInterval(this.timer);
    return { rssPeakMiB: round(this.peakBytes / MiB, 1), processesPeak: this.peakProcesses };
  }
}

// ---------------------------------------------------------------------------------------------
// SQL statements
// ---------------------------------------------------------------------------------------------

type QueryFn = (...args: unknown[]) => unknown;

/** "INSERT provision_events", "UPDATE provisions", "START TRANSACTION"… from one statement. */
export function statementLabel(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  const verb = (/^\w+/.exec(text)?.[0] ?? '?').toUpperCase();
  const table = /\b(?:INTO|UPDATE|FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?/i.exec(text)?.[1] ?? '';
  return table ? `${verb} ${table}` : text.slice(0, 40);
}

export interface StatementStat {
  statement: string;
  count: number;
  meanMs: number;
}

/**
 * Counts the statements every `pg.Client` of this process sends while `active` (TypeORM's pool
 * included), by label, with the time from the call to the result on the connection.
 */
export class StatementCounter {
  private static installed: StatementCounter | undefined;
  active = false;
  total = 0;
  private stats = new Map<string, { count: number; ms: number }>();

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
        if (sql.startsWith(BENCH_SQL)) return result;
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
    const s = this.stats.get(label) ?? { count: 0, ms: 0 };
    s.count++;
    s.ms += ms;
    this.stats.set(label, s);
  }

  reset(): void {
    this.stats = new Map();
    this.total = 0;
  }

  byLabel(): StatementStat[] {
    return [...this.stats]
      .map(([statement, s]) => ({ statement, count: s.count, meanMs: round(s.ms / s.count, 2) }))
      .sort((a, b) => b.count - a.count);
  }
}

// ---------------------------------------------------------------------------------------------
// Inside the service: the runner's process and the per-event database writes
// ---------------------------------------------------------------------------------------------

/** What happened to one run, keyed by its `provision_id` variable; wall-clock ms. */
export interface RunTrace {
  executeStart?: number;
  executeEnd?: number;
  /** Arrival of the plugin's playbook_start line at the runner. */
  playbookStart?: number;
  /** Arrival of each task result line. */
  tasks: number[];
  /** ProvisionJobs#record per event: type, start and end (the DB write for that event). */
  records: { type: string; start: number; end: number }[];
  completeStart?: number;
  completeEnd?: number;
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

function wrap(
  proto: object,
  name: string,
  around: (self: unknown, args: unknown[], call: () => unknown) => unknown,
): void {
  const target = proto as Record<string, AnyFn>;
  const original = target[name];
  if (typeof original !== 'function') throw new Error(`cannot profile ${name}: not a method`);
  target[name] = function (this: unknown, ...args: unknown[]): unknown {
    return around(this, args, () => original.apply(this, args));
  };
}

function idOfVars(run: unknown): number | undefined {
  const vars = (run as { request?: { extraVars?: Record<string, unknown> } }).request?.extraVars;
  const id = vars?.provision_id;
  return typeof id === 'number' ? id : undefined;
}

/**
 * Wraps PlaybookRun#execute (private folder → process → events → clean-up) and #emit (an event
 * arrives from the plugin) and ProvisionJobs#record (writes one event) and #complete (final
 * status): a clock read and a Map update each.
 */
export class ServiceProfiler {
  private static installed: ServiceProfiler | undefined;
  readonly traces = new Map<number, RunTrace>();

  static install(): ServiceProfiler {
    if (ServiceProfiler.installed) return ServiceProfiler.installed;
    const p = new ServiceProfiler();
    const trace = (id: number | undefined): RunTrace | undefined => {
      if (id === undefined) return undefined;
      let t = p.traces.get(id);
      if (!t) {
        t = { tasks: [], records: [] };
        p.traces.set(id, t);
      }
      return t;
    };
    wrap(PlaybookRun.prototype, 'execute', (self, _args, call) => {
      const t = trace(idOfVars(self));
      if (t) t.executeStart = wallNow();
      const result = call() as Promise<unknown>;
      return result.finally(() => {
        if (t) t.executeEnd = wallNow();
      });
    });
    wrap(PlaybookRun.prototype, 'emit', (self, args, call) => {
      const t = trace(idOfVars(self));
      const type = (args[0] as { type?: string }).type;
      if (t && type === 'playbook_start') t.playbookStart = wallNow();
      if (t && type === 'task') t.tasks.push(wallNow());
      return call();
    });
    wrap(ProvisionJobs.prototype, 'record', (_self, args, call) => {
      const t = trace((args[0] as { id: number }).id);
      const type = (args[1] as { type: string }).type;
      const start = wallNow();
      return (call() as Promise<unknown>).finally(() =>
        t?.records.push({ type, start, end: wallNow() }),
      );
    });
    wrap(ProvisionJobs.prototype, 'complete', (_self, args, call) => {
      const t = trace((args[0] as { id: number }).id);
      if (t) t.completeStart = wallNow();
      return (call() as Promise<unknown>).finally(() => {
        if (t) t.completeEnd = wallNow();
      });
    });
    ServiceProfiler.installed = p;
    return p;
  }
}

// ---------------------------------------------------------------------------------------------
// Kafka clean-up
// ---------------------------------------------------------------------------------------------

/** Deletes the topics (and their DLQs) and consumer groups of one KAFKA_TOPIC_PREFIX. */
export async function deletePrefixed(brokers: string[], prefix: string): Promise<string> {
  const admin = new Admin({ clientId: 'bench-provisioning-janitor', bootstrapBrokers: brokers });
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
