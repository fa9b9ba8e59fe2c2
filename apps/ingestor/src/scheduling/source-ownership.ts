import type { Cache } from '@telcomesh/cache';
import type { Logger } from '@telcomesh/observability';
import type { HeldSource } from '../sync/source-sync';
import type { DataSourceStore, SchedulableSource } from '../sources/data-source-store';
import type { PollScheduler } from './poll-scheduler';

export interface SourceOwnershipOptions {
  /** Who this replica is in lease records. */
  replicaId: string;
  /** A replica that stops renewing loses its sources after this long. */
  leaseTtlMs: number;
  /** How often leases are renewed and free sources claimed (a third of the TTL). */
  renewIntervalMs: number;
  /** Sources to lease and poll; the others (push-only, e.g. webhooks) are left alone. Default all. */
  isPolled?: (source: SchedulableSource) => boolean;
  /** Replica slots counted for the fair share (default 32): more live replicas count as this many. */
  maxReplicas?: number;
}

/** How the replica gets ready to poll a source it gained, and lets one go. */
export interface OwnershipHooks {
  /** Builds the held source (never throws: a broken source is held and polls into its error). */
  hold(sourceId: string): Promise<{ held: HeldSource; notBefore?: number } | undefined>;
  release(held: HeldSource): Promise<void>;
}

function leaseKey(sourceId: string): string {
  return `ingest-source:${sourceId}`;
}

function slotKey(slot: number): string {
  return `ingest-replica-slot:${slot}`;
}

/**
 * One poller per data source across replicas: every round each replica lists the enabled sources
 * and tries to take or renew each one's Redis lease (`runtime.cache`); the holder schedules the
 * source's polls, the others leave it. A replica that dies stops renewing, its leases expire and
 * the next round elsewhere takes them, within `leaseTtlMs + renewIntervalMs`; the new holder polls
 * when the source is next due by its saved last attempt. A replica that cannot renew (Redis
 * unreachable) drops its sources at once; the sync state's version fences any poll still running.
 *
 * Replicas share the sources evenly: each holds a numbered replica slot (a lease too), counts the
 * live slots and keeps at most its fair share, ceil(sources / replicas). A replica over its share
 * lets the extra go (the last by id) for the others to take on their next round; one under it
 * takes free sources. A replica that joins thus gets its share within two rounds.
 */
export class SourceOwnership {
  private readonly held = new Map<string, HeldSource>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  /** The round queued behind the running one, not started yet: later requests join it. */
  private queued: Promise<void> | undefined;
  /** This replica's slot among the live ones, while it renews it. */
  private slot: number | undefined;
  private stopped = false;

