import { EntitySchema, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { PGlitePool, type PGliteClient } from './pglite-pool';
import { createServiceDataSource, openServiceDatabase } from './service-data-source';

/* Unit tests of the PGlite-backed pool through the path services use: TypeORM over
   createServiceDataSource with an in-memory PGlite (no files, no network). */

// PGlite's CommonJS build loads its wasm and Node built-ins with dynamic import(), which Jest's module
// sandbox rejects without --experimental-vm-modules. Its ESM build goes through the preset's SWC
// transform instead, which turns those import() calls into require().
jest.mock('@electric-sql/pglite', () => {
  return jest.requireActual<object>('../../../node_modules/@electric-sql/pglite/dist/index.js');
});

const SCHEMA = 'pool_test';

class CreateItems1700000000000 implements MigrationInterface {
  name = 'CreateItems1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "${SCHEMA}"."items" (
      "id" SERIAL PRIMARY KEY,
      "tx" TEXT NOT NULL,
      "n" INT NOT NULL DEFAULT 0
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${SCHEMA}"."items"`);
  }
}

interface Item {
  id: number;
  tx: string;
  n: number;
}

const ItemEntity = new EntitySchema<Item>({
  name: 'Item',
  tableName: 'items',
  columns: {
    id: { type: Number, primary: true, generated: 'increment' },
    tx: { type: String },
    n: { type: Number },
  },
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The pool TypeORM's postgres driver holds (createServiceDataSource hands it our PGlitePool). */
function poolOf(dataSource: DataSource): PGlitePool {
  const master = (dataSource.driver as unknown as { master: unknown }).master;
  if (!(master instanceof PGlitePool)) throw new Error('data source is not backed by a PGlitePool');
  return master;
}

async function countAll(dataSource: DataSource): Promise<number> {
  const [row] = await dataSource.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM "${SCHEMA}"."items"`,
  );
  return row.n;
}

function openInMemory(): Promise<DataSource> {
  return openServiceDatabase(
    createServiceDataSource({
      service: 'x',
      schema: SCHEMA,
      dataDir: ':memory:',
      entities: [ItemEntity],
      migrations: [CreateItems1700000000000],
    }),
  );
}

describe('PGlitePool (in-memory PGlite under TypeORM)', () => {
  let ds: DataSource;

  beforeAll(async () => {
    ds = await openInMemory();
  });

  afterEach(async () => {
    await ds.query(`TRUNCATE "${SCHEMA}"."items" RESTART IDENTITY`);
  });

  afterAll(async () => {
    await ds.destroy();
  });

  it('runs the migrations into the service schema', async () => {
    const tables = await ds.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [SCHEMA],
    );
    expect(tables.map((t) => t.table_name)).toEqual(['items', 'migrations']);
    const applied = await ds.query<{ name: string }[]>(
      `SELECT "name" FROM "${SCHEMA}"."migrations"`,
    );
    expect(applied.map((m) => m.name)).toEqual(['CreateItems1700000000000']);
  });

  it('serialises concurrent transactions: no interleaving, a failing one rolls back only its own rows', async () => {
    const log: string[] = [];
    const seen = new Map<string, number>();
    const work = (name: string, fail: boolean) =>
      ds.transaction(async (manager) => {
        log.push(`${name}:begin`);
        for (let i = 0; i < 5; i++) {
          await manager.query(`INSERT INTO "${SCHEMA}"."items" ("tx") VALUES ($1)`, [name]);
        }
        log.push(`${name}:inserted`);
        await sleep(30);
        const [own] = await manager.query<{ total: number; mine: number }[]>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE "tx" = $1)::int AS mine FROM "${SCHEMA}"."items"`,
          [name],
        );
        seen.set(name, own.total);
        expect(own.mine).toBe(5);
        log.push(`${name}:read`);
        if (fail) throw new Error(`${name} fails`);
        log.push(`${name}:commit`);
      });

    const results = await Promise.allSettled([
      work('a', false),
      work('boom', true),
      work('b', false),
    ]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('boom fails'));
    // Each transaction ran start to end before the next began (the lease is exclusive).
    expect(log).toEqual([
      'a:begin',
      'a:inserted',
      'a:read',
      'a:commit',
      'boom:begin',
      'boom:inserted',
      'boom:read',
      'b:begin',
      'b:inserted',
      'b:read',
      'b:commit',
    ]);
    // Inside its transaction each saw the committed rows before it plus its own, never another's pending rows.
    expect(Object.fromEntries(seen)).toEqual({ a: 5, boom: 10, b: 10 });
    const rows = await ds.query<{ tx: string; n: number }[]>(
      `SELECT "tx", count(*)::int AS n FROM "${SCHEMA}"."items" GROUP BY "tx" ORDER BY "tx"`,
    );
    expect(rows).toEqual([
      { tx: 'a', n: 5 },
      { tx: 'b', n: 5 },
    ]);
  });

  it('keeps a plain query waiting while a transaction holds the session', async () => {
    let releaseTx!: () => void;
    const txHolds = new Promise<void>((resolve) => (releaseTx = resolve));
    let inTx!: () => void;
    const started = new Promise<void>((resolve) => (inTx = resolve));
    const tx = ds.transaction(async (manager) => {
      await manager.query(`INSERT INTO "${SCHEMA}"."items" ("tx") VALUES ('held')`);
      inTx();
      await txHolds;
      throw new Error('roll back');
    });
    await started;
    let outsideResult: number | undefined;
    const outside = countAll(ds).then((n) => (outsideResult = n));
    await sleep(30);
    // Not answered yet: it would otherwise run inside the open transaction and see its row.
    expect(outsideResult).toBeUndefined();
    releaseTx();
    await expect(tx).rejects.toThrow('roll back');
    await outside;
    expect(outsideResult).toBe(0);
  });

  it('runs a multi-statement query without parameters and returns the last statement result', async () => {
    const rows = await ds.query<{ n: number }[]>(
      `INSERT INTO "${SCHEMA}"."items" ("tx") VALUES ('m');
       INSERT INTO "${SCHEMA}"."items" ("tx") VALUES ('m');
       SELECT count(*)::int AS n FROM "${SCHEMA}"."items" WHERE "tx" = 'm'`,
    );
    expect(rows).toEqual([{ n: 2 }]);
    expect(await countAll(ds)).toBe(2);
    // TypeORM shapes the answer by the command of the statement that produced it (the last one).
    const afterUpdate = await ds.query<unknown>(
      `UPDATE "${SCHEMA}"."items" SET "n" = 5; SELECT "tx", "n" FROM "${SCHEMA}"."items" ORDER BY "id"`,
    );
    expect(afterUpdate).toEqual([
      { tx: 'm', n: 5 },
      { tx: 'm', n: 5 },
    ]);
  });

  it('reports rowCount the way node-postgres does, so TypeORM .affected is right', async () => {
    const repo = ds.getRepository(ItemEntity);
    await repo.insert([
      { tx: 'u', n: 0 },
      { tx: 'u', n: 0 },
      { tx: 'u', n: 0 },
      { tx: 'd', n: 0 },
      { tx: 'd', n: 0 },
    ]);

    // UPDATE with parameters.
    const updated = await repo
      .createQueryBuilder()
      .update()
      .set({ n: 7 })
      .where('"tx" = :tx', { tx: 'u' })
      .execute();
    expect(updated.affected).toBe(3);
    const none = await repo.update({ tx: 'nobody' }, { n: 1 });
    expect(none.affected).toBe(0);

    // DELETE with parameters, then one with none (the simple-query path).
    const deleted = await repo.delete({ tx: 'd' });
    expect(deleted.affected).toBe(2);
    const all = await repo.createQueryBuilder().delete().execute();
    expect(all.affected).toBe(3);

    // Raw results of the pool: per statement, not cumulative across a multi-statement script.
    const pool = poolOf(ds);
    await pool.query(`INSERT INTO "${SCHEMA}"."items" ("tx") VALUES ('r'), ('r'), ('r'), ('s')`);
    const multi = await pool.query(
      `UPDATE "${SCHEMA}"."items" SET "n" = 1 WHERE "tx" = 'r'; DELETE FROM "${SCHEMA}"."items" WHERE "tx" = 's'`,
    );
    expect(multi).toMatchObject({ command: 'DELETE', rowCount: 1 });
    const update = await pool.query(`UPDATE "${SCHEMA}"."items" SET "n" = 2 WHERE "tx" = $1`, [
      'r',
    ]);
    expect(update).toMatchObject({ command: 'UPDATE', rowCount: 3, rows: [] });
    const select = await pool.query(`SELECT "tx" FROM "${SCHEMA}"."items" WHERE "n" = $1`, [2]);
    expect(select).toMatchObject({ command: 'SELECT', rowCount: 3 });
    expect(select.fields.map((f) => f.name)).toEqual(['tx']);

    // What TypeORM's manager.query hands back for UPDATE/DELETE: [rows, rowCount].
    const raw = await ds.query<[unknown[], number]>(
      `DELETE FROM "${SCHEMA}"."items" WHERE "tx" = $1 RETURNING "id"`,
      ['r'],
    );
    expect(raw[0]).toHaveLength(3);
    expect(raw[1]).toBe(3);
  });

  it('surfaces SQL errors to the caller and keeps serving afterwards', async () => {
    await expect(ds.query(`SELECT * FROM "${SCHEMA}"."missing"`)).rejects.toThrow(/missing/);
    await expect(ds.query(`SELECT 1 AS one`)).resolves.toEqual([{ one: 1 }]);
  });
});

describe('PGlitePool after end', () => {
  it('rejects connect and query', async () => {
    const ds = await openInMemory();
    const pool = poolOf(ds);
    await ds.destroy();
    await expect(pool.connect()).rejects.toThrow('PGlite pool has ended');
    await expect(pool.query('SELECT 1')).rejects.toThrow('PGlite pool has ended');
    const viaCallback = await new Promise<{ error: Error | null; client?: PGliteClient }>(
      (resolve) => {
        pool.connect((error, client) => resolve({ error, client })).catch(() => undefined);
      },
    );
    expect(viaCallback.error?.message).toBe('PGlite pool has ended');
    expect(viaCallback.client).toBeUndefined();
  });
});
