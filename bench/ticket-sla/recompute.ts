/**
 * Section 1: SLA state of N open tickets recomputed in process with the service's own code —
 * the calculator (`SlaClock` evaluate + next crossing), then the runtime's outcome step
 * (`settleSlaTargets` and the sla.events.v1 records of what it announces), and loading every
 * next crossing into the timer holder's `CrossingTimers`. No I/O: tickets are generated as
 * ticket-sla stores them and replayed the way `SlaEngine.recompute` replays stored rows.
 */
import {
  nextCrossingOf,
  SlaClock,
  type SlaEvaluation,
  type SlaPolicy,
} from '../../apps/ticket-sla/src/sla';
import { CrossingTimers } from '../../apps/ticket-sla/src/sla-runtime/crossing-timers';
import { SlaCatalog } from '../../apps/ticket-sla/src/sla-runtime/sla-catalog';
import { ticketInfoOf } from '../../apps/ticket-sla/src/sla-runtime/sla-engine';
import { slaEventRecord } from '../../apps/ticket-sla/src/sla-runtime/sla-event-record';
import {
  settleSlaTargets,
  type SlaTargetRecord,
} from '../../apps/ticket-sla/src/sla-runtime/sla-outcome';
import { timelineOfStoredTicket } from '../../apps/ticket-sla/src/tickets/stored-timeline';
import { systemClock } from '../../apps/ticket-sla/src/time/service-clock';
import { machineCpuTicks } from '../messaging/stats';
import { PeakMemory, perSecond, toMiB } from './figures';
import { BENCH_CALENDARS, BENCH_POLICIES, openTickets, type BenchTicket } from './open-tickets';

const MINUTE_MS = 60_000;
/** Tickets between two memory samples inside a timed loop (sampling costs ~1 µs). */
const SAMPLE_EVERY = 4096;

export interface RecomputeOptions {
  tickets: number;
  seed: number;
  /** The evaluation instant (fixed, so runs compare). */
  now: number;
  /** Steady-state pass: the stored state the tickets are settled against is this much older. */
  staleMinutes: number;
  /** Tickets of another seed run through every pass first (JIT, calendar tables). */
  warmUp: number;
  /** Tickets per chunk of the steady-state pass (its previous state is built untimed per chunk). */
  chunk: number;
}

export interface PassFigures {
  name: string;
  tickets: number;
  ms: number;
  ticketsPerSec: number;
  /** µs of one core per ticket. */
  cpuUsPerTicket: number;
  rssPeakMiB: number;
  heapUsedPeakMiB: number;
  /** sla.events.v1 records built (0 for the clock-only pass). */
  events: number;
  /** Every process on the box (other users' included) while timing, % of all cores. */
  boxBusyPct: number;
}

export interface RecomputeResult {
  options: RecomputeOptions;
  workload: {
    generateMs: number;
    /** Heap the generated tickets hold (after a full GC, minus the heap before). */
    ticketsHeapMiB: number;
    transitionsPerTicket: number;
    byPolicy: Record<string, number>;
    /** Resolution target states at `now` (clock-only pass). */
    resolutionStates: Record<string, number>;
    withNextCrossing: number;
  };
  passes: PassFigures[];
  timers: { entries: number; loadMs: number; heapMiB: number };
  rssAfterMiB: number;
}

/** Full GC through the flag the process was started with (`--expose-gc`); a no-op without it. */
function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

function heapAfterGc(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

interface Work {
  policy: SlaPolicy;
  bench: BenchTicket;
}

/** Times `body` over every ticket (the `prepare` step per chunk untimed); CPU and memory peaks alongside. */
function timedPass(
  name: string,
  work: readonly Work[],
  chunk: number,
  body: (w: Work, index: number) => number,
  prepare?: (from: number, to: number) => void,
): PassFigures {
  collect();
  const memory = new PeakMemory();
  let ms = 0;
  let cpuUs = 0;
  let events = 0;
  let boxTicks = 0;
  let boxBusy = 0;
  for (let from = 0; from < work.length; from += chunk) {
    const to = Math.min(work.length, from + chunk);
    prepare?.(from, to);
    const box = machineCpuTicks();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = from; i < to; i += 1) {
      events += body(work[i], i);
      if ((i & (SAMPLE_EVERY - 1)) === 0) memory.sample();
    }
    ms += performance.now() - started;
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
    const boxAfter = machineCpuTicks();
    boxTicks += boxAfter.total - box.total;
    boxBusy += boxAfter.total - boxAfter.idle - (box.total - box.idle);
  }
  return {
    name,
    tickets: work.length,
    ms: Math.round(ms),
    ticketsPerSec: perSecond(work.length, ms),
    cpuUsPerTicket: Math.round((cpuUs / work.length) * 100) / 100,
    ...memory.peaks(),
    events,
    boxBusyPct: boxTicks > 0 ? Math.round((100 * boxBusy) / boxTicks) : Number.NaN,
  };
}

function evaluate(w: Work, at: number): SlaEvaluation {
  const timeline = timelineOfStoredTicket(w.bench.ticket, w.bench.transitions);
  return new SlaClock(w.policy, timeline).evaluate(at);
}

