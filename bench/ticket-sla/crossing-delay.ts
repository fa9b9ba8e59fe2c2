/**
 * Section 2: delay from an SLA threshold crossing to its event on Kafka, with the real service.
 * N tickets are loaded by real agents (over the websocket, each chunk a transaction) so that each
 * breaches its 24x7 policy exactly once, at instants spread evenly over a window that opens
 * after the load. Nothing touches them afterwards: each breach is found by the service's crossing
 * timers, recomputed, written to the outbox and relayed to sla.events.v1, where a consumer in
 * this process reads it. Delay = Kafka record timestamp (or receive time) − `occurred_at`.
 */
import { SlaEventType } from '@telcomesh/contracts';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { log, sleep } from '../messaging/stats';
import { cpus } from 'node:os';
import {
  latencyFigures,
  machineUsage,
  ownUsage,
  perSecond,
  UsageRecorder,
  type LatencyFigures,
} from './figures';
import {
  agentTicketOf,
  BENCH_CALENDARS,
  BENCH_POLICIES,
  crossingInstant,
  crossingPolicy,
  crossingTargetMinutes,
  crossingTicket,
  openTickets,
} from './open-tickets';
import {
  agentCredentials,
  allCompleted,
  DatabaseBackends,
  startAgents,
  startService,
  type BenchStack,
} from './service-stack';
import { SlaEventWatch, type SeenSlaEvent } from './sla-event-watch';

export interface CrossingOptions {
  crossings: number;
  windowMs: number;
  /** From the plan to the first crossing: the load must be over by then. */
  leadMs: number;
  /** Open tickets with other policies loaded alongside, so the timers and tables are not trivially small. */
  background: number;
  agents: number;
  pageSize: number;
  /** After the window, how long to wait for the last events. */
  drainMs: number;
  seed: number;
}

export interface CrossingResult {
  options: CrossingOptions;
  /** Policy target chosen so every ticket's history is in the past when it is loaded. */
  targetMinutes: number;
  load: { tickets: number; ms: number; ticketsPerSec: number; endedBeforeFirstCrossingMs: number };
  planned: number;
  /** Breaches of crossings after the load ended: the figures below. */
  measured: number;
  /** Crossings that came due while tickets were still being loaded (left out of the figures). */
  crossedDuringLoad: number;
  missing: number;
  duplicates: number;
  /** Breach events beyond the first of a ticket, with another event id (0 expected: once only). */
  repeatedBreaches: number;
  /** Breaches whose occurred_at differs from the planned instant (0 expected). */
  wrongInstant: number;
  /** Kafka record timestamp − occurred_at. */
  toKafka: LatencyFigures;
  /** Received by this process's consumer − occurred_at. */
  toConsumer: LatencyFigures;
  /** Other events of the run (background tickets' crossings, first sight at load). */
  otherEvents: number;
  /** Over the window and the drain, % of one core. */
  service: { cpuPct: number; rssPeakMiB: number; warnings: string[] };
  postgresCpuPct: number;
  benchCpuPct: number;
  /** Every process on the box (other users' included), % of all cores. */
  machineBusyPct: number;
}

