import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { DataSource, EntityManager } from 'typeorm';
import type { OutboundRecord } from '@telcomesh/messaging';
import type { ServiceRuntime } from '@telcomesh/platform';
import { agentCredentialsOf, type AgentCredentials } from './agents/agent-credentials';
import { AgentDirectory } from './agents/agent-directory';
import { AgentHub } from './agents/agent-hub';
import { AgentResults } from './agents/agent-results';
import { TaskDispatcher, type DispatchFilter } from './agents/task-dispatcher';
import { BiQueries } from './bi/bi-queries';
import { inRetryingTransaction } from './retrying-transaction';
import { SlaCatalogStore, type CatalogChange } from './sla-runtime/sla-catalog-store';
import { configChangeRecord, SlaEngine } from './sla-runtime/sla-engine';
import { SlaStateStore } from './sla-runtime/sla-state-store';
import type { TicketSlaConfig } from './ticket-sla.config';
import { ItsmTicketIntake } from './tickets/itsm-ticket-intake';
import { TicketStore } from './tickets/ticket-store';
import { systemClock, type ServiceClock } from './time/service-clock';

/** Path of the agents' websocket endpoint on the service's HTTP server. */
export const AGENT_HUB_PATH = '/agents';

/** Keys per fetch task (the protocol's limit). */
const FETCH_BATCH = 1000;

/** The filters of the configuration, in dispatch order. */
export function dispatchFiltersOf(config: TicketSlaConfig): DispatchFilter[] {
  const filters: DispatchFilter[] = [];
  if (config.FILTER_ARREARS !== undefined)
    filters.push({ name: 'arrears', filterId: config.FILTER_ARREARS, incremental: false });
  if (config.FILTER_STOPPED !== undefined)
    filters.push({ name: 'stopped', filterId: config.FILTER_STOPPED, incremental: false });
  if (config.TICKET_SLA_FILTER_OPEN !== undefined)
    filters.push({ name: 'open', filterId: config.TICKET_SLA_FILTER_OPEN, incremental: true });
  return filters;
}

/**
 * The ticket-sla service assembled: the agent hub (websocket, auth, heartbeats) hands the
 * dispatcher's tasks to agents and stores their results; tickets also come from itsm.tickets.v1;
 * every ticket change recomputes its SLA in the same transaction; the SLA engine's timers catch
 * crossings at their instant; the BI queries read the resulting `sla_state`.
 */
export class TicketSlaCore {
  readonly replicaId: string;
  readonly credentials: AgentCredentials;
  readonly tickets: TicketStore;
  readonly states: SlaStateStore;
  readonly catalogStore: SlaCatalogStore;
  readonly engine: SlaEngine;
  readonly directory: AgentDirectory;
  readonly results: AgentResults;
  readonly dispatcher: TaskDispatcher;
  readonly hub: AgentHub;
  readonly itsm: ItsmTicketIntake;
  readonly bi: BiQueries;
  private readonly dispatchLeases = new Set<string>();

