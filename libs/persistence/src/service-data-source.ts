import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import { PGlitePool } from './pglite-pool';

export interface ServiceDataSourceOptions {
  /** Service name; its schema defaults to the name with `-` turned into `_`. */
  service: string;
  /** postgres:// URL, or undefined for embedded PGlite. */
  databaseUrl?: string;
  schema?: string;
  /** Embedded mode keeps PGlite data under `<dataDir>/pg/<service>`; `:memory:` keeps nothing. */
  dataDir?: string;
  // TypeORM's own option types.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
}

export function schemaNameOf(service: string): string {
  return service.replace(/-/g, '_');
}

/** Builds the one TypeORM data source a service owns: its own schema and migrations table, never synchronize. */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  const schema = options.schema ?? schemaNameOf(options.service);
  const common = {
    type: 'postgres' as const,
    schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
    applicationName: options.service,
  };
  if (options.databaseUrl) {
    return new DataSource({
      ...common,
      url: options.databaseUrl,
      extra: { max: options.poolSize ?? 10 },
    } satisfies DataSourceOptions);
  }
  const dataDir = options.dataDir ?? '.data';
  let pglite: PGlite;
  if (dataDir === ':memory:') {
    pglite = new PGlite();
  } else {
    const dir = resolve(join(dataDir, 'pg', options.service));
    mkdirSync(dir, { recursive: true });
    pglite = new PGlite(dir);
  }
  const pool = new PGlitePool(pglite);
  return new DataSource({
    ...common,
    // TypeORM's postgres driver instantiates `driver.Pool`; hand it our PGlite-backed pool.
    driver: {
      Pool: function PGliteDriverPool() {
        return pool;
      },
    },
  });
}

/** Lock id shared by every replica of a service, so only one runs migrations at a time. */
function migrationLockId(schema: string): number {
  let hash = 0;
  for (const char of `telcomesh:migrate:${schema}`)
    hash = (Math.imul(hash, 31) + char.charCodeAt(0)) | 0;
  return hash;
}

/**
 * Initialises the data source, creates the schema and runs pending migrations under an advisory
 * lock so that N replicas starting together apply each migration once.
 */
export async function openServiceDatabase(dataSource: DataSource): Promise<DataSource> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  const schema = (dataSource.options as { schema: string }).schema;
  if (!isSharedServer(dataSource)) {
    // Embedded PGlite belongs to this process alone: no other replica to race with.
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
    return dataSource;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock($1)`, [migrationLockId(schema)]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query(`SELECT pg_advisory_unlock($1)`, [migrationLockId(schema)]);
    }
  } finally {
    await runner.release();
  }
  return dataSource;
}

export function isSharedServer(dataSource: DataSource): boolean {
  return Boolean((dataSource.options as { url?: string }).url);
}

export async function pendingMigrations(dataSource: DataSource): Promise<boolean> {
  return dataSource.showMigrations();
}
