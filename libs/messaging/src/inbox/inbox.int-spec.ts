import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MessagingTables1763800000000 } from '../messaging-tables.migration';
import { Inbox } from './inbox';

/* Consumer-side dedupe against the machine's PostgreSQL (this run's throwaway database). */

function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (run with jest.int.config.js)');
  return url;
}

describe('Inbox (PostgreSQL)', () => {
  const schema = `inbox_${randomUUID().slice(0, 8)}`;
  let ds: DataSource;
  let inbox: Inbox;

  beforeAll(async () => {
    ds = new DataSource({
      type: 'postgres',
      url: databaseUrl(),
      schema,
      migrations: [MessagingTables1763800000000],
      migrationsTableName: 'migrations',
      synchronize: false,
      logging: false,
    });
    await ds.initialize();
    await ds.query(`CREATE SCHEMA "${schema}"`);
    await ds.runMigrations({ transaction: 'each' });
    inbox = new Inbox(ds);
  });

  afterAll(async () => {
    await ds.destroy();
  });

  const claim = (group: string, eventId: string) =>
    ds.transaction((manager) => inbox.claim(manager, group, eventId));

  it('claims an event id once per consumer group', async () => {
    const id = randomUUID();
    expect(await inbox.seen('notifier', id)).toBe(false);
    expect(await claim('notifier', id)).toBe(true);
    expect(await inbox.seen('notifier', id)).toBe(true);
    expect(await claim('notifier', id)).toBe(false);
    expect(await claim('notifier', id)).toBe(false);
    // Another group has its own record of what it handled.
    expect(await inbox.seen('gateway', id)).toBe(false);
    expect(await claim('gateway', id)).toBe(true);
    expect(await claim('gateway', id)).toBe(false);
  });

  it('lets exactly one of several concurrent claims of the same id win', async () => {
    const id = randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => claim('racers', id)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('leaves the id unclaimed when the claiming transaction rolls back', async () => {
    const id = randomUUID();
    await expect(
      ds.transaction(async (manager) => {
        expect(await inbox.claim(manager, 'ticket-sla', id)).toBe(true);
        throw new Error('handler failed after claiming');
      }),
    ).rejects.toThrow('handler failed after claiming');

    expect(await inbox.seen('ticket-sla', id)).toBe(false);
    // The redelivery can claim it and do the work.
    expect(await claim('ticket-sla', id)).toBe(true);
    expect(await claim('ticket-sla', id)).toBe(false);
  });

  it('prunes only ids older than the window and reports how many it removed', async () => {
    await ds.query(`DELETE FROM "${schema}"."inbox"`);
    const old = ['old-1', 'old-2', 'old-3'];
    const fresh = ['fresh-1', 'fresh-2'];
    for (const id of old) {
      await ds.query(
        `INSERT INTO "${schema}"."inbox" ("consumer_group", "event_id", "received_at") VALUES ('pruner', $1, now() - interval '2 hours')`,
        [id],
      );
    }
    for (const id of fresh) expect(await claim('pruner', id)).toBe(true);
    // Just inside the window: kept.
    await ds.query(
      `INSERT INTO "${schema}"."inbox" ("consumer_group", "event_id", "received_at") VALUES ('pruner', 'edge', now() - interval '50 minutes')`,
    );

    expect(await inbox.prune(60 * 60 * 1000)).toBe(3);

    const left = await ds.query<{ event_id: string }[]>(
      `SELECT "event_id" FROM "${schema}"."inbox" ORDER BY "event_id"`,
    );
    expect(left.map((r) => r.event_id)).toEqual(['edge', 'fresh-1', 'fresh-2']);
    for (const id of old) expect(await inbox.seen('pruner', id)).toBe(false);
    expect(await inbox.prune(60 * 60 * 1000)).toBe(0);
    // A pruned id is no longer remembered: it can be claimed again.
    expect(await claim('pruner', 'old-1')).toBe(true);
  });
});