export async function runCrossingDelay(
  stack: BenchStack,
  o: CrossingOptions,
): Promise<CrossingResult> {
  const name = 'crossing';
  const targetMinutes = crossingTargetMinutes(o.leadMs, o.windowMs);
  const credentials = agentCredentials(o.agents, 'crossing');
  const service = await startService(stack, {
    name,
    agents: credentials,
    calendars: BENCH_CALENDARS,
    policies: [crossingPolicy(targetMinutes), ...BENCH_POLICIES],
  });
  const recorders: UsageRecorder[] = [];
  let backends: DatabaseBackends | undefined;
  let watch: SlaEventWatch | undefined;
  try {
    watch = await SlaEventWatch.start(stack.brokers, `${stack.topicPrefix}-${name}`, 'bench-watch');
    const db = await DatabaseBackends.start(stack);
    backends = db;
    const usage = new UsageRecorder(() => service.usage());
    const database = new UsageRecorder(() => db.usage());
    const bench = new UsageRecorder(ownUsage);
    const machine = new UsageRecorder(machineUsage);
    recorders.push(usage, database, bench, machine);

    const planAt = Date.now();
    const start = planAt + o.leadMs;
    const planned = new Map<string, number>();
    const perAgent: AgentTicket[][] = credentials.map(() => []);
    for (let i = 0; i < o.crossings; i += 1) {
      const a = i % credentials.length;
      const key = `X${a + 1}-${i}`;
      const at = crossingInstant(start, o.windowMs, i, o.crossings);
      planned.set(key, at);
      perAgent[a].push(crossingTicket(credentials[a].system, key, at, targetMinutes));
    }
    credentials.forEach((c, a) => {
      const share = Math.ceil(o.background / credentials.length);
      const count = Math.max(0, Math.min(share, o.background - a * share));
      const background = openTickets(count, {
        now: planAt,
        seed: o.seed + a,
        system: c.system,
        keyPrefix: `BG${a + 1}`,
        tenantId: 'bench',
      });
      perAgent[a].push(...background.map(agentTicketOf));
    });
    const loaded = perAgent.reduce((n, list) => n + list.length, 0);
    log(
      `crossing delay: loading ${loaded.toLocaleString('en-US')} tickets; ` +
        `${o.crossings.toLocaleString('en-US')} breaches over ${o.windowMs / 1000} s from ${new Date(start).toISOString()}`,
    );
    const agents = await startAgents(service, credentials, perAgent, o.pageSize);
    try {
      const deadline = start + o.windowMs + o.drainMs;
      if (!(await allCompleted(agents, deadline - Date.now()))) {
        const acked = agents.reduce(
          (n, a) => n + [...a.results.values()].filter((r) => r.ackedAt !== undefined).length,
          0,
        );
        throw new Error(
          `crossing delay: ${loaded} tickets not all loaded before the window and drain ended ` +
            `(${acked} chunks of ${o.pageSize} acked in ${Math.round((Date.now() - planAt) / 1000)} s); raise --lead-s`,
        );
      }
      const loadStarted = Math.min(...agents.map((a) => a.ticketSystem.firstSearchAt ?? Infinity));
      const loadEnded = Math.max(...agents.map((a) => a.completedAt() ?? -Infinity));
      if (loadEnded > start) {
        log(
          `crossing delay: the load ended ${loadEnded - start} ms after the first crossing; ` +
            'those crossings are left out (raise --lead-s)',
        );
      }
      const keys = new Set(planned.keys());
      const seenAll = () => breachesOf(watch as SlaEventWatch, keys).byKey.size >= planned.size;
      while (!seenAll() && Date.now() < deadline) await sleep(100);
      for (const recorder of recorders) recorder.stop();

      const { byKey: breaches, repeated } = breachesOf(watch, keys);
      const toKafka: number[] = [];
      const toConsumer: number[] = [];
      let crossedDuringLoad = 0;
      let wrongInstant = 0;
      let lastSeen = start;
      for (const [key, event] of breaches) {
        const at = planned.get(key) as number;
        if (event.occurredAt !== at) wrongInstant += 1;
        if (at < loadEnded) {
          crossedDuringLoad += 1;
          continue;
        }
        toKafka.push(event.kafkaTimestamp - event.occurredAt);
        toConsumer.push(event.receivedAt - event.occurredAt);
        lastSeen = Math.max(lastSeen, event.receivedAt);
      }
      const until = Math.max(lastSeen, start + o.windowMs);
      return {
        options: o,
        targetMinutes,
        load: {
          tickets: loaded,
          ms: loadEnded - loadStarted,
          ticketsPerSec: perSecond(loaded, loadEnded - loadStarted),
          endedBeforeFirstCrossingMs: start - loadEnded,
        },
        planned: planned.size,
        measured: toKafka.length,
        crossedDuringLoad,
        missing: planned.size - breaches.size,
        duplicates: watch.duplicates,
        repeatedBreaches: repeated,
        wrongInstant,
        toKafka: latencyFigures(toKafka),
        toConsumer: latencyFigures(toConsumer),
        otherEvents: watch.events.size - breaches.size - repeated,
        service: {
          cpuPct: usage.cpuPctBetween(start, until),
          rssPeakMiB: usage.rssPeakMiB(),
          warnings: [...service.warnings],
        },
        postgresCpuPct: database.cpuPctBetween(start, until),
        benchCpuPct: bench.cpuPctBetween(start, until),
        machineBusyPct: Math.round(machine.cpuPctBetween(start, until) / cpus().length),
      };
    } finally {
      for (const agent of agents) await agent.close();
    }
  } finally {
    for (const recorder of recorders) recorder.stop();
    await watch?.close();
    await backends?.stop();
    await service.stop();
  }
}

/** The breach events seen of the planned tickets, by ticket key (the first one if repeated). */
function breachesOf(watch: SlaEventWatch, keys: ReadonlySet<string>) {
  const out = new Map<string, SeenSlaEvent>();
  let repeated = 0;
  for (const event of watch.events.values()) {
    if (event.type !== SlaEventType.BREACHED || !keys.has(event.ticketKey)) continue;
    if (out.has(event.ticketKey)) repeated += 1;
    else out.set(event.ticketKey, event);
  }
  return { byKey: out, repeated };
}
