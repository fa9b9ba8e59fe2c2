import type { DataSource, EntityManager } from 'typeorm';

/**
 * Consumer-side dedupe: a handler claims an event id in the same transaction as its own writes,
 * so a redelivered event (at-least-once) changes nothing the second time.
 */
export class Inbox {
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
    this.table = `"${schema}"."inbox"`;
  }

  /** True when this group has not seen the event before (and now has). */
  async claim(manager: EntityManager, consumerGroup: string, eventId: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `INSERT INTO ${this.table} ("consumer_group", "event_id") VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1 AS claimed`,
      [consumerGroup, eventId],
    );
    return rows.length === 1;
  }

  async seen(consumerGroup: string, eventId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM ${this.table} WHERE "consumer_group" = $1 AND "event_id" = $2`,
      [consumerGroup, eventId],
    );
    return rows.length > 0;
  }

  /** Drops ids older than the longest redelivery window we guard against. */
  async prune(olderThanMs: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, rowCount].
    const [, removed] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM ${this.table} WHERE "received_at" < now() - ($1::text || ' milliseconds')::interval`,
      [String(olderThanMs)],
    );
    return removed;
  }
}
