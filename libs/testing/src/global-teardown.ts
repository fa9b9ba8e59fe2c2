import { Admin } from '@platformatic/kafka';
import { Client } from 'pg';

/** Drops this run's throwaway database and deletes its prefixed topics, so runs leave nothing behind. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.KEEP_TEST_DATA === '1') return;
  const database = process.env.TEST_DATABASE_NAME;
  const adminUrl = process.env.TEST_PG_ADMIN_URL;
  if (database && adminUrl) {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  }
  const prefix = process.env.KAFKA_TOPIC_PREFIX;
  const brokers = process.env.KAFKA_BROKERS;
  if (prefix && brokers) {
    const kafka = new Admin({ clientId: 'test-teardown', bootstrapBrokers: brokers.split(',') });
    try {
      const topics = (await kafka.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await kafka.deleteTopics({ topics });
    } finally {
      await kafka.close();
    }
  }
}
