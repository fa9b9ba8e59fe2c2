import type { DataSource, EntityManager } from 'typeorm';
import type { Notification } from '@telcomesh/notifier-integrations';

export type DeliveryStatus = 'pending' | 'in_flight' | 'delivered' | 'dead';

export interface QueuedDelivery {
  key: string;
  integration: string;
  notification: Notification;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  reference: string | null;
  /** Route rule that selected this integration, when one did. */
  rule: string | null;
  /** W3C traceparent of the event the notification came from. */
  traceparent: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
}

/** One notification for one integration, as queued. */
export interface DeliveryRequest {
  notification: Notification;
  integration: string;
  rule?: string;
  traceparent?: string;
}

/** What became of one attempted delivery, recorded with the rest of its round. */
export interface Settlement {
  delivery: QueuedDelivery;
  outcome: 'delivered' | 'retry' | 'dead';
  status?: number;
  reference?: string;
  reason?: string;
  /** For `retry`. */
  nextAttemptAt?: Date;
  latencyMs: number;
}

export interface DeliveryFilter {
  integration?: string;
  status?: DeliveryStatus;
  /** Notification id (the event's idempotency key). */
  notificationId?: string;
  since?: Date;
  limit?: number;
}

interface Row {
  delivery_key: string;
  integration: string;
  notification: Notification & { occurredAt: string };
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date;
  last_status: number | null;
  last_error: string | null;
  reference: string | null;
  rule: string | null;
  trace_parent: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

function toDelivery(row: Row): QueuedDelivery {
  return {
    key: row.delivery_key,
    integration: row.integration,
    notification: { ...row.notification, occurredAt: new Date(row.notification.occurredAt) },
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: new Date(row.next_attempt_at),
    lastStatus: row.last_status,
    lastError: row.last_error,
    reference: row.reference,
    rule: row.rule,
    traceparent: row.trace_parent,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    deliveredAt: row.delivered_at ? new Date(row.delivered_at) : null,
  };
}

/** The key that makes a delivery idempotent: one notification, one integration. */
export function deliveryKeyOf(notificationId: string, integration: string): string {
  return `${notificationId}:${integration}`;
}

/**
 * Deliveries waiting, in flight, done or dead, in Postgres. Claiming takes a lease: a worker that
 * dies mid-delivery leaves rows whose lease expires and another worker (or the restarted one)
 * claims them again — a restart in the middle of a burst loses nothing.
 */
export class DeliveryQueue {
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
    this.table = `"${schema}"."notification_deliveries"`;
  }

  /** Queues each notification for each integration, in the caller's transaction; repeats are ignored. */
  async enqueue(
    manager: EntityManager,
    items: DeliveryRequest[],
    now: Date = new Date(),
  ): Promise<number> {
    if (items.length === 0) return 0;
    const values: unknown[] = [now];
    const rows = items.map(({ notification, integration, rule, traceparent }, i) => {
      values.push(
        deliveryKeyOf(notification.id, integration),
        integration,
        JSON.stringify(notification),
        rule ?? null,
        traceparent ?? null,
      );
      const p = i * 5 + 2;
      return `($${p}, $${p + 1}, $${p + 2}::jsonb, $${p + 3}, $${p + 4}, 'pending', $1, $1, $1)`;
    });
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO ${this.table}
         ("delivery_key", "integration", "notification", "rule", "trace_parent", "status", "next_attempt_at", "created_at", "updated_at")
       VALUES ${rows.join(', ')}
       ON CONFLICT ("delivery_key") DO NOTHING RETURNING 1`,
      values,
    );
    return inserted.length;
  }

  /** Claims up to `limit` due deliveries of one integration (oldest first) under a lease. */
  async claimDue(
    integration: string,
    limit: number,
    leaseMs: number,
    now: Date,
  ): Promise<QueuedDelivery[]> {
    if (limit <= 0) return [];
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows] = await this.dataSource.query<[Row[], number]>(
      `UPDATE ${this.table} SET "status" = 'in_flight', "attempts" = "attempts" + 1,
              "lease_until" = $3::timestamptz + ($4::text || ' milliseconds')::interval, "updated_at" = $3
        WHERE "delivery_key" IN (
          SELECT "delivery_key" FROM ${this.table}
           WHERE "integration" = $1
             AND (("status" = 'pending' AND "next_attempt_at" <= $3) OR ("status" = 'in_flight' AND "lease_until" < $3))
           ORDER BY "next_attempt_at", "created_at"
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [integration, limit, now, String(leaseMs)],
    );
    return rows
      .map(toDelivery)
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
  }

