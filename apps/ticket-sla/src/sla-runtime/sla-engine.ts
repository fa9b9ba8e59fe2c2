import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Cache } from '@telcomesh/cache';
import {
  ceSourceOf,
  ConfigChangeAction,
  create,
  encode,
  keyOf,
  timestampFromDate,
  Topics,
} from '@telcomesh/contracts';
import { envelopeHeaders, type OutboundRecord, type Outbox } from '@telcomesh/messaging';
import type { Logger } from '@telcomesh/observability';
import { SlaClock } from '../sla';
import { inRetryingTransaction } from '../retrying-transaction';
import { timelineOfStoredTicket } from '../tickets/stored-timeline';
import type { StoredTicket, TicketStore } from '../tickets/ticket-store';
import type { ServiceClock, TimerHandle } from '../time/service-clock';
import { CrossingTimers } from './crossing-timers';
import { SlaCatalog, readPolicyFile } from './sla-catalog';
import type { CatalogChange, SlaCatalogStore } from './sla-catalog-store';
import { slaEventRecord } from './sla-event-record';
import { isOpenStatus, settleSlaTargets, type SlaTicketInfo } from './sla-outcome';
import type { SlaStateStore } from './sla-state-store';

export interface SlaEngineOptions {
  replicaId: string;
  leaseTtlMs: number;
  /** How often the timer holder picks up other replicas' changes and every replica checks the catalog version. */
  refreshMs: number;
  policyFile?: string;
}

export interface SlaEngineParts {
  dataSource: DataSource;
  outbox: Outbox;
  cache: Cache;
  logger: Logger;
  clock: ServiceClock;
  tickets: TicketStore;
  states: SlaStateStore;
  catalogStore: SlaCatalogStore;
}

/** What a recomputation did, for scheduling after its transaction commits. */
export interface RecomputeOutcome {
  events: number;
  /** Next crossing per ticket (null: none pending). */
  next: Map<string, number | null>;
}

export interface RecomputeJobStatus {
  running: boolean;
  scanned: number;
  recomputed: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  lastError: string | null;
}

/** Redis lease of the one replica that runs the SLA timers. */
export const SLA_TIMER_LEASE = 'sla-timers';

/** Tickets recomputed per transaction by a catalog change. */
const RECOMPUTE_BATCH = 200;

/**
 * The SLA runtime. Every ticket change calls `recompute` inside its own transaction: the ticket's
 * clock is replayed with the calculator at `now`, `sla_state` is written and the events crossed
 * since the last state go to the outbox, atomically. Crossings nobody reports are caught by the
 * timers: the replica holding the `sla-timers` lease keeps every ticket's next crossing in a
 * min-heap (loaded when it takes the lease) and recomputes each ticket at its crossing instant.
 * It picks up changes other replicas make through a short, indexed look at `sla_state.updated_at`.
 */
export class SlaEngine {
  catalog: SlaCatalog = SlaCatalog.empty();
  readonly timers: CrossingTimers;
  readonly recomputeStatus: RecomputeJobStatus = {
    running: false,
    scanned: 0,
    recomputed: 0,
    startedAt: null,
    finishedAt: null,
    lastError: null,
  };
  private holding = false;
  private stopped = true;
  private leaseTimer: TimerHandle | undefined;
  private refreshTimer: TimerHandle | undefined;
  private rounds: Promise<void> = Promise.resolve();
  private watermark = 0;
  private job: Promise<void> = Promise.resolve();
  private pendingPolicies: Set<string> | null = null;

  constructor(
    private readonly parts: SlaEngineParts,
    private readonly options: SlaEngineOptions,
  ) {
    this.timers = new CrossingTimers(
      parts.clock,
      (ids) => this.onCrossings(ids),
      (error, ids) =>
        parts.logger.error(
          { err: error, tickets: ids.length },
          'SLA timers: recompute failed; retrying',
        ),
    );
  }

  /** Whether this replica runs the timers now. */
  get holdsTimers(): boolean {
    return this.holding;
  }

