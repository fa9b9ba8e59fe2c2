import { encode, keyOf, Topics, ceSourceOf } from '@telcomesh/contracts';
import { envelopeHeaders, type MessageTransport, type OutboundRecord } from '@telcomesh/messaging';
import type { Logger } from '@telcomesh/observability';
import type { LiveChange } from '../live/live-board';
import { callEventOf, entityKeyOf } from './call-event-of';

export interface LiveEventPublisherOptions {
  tenantId: string;
  /** Changes are gathered this long and the latest per entity published in one batch. */
  flushIntervalMs: number;
  /** Changes pending beyond this are published at once. */
  maxPending: number;
}

/**
 * Publishes live changes (everything but ended calls, which go with their call record through
 * the outbox) straight to `calls.events.v1`. A live change is superseded by the next one of the
 * same entity, so within a flush window only the latest per entity is sent (per-key order is
 * kept), and a change lost in a crash is repaired by the next change or the next resync
 * snapshot; an outbox row per change would make PostgreSQL the ceiling of the event rate.
 */
export class LiveEventPublisher {
  private pending = new Map<string, LiveChange>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  published = 0;
  failed = 0;

  constructor(
    private readonly transport: MessageTransport,
    private readonly logger: Logger,
    private readonly options: LiveEventPublisherOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  readonly onChange = (change: LiveChange): void => {
    if (change.kind === 'call_ended') return;
    const key = entityKeyOf(change);
    // Re-inserting moves the entity to the end, so a later change never overtakes an earlier one.
    this.pending.delete(key);
    this.pending.set(key, change);
    if (this.pending.size >= this.options.maxPending) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
  };

  /** Publishes what is pending; resolves when it (and any earlier flush) is done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.size === 0) return this.flushing;
    this.pending = new Map();
    this.flushing = this.flushing.then(() => this.publish([...batch.values()]));
    return this.flushing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async publish(changes: LiveChange[]): Promise<void> {
    const now = this.now();
    const source = ceSourceOf('call-monitor');
    const records: OutboundRecord[] = changes.map((change) => {
      const message = callEventOf(change, this.options.tenantId, now);
      return {
        topic: Topics.CallEvents.name,
        key: keyOf(Topics.CallEvents, message),
        value: encode(Topics.CallEvents, message),
        headers: envelopeHeaders(Topics.CallEvents, {
          source,
          id: message.eventId,
          tenant: this.options.tenantId || undefined,
          time: change.observedAt,
        }),
      };
    });
    try {
      await this.transport.publish(records);
      this.published += records.length;
    } catch (error) {
      this.failed += records.length;
      this.logger.warn(
        { err: error, changes: records.length },
        'live call events not published; the next change or resync supersedes them',
      );
    }
  }
}
