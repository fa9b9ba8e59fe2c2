/*
 * Embedded mode and distributed mode run the same migrations: for every service, the schema PGlite
 * ends up with is the schema PostgreSQL ends up with (columns, types, defaults, indexes).
 */
import type { DataSource } from 'typeorm';
import { loadConfig } from '@telcomesh/config';
import { openServiceDatabase } from '@telcomesh/persistence';
import { serviceDataSourceOf } from '@telcomesh/platform';
import { SERVICES } from '../scripts/services';

// PGlite's CommonJS build loads its wasm with dynamic import(), which Jest's sandbox rejects; its
// ESM build goes through the SWC transform instead.
jest.mock('@electric-sql/pglite', () =>
  jest.requireActual<object>('../node_modules/@electric-sql/pglite/dist/index.js'),
);

interface Shape {
  columns: Record<string, unknown>[];
  indexes: string[];
  migrations: string[];
}

async function shapeOf(ds: DataSource, schema: string): Promise<Shape> {
  const columns = await ds.query<Record<string, unknown>[]>(
    `SELECT table_name::text AS t, column_name::text AS c, ordinal_position::int AS p, data_type::text AS type,
            is_nullable::text AS nullable, column_default::text AS dflt
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const indexes = await ds.query<{ indexdef: string }[]>(
    `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`,
    [schema],
  );
  const migrations = await ds.query<{ name: string }[]>(
    `SELECT "name" FROM "${schema}"."migrations" ORDER BY "id"`,
  );
  return {
    columns,
    indexes: indexes.map((i) => i.indexdef),
    migrations: migrations.map((m) => m.name),
  };
}

describe('migrations on PGlite and on PostgreSQL', () => {
  it.each(SERVICES.map((s) => [s.name, s] as const))(
    '%s gets the same schema on both',
    async (_name, definition) => {
      const schema = `parity_${definition.name.replace(/-/g, '_')}`;
      const embedded = serviceDataSourceOf(
        definition,
        loadConfig(definition.name, definition.configClass, {
          DATA_DIR: ':memory:',
          DATABASE_SCHEMA: schema,
        }),
      );
      const shared = serviceDataSourceOf(
        definition,
        loadConfig(definition.name, definition.configClass, {
          DATABASE_URL: process.env.TEST_DATABASE_URL,
          DATABASE_SCHEMA: schema,
        }),
      );
      try {
        await openServiceDatabase(embedded);
        await openServiceDatabase(shared);
        const [onPglite, onPostgres] = [
          await shapeOf(embedded, schema),
          await shapeOf(shared, schema),
        ];
        expect(onPglite.migrations).toContain('MessagingTables1763800000000');
        expect(onPglite.columns.length).toBeGreaterThan(0);
        expect(onPglite).toEqual(onPostgres);
      } finally {
        for (const ds of [embedded, shared]) if (ds.isInitialized) await ds.destroy();
      }
    },
  );
});
