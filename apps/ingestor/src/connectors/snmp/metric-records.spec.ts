import { ObjectType, type Varbind } from 'net-snmp';
import { CounterRates } from './counter-rates';
import { metricRecords, type TargetIdentity, type TargetReadings } from './metric-records';
import { planPoll, type PollPlan } from './poll-plan';
import { VarbindError, decodeVarbind } from './snmp-values';

const identity: TargetIdentity = {
  siteId: 'SITE001',
  managedObject: 'router-1',
  technology: '',
  agent: '10.0.0.1:161',
};

const counter64 = (value: bigint): Buffer => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(value);
  return bytes;
};

/** Readings for `plan` from varbinds by OID: scalars by their OID, walks by prefix. */
function readingsOf(plan: PollPlan, varbinds: Varbind[], atMs: number): TargetReadings {
  const decoded = varbinds.map((varbind) => ({ varbind: decodeVarbind(varbind), atMs }));
  return {
    scalars: plan.scalars.flatMap((read) => {
      const reading = decoded.find((d) => d.varbind.oid === read.oid);
      return reading ? [{ read, reading }] : [];
    }),
    walks: plan.walks.map((walk) => ({
      walk,
      readings: decoded.filter((d) => d.varbind.oid.startsWith(`${walk.root}.`)),
    })),
  };
}

const uptime = (seconds: number): Varbind => ({
  oid: '1.3.6.1.2.1.1.3.0',
  type: ObjectType.TimeTicks,
  value: 500_000 + seconds * 100,
});