  /** Applies the policy file (if any), loads the catalog, then takes part in the timer lease. */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.options.policyFile !== undefined) {
      const content = readPolicyFile(this.options.policyFile);
      const changes = await this.inTransaction(async (manager) => {
        const made = await this.parts.catalogStore.syncFile(content, 'system:ticket-sla', manager);
        await this.parts.outbox.enqueue(
          manager,
          made.map((c) => configChangeRecord(c, 'system:ticket-sla', 'policy file')),
        );
        return made;
      });
      this.parts.outbox.notifyCommitted();
      if (changes.length > 0) {
        this.parts.logger.info(
          { changes: changes.map((c) => `${c.kind}:${c.id}`) },
          'SLA policy file applied',
        );
      }
      await this.reloadCatalog();
      if (changes.length > 0) this.recomputeAfter(changes);
    } else {
      await this.reloadCatalog();
    }
    await this.leaseRound();
    this.scheduleLease();
    this.scheduleRefresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer !== undefined) this.parts.clock.clearTimeout(this.leaseTimer);
    if (this.refreshTimer !== undefined) this.parts.clock.clearTimeout(this.refreshTimer);
    await this.rounds;
    await this.timers.stop();
    await this.job;
    if (this.holding) {
      this.holding = false;
      await this.parts.cache
        .releaseLease(SLA_TIMER_LEASE, this.options.replicaId)
        .catch(() => undefined);
    }
  }

  /**
   * Replays the tickets at `now` in the caller's transaction: writes their SLA state and stages
   * the events crossed since the last state. A ticket whose data cannot be replayed is logged
   * and left as it was; the others go on. Call `schedule` with the outcome once committed.
   */
  async recompute(
    manager: EntityManager,
    ticketIds: readonly string[],
    now: number,
  ): Promise<RecomputeOutcome> {
    const { tickets: ticketStore, states } = this.parts;
    const tickets = await ticketStore.lockTickets(manager, ticketIds);
    const ids = tickets.map((t) => t.id);
    const transitions = await ticketStore.transitionsOf(manager, ids);
    const previous = await states.load(manager, ids);
    const catalog = this.catalog;
    const saves: {
      ticket: SlaTicketInfo;
      records: ReturnType<typeof settleSlaTargets>['records'];
    }[] = [];
    const cleared: string[] = [];
    const marks: { id: string; isOpen: boolean; policyId: string | null }[] = [];
    const records: OutboundRecord[] = [];
    const next = new Map<string, number | null>();
    for (const ticket of tickets) {
      next.set(ticket.id, null);
      const policy = catalog.match(ticket);
      if (policy === undefined) {
        cleared.push(ticket.id);
        marks.push({ id: ticket.id, isOpen: ticket.resolvedAt === null, policyId: null });
        continue;
      }
      const info = ticketInfoOf(ticket);
      try {
        const timeline = timelineOfStoredTicket(ticket, transitions.get(ticket.id) ?? []);
        const evaluation = new SlaClock(policy, timeline).evaluate(now);
        const settled = settleSlaTargets({
          ticket: info,
          timeline,
          policy,
          evaluation,
          previous: previous.get(ticket.id) ?? [],
        });
        saves.push({ ticket: info, records: settled.records });
        for (const draft of settled.events) records.push(slaEventRecord(info, draft));
        marks.push({
          id: ticket.id,
          isOpen: isOpenStatus(policy, ticket.status),
          policyId: policy.id,
        });
        next.set(ticket.id, settled.nextCrossingAt);
      } catch (error) {
        // Pure computation: only this ticket's data can be at fault; the rest of the batch goes on.
        this.parts.logger.warn(
          {
            ticket: `${ticket.system}:${ticket.key}`,
            reason: error instanceof Error ? error.message : String(error),
          },
          'SLA clock of a ticket cannot be computed; its SLA state is left unchanged',
        );
      }
    }
    await states.clear(manager, cleared);
    await states.save(manager, saves);
    await ticketStore.markEvaluated(manager, marks);
    await this.parts.outbox.enqueue(manager, records);
    return { events: records.length, next };
  }

  /** After the recomputation's transaction committed: wake the relay, arm the timers here. */
  schedule(outcome: RecomputeOutcome): void {
    if (outcome.events > 0) this.parts.outbox.notifyCommitted();
    if (!this.holding) return;
    for (const [ticketId, at] of outcome.next) this.timers.set(ticketId, at);
  }

  /** Recomputes tickets in their own transaction, now. */
  async recomputeNow(ticketIds: readonly string[]): Promise<RecomputeOutcome> {
    const outcome = await this.inTransaction((manager) =>
      this.recompute(manager, ticketIds, this.parts.clock.now()),
    );
    this.schedule(outcome);
    return outcome;
  }

  /**
   * After a catalog change: recompute, in the background, the open tickets whose policy changes
   * or whose policy (or its calendar) was edited. Changes arriving meanwhile are merged into a
   * follow-up run.
   */
  recomputeAfter(changes: readonly CatalogChange[]): void {
    const policies = new Set<string>();
    const calendars = new Set<string>();
    for (const change of changes) (change.kind === 'policy' ? policies : calendars).add(change.id);
    for (const policy of this.catalog.policies.policies) {
      if (calendars.has(policy.calendar.id)) policies.add(policy.id);
    }
    if (this.pendingPolicies !== null) {
      for (const id of policies) this.pendingPolicies.add(id);
      return;
    }
    this.pendingPolicies = policies;
    this.job = this.job.then(async () => {
      const run = this.pendingPolicies ?? new Set<string>();
      this.pendingPolicies = null;
      await this.recomputeAffected(run);
    });
  }

  /** Reloads the catalog from the database (after a change here, or when another replica moved the version). */
  async reloadCatalog(): Promise<void> {
    try {
      this.catalog = await this.parts.catalogStore.load();
    } catch (error) {
      this.parts.logger.error(
        { err: error },
        'stored SLA catalog does not build; keeping the previous one',
      );
    }
  }

  private async recomputeAffected(changed: ReadonlySet<string>): Promise<void> {
    const status = this.recomputeStatus;
    Object.assign(status, {
      running: true,
      scanned: 0,
      recomputed: 0,
      startedAt: new Date(this.parts.clock.now()),
      finishedAt: null,
      lastError: null,
    });
    try {
      for await (const page of this.parts.tickets.openTicketPages(this.parts.dataSource, 2000)) {
        if (this.stopped) break;
        status.scanned += page.length;
        const affected = page
          .filter((t) => {
            const policy = this.catalog.match(t);
            return (
              (policy?.id ?? null) !== t.policyId ||
              (policy !== undefined && changed.has(policy.id))
            );
          })
          .map((t) => t.id);
        for (let i = 0; i < affected.length; i += RECOMPUTE_BATCH) {
          await this.recomputeNow(affected.slice(i, i + RECOMPUTE_BATCH));
          status.recomputed += Math.min(RECOMPUTE_BATCH, affected.length - i);
        }
      }
      this.parts.logger.info(
        { scanned: status.scanned, recomputed: status.recomputed },
        'SLA catalog change applied to open tickets',
      );
    } catch (error) {
      status.lastError = error instanceof Error ? error.message : String(error);
      this.parts.logger.error(
        { err: error },
        'recomputing tickets after an SLA catalog change failed',
      );
    } finally {
      status.running = false;
      status.finishedAt = new Date(this.parts.clock.now());
    }
  }

  private async onCrossings(ticketIds: string[]): Promise<void> {
    if (!this.holding) return;
    await this.recomputeNow(ticketIds);
  }

  private inTransaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inRetryingTransaction(this.parts.dataSource, work);
  }

  private scheduleLease(): void {
    if (this.stopped) return;
    this.leaseTimer = this.parts.clock.setTimeout(
      () => {
        this.rounds = this.rounds.then(() => this.leaseRound()).finally(() => this.scheduleLease());
      },
      Math.max(250, Math.floor(this.options.leaseTtlMs / 3)),
    );
  }

  private scheduleRefresh(): void {
    if (this.stopped) return;
    this.refreshTimer = this.parts.clock.setTimeout(() => {
      this.rounds = this.rounds
        .then(() => this.refreshRound())
        .finally(() => this.scheduleRefresh());
    }, this.options.refreshMs);
  }

  private async leaseRound(): Promise<void> {
    if (this.stopped) return;
    let ours: boolean;
    try {
      ours = await this.parts.cache.acquireLease(
        SLA_TIMER_LEASE,
        this.options.replicaId,
        this.options.leaseTtlMs,
      );
    } catch (error) {
      // Unknown is not ours: another replica may hold the timers once our lease runs out.
      this.parts.logger.warn({ err: error }, 'SLA timer lease could not be renewed');
      ours = false;
    }
    if (ours && !this.holding) {
      try {
        // Changes committed while loading are caught by the first refresh (its window overlaps).
        this.watermark = (await this.parts.states.databaseNow()) - this.overlapMs();
        const crossings = await this.parts.states.allCrossings();
        this.timers.clear();
        for (const c of crossings) this.timers.set(c.ticketId, c.at);
        this.holding = true;
        this.timers.start();
        this.parts.logger.info(
          { replica: this.options.replicaId, tickets: crossings.length },
          'SLA timers taken: crossings loaded',
        );
      } catch (error) {
        this.parts.logger.error(
          { err: error },
          'SLA timers could not be loaded; retrying at the next lease round',
        );
        await this.parts.cache
          .releaseLease(SLA_TIMER_LEASE, this.options.replicaId)
          .catch(() => undefined);
      }
    } else if (!ours && this.holding) {
      this.holding = false;
      await this.timers.stop();
      this.timers.clear();
      this.parts.logger.warn(
        { replica: this.options.replicaId },
        'SLA timer lease lost: timers stopped here',
      );
    }
  }

  private overlapMs(): number {
    return Math.max(5000, 2 * this.options.refreshMs);
  }

  private async refreshRound(): Promise<void> {
    if (this.stopped) return;
    try {
      const version = await this.parts.catalogStore.version();
      if (version !== this.catalog.version) await this.reloadCatalog();
      if (!this.holding) return;
      const { changes, latestMs } = await this.parts.states.changedSince(this.watermark);
      for (const change of changes) this.timers.set(change.ticketId, change.at);
      this.watermark = Math.max(this.watermark, latestMs - this.overlapMs());
    } catch (error) {
      this.parts.logger.warn({ err: error }, 'SLA refresh failed; retrying');
    }
  }
}

