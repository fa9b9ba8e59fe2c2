/**
 * Real ticket agents for the benchmark: the agent's own `TicketAgentClient` with its durable
 * `ResultOutbox` (fsync per record, as in production), reading an in-memory ticket system
 * instead of Jira or ServiceNow, so the figures measure ticket-sla, not a ticket system's API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import type { AgentLogger } from '../../apps/ticket-agent/src/agent-logger';
import { TicketAgentClient } from '../../apps/ticket-agent/src/client/ticket-agent-client';
import { ResultOutbox } from '../../apps/ticket-agent/src/outbox/result-outbox';
import type {
  TicketQuery,
  TicketSystemAdapter,
} from '../../apps/ticket-agent/src/ticket-system-adapter';
import { log } from '../messaging/stats';

/**
 * A ticket system held in memory. A search returns the tickets updated since the query's
 * `updatedSince` (all of them without it), in pages of `pageSize`, as an incremental saved
 * filter would: the first search delivers everything, later ones only what changed since.
 */
export class InMemoryTicketSystem implements TicketSystemAdapter {
  /** When the first search started (the first task reached the agent), epoch ms. */
  firstSearchAt: number | undefined;
  /** When the first search yielded its last page. */
  firstSearchDoneAt: number | undefined;
  searches = 0;

  constructor(
    readonly system: string,
    private readonly tickets: readonly AgentTicket[],
    private readonly pageSize: number,
  ) {}

  get size(): number {
    return this.tickets.length;
  }

  /** The pages of a search; in memory, so each page is there at once. */
  search(query: TicketQuery, signal: AbortSignal): AsyncIterable<AgentTicket[]> {
    const pages = this.pages(query, signal);
    return {
      [Symbol.asyncIterator]: () => ({
        next: () => Promise.resolve(pages.next()),
        return: () => Promise.resolve(pages.return(undefined)),
      }),
    };
  }

  private *pages(query: TicketQuery, signal: AbortSignal): Generator<AgentTicket[], void> {
    this.searches += 1;
    const first = this.firstSearchAt === undefined;
    if (first) this.firstSearchAt = Date.now();
    const since = query.updatedSince === undefined ? -Infinity : Date.parse(query.updatedSince);
    if (Number.isNaN(since)) throw new Error(`updatedSince ${query.updatedSince} is not a time`);
    let page: AgentTicket[] = [];
    for (const ticket of this.tickets) {
      if (signal.aborted) return;
      if (Date.parse(ticket.updatedAt) < since) continue;
      page.push(ticket);
      if (page.length === this.pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
    if (first) this.firstSearchDoneAt = Date.now();
  }

  fetch(keys: string[]): Promise<AgentTicket[]> {
    const wanted = new Set(keys);
    return Promise.resolve(this.tickets.filter((t) => wanted.has(t.key)));
  }

  check(): Promise<void> {
    return Promise.resolve();
  }
}

/** What happened to one result chunk, epoch ms. */
export interface ResultTimes {
  storedAt: number;
  /** Last time the client read it from the outbox to put it on the socket. */
  sentAt?: number;
  ackedAt?: number;
}

export interface BenchAgent {
  agentId: string;
  ticketSystem: InMemoryTicketSystem;
  client: TicketAgentClient;
  /** The chunks of the first search (every ticket), final chunk included. */
  results: Map<string, ResultTimes>;
  /** When the first search's final chunk was acked: every chunk before it was acked already. */
  completedAt(): number | undefined;
  close(): Promise<void>;
}

/** Warnings and errors go to the benchmark's progress log; the agent's chatter does not. */
function agentLogger(agentId: string): AgentLogger {
  const say = (level: string) => (context: Record<string, unknown>, message: string) =>
    log(`agent ${agentId} ${level}: ${message} ${JSON.stringify(context)}`);
  const quiet = () => undefined;
  return { debug: quiet, info: quiet, warn: say('warn'), error: say('error') };
}

/**
 * Opens an outbox in a fresh temporary folder and starts a `TicketAgentClient` on it.
 * The outbox is observed through a proxy (its class is not meant to be extended): `append` is
 * when a chunk is stored, `read` is the client taking it to send it.
 */
export async function startBenchAgent(options: {
  serverUrl: string;
  agentId: string;
  secret: string;
  ticketSystem: InMemoryTicketSystem;
}): Promise<BenchAgent> {
  const dir = await mkdtemp(join(tmpdir(), `bench-ticket-sla-${options.agentId}-`));
  const logger = agentLogger(options.agentId);
  const outbox = await ResultOutbox.open({ dir, maxBytes: 2 * 1024 ** 3, logger });
  const results = new Map<string, ResultTimes>();
  const search = options.ticketSystem;
  let finalResultId: string | undefined;
  let completedAt: number | undefined;
  const observed = new Proxy(outbox, {
    get(target, property) {
      if (property === 'append') {
        return async (resultId: string, message: string) => {
          await target.append(resultId, message);
          // The task runner stores a search's closing chunk after the search's last page: the
          // first chunk stored once the first search is over is its final one. Later (empty,
          // incremental) searches are not part of the measurement.
          if (finalResultId !== undefined) return;
          results.set(resultId, { storedAt: Date.now() });
          if (search.firstSearchDoneAt !== undefined) finalResultId = resultId;
        };
      }
      if (property === 'read') {
        return async (resultId: string) => {
          const text = await target.read(resultId);
          const times = results.get(resultId);
          if (times !== undefined) times.sentAt = Date.now();
          return text;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function'
        ? (value as (...args: unknown[]) => unknown).bind(target)
        : value;
    },
  });
  const client = new TicketAgentClient({
    serverUrl: options.serverUrl,
    agentId: options.agentId,
    secret: options.secret,
    agentVersion: 'bench',
    adapter: search,
    outbox: observed,
    logger,
  });
  client.on('acked', (resultId) => {
    const times = results.get(resultId);
    if (times === undefined) return;
    times.ackedAt = Date.now();
    if (resultId === finalResultId) completedAt = times.ackedAt;
  });
  client.start();
  return {
    agentId: options.agentId,
    ticketSystem: search,
    client,
    results,
    completedAt: () => completedAt,
    async close() {
      await client.close();
      await outbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
