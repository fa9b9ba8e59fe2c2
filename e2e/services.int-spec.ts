/*
 * Every service boots as its own process against real Kafka, PostgreSQL and Redis, validates its
 * configuration, and serves health, Prometheus metrics and its OpenAPI document.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { APP_NAMES } from '@telcomesh/contracts';
import { startServiceProcess, type ServiceProcess } from '@telcomesh/testing';

const APPS = APP_NAMES;

const env = () => ({
  KAFKA_BROKERS: process.env.KAFKA_BROKERS,
  DATABASE_URL: process.env.TEST_DATABASE_URL,
  REDIS_URL: process.env.REDIS_URL,
  KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX}-boot`,
});

describe('the six services, distributed', () => {
  const running: ServiceProcess[] = [];

  beforeAll(async () => {
    // Sequential: two cores, and it shows each starts on its own.
    for (const app of APPS) running.push(await startServiceProcess(app, env()));
  });

  afterAll(async () => {
    const codes = await Promise.all(running.map((s) => s.stop()));
    expect(codes).toEqual(APPS.map(() => 0)); // SIGTERM → clean shutdown, exit 0
  });

  it.each(APPS)('%s is live and ready with Postgres, Kafka and Redis', async (app) => {
    const service = running.find((s) => s.app === app)!;
    const live = await fetch(`${service.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok', service: app });
    const ready = await fetch(`${service.url}/health/ready`);
    const body = (await ready.json()) as {
      checks: Record<string, { status: string; kind?: string }>;
    };
    expect(ready.status).toBe(200);
    expect(body.checks.database).toMatchObject({ status: 'up', kind: 'postgres' });
    expect(body.checks.bus).toMatchObject({ status: 'up', kind: 'kafka' });
    expect(body.checks.cache).toMatchObject({ status: 'up', kind: 'redis' });
  });

  it.each(APPS)('%s serves Prometheus metrics labelled with its name', async (app) => {
    const service = running.find((s) => s.app === app)!;
    await fetch(`${service.url}/health/live`);
    const response = await fetch(`${service.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('http_server_duration_seconds_count{') && l.includes('route="/health/live"'),
      );
    expect(line).toContain(`service="${app}"`);
    expect(line).toContain('status="200"');
    expect(Number(line?.split(' ').pop())).toBeGreaterThanOrEqual(1);
    expect(text).toContain('messaging_outbox_backlog');
    expect(text).toContain('process_resident_memory_bytes');
  });

  it.each(APPS)(
    '%s publishes its OpenAPI document at /docs-json and a UI at /docs',
    async (app) => {
      const service = running.find((s) => s.app === app)!;
      const doc = (await (await fetch(`${service.url}/docs-json`)).json()) as {
        openapi: string;
        info: { title: string };
        paths: Record<string, unknown>;
      };
      expect(doc.openapi).toMatch(/^3\./);
      expect(doc.info.title.toLowerCase()).toContain(app.replace('-', ' ').split(' ')[0]);
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/health/live', '/health/ready']),
      );
      const ui = await fetch(`${service.url}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
    },
  );

  it('documents the ingestor webhook with its request schema', async () => {
    const ingestor = running.find((s) => s.app === 'ingestor')!;
    const doc = (await (await fetch(`${ingestor.url}/docs-json`)).json()) as {
      paths: Record<string, { post?: { requestBody?: unknown } }>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(doc.paths['/webhooks/{sourceId}/alarms']?.post?.requestBody).toBeDefined();
    expect(doc.components.schemas.AlarmWebhookDto.required).toEqual(
      expect.arrayContaining(['alarm_id', 'severity', 'site_id', 'event_time']),
    );
  });

  it('maps an unknown route to a JSON 404 carrying the path', async () => {
    const response = await fetch(`${running[0].url}/nowhere`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, path: '/nowhere' });
  });
});

describe('start-up with a bad configuration', () => {
  it('stops with one message listing every problem and never prints a secret', () => {
    const result = spawnSync(
      process.execPath,
      [join(process.cwd(), 'dist/apps/notifier/src/main.js')],
      {
        env: {
          PATH: process.env.PATH,
          PORT: 'eighty',
          KAFKA_BROKERS: 'not a list',
          DATABASE_URL: 'mysql://app:hunter2@db/x',
          NOTIFIER_WEBHOOK_URL: 'ftp://example',
          LOG_LEVEL: 'chatty',
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('notifier: invalid configuration (5 problems)');
    for (const variable of [
      'PORT',
      'KAFKA_BROKERS',
      'DATABASE_URL',
      'NOTIFIER_WEBHOOK_URL',
      'LOG_LEVEL',
    ]) {
      expect(result.stderr).toContain(`- ${variable}:`);
    }
    expect(result.stderr).not.toContain('hunter2');
  });

  it('stops with a clear message when the database is unreachable', () => {
    const result = spawnSync(
      process.execPath,
      [join(process.cwd(), 'dist/apps/ingestor/src/main.js')],
      {
        env: {
          PATH: process.env.PATH,
          PORT: '0',
          DATABASE_URL: 'postgres://nobody:pw@127.0.0.1:1/none',
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ingestor: failed to start');
    expect(result.stderr).toContain('ECONNREFUSED');
  });
});