  constructor(
    private readonly cache: Cache,
    private readonly store: DataSourceStore,
    private readonly scheduler: PollScheduler,
    private readonly hooks: OwnershipHooks,
    private readonly logger: Logger,
    private readonly options: SourceOwnershipOptions,
    private readonly onHeldCount?: (count: number) => void,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.renewIntervalMs);
    this.timer.unref();
  }

  /**
   * Runs a round after the running one; API changes call it to act at once. Requests made while a
   * round waits to start share it (it lists the sources when it starts, so it sees them all):
   * registering a thousand sources costs a few rounds, not a thousand.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.round
      .then(() => {
        this.queued = undefined;
        return this.renew();
      })
      .catch((error: unknown) => this.logger.error({ err: error }, 'source lease round failed'));
    this.queued = next;
    this.round = next;
    return next;
  }

  holds(sourceId: string): boolean {
    return this.held.has(sourceId);
  }

  get(sourceId: string): HeldSource | undefined {
    return this.held.get(sourceId);
  }

  heldIds(): string[] {
    return [...this.held.keys()].sort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.round;
    for (const sourceId of [...this.held.keys()]) {
      await this.drop(sourceId, 'shutdown');
      // Let go now so another replica takes it on its next round, not after the TTL.
      await this.cache
        .releaseLease(leaseKey(sourceId), this.options.replicaId)
        .catch(() => undefined);
    }
    if (this.slot !== undefined) {
      await this.cache
        .releaseLease(slotKey(this.slot), this.options.replicaId)
        .catch(() => undefined);
      this.slot = undefined;
    }
  }

  /**
   * Renews (or takes the lowest free) replica slot and counts the live ones. Throws when the cache
   * cannot answer; the caller then balances nothing and the lease calls decide.
   */
  private async liveReplicas(): Promise<number> {
    const max = this.options.maxReplicas ?? 32;
    const { replicaId, leaseTtlMs } = this.options;
    if (
      this.slot !== undefined &&
      !(await this.cache.acquireLease(slotKey(this.slot), replicaId, leaseTtlMs))
    )
      this.slot = undefined;
    for (let slot = 0; this.slot === undefined && slot < max; slot++) {
      if (await this.cache.acquireLease(slotKey(slot), replicaId, leaseTtlMs)) this.slot = slot;
    }
    let live = 0;
    for (let slot = 0; slot < max; slot++) {
      if ((await this.cache.get(slotKey(slot))) !== undefined) live++;
    }
    return Math.max(1, live);
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    const isPolled = this.options.isPolled ?? (() => true);
    const sources = (await this.store.enabledSources()).filter(isPolled);
    const wanted = new Map(sources.map((s) => [s.sourceId, s]));
    for (const sourceId of [...this.held.keys()]) {
      if (wanted.has(sourceId)) continue;
      await this.drop(sourceId, 'disabled or deleted');
      await this.cache
        .releaseLease(leaseKey(sourceId), this.options.replicaId)
        .catch(() => undefined);
    }
    let share = Number.POSITIVE_INFINITY;
    try {
      share = Math.ceil(sources.length / (await this.liveReplicas()));
    } catch (error) {
      this.logger.warn({ err: error }, 'replica count unknown: sources not rebalanced this round');
    }
    const heldNow = [...this.held.keys()].sort();
    for (const sourceId of heldNow.slice(Math.min(heldNow.length, share))) {
      if (this.stopped) return;
      await this.drop(sourceId, 'rebalanced: over this replica’s share');
      await this.cache
        .releaseLease(leaseKey(sourceId), this.options.replicaId)
        .catch(() => undefined);
    }
    for (const source of sources) {
      if (this.stopped) return;
      // Free sources are for replicas under their share.
      if (!this.held.has(source.sourceId) && this.held.size >= share) continue;
      let ours: boolean;
      try {
        ours = await this.cache.acquireLease(
          leaseKey(source.sourceId),
          this.options.replicaId,
          this.options.leaseTtlMs,
        );
      } catch (error) {
        // Unknown is not ours: another replica may hold it once our lease runs out.
        this.logger.warn({ err: error, sourceId: source.sourceId }, 'source lease not renewed');
        ours = false;
      }
      if (this.stopped) return;
      const current = this.held.get(source.sourceId);
      if (ours && !current) await this.take(source);
      else if (ours && current && current.updatedAt !== source.updatedAt.getTime()) {
        await this.drop(source.sourceId, 'configuration changed');
        await this.take(source);
      } else if (!ours && current) await this.drop(source.sourceId, 'lease lost');
    }
  }

  private async take(source: SchedulableSource): Promise<void> {
    const built = await this.hooks.hold(source.sourceId);
    if (!built) return;
    this.held.set(source.sourceId, built.held);
    this.onHeldCount?.(this.held.size);
    this.scheduler.add(source.sourceId, built.held.intervalMs, built.notBefore);
    this.logger.info(
      { sourceId: source.sourceId, replica: this.options.replicaId },
      'source lease acquired: polling',
    );
  }

  private async drop(sourceId: string, reason: string): Promise<void> {
    const held = this.held.get(sourceId);
    if (!held) return;
    this.held.delete(sourceId);
    this.onHeldCount?.(this.held.size);
    await this.scheduler.remove(sourceId);
    try {
      await this.hooks.release(held);
    } catch (error) {
      this.logger.warn({ err: error, sourceId }, 'source did not close cleanly');
    }
    this.logger.info({ sourceId, reason }, 'source released');
  }
}
