/*
 * Traces leave the process when OTEL_EXPORTER_OTLP_ENDPOINT is set: a loopback OTLP/HTTP receiver
 * gets the ingestor's spans for a webhook request, under the caller's trace id.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateAlarm, startServiceProcess, type ServiceProcess } from '@telcomesh/testing';

describe('OpenTelemetry export', () => {
  const bodies: { path: string; body: string }[] = [];
  let collector: Server;
  let ingestor: ServiceProcess;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    ingestor = await startServiceProcess('ingestor', {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      REDIS_URL: process.env.REDIS_URL,
      KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX}-otlp`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
  });

  afterAll(async () => {
    await ingestor?.stop();
    await new Promise((resolve) => collector.close(resolve));
  });

  it('exports the server span of a request under the caller trace id, named after the service', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(`${ingestor.url}/webhooks/otlp-test/alarms`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify(generateAlarm(11)),
    });
    expect(response.status).toBe(202);
    const deadline = Date.now() + 30_000;
    while (!bodies.some((b) => b.body.includes(traceId)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const exported = bodies.find((b) => b.body.includes(traceId));
    expect(exported?.path).toBe('/v1/traces');
    expect(exported?.body).toContain('"ingestor"');
    expect(exported?.body).toContain('POST /webhooks/:sourceId/alarms');
  });
});
