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

/**
 * One poller per data source across replicas: every round each replica lists the enabled sources
 * and tries to take or renew each one's Redis lease (`runtime.cache`); the holder schedules the
 * source's polls, the others leave it. A replica that dies stops renewing, its leases expire and
 * the next round elsewhere takes them, within `leaseTtlMs + renewIntervalMs`; the new holder polls
 * when the source is next due by its saved last attempt. A replica that cannot renew (Redis
 * unreachable) drops its sources at once; the sync state's version fences any poll still running.
 */
export class SourceOwnership {
  private readonly held = new Map<string, HeldSource>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  /** The round queued behind the running one, not started yet: later requests join it. */
  private queued: Promise<void> | undefined;
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
    for (const source of sources) {
      if (this.stopped) return;
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