describe('metricRecords', () => {
  const ifx = planPoll(['IF-MIB::ifXTable']);
  const ifxPoll = (seconds: number, inOctets: bigint, outOctets: number): Varbind[] => [
    uptime(seconds),
    { oid: '1.3.6.1.2.1.31.1.1.1.1.4', type: ObjectType.OctetString, value: Buffer.from('eth0') },
    { oid: '1.3.6.1.2.1.31.1.1.1.6.4', type: ObjectType.Counter64, value: counter64(inOctets) },
    { oid: '1.3.6.1.2.1.31.1.1.1.3.4', type: ObjectType.Counter, value: outOctets },
    { oid: '1.3.6.1.2.1.31.1.1.1.15.4', type: ObjectType.Gauge, value: 1000 },
  ];

  it('emits gauges at once and counters as rates from the second poll on', () => {
    const rates = new CounterRates();
    const first = metricRecords(identity, ifx, readingsOf(ifx, ifxPoll(0, 1_000n, 10), 0), rates);
    expect(first.records.map((r) => r.name)).toEqual(['if_high_speed']);
    expect(first.records[0]).toMatchObject({
      kind: 'metric',
      siteId: 'SITE001',
      managedObject: 'router-1/eth0',
      value: 1_000_000_000,
      unit: 'bit/s',
      labels: {
        agent: '10.0.0.1:161',
        object: 'IF-MIB::ifHighSpeed',
        if_index: '4',
        if_name: 'eth0',
      },
      raw: { oid: '1.3.6.1.2.1.31.1.1.1.15.4', syntax: 'Gauge32', value: 1000 },
    });

    const second = metricRecords(
      identity,
      ifx,
      readingsOf(ifx, ifxPoll(60, 1_000n + 60n * 125_000n, 70), 60_000),
      rates,
    );
    const byName = Object.fromEntries(second.records.map((r) => [r.name, r]));
    // 125 000 octets/s is 1 Mbit/s.
    expect(byName.if_in_bits_rate).toMatchObject({
      value: 1_000_000,
      unit: 'bit/s',
      timestamp: new Date(60_000),
      managedObject: 'router-1/eth0',
    });
    expect(byName.if_in_broadcast_packets_rate.value).toBe(1);
    expect(second.rejected).toEqual([]);
  });

  it('emits no rate across an agent restart', () => {
    const rates = new CounterRates();
    metricRecords(identity, ifx, readingsOf(ifx, ifxPoll(600, 5_000_000n, 10), 0), rates);
    const restarted = ifxPoll(0, 100n, 5);
    const after = metricRecords(identity, ifx, readingsOf(ifx, restarted, 60_000), rates);
    expect(after.records.map((r) => r.name)).toEqual(['if_high_speed']);
  });

  it('names rows by index when they have no name, and labels state values', () => {
    const plan = planPoll(['IF-MIB::ifOperStatus', 'UPS-MIB::upsBatteryStatus']);
    const result = metricRecords(
      identity,
      plan,
      readingsOf(
        plan,
        [
          uptime(0),
          { oid: '1.3.6.1.2.1.33.1.2.1.0', type: ObjectType.Integer, value: 3 },
          { oid: '1.3.6.1.2.1.2.2.1.8.7', type: ObjectType.Integer, value: 2 },
        ],
        0,
      ),
      new CounterRates(),
    );
    expect(result.records).toEqual([
      expect.objectContaining({
        managedObject: 'router-1',
        name: 'ups_battery_status',
        value: 3,
        unit: 'state',
        labels: expect.objectContaining({ state: 'batteryLow' }) as unknown,
      }),
      expect.objectContaining({
        managedObject: 'router-1/if.7',
        name: 'if_oper_status',
        value: 2,
        labels: expect.objectContaining({ state: 'down', if_index: '7' }) as unknown,
      }),
    ]);
  });

  it('scales storage by its allocation units and tenths by the catalogue scale', () => {
    const plan = planPoll(['HOST-RESOURCES-MIB::hrStorageUsed', 'UPS-MIB::upsBatteryVoltage']);
    const result = metricRecords(
      identity,
      plan,
      readingsOf(
        plan,
        [
          uptime(0),
          { oid: '1.3.6.1.2.1.33.1.2.5.0', type: ObjectType.Integer, value: 545 },
          {
            oid: '1.3.6.1.2.1.25.2.3.1.3.1',
            type: ObjectType.OctetString,
            value: Buffer.from('/'),
          },
          { oid: '1.3.6.1.2.1.25.2.3.1.4.1', type: ObjectType.Integer, value: 4096 },
          { oid: '1.3.6.1.2.1.25.2.3.1.6.1', type: ObjectType.Integer, value: 1000 },
          // A row without allocation units cannot be scaled: rejected, not guessed.
          { oid: '1.3.6.1.2.1.25.2.3.1.6.2', type: ObjectType.Integer, value: 5 },
        ],
        0,
      ),
      new CounterRates(),
    );
    expect(result.records.map((r) => [r.managedObject, r.name, r.value, r.unit])).toEqual([
      ['router-1', 'ups_battery_voltage', 54.5, 'V'],
      ['router-1//', 'storage_used', 4_096_000, 'bytes'],
    ]);
    expect(result.rejected).toEqual([
      '10.0.0.1:161 HOST-RESOURCES-MIB::hrStorageUsed.2: no value in column 4 to scale by',
    ]);
  });

  it('rejects what the agent does not have and labels metrics with text scalars', () => {
    const plan = planPoll([
      'SNMPv2-MIB::sysName',
      'UPS-MIB::upsEstimatedChargeRemaining',
      'IF-MIB::ifNumber',
    ]);
    const result = metricRecords(
      identity,
      plan,
      readingsOf(
        plan,
        [
          uptime(0),
          { oid: '1.3.6.1.2.1.1.5.0', type: ObjectType.OctetString, value: Buffer.from('bts-7') },
          { oid: '1.3.6.1.2.1.33.1.2.4.0', type: ObjectType.NoSuchObject, value: null },
          { oid: '1.3.6.1.2.1.2.1.0', type: ObjectType.Integer, value: 4 },
        ],
        0,
      ),
      new CounterRates(),
    );
    expect(result.records).toEqual([
      expect.objectContaining({
        name: 'if_count',
        value: 4,
        labels: expect.objectContaining({ sys_name: 'bts-7' }) as unknown,
      }),
    ]);
    expect(result.rejected).toEqual([
      '10.0.0.1:161 UPS-MIB::upsEstimatedChargeRemaining: NoSuchObject at the agent',
    ]);
  });

  it('turns raw OIDs into metrics named by the OID, counters into rates', () => {
    const plan = planPoll(['1.3.6.1.4.1.99999.1', '1.3.6.1.4.1.99999.2.0']);
    const rates = new CounterRates();
    const poll = (seconds: number, count: number) =>
      readingsOf(
        plan,
        [
          uptime(seconds),
          { oid: '1.3.6.1.4.1.99999.1.1', type: ObjectType.Counter, value: count },
          { oid: '1.3.6.1.4.1.99999.1.2', type: ObjectType.OctetString, value: Buffer.from('x') },
          { oid: '1.3.6.1.4.1.99999.2.0', type: ObjectType.Gauge, value: 42 },
        ],
        seconds * 1000,
      );
    metricRecords(identity, plan, poll(0, 100), rates);
    const result = metricRecords(identity, plan, poll(10, 150), rates);
    expect(result.records.map((r) => [r.managedObject, r.name, r.value, r.unit])).toEqual([
      ['router-1', '1.3.6.1.4.1.99999.2.0', 42, ''],
      ['router-1/1', '1.3.6.1.4.1.99999.1_per_second', 5, '1/s'],
    ]);
    expect(result.rejected).toEqual([]);
  });

  it('rejects a catalogue counter the agent sends as another type', () => {
    const plan = planPoll(['IF-MIB::ifInOctets']);
    const result = metricRecords(
      identity,
      plan,
      readingsOf(
        plan,
        [uptime(0), { oid: '1.3.6.1.2.1.2.2.1.10.1', type: ObjectType.Gauge, value: 5 }],
        0,
      ),
      new CounterRates(),
    );
    expect(result.records).toEqual([]);
    expect(result.rejected).toEqual([
      '10.0.0.1:161 IF-MIB::ifInOctets: Gauge32 where a counter was expected',
    ]);
  });
});

