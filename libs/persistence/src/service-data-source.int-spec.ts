import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import {
  createServiceDataSource,
  isSharedServer,
  openServiceDatabase,
  schemaNameOf,
} from './service-data-source';

// PGlite's CommonJS build loads its wasm and Node built-ins with dynamic import(), which Jest's module
// sandbox rejects without --experimental-vm-modules. Its ESM build goes through the preset's SWC
// transform instead, which turns those import() calls into require().
jest.mock('@electric-sql/pglite', () => {
  return jest.requireActual<object>('../../../node_modules/@electric-sql/pglite/dist/index.js');
});

/** A first migration with the column kinds services use (the real ones are checked in e2e/). */
class Gadgets1763800000000 implements MigrationInterface {
  name = 'Gadgets1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${schema}"."gadgets" (
      "id" BIGSERIAL PRIMARY KEY, "payload" BYTEA NOT NULL, "headers" JSONB NOT NULL,
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now())`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${schema}"."gadgets"`);
  }
}

/** A second migration that is slow and not idempotent: running it twice fails, running it concurrently races. */
class SlowWidgets1763800000001 implements MigrationInterface {
  name = 'SlowWidgets1763800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`SELECT pg_sleep(0.3)`);
    await queryRunner.query(`CREATE TABLE "${schema}"."widgets" ("id" INT PRIMARY KEY)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${schema}"."widgets"`);
  }
}

const MIGRATIONS = [Gadgets1763800000000, SlowWidgets1763800000001];
const MIGRATION_NAMES = ['Gadgets1763800000000', 'SlowWidgets1763800000001'];

function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set (run with jest.int.config.js)');
  return url;
}

function postgresSource(service: string, schema?: string): DataSource {
  return createServiceDataSource({
    service,
    schema,
    databaseUrl: databaseUrl(),
    entities: [],
    migrations: MIGRATIONS,
    poolSize: 4,
  });
}

interface MigrationRow {
  name: string;
  n: number;
}

async function migrationCounts(ds: DataSource, schema: string): Promise<MigrationRow[]> {
  return ds.query<MigrationRow[]>(
    `SELECT "name", count(*)::int AS n FROM "${schema}"."migrations" GROUP BY "name" ORDER BY "name"`,
  );
}

async function tablesOf(ds: DataSource, schema: string): Promise<string[]> {
  const rows = await ds.query<{ table_name: string }[]>(
    `SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
    [schema],
  );
  return rows.map((r) => r.table_name);
}

describe('service data source on a shared PostgreSQL', () => {
  const open: DataSource[] = [];
  const track = (ds: DataSource) => {
    open.push(ds);
    return ds;
  };

  afterEach(async () => {
    await Promise.all(
      open.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : Promise.resolve())),
    );
  });

  it('creates the service schema and records migrations in <schema>.migrations, not public', async () => {
    const ds = track(postgresSource('alpha-svc'));
    expect(isSharedServer(ds)).toBe(true);
    await openServiceDatabase(ds);

    const schema = schemaNameOf('alpha-svc');
    expect(schema).toBe('alpha_svc');
    expect(await tablesOf(ds, schema)).toEqual(['gadgets', 'migrations', 'widgets']);
    expect(await migrationCounts(ds, schema)).toEqual(
      MIGRATION_NAMES.map((name) => ({ name, n: 1 })),
    );
    const [publicMigrations] = await ds.query<{ t: string | null }[]>(
      `SELECT to_regclass('public.migrations')::text AS t`,
    );
    expect(publicMigrations.t).toBeNull();
    expect(await tablesOf(ds, 'public')).toEqual([]);
  });

  it('gives two services separate schemas that cannot collide', async () => {
    const a = track(postgresSource('svc-one'));
    const b = track(postgresSource('svc-two'));
    await Promise.all([openServiceDatabase(a), openServiceDatabase(b)]);

    // Same migrations, recorded once per service.
    expect(await migrationCounts(a, 'svc_one')).toEqual(
      MIGRATION_NAMES.map((name) => ({ name, n: 1 })),
    );
    expect(await migrationCounts(b, 'svc_two')).toEqual(
      MIGRATION_NAMES.map((name) => ({ name, n: 1 })),
    );

    // The same table name in each schema holds that service's rows only.
    await a.query(`INSERT INTO "svc_one"."gadgets" ("payload", "headers") VALUES ('\\x01', '{}')`);
    await b.query(`INSERT INTO "svc_two"."gadgets" ("payload", "headers") VALUES ('\\x01', '{}')`);
    await b.query(`INSERT INTO "svc_two"."gadgets" ("payload", "headers") VALUES ('\\x02', '{}')`);
    const [one] = await a.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "svc_one"."gadgets"`,
    );
    const [two] = await b.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "svc_two"."gadgets"`,
    );
    expect([one.n, two.n]).toEqual([1, 2]);
  });

  it('applies each migration exactly once when 4 replicas of a service open together, and re-opening is a no-op', async () => {
    const schema = 'replicas_svc';
    const replicas = Array.from({ length: 4 }, () => track(postgresSource('replicas-svc')));

    const outcomes = await Promise.allSettled(replicas.map((ds) => openServiceDatabase(ds)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok'))).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
    ]);

    const [first] = replicas;
    expect(await migrationCounts(first, schema)).toEqual(
      MIGRATION_NAMES.map((name) => ({ name, n: 1 })),
    );
    expect(await tablesOf(first, schema)).toEqual(['gadgets', 'migrations', 'widgets']);
    const before = await first.query<{ id: number; name: string }[]>(
      `SELECT "id", "name" FROM "${schema}"."migrations" ORDER BY "id"`,
    );

    // A fifth replica starting later, and an already open one opening again, change nothing.
    const late = track(postgresSource('replicas-svc'));
    await openServiceDatabase(late);
    await openServiceDatabase(first);
    expect(await late.showMigrations()).toBe(false);
    const after = await late.query<{ id: number; name: string }[]>(
      `SELECT "id", "name" FROM "${schema}"."migrations" ORDER BY "id"`,
    );
    expect(after).toEqual(before);
  });
});
