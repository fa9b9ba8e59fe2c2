/**
 * Section 3: tickets per second ticket-sla stores from its agents — each chunk a transaction
 * that records the result id, upserts the tickets with their history, recomputes their SLA and
 * stages the events — with one agent and with four. Real `TicketAgentClient`s get the task from
 * the service's dispatcher, read an in-memory ticket system, keep every chunk in their fsynced
 * outbox and send it over the websocket; the clock stops at the ack of the last chunk.
 */
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
import { agentTicketOf, BENCH_CALENDARS, BENCH_POLICIES, openTickets } from './open-tickets';
import {
  agentCredentials,
  allCompleted,
  startAgents,
  DatabaseBackends,
  startService,
  storedCounts,
  type BenchStack,
  type StoredCounts,
} from './service-stack';

export interface IngestionOptions {
  agents: number;
  /** Tickets in all (split evenly between the agents). */
  tickets: number;
  /** Tickets per page of the in-memory ticket system (one page → one result chunk). */
  pageSize: number;
  seed: number;
  timeoutMs: number;
}

export interface IngestionResult {
  agents: number;
  tickets: number;
  transitions: number;
  results: number;
  /** First search started → final chunk acked, over all agents. */
  wallMs: number;
  ticketsPerSec: number;
  transitionsPerSec: number;
  /** Chunk sent on the websocket → its result_ack, per chunk. */
  ackLatency: LatencyFigures;
  /** Chunk stored in the agent's outbox → its ack (includes waiting for a send window slot). */
  storedToAck: LatencyFigures;
  stored: StoredCounts;
  /** Rows match what the agents sent. */
  complete: boolean;
  /** CPU over the measured window, % of one core (the machine has `os.cpus()` of them). */
  service: { cpuPct: number; rssPeakMiB: number; warnings: string[] };
  postgresCpuPct: number;
  /** This process: the agents, their outboxes and the benchmark. */
  benchCpuPct: number;
  /** Every process on the box (other users' included), % of all cores. */
  machineBusyPct: number;
}

export async function runIngestion(
  stack: BenchStack,
  o: IngestionOptions,
): Promise<IngestionResult> {
  const name = `ingest-${o.agents}`;
  const credentials = agentCredentials(o.agents, `ingest${o.agents}`);
  const now = Date.now();
  const share = Math.ceil(o.tickets / o.agents);
  const tickets = credentials.map((c, i) =>
    openTickets(Math.min(share, o.tickets - i * share), {
      now,
      seed: o.seed + i,
      system: c.system,
      keyPrefix: `NOC${i + 1}`,
      tenantId: 'bench',
    }).map(agentTicketOf),
  );
  const expected = {
    tickets: tickets.reduce((n, list) => n + list.length, 0),
    transitions: tickets.reduce((n, list) => n + list.reduce((m, t) => m + t.history.length, 0), 0),
  };
  const service = await startService(stack, {
    name,
    agents: credentials,
    calendars: BENCH_CALENDARS,
    policies: BENCH_POLICIES,
  });
  const recorders: UsageRecorder[] = [];
  let backends: DatabaseBackends | undefined;
  try {
    const db = await DatabaseBackends.start(stack);
    backends = db;
    const usage = new UsageRecorder(() => service.usage());
    const database = new UsageRecorder(() => db.usage());
    const bench = new UsageRecorder(ownUsage);
    const machine = new UsageRecorder(machineUsage);
    recorders.push(usage, database, bench, machine);
    const agents = await startAgents(service, credentials, tickets, o.pageSize);
    try {
      log(`ingestion, ${o.agents} agent(s): ${expected.tickets.toLocaleString('en-US')} tickets`);
      if (!(await allCompleted(agents, o.timeoutMs))) {
        throw new Error(
          `ingestion with ${o.agents} agent(s): not every chunk acked within ${o.timeoutMs} ms`,
        );
      }
      for (const recorder of recorders) recorder.stop();
      const startedAt = Math.min(...agents.map((a) => a.ticketSystem.firstSearchAt ?? Infinity));
      const endedAt = Math.max(...agents.map((a) => a.completedAt() ?? -Infinity));
      const wallMs = endedAt - startedAt;
      const sendToAck: number[] = [];
      const storedToAck: number[] = [];
      for (const agent of agents) {
        for (const r of agent.results.values()) {
          if (r.ackedAt === undefined) continue;
          storedToAck.push(r.ackedAt - r.storedAt);
          if (r.sentAt !== undefined) sendToAck.push(r.ackedAt - r.sentAt);
        }
      }
      // An ack means committed; the counts are read once more after a pause only to be sure.
      let stored = await storedCounts(stack, name);
      if (stored.tickets !== expected.tickets) {
        await sleep(2000);
        stored = await storedCounts(stack, name);
      }
      return {
        agents: o.agents,
        tickets: expected.tickets,
        transitions: expected.transitions,
        results: storedToAck.length,
        wallMs,
        ticketsPerSec: perSecond(expected.tickets, wallMs),
        transitionsPerSec: perSecond(expected.transitions, wallMs),
        ackLatency: latencyFigures(sendToAck),
        storedToAck: latencyFigures(storedToAck),
        stored,
        // Every bench policy has a response and a resolution target: two sla_state rows a ticket.
        complete:
          stored.tickets === expected.tickets &&
          stored.transitions === expected.transitions &&
          stored.slaStateRows === 2 * expected.tickets,
        service: {
          cpuPct: usage.cpuPctBetween(startedAt, endedAt),
          rssPeakMiB: usage.rssPeakMiB(),
          warnings: [...service.warnings],
        },
        postgresCpuPct: database.cpuPctBetween(startedAt, endedAt),
        benchCpuPct: bench.cpuPctBetween(startedAt, endedAt),
        machineBusyPct: Math.round(machine.cpuPctBetween(startedAt, endedAt) / cpus().length),
      };
    } finally {
      for (const agent of agents) await agent.close();
    }
  } finally {
    for (const recorder of recorders) recorder.stop();
    await backends?.stop();
    await service.stop();
  }
}
