import { encode, keyOf, Topics, ceSourceOf } from '@telcomesh/contracts';
import { envelopeHeaders, type Outbox } from '@telcomesh/messaging';
import type { Logger } from '@telcomesh/observability';
import type { LiveCall, LiveChange } from '../live/live-board';
import { callEventOf } from '../publishing/call-event-of';
import { callRecordOf, type CallRecord, type CallRecordStore } from './call-record-store';

export interface CallRecorderOptions {
  tenantId: string;
  flushIntervalMs: number;
  maxBatch: number;
}

/**
 * Turns every ended call into a call record and its `CALL_ENDED` event, written in one
 * transaction (record + outbox row), in batches. A call reported ended again after a resync
 * or by another replica hits the primary key and is neither stored nor announced twice.
 * A batch that fails is retried with backoff; ended calls are kept in memory meanwhile.
 */
export class CallRecorder {
  private pending: LiveCall[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failures = 0;
  recorded = 0;
  duplicates = 0;

  constructor(
    private readonly store: CallRecordStore,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly options: CallRecorderOptions,
    private readonly onRecorded: (records: CallRecord[]) => void = () => {},
  ) {}

  readonly onChange = (change: LiveChange): void => {
    if (change.kind !== 'call_ended') return;
    this.pending.push(change.call);
    if (this.pending.length >= this.options.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
  };

  get backlog(): number {
    return this.pending.length;
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return this.chain;
    const batch = this.pending.splice(0, this.options.maxBatch);
    this.chain = this.chain.then(() => this.write(batch));
    if (this.pending.length > 0) return this.flush();
    return this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async write(calls: LiveCall[]): Promise<void> {
    const records = calls.map(callRecordOf);
    try {
      const inserted = await this.outbox.dataSource.transaction(async (manager) => {
        const fresh = await this.store.insertNew(manager, records);
        const byKey = new Map(calls.map((c) => [`${c.sourceId}\u0000${c.callId}`, c]));
        const now = new Date();
        const source = ceSourceOf('call-monitor');
        await this.outbox.enqueue(
          manager,
          fresh.map((record) => {
            const call = byKey.get(`${record.sourceId}\u0000${record.callId}`)!;
            const message = callEventOf(
              { kind: 'call_ended', sourceId: call.sourceId, call, observedAt: record.endedAt },
              this.options.tenantId,
              now,
            );
            return {
              topic: Topics.CallEvents.name,
              key: keyOf(Topics.CallEvents, message),
              value: encode(Topics.CallEvents, message),
              headers: envelopeHeaders(Topics.CallEvents, {
                source,
                id: message.eventId,
                tenant: this.options.tenantId || undefined,
                time: record.endedAt,
              }),
            };
          }),
        );
        return fresh;
      });
      this.outbox.notifyCommitted();
      this.failures = 0;
      this.recorded += inserted.length;
      this.duplicates += records.length - inserted.length;
      if (inserted.length > 0) this.onRecorded(inserted);
    } catch (error) {
      this.failures += 1;
      const delay = Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
      this.logger.error(
        { err: error, calls: calls.length, retryInMs: delay },
        'call records not written; kept and retried',
      );
      this.pending.unshift(...calls);
      this.timer ??= setTimeout(() => void this.flush(), delay);
    }
  }
}
