/*
 * SNMP traps end to end: the ingestor on real PostgreSQL, Redis and Kafka with its trap listener
 * on a loopback UDP port, an `snmp` source registered over REST, traps sent by the real `snmptrap`.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlarmState, decode, PerceivedSeverity, Topics } from '@telcomesh/contracts';
import type { InboundRecord } from '@telcomesh/messaging';
import type { RunningService } from '@telcomesh/platform';
import { eventually } from '@telcomesh/testing';
import { freeUdpPort, snmptrap } from '../connectors/snmp/testing/snmpd';
import type { IngestorConfig } from '../ingestor.config';
import { bootstrap } from '../main';
import { TopicRecorder } from '../testing/topic-recorder';
import { SnmpTrapIntake, UNKNOWN_AGENT_SOURCE_ID } from './snmp-trap-intake';

const RUN = randomBytes(3).toString('hex');
const PREFIX = `${process.env.KAFKA_TOPIC_PREFIX ?? 'it'}-trp-${RUN}`;
const COMMUNITY = 'tm-lab-Traps-7';
const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
const linkVarbinds = (ifIndex: number, oper: number) => [
  `1.3.6.1.2.1.2.2.1.1.${ifIndex}`,
  'i',
  String(ifIndex),
  `1.3.6.1.2.1.2.2.1.8.${ifIndex}`,
  'i',
  String(oper),
];

describe('SNMP traps into telemetry.events.v1 (snmptrap, PostgreSQL, Kafka)', () => {
  let service: RunningService<IngestorConfig>;
  let recorder: TopicRecorder;
  let stateDir: string;
  let port: number;
  const received: InboundRecord[] = [];
  const events = () =>
    received
      .filter((r) => r.topic === Topics.TelemetryEvents.name)
      .map((r) => ({ record: r, event: decode(Topics.TelemetryEvents, r.value) }));
  const trap = (args: string[]) =>
    snmptrap(['-v2c', '-c', COMMUNITY, `127.0.0.1:${port}`, '', ...args], stateDir);

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'telcomesh-ingestor-traps-'));
    port = await freeUdpPort();
    service = await bootstrap({
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATABASE_SCHEMA: `ingestor_trp_${RUN}`,
      KAFKA_TOPIC_PREFIX: PREFIX,
      INGESTOR_SECRET_KEY: randomBytes(32).toString('base64'),
      OUTBOX_POLL_INTERVAL_MS: '100',
      INGESTOR_SNMP_TRAP_PORT: String(port),
      INGESTOR_SNMP_TRAP_HOST: '127.0.0.1',
    });
    recorder = await TopicRecorder.start(
      PREFIX,
      `ingestor-trp-${RUN}`,
      [Topics.TelemetryEvents.name],
      received,
    );
    const created = await fetch(`${service.url}/sources`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source_id: 'snmp-lab',
        source_type: 'snmp',
        // Polls nothing during the test: the traps are what is under test.
        polling_interval: 3600,
        enabled: true,
        connection_config: {
          targets: [
            {
              host: '127.0.0.1',
              version: 'v2c',
              community: COMMUNITY,
              site_id: 'SITE-LAB',
              name: 'lab-router',
              technology: '4G',
            },
          ],
          objects: ['1.3.6.1.2.1.1.3.0'],
        },
        mapping_rules: {
          tenant_mapping: 'tenant-t',
          site_mapping: { field: 'site_id', map: { 'SITE-LAB': 'site-lab-01' } },
        },
      }),
    });
    if (created.status !== 201)
      throw new Error(`POST /sources answered ${created.status}: ${await created.text()}`);
    // The change already triggered a refresh; awaiting one more makes the listener's state known.
    await service.app.get(SnmpTrapIntake).refresh();
  }, 120_000);

  afterAll(async () => {
    await recorder?.close();
    await service?.close().catch(() => undefined);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('publishes linkDown as a raised alarm and linkUp as its clear, after a malformed datagram', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.from([0x30, 0x03, 0x02, 0x01]), port, '127.0.0.1', (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    socket.close();

    await trap([LINK_DOWN, ...linkVarbinds(4, 2)]);
    const raised = await eventually(
      () => events().find((e) => e.event.state === AlarmState.RAISED),
      'the linkDown alarm on telemetry.events.v1',
    );
    await trap([LINK_UP, ...linkVarbinds(4, 1)]);
    const cleared = await eventually(
      () => events().find((e) => e.event.state === AlarmState.CLEARED),
      'the linkUp clear on telemetry.events.v1',
    );

    expect(raised.event).toMatchObject({
      sourceId: 'snmp-lab',
      tenantId: 'tenant-t',
      sourceSystem: 'SNMP',
      alarmId: 'snmp:127.0.0.1:link:4',
      severity: PerceivedSeverity.MAJOR,
      siteId: 'site-lab-01',
      managedObject: 'lab-router/if.4',
    });
    expect(raised.record.key).toBe('site-lab-01');
    expect(raised.record.headers.ce_id).toBe(raised.event.eventId);
    expect(cleared.event).toMatchObject({
      sourceId: 'snmp-lab',
      alarmId: raised.event.alarmId,
      severity: PerceivedSeverity.CLEARED,
      siteId: 'site-lab-01',
    });
    expect(cleared.event.eventId).not.toBe(raised.event.eventId);
    // Each trap once: nothing published twice, nothing under the unknown-agent source.
    expect(events()).toHaveLength(2);
    expect(events().some((e) => e.event.sourceId === UNKNOWN_AGENT_SOURCE_ID)).toBe(false);
    for (const { record } of events())
      expect(Buffer.from(record.value).toString('latin1')).not.toContain(COMMUNITY);
  });
});
