export { PGliteClient, PGlitePool, type PgResult } from './pglite-pool';
export {
  createServiceDataSource,
  isSharedServer,
  openServiceDatabase,
  pendingMigrations,
  schemaNameOf,
  type ServiceDataSourceOptions,
} from './service-data-source';