describe('decodeVarbind', () => {
  it('reads Counter64 bytes as a bigint, beyond what a number holds', () => {
    const value = 2n ** 64n - 6n;
    expect(
      decodeVarbind({ oid: '1', type: ObjectType.Counter64, value: counter64(value) }),
    ).toEqual({
      oid: '1',
      syntax: 'Counter64',
      value,
    });
    // BER keeps a leading zero byte when the top bit is set.
    expect(
      decodeVarbind({ oid: '1', type: ObjectType.Counter64, value: Buffer.from([0, 0xff]) }).value,
    ).toBe(255n);
  });

  it('keeps printable octet strings as text and others as hex', () => {
    const text = (bytes: number[] | string) =>
      decodeVarbind({ oid: '1', type: ObjectType.OctetString, value: Buffer.from(bytes) }).value;
    expect(text('eth0')).toBe('eth0');
    expect(text([0x65, 0x74, 0x68, 0x30, 0])).toBe('eth0');
    expect(text([0x02, 0xfc, 0, 0, 0, 1])).toBe('02:fc:00:00:00:01');
    expect(text([0, 0, 0])).toBe('00:00:00');
  });

  it('throws VarbindError for a value that does not match its type', () => {
    expect(() =>
      decodeVarbind({ oid: '1.2.3', type: ObjectType.Counter, value: Buffer.from('x') }),
    ).toThrow(VarbindError);
    expect(() =>
      decodeVarbind({ oid: '1.2.3', type: ObjectType.Counter64, value: Buffer.alloc(10, 0xff) }),
    ).toThrow('1.2.3: Counter64 value is malformed');
  });
});
