/** Machine facts, the "is anyone else loading the broker?" guard, and throwaway Kafka/Postgres resources. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { Client } from 'pg';
import { log, machineIdleFraction, sleep } from './stats';

export const ROOT = resolve(__dirname, '..', '..', '..');

/** Processes whose load would distort our figures (another helper's Kafka client bake-off and probes). */
const DISTURBERS = ['bench/kafka-clients/'];

function running(pattern: string): string[] {
  const out = spawnSync('pgrep', ['-af', pattern], { encoding: 'utf8' });
  return out.stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.includes('pgrep'))
    .map((line) => line.trim());
}

export function brokerStatus(): { up: boolean; text: string } {
  const out = spawnSync('bash', [resolve(ROOT, 'scripts/kafka.sh'), 'status'], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  return { up: out.status === 0, text: `${out.stdout}${out.stderr}`.trim() };
}

export interface QuietOptions {
  enabled: boolean;
  /** Minimum share of all cores idle (over 1 s) before a measurement starts. */
  minIdle: number;
  /** After this long, measure anyway and record that the machine was busy. */
  maxWaitMs: number;
}

/** What the guard saw before each measurement; goes into the JSON so disturbed figures are visible. */
export const quietLog: {
  at: string;
  waitedMs: number;
  idlePct: number;
  disturbed: boolean;
  note: string;
}[] = [];

/**
 * Blocks until no disturbing process runs, the broker answers (it may have been restarted) and the
 * machine is mostly idle; after `maxWaitMs` it gives up waiting and records the run as disturbed.
 */
export async function waitForQuiet(o: QuietOptions): Promise<void> {
  if (!o.enabled) return;
  const started = Date.now();
  let announced = '';
  for (;;) {
    const busy = DISTURBERS.flatMap(running);
    const broker = brokerStatus();
    const idle = busy.length === 0 && broker.up ? await machineIdleFraction(1000) : 0;
    const waited = Date.now() - started;
    const quiet = busy.length === 0 && broker.up && idle >= o.minIdle;
    if (quiet || (waited > o.maxWaitMs && broker.up)) {
      const note = quiet
        ? 'quiet'
        : `still busy after ${Math.round(waited / 1000)} s: ${busy.join(' | ') || `${Math.round(idle * 100)} % idle`}`;
      quietLog.push({
        at: new Date().toISOString(),
        waitedMs: waited,
        idlePct: Math.round(idle * 100),
        disturbed: !quiet,
        note,
      });
      if (!quiet) log(`measuring anyway — ${note}`);
      else if (announced)
        log(`quiet again (${Math.round(idle * 100)} % idle) after ${Math.round(waited / 1000)} s`);
      return;
    }
    const reason = busy.length
      ? `other benchmark running: ${busy.join(' | ')}`
      : !broker.up
        ? `broker not answering: ${broker.text}`
        : `machine busy (${Math.round(idle * 100)} % idle, want ≥ ${Math.round(o.minIdle * 100)} %)`;
    if (reason !== announced) {
      log(`waiting: ${reason}`);
      announced = reason;
    }
    await sleep(2000);
  }
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  kafka: string;
  postgres: string;
  kafkaClient: string;
}

export function kafkaVersionOf(statusText: string): string {
  return /Kafka (\S+?),/.exec(statusText)?.[1] ?? 'unknown';
}

export function machineInfo(postgres: string): MachineInfo {
  let kafkaClient = 'unknown';
  try {
    kafkaClient = (
      JSON.parse(
        readFileSync(resolve(ROOT, 'node_modules/@platformatic/kafka/package.json'), 'utf8'),
      ) as { version: string }
    ).version;
  } catch {
    // left unknown
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    kafka: kafkaVersionOf(brokerStatus().text),
    postgres,
    kafkaClient: `@platformatic/kafka ${kafkaClient}`,
  };
}

export function runTag(): string {
  return `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** Topics this run created; deleted at the end so repeated runs do not fill the broker's disk. */
export class TopicJanitor {
  readonly topics: string[] = [];

  constructor(private readonly brokers: string[]) {}

  name(purpose: string, tag: string): string {
    const topic = `bench.messaging.${purpose}.${tag}`;
    this.topics.push(topic);
    return topic;
  }

  async cleanup(): Promise<void> {
    if (this.topics.length === 0) return;
    const admin = new Admin({
      clientId: 'bench-messaging-janitor',
      bootstrapBrokers: this.brokers,
    });
    try {
      const existing = new Set(await admin.listTopics());
      const topics = this.topics.filter((t) => existing.has(t));
      if (topics.length) await admin.deleteTopics({ topics });
    } catch (error) {
      log(`could not delete bench topics (${String(error)}); delete bench.messaging.* by hand`);
    } finally {
      await admin.close();
    }
  }
}

export interface PostgresTarget {
  host: string;
  port: number;
  user: string;
}

export function postgresUrl(target: PostgresTarget, database: string): string {
  return `postgres://${encodeURIComponent(target.user)}@${target.host}:${target.port}/${database}`;
}

async function withAdminClient<T>(
  target: PostgresTarget,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    host: target.host,
    port: target.port,
    user: target.user,
    database: 'postgres',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `telcomesh_bench_<random>`; returns its name and the server version. */
export async function createThrowawayDatabase(
  target: PostgresTarget,
): Promise<{ database: string; version: string }> {
  const database = `telcomesh_bench_${randomBytes(4).toString('hex')}`;
  return withAdminClient(target, async (client) => {
    await client.query(`CREATE DATABASE "${database}"`);
    const result = await client.query<{ server_version: string }>('SHOW server_version');
    return { database, version: result.rows[0]?.server_version ?? 'unknown' };
  });
}

export async function dropDatabase(target: PostgresTarget, database: string): Promise<void> {
  await withAdminClient(target, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });
}
