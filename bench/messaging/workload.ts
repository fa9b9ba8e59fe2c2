/**
 * The benchmark's events: 1 KiB values carrying their creation time and a sequence number, real
 * envelope headers, ~1,000 keys; a receiver that counts, de-duplicates and times them; and the two
 * ways of producing them (as fast as possible, and at a fixed rate).
 */
import { randomUUID } from 'node:crypto';
import { buildEnvelopeHeaders } from '@telcomesh/contracts';
import type {
  InboundRecord,
  MessageHeaders,
  MessageTransport,
  OutboundRecord,
  RecordHandler,
} from '@telcomesh/messaging';
import { sleep } from './stats';

export const BENCH_CE_TYPE = 'telcomesh.bench.v1';
const SOURCE = '/telcomesh/bench/messaging';
/** Value layout: [0,8) created-at (performance.now(), ms, f64 LE) | [8,12) seq u32 | [12,16) run u32 | filler. */
const HEADER_BYTES = 16;

export interface WorkloadShape {
  valueBytes: number;
  keys: number;
  /** 'envelope' (default): the 7 envelope headers a tenant event carries; 'none': no headers (diagnostic). */
  headers?: 'envelope' | 'none';
}

export class RecordFactory {
  private readonly filler: Buffer;
  private readonly keyNames: string[];
  /**
   * Real envelope headers (7 of them, ~215 bytes on the wire), built once per key so the
   * benchmark measures the transport rather than header construction; the seq in the value
   * identifies each record.
   */
  private readonly headersByKey: MessageHeaders[];

  constructor(
    readonly topic: string,
    private readonly shape: WorkloadShape,
    /** Distinguishes measured records (run ≥ 1) from warm-up records (run 0) on the same topic. */
    readonly run: number,
  ) {
    if (shape.valueBytes < HEADER_BYTES)
      throw new Error(`value size must be ≥ ${HEADER_BYTES} bytes`);
    this.filler = Buffer.alloc(shape.valueBytes, 'telcomesh-benchmark-payload/');
    this.keyNames = Array.from(
      { length: shape.keys },
      (_, i) => `site-${String(i).padStart(5, '0')}`,
    );
    const topicRef = { name: topic, ceType: BENCH_CE_TYPE };
    this.headersByKey = this.keyNames.map((_, i) =>
      shape.headers === 'none'
        ? {}
        : buildEnvelopeHeaders(topicRef, {
            id: randomUUID(),
            source: SOURCE,
            tenant: `tenant-${i % 16}`,
          }),
    );
  }

  /** One event; `createdAt` (performance.now() ms) is what end-to-end latency is measured from. */
  make(seq: number, createdAt = performance.now()): OutboundRecord {
    const value = Buffer.allocUnsafe(this.shape.valueBytes);
    this.filler.copy(value);
    value.writeDoubleLE(createdAt, 0);
    value.writeUInt32LE(seq, 8);
    value.writeUInt32LE(this.run, 12);
    const k = seq % this.keyNames.length;
    return { topic: this.topic, key: this.keyNames[k], value, headers: this.headersByKey[k] };
  }

  batch(from: number, count: number): OutboundRecord[] {
    const out = new Array<OutboundRecord>(count);
    for (let i = 0; i < count; i++) out[i] = this.make(from + i);
    return out;
  }
}

export function readCreatedAt(value: Uint8Array): { createdAt: number; seq: number; run: number } {
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return {
    createdAt: view.getFloat64(0, true),
    seq: view.getUint32(8, true),
    run: view.getUint32(12, true),
  };
}

/**
 * Counts what a handler receives for one run: unique records, duplicates, strays, per-record
 * latency (receipt − creation, same process clock), first/last receipt times.
 */
export class Receiver {
  private readonly seen: Uint8Array;
  private readonly latencies: Float64Array | undefined;
  unique = 0;
  duplicates = 0;
  warmups = 0;
  strays = 0;
  firstAt = Number.NaN;
  lastAt = Number.NaN;
  private waiters: { target: () => boolean; resolve: () => void }[] = [];

  constructor(
    readonly expected: number,
    readonly run: number,
    recordLatency: boolean,
  ) {
    this.seen = new Uint8Array(expected);
    this.latencies = recordLatency ? new Float64Array(expected) : undefined;
  }

  readonly handler: RecordHandler = (record: InboundRecord): Promise<void> => {
    this.onValue(record.value);
    return Promise.resolve();
  };

