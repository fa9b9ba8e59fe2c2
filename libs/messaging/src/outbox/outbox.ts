import type { DataSource, EntityManager } from 'typeorm';
import type { ServiceMetrics } from '@telcomesh/observability';
import type { Logger } from '@telcomesh/observability';
import type { MessageTransport, OutboundRecord } from '../transport';

function schemaOf(dataSource: DataSource): string {
  return (dataSource.options as { schema?: string }).schema ?? 'public';
}

/**
 * Writes outbound records in the caller's transaction: the state change and the message commit
 * together or not at all. The relay publishes them afterwards.
 */
export class Outbox {
  private readonly table: string;
  private readonly listeners = new Set<() => void>();

  constructor(readonly dataSource: DataSource) {
    this.table = `"${schemaOf(dataSource)}"."outbox"`;
  }

  async enqueue(manager: EntityManager, records: OutboundRecord[]): Promise<void> {
    if (records.length === 0) return;
    const values: unknown[] = [];
    const rows: string[] = [];
    records.forEach((record, i) => {
      const p = i * 4;
      rows.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}::jsonb)`);
      values.push(
        record.topic,
        record.key,
        Buffer.from(record.value),
        JSON.stringify(record.headers),
      );
    });
    await manager.query(
      `INSERT INTO ${this.table} ("topic", "key", "payload", "headers") VALUES ${rows.join(', ')}`,
      values,
    );
  }

  /** Tells an in-process relay that rows are waiting, so it need not wait for its next poll. */
  notifyCommitted(): void {
    for (const listener of this.listeners) listener();
  }

  onCommitted(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async backlog(): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ${this.table}`,
    );
    return rows[0]?.n ?? 0;
  }
}

export interface OutboxRelayOptions {
  batchSize?: number;
  pollIntervalMs?: number;
  /** Postgres shared by replicas: take an advisory lock so one relay publishes at a time (keeps key order). */
  sharedServer: boolean;
  metrics?: ServiceMetrics;
  logger?: Logger;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: Buffer | Uint8Array;
  headers: Record<string, string> | string;
}

/**
 * Publishes outbox rows in id order with the transport's idempotent producer, deleting them in
 * the same database transaction. A crash after publish and before commit republishes the batch:
 * consumers dedupe by event id, so delivery is at-least-once and nothing is lost.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pending = false;
  private readonly table: string;
  private readonly lockId: number;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private unsubscribe: (() => void) | undefined;
  private lastError: Error | undefined;
  private backlogTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: Outbox,
    private readonly transport: MessageTransport,
    private readonly options: OutboxRelayOptions,
  ) {
    const schema = schemaOf(outbox.dataSource);
    this.table = `"${schema}"."outbox"`;
    let hash = 0;
    for (const char of `telcomesh:outbox:${schema}`)
      hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
    this.lockId = hash;
    this.batchSize = options.batchSize ?? 1000;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  get error(): Error | undefined {
    return this.lastError;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.outbox.onCommitted(() => this.kick());
    this.loop = this.run();
    if (this.options.metrics) {
      const metrics = this.options.metrics;
      this.backlogTimer = setInterval(() => {
        this.outbox.backlog().then(
          (rows) => metrics.outboxBacklog.set(rows),
          () => undefined, // the relay loop reports database trouble
        );
      }, 5_000);
      this.backlogTimer.unref();
    }
  }

  kick(): void {
    this.pending = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.backlogTimer);
    this.running = false;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
  }

  /** Publishes until the outbox is empty; returns how many rows went out. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const published = await this.publishBatch();
      total += published;
      if (published < this.batchSize) return total;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let published = 0;
      try {
        published = await this.publishBatch();
        this.lastError = undefined;
        failures = 0;
      } catch (error) {
        this.lastError = error instanceof Error ? error : new Error(String(error));
        failures++;
        this.options.logger?.warn(
          { err: this.lastError, failures },
          'outbox relay: publish failed, will retry',
        );
      }
      if (published >= this.batchSize && failures === 0) continue;
      if (this.pending && failures === 0) {
        this.pending = false;
        continue;
      }
      const delay =
        failures > 0 ? Math.min(5000, 100 * 2 ** Math.min(failures, 6)) : this.pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async publishBatch(): Promise<number> {
    return this.outbox.dataSource.transaction(async (manager) => {
      if (this.options.sharedServer) {
        const [lock] = await manager.query<{ locked: boolean }[]>(
          `SELECT pg_try_advisory_xact_lock($1) AS locked`,
          [this.lockId],
        );
        if (!lock?.locked) return 0;
      }
      const rows = await manager.query<OutboxRow[]>(
        `SELECT "id", "topic", "key", "payload", "headers" FROM ${this.table} ORDER BY "id" LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) {
        this.options.metrics?.outboxBacklog.set(0);
        return 0;
      }
      await this.transport.publish(
        rows.map((row) => ({
          topic: row.topic,
          key: row.key,
          value: row.payload instanceof Uint8Array ? row.payload : Buffer.from(row.payload),
          headers:
            typeof row.headers === 'string'
              ? (JSON.parse(row.headers) as Record<string, string>)
              : row.headers,
        })),
      );
      await manager.query(`DELETE FROM ${this.table} WHERE "id" = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      this.options.metrics?.outboxPublished.inc(rows.length);
      return rows.length;
    });
  }
}