  constructor(
    private readonly runtime: ServiceRuntime<TicketSlaConfig>,
    readonly clock: ServiceClock = systemClock,
  ) {
    const { config, dataSource, logger, cache } = runtime;
    // Refuses to start on bad agent credentials, naming each problem without quoting a key.
    this.credentials = agentCredentialsOf(config);
    this.replicaId = config.TICKET_SLA_REPLICA_ID ?? `${hostname()}-${process.pid}`;
    const tenantId = config.TICKET_SLA_TENANT_ID ?? '';
    this.tickets = new TicketStore(dataSource);
    this.states = new SlaStateStore(dataSource);
    this.catalogStore = new SlaCatalogStore(dataSource);
    this.engine = new SlaEngine(
      {
        dataSource,
        outbox: runtime.outbox,
        cache,
        logger,
        clock,
        tickets: this.tickets,
        states: this.states,
        catalogStore: this.catalogStore,
      },
      {
        replicaId: this.replicaId,
        leaseTtlMs: config.TICKET_SLA_LEASE_TTL_MS,
        refreshMs: config.TICKET_SLA_TIMER_REFRESH_MS,
        ...(config.TICKET_SLA_POLICY_FILE === undefined
          ? {}
          : { policyFile: config.TICKET_SLA_POLICY_FILE }),
      },
    );
    this.directory = new AgentDirectory(dataSource, this.replicaId);
    this.results = new AgentResults(
      dataSource,
      this.tickets,
      this.engine,
      this.directory,
      clock,
      tenantId,
    );
    const intervalMs = config.INTERVAL * 1000;
    const dispatchLeaseTtl = Math.max(config.TICKET_SLA_LEASE_TTL_MS, 2 * intervalMs);
    this.dispatcher = new TaskDispatcher(
      clock,
      dispatchFiltersOf(config),
      {
        mayDispatch: async (system) => {
          const ours = await cache.acquireLease(
            `dispatch:${system}`,
            this.replicaId,
            dispatchLeaseTtl,
          );
          if (ours) this.dispatchLeases.add(system);
          else this.dispatchLeases.delete(system);
          return ours;
        },
        staleKeys: (system, limit) =>
          this.tickets.staleOpenKeys(
            dataSource,
            system,
            clock.now() - config.TICKET_SLA_FETCH_STALE_INTERVALS * intervalMs,
            limit,
          ),
        counted: (agentId, outcome) => {
          this.directory
            .countTask(agentId, outcome)
            .catch((error: unknown) =>
              logger.warn({ err: error, agentId }, 'task counter not recorded'),
            );
        },
        log: (level, context, message) => logger[level](context, message),
      },
      {
        intervalMs,
        taskTimeoutMs: config.TICKET_SLA_TASK_TIMEOUT_MS,
        maxAttempts: config.TICKET_SLA_TASK_MAX_ATTEMPTS,
        graceMs: Math.min(5000, Math.floor(config.TICKET_SLA_TASK_TIMEOUT_MS / 10)),
        fetchBatch: FETCH_BATCH,
      },
    );
    this.hub = new AgentHub(
      this.credentials,
      this.directory,
      this.results,
      this.dispatcher,
      clock,
      logger,
      {
        path: AGENT_HUB_PATH,
        heartbeatMs: config.TICKET_SLA_HEARTBEAT_MS,
        handshakeTimeoutMs: config.TICKET_SLA_HANDSHAKE_TIMEOUT_MS,
        authRetryAfterMs: 60_000,
      },
    );
    this.itsm = new ItsmTicketIntake(runtime, this.tickets, this.engine, clock, {
      system: config.TICKET_SLA_ITSM_SYSTEM,
      tenantId,
    });
    this.bi = new BiQueries(dataSource);
    if (this.credentials.size === 0) {
      logger.warn(
        'no agent credentials configured (TOKEN/KEY, TICKET_SLA_AGENTS): agents cannot connect',
      );
    }
  }

  get hubHeartbeatMs(): number {
    return this.runtime.config.TICKET_SLA_HEARTBEAT_MS;
  }

  /** For read-only queries of the HTTP API. */
  get dataSourceForReads(): DataSource {
    return this.runtime.dataSource;
  }

  /** Stages records in the outbox in their own transaction and wakes the relay. */
  async publish(records: OutboundRecord[]): Promise<void> {
    await this.runtime.dataSource.transaction((manager) =>
      this.runtime.outbox.enqueue(manager, records),
    );
    this.runtime.outbox.notifyCommitted();
  }

  /**
   * Runs a catalog change with its config.changes.v1 records in one transaction, then reloads the
   * catalog here and recomputes the open tickets it affects in the background (other replicas
   * reload when they see the version move).
   */
  async changeCatalog(
    work: (manager: EntityManager) => Promise<CatalogChange[]>,
    actor: string,
    reason: string,
  ): Promise<CatalogChange[]> {
    const changes = await inRetryingTransaction(this.runtime.dataSource, async (manager) => {
      const made = await work(manager);
      await this.runtime.outbox.enqueue(
        manager,
        made.map((c) => configChangeRecord(c, actor, reason || 'SLA API change')),
      );
      return made;
    });
    this.runtime.outbox.notifyCommitted();
    await this.engine.reloadCatalog();
    // Also after a pure reordering: which policy matches may change without any definition changing.
    this.engine.recomputeAfter(changes);
    return changes;
  }

  async start(http: Server): Promise<void> {
    await this.directory.registerConfigured(this.credentials.ids());
    await this.engine.start();
    this.hub.attach(http);
    this.dispatcher.start();
    await this.itsm.start();
    this.runtime.logger.info(
      {
        replica: this.replicaId,
        agents: this.credentials.size,
        filters: dispatchFiltersOf(this.runtime.config).map((f) => f.name),
      },
      'ticket-sla started',
    );
  }

  async stop(): Promise<void> {
    await this.dispatcher.stop();
    await this.hub.close();
    await this.itsm.stop();
    await this.engine.stop();
    for (const system of this.dispatchLeases) {
      await this.runtime.cache
        .releaseLease(`dispatch:${system}`, this.replicaId)
        .catch(() => undefined);
    }
  }
}
