import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { validateConnectionConfig } from '../connection-config';
import type { AlarmRecord } from '../connector';
import type { ConnectorLogger } from '../http/http-source-client';
import { SnmpTrapReceiver, SnmpTrapReceiverConfig } from './snmp-trap-receiver';
import { freeUdpPort, snmptrap } from './testing/snmpd';

const COMMUNITY = 'tm-trap-Community3';
const USER = { user: 'tmtraps', auth: 'tm-Trap-Auth-Key-1', priv: 'tm-Trap-Priv-Key-2' };
/** Engine id of the sending agent: a v3 trap's authoritative engine is its sender. */
const SENDER_ENGINE = '0x8000000001020304';
const LINK_DOWN = '1.3.6.1.6.3.1.1.5.3';
const LINK_UP = '1.3.6.1.6.3.1.1.5.4';
const UPS_ON_BATTERY = '1.3.6.1.2.1.33.2.1';
const UPS_ALARM_REMOVED = '1.3.6.1.2.1.33.2.4';

describe('SnmpTrapReceiver with traps from the real snmptrap', () => {
  let stateDir: string;
  let receiver: SnmpTrapReceiver;
  let target: string;
  let logs: string[];
  let alarms: AsyncIterableIterator<AlarmRecord>;

  const logger: ConnectorLogger = {
    debug: (context, message) => logs.push(`${message} ${JSON.stringify(context)}`),
    info: (context, message) => logs.push(`${message} ${JSON.stringify(context)}`),
    warn: (context, message) => logs.push(`${message} ${JSON.stringify(context)}`),
    error: (context, message) => logs.push(`${message} ${JSON.stringify(context)}`),
  };

  const v2c = (args: string[], community = COMMUNITY, options: string[] = []) =>
    snmptrap([...options, '-v2c', '-c', community, target, ...args], stateDir);
  const v3 = (args: string[], keys = { auth: USER.auth, priv: USER.priv }, inform = false) =>
    snmptrap(
      [
        ...(inform ? ['-Ci'] : ['-e', SENDER_ENGINE]),
        '-v3',
        '-u',
        USER.user,
        '-l',
        'authPriv',
        '-a',
        'SHA-256',
        '-A',
        keys.auth,
        '-x',
        'AES',
        '-X',
        keys.priv,
        target,
        ...args,
      ],
      stateDir,
    );
  const linkVarbinds = (ifIndex: number, oper: number) => [
    `1.3.6.1.2.1.2.2.1.1.${ifIndex}`,
    'i',
    String(ifIndex),
    `1.3.6.1.2.1.2.2.1.7.${ifIndex}`,
    'i',
    '1',
    `1.3.6.1.2.1.2.2.1.8.${ifIndex}`,
    'i',
    String(oper),
  ];

  const nextAlarm = async (): Promise<AlarmRecord> => {
    const next = await alarms.next();
    if (next.done) throw new Error('the alarm iterator ended');
    return next.value;
  };

  /** Waits until the receiver counted `count` of `what`, however long the datagram takes. */
  async function counted(what: 'unauthenticated' | 'malformed', count: number): Promise<void> {
    while (receiver.stats()[what] < count) await delay(10);
  }

  beforeEach(async () => {
    logs = [];
    stateDir = await mkdtemp(join(tmpdir(), 'telcomesh-snmptrap-'));
    const config = validateConnectionConfig(
      SnmpTrapReceiverConfig,
      {
        address: '127.0.0.1',
        port: await freeUdpPort(),
        communities: [COMMUNITY],
        users: [
          {
            user: USER.user,
            auth_protocol: 'SHA-256',
            auth_key: USER.auth,
            priv_protocol: 'AES',
            priv_key: USER.priv,
          },
        ],
        sources: [
          { address: '127.0.0.1', site_id: 'SITE-LAB', name: 'lab-router', technology: '4G' },
        ],
      },
      'snmp-traps',
    );
    receiver = new SnmpTrapReceiver(config, { logger });
    const bound = await receiver.start();
    target = `${bound.address}:${bound.port}`;
    alarms = receiver.alarms();
  });

  afterEach(async () => {
    await receiver.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('v2c linkDown raises an alarm that v2c linkUp clears under the same id', async () => {
    await v2c(['', LINK_DOWN, ...linkVarbinds(4, 2)]);
    const down = await nextAlarm();
    await v2c(['', LINK_UP, ...linkVarbinds(4, 1)]);
    const up = await nextAlarm();
    expect(down).toMatchObject({
      alarmId: 'snmp:127.0.0.1:link:4',
      state: 'raised',
      severity: 'MAJOR',
      siteId: 'SITE-LAB',
      managedObject: 'lab-router/if.4',
      technology: '4G',
      sourceSystem: 'SNMP',
      labels: expect.objectContaining({
        snmp_version: 'v2c',
        pdu: 'trap',
        if_index: '4',
      }) as unknown,
    });
    expect(up).toMatchObject({ alarmId: down.alarmId, state: 'cleared', severity: 'CLEARED' });
    // The clear carries the raise time the receiver remembered.
    expect(up.raisedAt).toEqual(down.raisedAt);
    expect(JSON.stringify(down.raw)).not.toContain(COMMUNITY);
  });

  it('acknowledges a v2c inform (snmptrap -Ci exits 0 only then) and raises UPS on battery', async () => {
    await v2c(['', UPS_ON_BATTERY, '1.3.6.1.2.1.33.1.2.3.0', 'i', '25'], COMMUNITY, ['-Ci']);
    const alarm = await nextAlarm();
    expect(alarm).toMatchObject({
      alarmId: 'snmp:127.0.0.1:ups:upsAlarmOnBattery',
      severity: 'MAJOR',
      alarmType: 'ENVIRONMENTAL',
      title: 'upsTrapOnBattery',
      managedObject: 'lab-router/ups',
      labels: expect.objectContaining({ pdu: 'inform' }) as unknown,
    });
    expect(alarm.description).toContain('UPS-MIB::upsEstimatedMinutesRemaining.0=25');
    expect(receiver.stats()).toMatchObject({ received: 1, informs: 1, alarms: 1 });
  });

  it('takes v3 authPriv traps and informs; the inform clears what the trap raised', async () => {
    await v3(['', UPS_ON_BATTERY]);
    const raised = await nextAlarm();
    await v3(
      [
        '',
        UPS_ALARM_REMOVED,
        '1.3.6.1.2.1.33.1.6.2.1.1.2',
        'i',
        '2',
        '1.3.6.1.2.1.33.1.6.2.1.2.2',
        'o',
        '1.3.6.1.2.1.33.1.6.3.2',
      ],
      undefined,
      true,
    );
    const cleared = await nextAlarm();
    expect(raised).toMatchObject({
      state: 'raised',
      labels: expect.objectContaining({
        snmp_version: 'v3',
        snmp_user: USER.user,
        pdu: 'trap',
      }) as unknown,
    });
    expect(cleared).toMatchObject({
      alarmId: raised.alarmId,
      state: 'cleared',
      labels: expect.objectContaining({ snmp_version: 'v3', pdu: 'inform' }) as unknown,
    });
  });

  it('makes an unknown trap a generic alarm with its OID', async () => {
    await v2c(['', '1.3.6.1.4.1.99999.0.42', '1.3.6.1.4.1.99999.1.1', 's', 'cabinet door open']);
    expect(await nextAlarm()).toMatchObject({
      alarmId: 'snmp:127.0.0.1:1.3.6.1.4.1.99999.0.42',
      severity: 'INDETERMINATE',
      title: '1.3.6.1.4.1.99999.0.42',
      description: '1.3.6.1.4.1.99999.0.42 from 127.0.0.1: 1.3.6.1.4.1.99999.1.1=cabinet door open',
    });
  });

  it('counts and logs unauthenticated and malformed datagrams without their secrets, and goes on', async () => {
    await v2c(['', LINK_DOWN, ...linkVarbinds(1, 2)], 'tm-Guessed-Community');
    await v3(['', LINK_DOWN], { auth: 'tm-Wrong-Auth-Key', priv: USER.priv });
    await v3(['', LINK_DOWN], { auth: USER.auth, priv: 'tm-Wrong-Priv-Key' });
    await counted('unauthenticated', 3);
    const socket = createSocket('udp4');
    const [host, port] = target.split(':');
    await new Promise<void>((resolve, reject) =>
      socket.send(Buffer.from([0x30, 0x03, 0x02, 0x01]), Number(port), host, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    socket.close();
    await counted('malformed', 1);

    // Still listening: the next good trap comes through, and it is the first alarm.
    await v2c(['', LINK_DOWN, ...linkVarbinds(9, 2)]);
    expect((await nextAlarm()).alarmId).toBe('snmp:127.0.0.1:link:9');
    expect(receiver.stats()).toMatchObject({ unauthenticated: 3, malformed: 1, alarms: 1 });
    const text = logs.join('\n');
    expect(text).toMatch(/rejected \(unauthenticated\): 127\.0\.0\.1:\d+: unknown community/);
    expect(text).toMatch(/failed authentication/);
    expect(text).toMatch(/could not be decrypted/);
    expect(text).toMatch(/rejected \(malformed\)/);
    for (const secret of [
      'tm-Guessed-Community',
      'tm-Wrong-Auth-Key',
      'tm-Wrong-Priv-Key',
      USER.auth,
      USER.priv,
      COMMUNITY,
    ])
      expect(text).not.toContain(secret);
  });

  it('hands alarms to onAlarm listeners; a failing listener is counted, the others still get them', async () => {
    const seen: string[] = [];
    receiver.onAlarm(() => {
      throw new Error('listener bug');
    });
    receiver.onAlarm(async (alarm) => {
      seen.push(alarm.alarmId);
      await Promise.reject(new Error('async listener bug'));
    });
    const stop = receiver.onAlarm((alarm) => {
      seen.push(`third:${alarm.alarmId}`);
    });
    await v2c(['', LINK_DOWN, ...linkVarbinds(3, 2)]);
    await nextAlarm();
    stop();
    await v2c(['', LINK_UP, ...linkVarbinds(3, 1)]);
    await nextAlarm();
    while (receiver.stats().listenerErrors < 4) await delay(10);
    expect(seen).toEqual([
      'snmp:127.0.0.1:link:3',
      'third:snmp:127.0.0.1:link:3',
      'snmp:127.0.0.1:link:3',
    ]);
  });

  it('refuses to start on a port already taken', async () => {
    const [, port] = target.split(':');
    const clash = new SnmpTrapReceiver(
      validateConnectionConfig(
        SnmpTrapReceiverConfig,
        { port: Number(port), communities: ['x'] },
        'snmp-traps',
      ),
    );
    await expect(clash.start()).rejects.toThrow(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });
});
