/* Jest global setup of the integration suites: checks the real services are up, builds dist/
   (the e2e suites run the apps as processes), and gives this run its own database and topic prefix
   so runs never collide. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Client } from 'pg';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, host);
  });
}

export default async function globalSetup(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ??= '127.0.0.1:9092');
  const adminUrl = (process.env.TEST_PG_ADMIN_URL ??=
    'postgres://postgres@127.0.0.1:5432/postgres');
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  const problems: string[] = [];
  const [kafkaHost, kafkaPort] = brokers.split(',')[0].split(':');
  if (!(await reachable(kafkaHost, Number(kafkaPort))))
    problems.push(`Kafka is not answering on ${brokers} (start it: npm run kafka -- start)`);
  const redis = new URL(process.env.REDIS_URL);
  if (!(await reachable(redis.hostname, Number(redis.port || 6379))))
    problems.push(`Redis is not answering on ${process.env.REDIS_URL}`);
  if (problems.length > 0)
    throw new Error(`integration tests need real services:\n  - ${problems.join('\n  - ')}`);

  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const database = `telcomesh_it_${runId}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.TEST_DATABASE_NAME = database;
  process.env.TEST_RUN_ID = runId;
  process.env.KAFKA_TOPIC_PREFIX = `it-${runId}`;

  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
