import type { Cache } from '@telcomesh/cache';
import type { Logger } from '@telcomesh/observability';
import type { ContactCentreSink, ContactCentreSource, SourceStatus } from './contact-centre-source';

/** A configured source: how to build its adapter. */
export interface SourceDefinition {
  sourceId: string;
  kind: string;
  create(): ContactCentreSource;
}

export interface SourceLeaseOptions {
  /** Who this replica is in lease records (pod name + pid). */
  replicaId: string;
  /** A replica that stops renewing loses its sources after this long. */
  leaseTtlMs: number;
  /** How often leases are renewed and free sources claimed (a third of the TTL is usual). */
  renewIntervalMs: number;
}

/** What the lease holder does when it gains or loses a source. */
export interface SourceLeaseHooks {
  /** The sink the source reports to (called before `start`). */
  sinkFor(sourceId: string): ContactCentreSink;
  acquired?(sourceId: string): Promise<void> | void;
  released?(sourceId: string): Promise<void> | void;
}

interface Held {
  definition: SourceDefinition;
  source: ContactCentreSource;
}

/**
 * One live connection per source across replicas: each replica tries to take every source's
 * lease; the holder connects, renews, and lets go on shutdown. When a replica dies its leases
 * expire and another replica claims them on its next renewal, so a source moves within
 * `leaseTtlMs + renewIntervalMs`. A replica that fails to renew (Redis unreachable, a long
 * pause) stops its sources at once, so two replicas never stream the same source for long.
 */
export class SourceLeases {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly cache: Cache,
    private readonly definitions: readonly SourceDefinition[],
    private readonly hooks: SourceLeaseHooks,
    private readonly logger: Logger,
    private readonly options: SourceLeaseOptions,
  ) {}

  /** Claims what it can now, then keeps renewing. */
  async start(): Promise<void> {
    await this.renewNow();
    this.timer = setInterval(() => {
      this.round = this.round.then(() => this.renewNow());
    }, this.options.renewIntervalMs);
    this.timer.unref();
  }

  /** Sources this replica holds, with their adapters' status. */
  holdings(): { sourceId: string; kind: string; status: SourceStatus }[] {
    return [...this.held.values()].map(({ definition, source }) => ({
      sourceId: definition.sourceId,
      kind: definition.kind,
      status: source.status(),
    }));
  }

  definitionsList(): readonly SourceDefinition[] {
    return this.definitions;
  }

  holds(sourceId: string): boolean {
    return this.held.has(sourceId);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.round;
    for (const sourceId of [...this.held.keys()]) {
      await this.let(sourceId, 'shutdown');
      await this.cache.releaseLease(leaseKey(sourceId), this.options.replicaId).catch(() => {});
    }
  }

  /** One renewal round: keep what is ours, claim what is free, let go of what is not ours. */
  async renewNow(): Promise<void> {
    if (this.stopped) return;
    for (const definition of this.definitions) {
      const { sourceId } = definition;
      let ours: boolean;
      try {
        ours = await this.cache.acquireLease(
          leaseKey(sourceId),
          this.options.replicaId,
          this.options.leaseTtlMs,
        );
      } catch (error) {
        // Unknown is not ours: another replica may already hold it once our lease runs out.
        this.logger.warn({ err: error, sourceId }, 'source lease could not be renewed');
        ours = false;
      }
      if (this.stopped) return;
      if (ours && !this.held.has(sourceId)) await this.take(definition);
      else if (!ours && this.held.has(sourceId)) await this.let(sourceId, 'lease lost');
    }
  }

  private async take(definition: SourceDefinition): Promise<void> {
    const source = definition.create();
    this.held.set(definition.sourceId, { definition, source });
    this.logger.info(
      { sourceId: definition.sourceId, kind: definition.kind, replica: this.options.replicaId },
      'source lease acquired: connecting',
    );
    try {
      await this.hooks.acquired?.(definition.sourceId);
      await source.start(this.hooks.sinkFor(definition.sourceId));
    } catch (error) {
      this.logger.error({ err: error, sourceId: definition.sourceId }, 'source failed to start');
    }
  }

  private async let(sourceId: string, reason: string): Promise<void> {
    const held = this.held.get(sourceId);
    if (!held) return;
    this.held.delete(sourceId);
    this.logger.info({ sourceId, reason }, 'source released');
    try {
      await held.source.stop();
    } catch (error) {
      this.logger.warn({ err: error, sourceId }, 'source did not stop cleanly');
    }
    await this.hooks.released?.(sourceId);
  }
}

function leaseKey(sourceId: string): string {
  return `call-source:${sourceId}`;
}
