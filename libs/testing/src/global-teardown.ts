import { Client } from 'pg';

/** Drops this run's throwaway database (topics are prefixed per run and left to retention). */
export default async function globalTeardown(): Promise<void> {
  const database = process.env.TEST_DATABASE_NAME;
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (!database || !adminUrl || process.env.KEEP_TEST_DATABASE === '1') return;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
}