  onValue(value: Uint8Array): void {
    const now = performance.now();
    const { createdAt, seq, run } = readCreatedAt(value);
    if (run === 0) {
      this.warmups++;
    } else if (run !== this.run || seq >= this.expected) {
      this.strays++;
    } else if (this.seen[seq] !== 0) {
      this.duplicates++;
    } else {
      this.seen[seq] = 1;
      if (this.latencies) this.latencies[seq] = now - createdAt;
      if (this.unique === 0) this.firstAt = now;
      this.unique++;
      this.lastAt = now;
    }
    if (this.waiters.length) this.check();
  }

  private check(): void {
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.target()) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  /** Resolves once `target()` holds; rejects after `timeoutMs` (with what is still missing). */
  async until(target: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (target()) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ target, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(
                  `timed out after ${timeoutMs} ms waiting for ${what} (unique ${this.unique}/${this.expected})`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Waits for every expected record; returns false (instead of throwing) so loss is reported. Gives
   * up after `timeoutMs`, or earlier once nothing new has arrived for `stallMs`.
   */
  async all(timeoutMs: number, stallMs = 15_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    let seen = this.unique;
    let lastProgress = performance.now();
    while (this.unique < this.expected) {
      const now = performance.now();
      if (this.unique !== seen) {
        seen = this.unique;
        lastProgress = now;
      }
      if (now > deadline || now - lastProgress > stallMs) return false;
      try {
        await this.until(
          () => this.unique >= this.expected,
          Math.min(1000, deadline - now),
          'all records',
        );
      } catch {
        // re-check progress and deadline
      }
    }
    return true;
  }

  get missing(): number {
    return this.expected - this.unique;
  }

  latencySamples(): Float64Array {
    if (!this.latencies) return new Float64Array(0);
    const out = new Float64Array(this.unique);
    let j = 0;
    for (let i = 0; i < this.expected; i++) if (this.seen[i]) out[j++] = this.latencies[i];
    return out;
  }
}

/** Publishes a few run-0 records and waits until the subscriber has them: producer, metadata and group are warm. */
export async function warmUp(
  transport: MessageTransport,
  factory: RecordFactory,
  receiver: Receiver,
  count = 12,
): Promise<void> {
  const warm = new RecordFactory(factory.topic, { valueBytes: 64, keys: count }, 0);
  const before = receiver.warmups;
  await transport.publish(warm.batch(0, count));
  await receiver.until(() => receiver.warmups >= before + count, 60_000, 'warm-up records');
}

export interface ProduceResult {
  startedAt: number;
  endedAt: number;
  publishCalls: number;
}

/**
 * Publishes records 0..n-1 as fast as the transport accepts them: `inflight` concurrent publishers,
 * each building its next batch while the previous publish is awaited.
 */
export async function produceAsFastAsPossible(
  transport: MessageTransport,
  factory: RecordFactory,
  n: number,
  batchSize: number,
  inflight: number,
): Promise<ProduceResult> {
  let next = 0;
  let calls = 0;
  const take = (): OutboundRecord[] | undefined => {
    if (next >= n) return undefined;
    const count = Math.min(batchSize, n - next);
    const batch = factory.batch(next, count);
    next += count;
    return batch;
  };
  const startedAt = performance.now();
  const worker = async () => {
    let batch = take();
    while (batch) {
      const sending = transport.publish(batch);
      calls++;
      batch = take();
      await sending;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inflight) }, worker));
  return { startedAt, endedAt: performance.now(), publishCalls: calls };
}

/**
 * Publishes `rate` records/s for `seconds`. Each record is stamped with its *scheduled* time, so
 * time spent queued behind a slow publish counts as latency (no coordinated omission). Records due
 * while a publish is in flight go out together in the next call (one call in flight at a time).
 */
export async function produceAtRate(
  transport: MessageTransport,
  factory: RecordFactory,
  rate: number,
  seconds: number,
): Promise<ProduceResult & { sent: number; maxBatch: number }> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const startedAt = performance.now();
  let sent = 0;
  let calls = 0;
  let maxBatch = 0;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor((now - startedAt) / interval) + 1);
    if (due > sent) {
      const batch = new Array<OutboundRecord>(due - sent);
      for (let i = 0; i < batch.length; i++)
        batch[i] = factory.make(sent + i, startedAt + (sent + i) * interval);
      sent = due;
      calls++;
      maxBatch = Math.max(maxBatch, batch.length);
      await transport.publish(batch);
    } else {
      await sleep(Math.max(0, Math.min(1, startedAt + sent * interval - now)));
    }
  }
  return { startedAt, endedAt: performance.now(), publishCalls: calls, sent, maxBatch };
}
