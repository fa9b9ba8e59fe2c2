import { ObjectType, type Varbind } from 'net-snmp';
import {
  TrapFormatError,
  readNotification,
  trapAlarm,
  type ReceivedTrap,
  type ReceiverNotification,
  type TrapSource,
} from './trap-alarms';

const rinfo = { address: '10.0.0.9', port: 40000 };
const source: TrapSource = { siteId: 'SITE001', managedObject: 'router-9', technology: '4G' };
const at = new Date('2025-03-01T10:00:00Z');

const header = (trapOid: string): Varbind[] => [
  { oid: '1.3.6.1.2.1.1.3.0', type: ObjectType.TimeTicks, value: 12345 },
  { oid: '1.3.6.1.6.3.1.1.4.1.0', type: ObjectType.OID, value: trapOid },
];

function v2c(trapOid: string, varbinds: Varbind[] = [], type = 167): ReceivedTrap {
  return readNotification({ pdu: { type, varbinds: [...header(trapOid), ...varbinds] }, rinfo });
}

const int = (oid: string, value: number): Varbind => ({ oid, type: ObjectType.Integer, value });
const text = (oid: string, value: string): Varbind => ({
  oid,
  type: ObjectType.OctetString,
  value: Buffer.from(value),
});
const oidValue = (oid: string, value: string): Varbind => ({ oid, type: ObjectType.OID, value });

describe('readNotification', () => {
  it('reads a v2c trap and an inform', () => {
    const trap = v2c('1.3.6.1.6.3.1.1.5.3', [int('1.3.6.1.2.1.2.2.1.1.4', 4)]);
    expect(trap).toEqual({
      version: 'v2c',
      pdu: 'trap',
      trapOid: '1.3.6.1.6.3.1.1.5.3',
      agentAddress: '10.0.0.9',
      sender: '10.0.0.9:40000',
      uptimeTicks: 12345,
      varbinds: [{ oid: '1.3.6.1.2.1.2.2.1.1.4', syntax: 'Integer', value: 4 }],
      user: undefined,
    });
    expect(v2c('1.3.6.1.2.1.33.2.1', [], 166).pdu).toBe('inform');
  });

  it('takes the agent from snmpTrapAddress when a forwarder sent the trap', () => {
    const trap = v2c('1.3.6.1.6.3.1.1.5.1', [
      { oid: '1.3.6.1.6.3.18.1.3.0', type: ObjectType.IpAddress, value: '192.0.2.7' },
    ]);
    expect(trap.agentAddress).toBe('192.0.2.7');
  });

  it('translates v1 traps to their v2 OIDs (RFC 3584)', () => {
    const generic = readNotification({
      pdu: {
        type: 164,
        enterprise: '1.3.6.1.4.1.8072',
        agentAddr: '10.0.0.1',
        generic: 2,
        specific: 0,
        varbinds: [],
      },
      rinfo,
    });
    expect(generic).toMatchObject({
      version: 'v1',
      trapOid: '1.3.6.1.6.3.1.1.5.3',
      agentAddress: '10.0.0.1',
    });
    const specific = readNotification({
      pdu: {
        type: 164,
        enterprise: '1.3.6.1.4.1.9',
        agentAddr: '0.0.0.0',
        generic: 6,
        specific: 17,
      },
      rinfo,
    });
    expect(specific).toMatchObject({ trapOid: '1.3.6.1.4.1.9.0.17', agentAddress: '10.0.0.9' });
  });

  it.each<[string, ReceiverNotification]>([
    ['no snmpTrapOID', { pdu: { type: 167, varbinds: [header('1.2')[0]] }, rinfo }],
    ['a GetResponse', { pdu: { type: 162, varbinds: header('1.2') }, rinfo }],
    ['a v1 trap without enterprise', { pdu: { type: 164, generic: 2 }, rinfo }],
    [
      'a malformed value',
      {
        pdu: {
          type: 167,
          varbinds: [...header('1.2'), { oid: '1.5', type: ObjectType.Counter, value: 'x' }],
        },
        rinfo,
      },
    ],
  ])('refuses %s with TrapFormatError', (_name, notification) => {
    expect(() => readNotification(notification)).toThrow(TrapFormatError);
  });
});