  /** How many deliveries of one integration are due now, and since when the oldest has waited. */
  async dueSummary(integration: string, now: Date): Promise<{ due: number; oldestAt?: Date }> {
    const rows = await this.dataSource.query<{ due: number; oldest: Date | null }[]>(
      `SELECT count(*)::int AS due, min("created_at") AS oldest FROM ${this.table}
        WHERE "integration" = $1
          AND (("status" = 'pending' AND "next_attempt_at" <= $2) OR ("status" = 'in_flight' AND "lease_until" < $2))`,
      [integration, now],
    );
    const row = rows[0];
    return row?.oldest ? { due: row.due, oldestAt: new Date(row.oldest) } : { due: row?.due ?? 0 };
  }

  /**
   * Records a round's outcomes in one transaction — delivered rows in one statement per
   * (status, reference) — and runs `alongside` in it (the delivery-log events).
   */
  async settle(
    settlements: readonly Settlement[],
    now: Date,
    alongside: (manager: EntityManager) => Promise<void> = () => Promise.resolve(),
  ): Promise<void> {
    if (settlements.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      const delivered = new Map<string, { status?: number; reference?: string; keys: string[] }>();
      for (const s of settlements) {
        if (s.outcome === 'delivered') {
          const group = JSON.stringify([s.status ?? null, s.reference ?? null]);
          const entry = delivered.get(group) ?? {
            status: s.status,
            reference: s.reference,
            keys: [],
          };
          entry.keys.push(s.delivery.key);
          delivered.set(group, entry);
        } else if (s.outcome === 'dead') {
          await this.markDead(s.delivery.key, s.status, s.reason ?? 'failed', now, manager);
        } else {
          await this.markRetry(
            s.delivery.key,
            s.status,
            s.reason ?? 'retry',
            s.nextAttemptAt ?? now,
            now,
            manager,
          );
        }
      }
      for (const { status, reference, keys } of delivered.values()) {
        await this.markDelivered(keys, status, reference, now, manager);
      }
      await alongside(manager);
    });
  }

  /** Records a delivered batch (one statement for all of it). */
  async markDelivered(
    keys: string | readonly string[],
    status: number | undefined,
    reference: string | undefined,
    now: Date,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource).query(
      `UPDATE ${this.table} SET "status" = 'delivered', "last_status" = $2, "reference" = $3, "last_error" = NULL,
              "lease_until" = NULL, "delivered_at" = $4, "updated_at" = $4 WHERE "delivery_key" = ANY($1)`,
      [typeof keys === 'string' ? [keys] : keys, status ?? null, reference ?? null, now],
    );
  }

  async markRetry(
    key: string,
    status: number | undefined,
    error: string,
    nextAttemptAt: Date,
    now: Date,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource).query(
      `UPDATE ${this.table} SET "status" = 'pending', "last_status" = $2, "last_error" = $3, "next_attempt_at" = $4,
              "lease_until" = NULL, "updated_at" = $5 WHERE "delivery_key" = $1`,
      [key, status ?? null, error.slice(0, 2000), nextAttemptAt, now],
    );
  }

  async markDead(
    key: string,
    status: number | undefined,
    error: string,
    now: Date,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource).query(
      `UPDATE ${this.table} SET "status" = 'dead', "last_status" = $2, "last_error" = $3, "lease_until" = NULL,
              "updated_at" = $4 WHERE "delivery_key" = $1`,
      [key, status ?? null, error.slice(0, 2000), now],
    );
  }

  /** Puts a dead delivery back in the queue with a fresh retry budget; false when it is not dead. */
  async replay(key: string, now: Date): Promise<boolean> {
    const [, affected] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE ${this.table} SET "status" = 'pending', "attempts" = 0, "next_attempt_at" = $2, "updated_at" = $2
        WHERE "delivery_key" = $1 AND "status" = 'dead'`,
      [key, now],
    );
    return affected === 1;
  }

  async get(key: string): Promise<QueuedDelivery | undefined> {
    const rows = await this.dataSource.query<Row[]>(
      `SELECT * FROM ${this.table} WHERE "delivery_key" = $1`,
      [key],
    );
    return rows[0] ? toDelivery(rows[0]) : undefined;
  }

  /** The delivery log: what was sent where, when, how many attempts, last response. */
  async list(filter: DeliveryFilter = {}): Promise<QueuedDelivery[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.integration) add(`"integration" = ?`, filter.integration);
    if (filter.status) add(`"status" = ?`, filter.status);
    if (filter.notificationId) add(`"notification"->>'id' = ?`, filter.notificationId);
    if (filter.since) add(`"updated_at" >= ?`, filter.since);
    values.push(Math.min(Math.max(filter.limit ?? 100, 1), 1000));
    const rows = await this.dataSource.query<Row[]>(
      `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY "updated_at" DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map(toDelivery);
  }

  /** Waiting deliveries per integration (backlog metric). */
  async backlog(): Promise<Record<string, number>> {
    const rows = await this.dataSource.query<{ integration: string; n: number }[]>(
      `SELECT "integration", count(*)::int AS n FROM ${this.table} WHERE "status" IN ('pending', 'in_flight') GROUP BY "integration"`,
    );
    return Object.fromEntries(rows.map((r) => [r.integration, r.n]));
  }
}
