import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { IotEnergyPublisher, eventually } from '@telcomesh/testing';
import { createConnectorRegistry } from '../built-in-connectors';
import type { FetchResult, MetricRecord } from '../connector';
import type { IotMqttConnector } from './iot-mqtt.connector';

/** The Mosquitto broker the machine runs (no auth). */
const BROKER = 'mqtt://127.0.0.1:1883';

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function valuesOf(result: FetchResult): number[] {
  return result.records.map((r) => (r as MetricRecord).value);
}

describe('IoT energy MQTT connector against Mosquitto', () => {
  const registry = createConnectorRegistry();
  let run: string;
  let publisher: IotEnergyPublisher;
  const connectors: IotMqttConnector[] = [];

  beforeEach(async () => {
    // Topics and client ids of their own, so runs sharing the broker never meet.
    run = randomUUID().slice(0, 8);
    publisher = await IotEnergyPublisher.connect({
      brokerUrl: BROKER,
      topicPrefix: `test-${run}/`,
    });
  });

  afterEach(async () => {
    await publisher.close();
    // Leave no persistent session behind on the shared broker.
    for (const connector of connectors.splice(0)) await connector.discardSession();
  });

  function connector(overrides: Record<string, unknown> = {}): IotMqttConnector {
    const created = registry.create(
      { sourceType: 'energy_iot_mqtt' },
      {
        broker_url: BROKER,
        topics: [publisher.filter],
        client_id: `telcomesh-test-${run}`,
        connect_timeout_ms: 5000,
        ...overrides,
      },
      { sourceId: `iot-mqtt-${run}` },
    ) as IotMqttConnector;
    connectors.push(created);
    return created;
  }

  /** Waits until the connector has received `count` messages, then syncs. */
  async function fetchWhen(target: IotMqttConnector, count: number): Promise<FetchResult> {
    await eventually(() => target.bufferStats().received >= count, `${count} messages`, 20_000);
    return target.fetch();
  }

  it('QoS 1: subscribes at QoS 1 and turns each published reading into a metric', async () => {
    const sensors = connector();
    await sensors.connect();
    expect(sensors.subscriptions()).toEqual([{ topic: publisher.filter, qos: 1 }]);
    for (let i = 0; i < 20; i++) {
      await publisher.publishReading('SITE-001', 'power', {
        sensor_id: 'rectifier-1',
        value: i / 10,
        unit: 'kW',
        timestamp: `2024-01-15T10:${String(i).padStart(2, '0')}:00Z`,
      });
    }
    const result = await fetchWhen(sensors, 20);
    expect(result).toMatchObject({ complete: true, rejectedCount: 0 });
    expect(valuesOf(result)).toEqual(Array.from({ length: 20 }, (_, i) => (i / 10) * 1000));
    expect(result.records[0]).toMatchObject({
      siteId: 'SITE-001',
      managedObject: 'rectifier-1',
      name: 'power',
      unit: 'W',
      timestamp: new Date('2024-01-15T10:00:00Z'),
    });
    // Handed on once: the next sync has nothing.
    expect((await sensors.fetch()).records).toEqual([]);
  });

  it('messages published while the connector was stopped arrive after its restart', async () => {
    const before = connector();
    await before.connect();
    await before.close();
    // The connector is down: the broker queues these for its persistent session.
    for (let i = 1; i <= 10; i++) {
      await publisher.publishReading('SITE-002', 'fuel_level', { value: i * 5, unit: '%' });
    }
    const after = connector();
    await after.connect();
    const result = await fetchWhen(after, 10);
    expect(valuesOf(result)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(result.records.every((r) => r.kind === 'metric' && r.siteId === 'SITE-002')).toBe(true);
  });

  it('a malformed payload is refused with its reason; the readings around it go on', async () => {
    const sensors = connector();
    await sensors.connect();
    await publisher.publishReading('SITE-003', 'voltage', { value: -53.4, unit: 'V' });
    await publisher.publishRaw(publisher.topicFor('SITE-003', 'voltage'), '{"value": -53.5,');
    await publisher.publishReading('SITE-003', 'voltage', { value: 'low', unit: 'V' });
    await publisher.publishReading('SITE-003', 'voltage', { value: -53.6, unit: 'V' });
    const result = await fetchWhen(sensors, 4);
    expect(valuesOf(result)).toEqual([-53.4, -53.6]);
    expect(result.rejectedCount).toBe(2);
    const topic = publisher.topicFor('SITE-003', 'voltage');
    expect(result.rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(new RegExp(`^${topic}: payload is not JSON \\(`)) as string,
      `${topic}: value is "low", not a number`,
    ]);
    expect(result.rejected[0].stream).toBe('metrics');
  });

  it('a full buffer drops the oldest messages and the next sync says how many', async () => {
    const sensors = connector({ buffer_limit: 5 });
    await sensors.connect();
    for (let i = 1; i <= 8; i++) {
      await publisher.publishReading('SITE-001', 'battery_level', { value: i, unit: '%' });
    }
    const result = await fetchWhen(sensors, 8);
    expect(valuesOf(result)).toEqual([4, 5, 6, 7, 8]);
    expect(result.rejectedCount).toBe(3);
    expect(result.rejected).toEqual([
      {
        stream: 'metrics',
        reason: 'buffer of 5 messages was full: the 3 oldest were dropped before this sync',
      },
    ]);
    expect(sensors.bufferStats()).toEqual({ received: 8, buffered: 0, dropped: 3 });
  });

  it('sensor_types keeps only the sensors asked for', async () => {
    const sensors = connector({ sensor_types: ['temperature'] });
    await sensors.connect();
    await publisher.publishReading('SITE-001', 'power', { value: 1800, unit: 'W' });
    await publisher.publishReading('SITE-001', 'temperature', { value: 86, unit: '°F' });
    const result = await fetchWhen(sensors, 2);
    expect(result.records).toEqual([
      expect.objectContaining({ name: 'temperature', value: 30, unit: '°C' }),
    ]);
    expect(result.rejectedCount).toBe(0);
  });

  it('the connection test reaches the broker; a closed port fails at stage connect', async () => {
    expect(await connector().testConnection()).toMatchObject({ ok: true, stage: 'parse' });
    const port = await closedPort();
    const down = registry.create(
      { sourceType: 'energy_iot_mqtt' },
      { broker_url: `mqtt://127.0.0.1:${port}`, connect_timeout_ms: 2000 },
      { sourceId: `iot-mqtt-down-${run}` },
    );
    expect(await down.testConnection()).toMatchObject({ ok: false, stage: 'connect' });
    const result = await down.fetch();
    expect(result).toMatchObject({ complete: false, records: [] });
    expect(result.stops).toEqual([expect.objectContaining({ reason: 'error', stage: 'connect' })]);
    expect(result.stops[0].message).toContain('ECONNREFUSED');
    await down.close();
  });
});
