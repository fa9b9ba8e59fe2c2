/*
 * `npm start`'s embedded mode: all six services in one process on their ports with the in-process
 * bus, PGlite and the in-memory cache; an alarm reaches the demo webhook sink.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PORTS = {
  gateway: 8080,
  ingestor: 8081,
  provisioning: 8082,
  'ticket-sla': 8083,
  'call-monitor': 8084,
  notifier: 8085,
};
const SINK_PORT = 18090;

async function until<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('embedded mode (npm start)', () => {
  let child: ChildProcess;
  let output = '';
  const dataDir = mkdtempSync(join(tmpdir(), 'telcomesh-embedded-'));

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DATA_DIR: dataDir,
      DEMO_ALARMS: '0',
      DEMO_WEBHOOK_PORT: String(SINK_PORT),
    };
    child = spawn(process.execPath, ['dist/scripts/embedded.js'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(
      async () => (output.includes('TelcoMesh is running') ? true : undefined),
      180_000,
      `start-up; output so far:\n${output}`,
    );
  });

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(Object.entries(PORTS))(
    '%s is ready on its port with embedded parts',
    async (app, port) => {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      const body = (await response.json()) as {
        service: string;
        checks: Record<string, { kind?: string; status: string }>;
      };
      expect(response.status).toBe(200);
      expect(body.service).toBe(app);
      expect(body.checks.database).toMatchObject({ status: 'up', kind: 'pglite' });
      expect(body.checks.bus).toMatchObject({ status: 'up', kind: 'embedded' });
      expect(body.checks.cache).toMatchObject({ status: 'up', kind: 'memory' });
    },
  );

  it('delivers an alarm posted to the ingestor to the demo webhook sink, keeping the trace id', async () => {
    const traceId = 'abcdef0123456789abcdef0123456789';
    const response = await fetch(
      `http://127.0.0.1:${PORTS.ingestor}/webhooks/e2e-embedded/alarms`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          traceparent: `00-${traceId}-0123456789abcdef-01`,
        },
        body: JSON.stringify({
          alarm_id: 'EMB-1',
          severity: 'MAJOR',
          title: 'Link Down',
          site_id: 'site-042',
          source_system: 'OSS-nokia',
          event_time: new Date().toISOString(),
        }),
      },
    );
    expect(response.status).toBe(202);
    const { event_id } = (await response.json()) as { event_id: string };
    const delivered = await until(
      async () => {
        const sink = (await (await fetch(`http://127.0.0.1:${SINK_PORT}/deliveries`)).json()) as {
          latest: { id: string; traceparent?: string }[];
        };
        return sink.latest.find((d) => d.id === event_id);
      },
      60_000,
      'delivery at the sink',
    );
    expect(delivered.traceparent?.split('-')[1]).toBe(traceId);
  });
});