describe('trapAlarm', () => {
  const linkVarbinds = (operStatus: number, adminStatus = 1) => [
    int('1.3.6.1.2.1.2.2.1.1.4', 4),
    int('1.3.6.1.2.1.2.2.1.7.4', adminStatus),
    int('1.3.6.1.2.1.2.2.1.8.4', operStatus),
  ];

  it('raises linkDown and clears it with linkUp of the same ifIndex', () => {
    const down = trapAlarm(v2c('1.3.6.1.6.3.1.1.5.3', linkVarbinds(2)), source, at, 'SNMP');
    const later = new Date(at.getTime() + 60_000);
    const up = trapAlarm(v2c('1.3.6.1.6.3.1.1.5.4', linkVarbinds(1)), source, later, 'SNMP', at);
    expect(down).toMatchObject({
      kind: 'alarm',
      alarmId: 'snmp:10.0.0.9:link:4',
      state: 'raised',
      severity: 'MAJOR',
      alarmType: 'COMMUNICATIONS',
      managedObject: 'router-9/if.4',
      title: 'linkDown',
      siteId: 'SITE001',
      technology: '4G',
      eventTime: at,
      raisedAt: at,
      labels: expect.objectContaining({
        if_index: '4',
        trap_name: 'IF-MIB::linkDown',
        pdu: 'trap',
      }) as unknown,
    });
    expect(down.description).toBe(
      'linkDown from 10.0.0.9: IF-MIB::ifIndex.4=4, IF-MIB::ifAdminStatus.4=1, IF-MIB::ifOperStatus.4=2',
    );
    expect(up).toMatchObject({
      alarmId: down.alarmId,
      state: 'cleared',
      severity: 'CLEARED',
      raisedAt: at,
      clearedAt: later,
      eventTime: later,
    });
  });

  it('finds the ifIndex in the status OIDs and the name in ifName when sent', () => {
    const alarm = trapAlarm(
      v2c('1.3.6.1.6.3.1.1.5.3', [
        int('1.3.6.1.2.1.2.2.1.8.12', 2),
        text('1.3.6.1.2.1.31.1.1.1.1.12', 'ge-0/0/1'),
      ]),
      source,
      at,
      'SNMP',
    );
    expect(alarm).toMatchObject({
      alarmId: 'snmp:10.0.0.9:link:12',
      managedObject: 'router-9/ge-0/0/1',
    });
  });

  it('makes an administrative shutdown a warning', () => {
    const alarm = trapAlarm(v2c('1.3.6.1.6.3.1.1.5.3', linkVarbinds(2, 2)), source, at, 'SNMP');
    expect(alarm).toMatchObject({ severity: 'WARNING', specificProblem: 'administratively down' });
  });

  it('raises upsAlarmOnBattery with upsTrapOnBattery and clears it when the alarm entry goes', () => {
    const onBattery = trapAlarm(
      v2c('1.3.6.1.2.1.33.2.1', [int('1.3.6.1.2.1.33.1.2.3.0', 25)]),
      source,
      at,
      'SNMP',
    );
    expect(onBattery).toMatchObject({
      alarmId: 'snmp:10.0.0.9:ups:upsAlarmOnBattery',
      state: 'raised',
      severity: 'MAJOR',
      alarmType: 'ENVIRONMENTAL',
      probableCause: 'commercialPowerFailure',
      managedObject: 'router-9/ups',
      title: 'upsTrapOnBattery',
      technology: undefined,
    });
    expect(onBattery.description).toContain('UPS-MIB::upsEstimatedMinutesRemaining.0=25');
    const removed = trapAlarm(
      v2c('1.3.6.1.2.1.33.2.4', [
        int('1.3.6.1.2.1.33.1.6.2.1.1.3', 3),
        oidValue('1.3.6.1.2.1.33.1.6.2.1.2.3', '1.3.6.1.2.1.33.1.6.3.2'),
      ]),
      source,
      at,
      'SNMP',
    );
    expect(removed).toMatchObject({
      alarmId: onBattery.alarmId,
      state: 'cleared',
      severity: 'CLEARED',
    });
  });

  it('raises well-known UPS alarms with their own severity', () => {
    const low = trapAlarm(
      v2c('1.3.6.1.2.1.33.2.3', [
        int('1.3.6.1.2.1.33.1.6.2.1.1.7', 7),
        oidValue('1.3.6.1.2.1.33.1.6.2.1.2.7', '1.3.6.1.2.1.33.1.6.3.3'),
      ]),
      source,
      at,
      'SNMP',
    );
    expect(low).toMatchObject({
      alarmId: 'snmp:10.0.0.9:ups:upsAlarmLowBattery',
      severity: 'CRITICAL',
      specificProblem: 'upsAlarmLowBattery',
    });
  });

  it('makes an unknown trap a generic alarm named by its OID', () => {
    const alarm = trapAlarm(
      v2c('1.3.6.1.4.1.99999.0.5', [text('1.3.6.1.4.1.99999.1.1', 'door open')]),
      source,
      at,
      'SNMP',
    );
    expect(alarm).toMatchObject({
      alarmId: 'snmp:10.0.0.9:1.3.6.1.4.1.99999.0.5',
      severity: 'INDETERMINATE',
      alarmType: 'UNSPECIFIED',
      title: '1.3.6.1.4.1.99999.0.5',
      specificProblem: '1.3.6.1.4.1.99999.0.5',
      managedObject: 'router-9',
      state: 'raised',
    });
    expect(alarm.description).toBe(
      '1.3.6.1.4.1.99999.0.5 from 10.0.0.9: 1.3.6.1.4.1.99999.1.1=door open',
    );
  });
});