/** The fields of a stored ticket that SLA state rows and events carry. */
export function ticketInfoOf(ticket: StoredTicket): SlaTicketInfo {
  return {
    id: ticket.id,
    tenantId: ticket.tenantId,
    system: ticket.system,
    key: ticket.key,
    title: ticket.title,
    priority: ticket.priority,
    category: ticket.category,
    customer: ticket.customer,
    department: ticket.assignmentGroup,
    url: ticket.url,
    createdAt: ticket.createdAt,
  };
}

/** A config.changes.v1 record of one catalog change. */
export function configChangeRecord(
  change: CatalogChange,
  actor: string,
  reason: string,
): OutboundRecord {
  const message = create(Topics.ConfigChanges, {
    changeId: randomUUID(),
    service: 'ticket-sla',
    key: `sla.${change.kind === 'policy' ? 'policies' : 'calendars'}.${change.id}`,
    action:
      change.after === undefined
        ? ConfigChangeAction.DELETED
        : change.before === undefined
          ? ConfigChangeAction.CREATED
          : ConfigChangeAction.UPDATED,
    ...(change.before === undefined ? {} : { oldValue: JSON.stringify(change.before) }),
    ...(change.after === undefined ? {} : { newValue: JSON.stringify(change.after) }),
    redacted: false,
    actor,
    reason,
    changedAt: timestampFromDate(new Date()),
  });
  return {
    topic: Topics.ConfigChanges.name,
    key: keyOf(Topics.ConfigChanges, message),
    value: encode(Topics.ConfigChanges, message),
    headers: envelopeHeaders(Topics.ConfigChanges, {
      source: ceSourceOf('ticket-sla'),
      id: message.changeId,
    }),
  };
}