/** Settles a ticket like `SlaEngine.recompute`: records, then the event records it would enqueue. */
function settle(w: Work, at: number, previous: readonly SlaTargetRecord[]) {
  const timeline = timelineOfStoredTicket(w.bench.ticket, w.bench.transitions);
  const evaluation = new SlaClock(w.policy, timeline).evaluate(at);
  const info = ticketInfoOf(w.bench.ticket);
  const settled = settleSlaTargets({
    ticket: info,
    timeline,
    policy: w.policy,
    evaluation,
    previous,
  });
  let bytes = 0;
  for (const draft of settled.events) bytes += slaEventRecord(info, draft).value.byteLength;
  return { settled, bytes };
}

function workOf(tickets: BenchTicket[], catalog: SlaCatalog): Work[] {
  return tickets.map((bench) => {
    const policy = catalog.match(bench.ticket);
    // Unreachable with the bench catalogue (its last policy accepts every ticket).
    if (policy === undefined) throw new Error(`ticket ${bench.ticket.key}: no policy matches`);
    return { policy, bench };
  });
}

export function runRecompute(
  options: RecomputeOptions,
  progress: (message: string) => void,
): RecomputeResult {
  const { now } = options;
  const catalog = SlaCatalog.build(1, BENCH_CALENDARS, BENCH_POLICIES);
  const stale = now - options.staleMinutes * MINUTE_MS;
  const generate = (count: number, seed: number) =>
    openTickets(count, { now, seed, system: 'bench', keyPrefix: 'NOC', tenantId: 'bench' });

  // Warm-up on other tickets, through every step that is timed below.
  const warm = workOf(generate(options.warmUp, options.seed + 1), catalog);
  for (const w of warm) {
    nextCrossingOf(evaluate(w, now));
    const before = settle(w, stale, []).settled.records;
    settle(w, now, before);
    settle(w, now, []);
  }
  warm.length = 0;

  const heapBefore = heapAfterGc();
  const generateStarted = performance.now();
  const tickets = generate(options.tickets, options.seed);
  const generateMs = Math.round(performance.now() - generateStarted);
  const ticketsHeapMiB = toMiB(heapAfterGc() - heapBefore);
  const work = workOf(tickets, catalog);
  progress(`${options.tickets.toLocaleString('en-US')} open tickets generated in ${generateMs} ms`);

  const byPolicy: Record<string, number> = {};
  let transitions = 0;
  for (const w of work) {
    byPolicy[w.policy.id] = (byPolicy[w.policy.id] ?? 0) + 1;
    transitions += w.bench.transitions.length;
  }

  // 1. The calculator: replay, evaluate, next crossing. Keeps each ticket's next crossing for the timers.
  const next = new Float64Array(work.length).fill(Number.NaN);
  const states: Record<string, number> = {};
  const clockPass = timedPass('clock: evaluate + next crossing', work, work.length, (w, i) => {
    const evaluation = evaluate(w, now);
    const crossing = nextCrossingOf(evaluation);
    if (crossing !== null) next[i] = crossing.at;
    const state = evaluation.resolution?.state ?? 'none';
    states[state] = (states[state] ?? 0) + 1;
    return 0;
  });
  progress(`clock pass: ${clockPass.ticketsPerSec.toLocaleString('en-US')} tickets/s`);

  // 2. + the runtime's outcome step against no stored state (a first load, or a policy change).
  const firstSight = timedPass(
    'clock + settle + event records, first sight',
    work,
    work.length,
    (w) => settle(w, now, []).settled.events.length,
  );
  progress(`first-sight pass: ${firstSight.ticketsPerSec.toLocaleString('en-US')} tickets/s`);

  // 3. + settled against the state stored `staleMinutes` earlier (the steady state). That state is
  //    built per chunk outside the clock, so memory holds one chunk's records, not a million.
  let previous: SlaTargetRecord[][] = [];
  const steady = timedPass(
    `clock + settle + event records, vs state ${options.staleMinutes} min old`,
    work,
    options.chunk,
    (w, i) => settle(w, now, previous[i % options.chunk]).settled.events.length,
    (from, to) => {
      previous = [];
      for (let i = from; i < to; i += 1) previous.push(settle(work[i], stale, []).settled.records);
    },
  );
  previous = [];
  progress(`steady pass: ${steady.ticketsPerSec.toLocaleString('en-US')} tickets/s`);

  // 4. The timer holder's memory: every ticket's next crossing in CrossingTimers (not started).
  const timersHeapBefore = heapAfterGc();
  const timers = new CrossingTimers(
    systemClock,
    () => Promise.resolve(),
    () => undefined,
  );
  const loadStarted = performance.now();
  for (let i = 0; i < work.length; i += 1) {
    if (!Number.isNaN(next[i])) timers.set(work[i].bench.ticket.id, next[i]);
  }
  const loadMs = Math.round(performance.now() - loadStarted);
  const timersHeapMiB = toMiB(heapAfterGc() - timersHeapBefore);
  const entries = timers.size;
  timers.clear();

  return {
    options,
    workload: {
      generateMs,
      ticketsHeapMiB,
      transitionsPerTicket: Math.round((transitions / work.length) * 100) / 100,
      byPolicy,
      resolutionStates: states,
      withNextCrossing: entries,
    },
    passes: [clockPass, firstSight, steady],
    timers: { entries, loadMs, heapMiB: timersHeapMiB },
    rssAfterMiB: toMiB(process.memoryUsage().rss),
  };
}
