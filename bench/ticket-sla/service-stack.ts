/**
 * What every service start of the benchmark shares: the throwaway database (one schema per
 * start), Redis, the broker (one topic prefix per start), agent credentials made up for the run,
 * and the policy file. Also the agents that load tickets, and counting what the service stored.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { Client } from 'pg';
import { stringify } from 'yaml';
import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import { postgresUrl, type PostgresTarget } from '../messaging/environment';
import { log, sleep } from '../messaging/stats';
import { InMemoryTicketSystem, startBenchAgent, type BenchAgent } from './bench-agents';
import { processUsage, type ProcessUsage } from './figures';
import { startTicketSlaProcess, type TicketSlaProcess } from './service-process';

export interface BenchStack {
  brokers: string[];
  pg: PostgresTarget;
  database: string;
  redisUrl: string;
  /** Every topic and consumer group of the run starts with it. */
  topicPrefix: string;
  /** Folder for policy files. */
  dir: string;
}

export interface AgentCredential {
  agentId: string;
  secret: string;
  /** The ticket system the agent reads. */
  system: string;
}

/** `count` agents, each reading its own ticket system (`bench-a`, `bench-b`...), with fresh secrets. */
export function agentCredentials(count: number, label: string): AgentCredential[] {
  return Array.from({ length: count }, (_, i) => ({
    agentId: `${label}-agent-${i + 1}`,
    secret: randomBytes(16).toString('hex'),
    system: `${label}-${String.fromCharCode(97 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`,
  }));
}

export interface ServiceStart {
  /** Schema and topic-prefix suffix of this start. */
  name: string;
  agents: readonly AgentCredential[];
  calendars: readonly unknown[];
  policies: readonly unknown[];
}

/**
 * Starts the service on schema `ticket_sla_<name>` and topic prefix `<run prefix>-<name>`, with
 * the given policies as its policy file. One dispatch round a second; an incremental "open"
 * filter is the only task (the seed's FILTER_ARREARS/FILTER_STOPPED would resend every ticket
 * each round); a task has an hour to finish; stale-ticket fetches are pushed out of the run.
 */
export async function startService(
  stack: BenchStack,
  start: ServiceStart,
): Promise<TicketSlaProcess> {
  const policyFile = join(stack.dir, `sla-${start.name}.yaml`);
  writeFileSync(policyFile, stringify({ calendars: start.calendars, policies: start.policies }));
  return startTicketSlaProcess({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: stack.brokers.join(','),
    KAFKA_TOPIC_PREFIX: `${stack.topicPrefix}-${start.name}`,
    DATABASE_URL: postgresUrl(stack.pg, stack.database),
    DATABASE_SCHEMA: `ticket_sla_${start.name.replace(/-/g, '_')}`,
    REDIS_URL: stack.redisUrl,
    TICKET_SLA_AGENTS: start.agents.map((a) => `${a.agentId}:${a.secret}`).join(','),
    TICKET_SLA_TENANT_ID: 'bench',
    TICKET_SLA_REPLICA_ID: `bench-${start.name}`,
    TICKET_SLA_POLICY_FILE: policyFile,
    INTERVAL: '1',
    TICKET_SLA_FILTER_OPEN: 'bench-open',
    TICKET_SLA_TASK_TIMEOUT_MS: '3600000',
    TICKET_SLA_FETCH_STALE_INTERVALS: '1000',
  });
}

/** Starts one real agent per credential, each serving its tickets (`tickets[i]` for agent i). */
export async function startAgents(
  service: TicketSlaProcess,
  credentials: readonly AgentCredential[],
  tickets: readonly AgentTicket[][],
  pageSize: number,
): Promise<BenchAgent[]> {
  const agents: BenchAgent[] = [];
  for (const [i, credential] of credentials.entries()) {
    agents.push(
      await startBenchAgent({
        serverUrl: service.hubUrl,
        agentId: credential.agentId,
        secret: credential.secret,
        ticketSystem: new InMemoryTicketSystem(credential.system, tickets[i] ?? [], pageSize),
      }),
    );
  }
  return agents;
}

/** Waits until every agent's first search is stored and acked; false when `timeoutMs` passes first. */
export async function allCompleted(
  agents: readonly BenchAgent[],
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (agents.some((a) => a.completedAt() === undefined)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

export interface StoredCounts {
  tickets: number;
  transitions: number;
  slaStateRows: number;
  agentResults: number;
}

/** Rows of the service's tables, read straight from PostgreSQL. */
export async function storedCounts(stack: BenchStack, name: string): Promise<StoredCounts> {
  const schema = `"ticket_sla_${name.replace(/-/g, '_')}"`;
  const client = new Client({ connectionString: postgresUrl(stack.pg, stack.database) });
  await client.connect();
  try {
    const { rows } = await client.query<{
      tickets: number;
      transitions: number;
      states: number;
      results: number;
    }>(
      `SELECT (SELECT count(*)::int FROM ${schema}."tickets") AS tickets,
              (SELECT count(*)::int FROM ${schema}."ticket_transitions") AS transitions,
              (SELECT count(*)::int FROM ${schema}."sla_state") AS states,
              (SELECT count(*)::int FROM ${schema}."agent_results") AS results`,
    );
    const row = rows[0];
    return {
      tickets: row.tickets,
      transitions: row.transitions,
      slaStateRows: row.states,
      agentResults: row.results,
    };
  } finally {
    await client.end();
  }
}

/** Deletes the run's topics and consumer groups (every start's prefix begins with the run's). */
export async function deleteRunTopics(brokers: string[], topicPrefix: string): Promise<string> {
  const admin = new Admin({ clientId: 'bench-ticket-sla-janitor', bootstrapBrokers: brokers });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = [...(await admin.listGroups()).keys()].filter((g) => g.startsWith(topicPrefix));
    if (groups.length > 0) await admin.deleteGroups({ groups });
    return `${topics.length} topics and ${groups.length} consumer groups deleted`;
  } catch (error) {
    const message = `could not delete ${topicPrefix}* topics/groups (${String(error)}); delete them by hand`;
    log(message);
    return message;
  } finally {
    await admin.close();
  }
}

/**
 * CPU of the PostgreSQL backends serving the run's database (pg_stat_activity by database name),
 * summed as if they were one process: what the service costs the database, without the other
 * databases of a shared server. Backends are looked up every second; one that exits keeps the
 * CPU it was last seen with.
 */
export class DatabaseBackends {
  private readonly cpuByPid = new Map<number, number>();
  private pids: number[] = [];
  private refreshing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly client: Client,
    private readonly database: string,
  ) {
    this.timer = setInterval(() => {
      this.refreshing = this.refreshing.then(() => this.refresh());
    }, 1000);
    this.timer.unref();
  }

  static async start(stack: BenchStack): Promise<DatabaseBackends> {
    const client = new Client({ ...stack.pg, database: 'postgres' });
    await client.connect();
    const backends = new DatabaseBackends(client, stack.database);
    await backends.refresh();
    return backends;
  }

  private async refresh(): Promise<void> {
    try {
      const { rows } = await this.client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1',
        [this.database],
      );
      this.pids = rows.map((r) => r.pid);
    } catch (error) {
      log(`PostgreSQL backends not listed this second: ${String(error)}`);
    }
  }

  /** The backends' CPU so far (ms) as one ProcessUsage; memory is not summed (shared buffers). */
  usage(): ProcessUsage {
    for (const pid of this.pids) {
      const usage = processUsage(pid);
      if (usage !== undefined) this.cpuByPid.set(pid, usage.cpuMs);
    }
    let cpuMs = 0;
    for (const value of this.cpuByPid.values()) cpuMs += value;
    return { at: Date.now(), cpuMs, rssMiB: Number.NaN, rssPeakMiB: Number.NaN };
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
    await this.client.end();
  }
}
