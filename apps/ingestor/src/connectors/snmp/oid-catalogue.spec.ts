import {
  catalogueNames,
  catalogueObject,
  catalogueTable,
  compareOids,
  nameOfOid,
  parseNumericOid,
  tableOfColumn,
} from './oid-catalogue';
import { cellOf, chunk, objectProblem, planPoll } from './poll-plan';

describe('OID catalogue', () => {
  it.each([
    // RFC 3418, 2863, 2790 and 1628.
    ['SNMPv2-MIB::sysUpTime', '1.3.6.1.2.1.1.3', 'scalar'],
    ['SNMPv2-MIB::sysName', '1.3.6.1.2.1.1.5', 'scalar'],
    ['IF-MIB::ifInOctets', '1.3.6.1.2.1.2.2.1.10', 'column'],
    ['IF-MIB::ifOperStatus', '1.3.6.1.2.1.2.2.1.8', 'column'],
    ['IF-MIB::ifHCInOctets', '1.3.6.1.2.1.31.1.1.1.6', 'column'],
    ['IF-MIB::ifHCOutOctets', '1.3.6.1.2.1.31.1.1.1.10', 'column'],
    ['HOST-RESOURCES-MIB::hrProcessorLoad', '1.3.6.1.2.1.25.3.3.1.2', 'column'],
    ['HOST-RESOURCES-MIB::hrStorageUsed', '1.3.6.1.2.1.25.2.3.1.6', 'column'],
    ['UPS-MIB::upsBatteryStatus', '1.3.6.1.2.1.33.1.2.1', 'scalar'],
    ['UPS-MIB::upsEstimatedChargeRemaining', '1.3.6.1.2.1.33.1.2.4', 'scalar'],
    ['UPS-MIB::upsInputVoltage', '1.3.6.1.2.1.33.1.3.3.1.3', 'column'],
    ['UPS-MIB::upsOutputPower', '1.3.6.1.2.1.33.1.4.4.1.4', 'column'],
  ])('%s is %s (%s)', (name, oid, shape) => {
    expect(catalogueObject(name)).toMatchObject({ oid, shape });
  });

  it('gives counters a rate metric with its unit and scale', () => {
    expect(catalogueObject('IF-MIB::ifHCInOctets')).toMatchObject({
      kind: 'counter',
      metric: 'if_in_bits_rate',
      unit: 'bit/s',
      scale: 8,
    });
    expect(catalogueObject('UPS-MIB::upsBatteryVoltage')).toMatchObject({ unit: 'V', scale: 0.1 });
    expect(catalogueObject('UPS-MIB::upsBatteryStatus')?.states?.[3]).toBe('batteryLow');
  });

  it('knows the tables and which table a column is in', () => {
    expect(catalogueTable('IF-MIB::ifTable')).toMatchObject({
      oid: '1.3.6.1.2.1.2.2',
      entryOid: '1.3.6.1.2.1.2.2.1',
      nameColumn: 2,
    });
    expect(catalogueTable('IF-MIB::ifXTable')?.oid).toBe('1.3.6.1.2.1.31.1.1');
    const load = catalogueObject('HOST-RESOURCES-MIB::hrProcessorLoad');
    expect(load && tableOfColumn(load)?.name).toBe('HOST-RESOURCES-MIB::hrProcessorTable');
    expect(catalogueNames()).toEqual(expect.arrayContaining(['UPS-MIB::upsOutputTable']));
  });

  it('names instance OIDs, and leaves unknown ones as they are', () => {
    expect(nameOfOid('1.3.6.1.2.1.2.2.1.8.4')).toBe('IF-MIB::ifOperStatus.4');
    expect(nameOfOid('1.3.6.1.2.1.33.1.2.3.0')).toBe('UPS-MIB::upsEstimatedMinutesRemaining.0');
    expect(nameOfOid('1.3.6.1.4.1.99999.7')).toBe('1.3.6.1.4.1.99999.7');
  });

  it('parses numeric OIDs only', () => {
    expect(parseNumericOid('.1.3.6.1.2.1.1.3.0')).toBe('1.3.6.1.2.1.1.3.0');
    expect(parseNumericOid('1.3.6.1')).toBe('1.3.6.1');
    expect(parseNumericOid('1')).toBeUndefined();
    expect(parseNumericOid('1.3.x.1')).toBeUndefined();
    expect(parseNumericOid('1.3.6.4294967296')).toBeUndefined();
  });

  it('orders OIDs arc by arc', () => {
    const sorted = ['1.3.6.1.10', '1.3.6.1.9.1', '1.3.6.1.9', '1.3.6.1.2'].sort(compareOids);
    expect(sorted).toEqual(['1.3.6.1.2', '1.3.6.1.9', '1.3.6.1.9.1', '1.3.6.1.10']);
  });
});

describe('planPoll', () => {
  it('always reads sysUpTime, and emits it only when asked for', () => {
    expect(planPoll(['IF-MIB::ifTable']).scalars).toEqual([
      expect.objectContaining({ oid: '1.3.6.1.2.1.1.3.0', emit: false }),
    ]);
    expect(planPoll(['SNMPv2-MIB::sysUpTime']).scalars).toEqual([
      expect.objectContaining({ oid: '1.3.6.1.2.1.1.3.0', emit: true }),
    ]);
  });

  it('gets scalars and `.0` OIDs, walks tables and other raw OIDs', () => {
    const plan = planPoll([
      'UPS-MIB::upsBatteryStatus',
      '1.3.6.1.4.1.99999.1.0',
      'IF-MIB::ifXTable',
      '1.3.6.1.4.1.99999.2',
    ]);
    expect(plan.scalars.map((s) => s.oid)).toEqual([
      '1.3.6.1.2.1.1.3.0',
      '1.3.6.1.2.1.33.1.2.1.0',
      '1.3.6.1.4.1.99999.1.0',
    ]);
    expect(plan.walks).toEqual([
      expect.objectContaining({ root: '1.3.6.1.2.1.31.1.1', getWhenEmpty: false }),
      expect.objectContaining({ root: '1.3.6.1.4.1.99999.2', getWhenEmpty: true }),
    ]);
  });

  it('walks a column with its naming and scaling columns, and emits only the column', () => {
    const plan = planPoll(['HOST-RESOURCES-MIB::hrStorageUsed']);
    expect(plan.walks.map((w) => w.root)).toEqual([
      '1.3.6.1.2.1.25.2.3.1.6',
      '1.3.6.1.2.1.25.2.3.1.3',
      '1.3.6.1.2.1.25.2.3.1.4',
    ]);
    expect([...(plan.emitColumns.get('HOST-RESOURCES-MIB::hrStorageTable') ?? [])]).toEqual([6]);
  });

  it('does not walk again a column of a table walked whole', () => {
    const plan = planPoll(['IF-MIB::ifHCInOctets', 'IF-MIB::ifXTable']);
    expect(plan.walks.map((w) => w.root)).toEqual(['1.3.6.1.2.1.31.1.1']);
  });

  it('rejects names outside the catalogue and text that is no OID', () => {
    expect(objectProblem('IF-MIB::ifTable')).toBeUndefined();
    expect(objectProblem('1.3.6.1.2.1.1.5.0')).toBeUndefined();
    expect(objectProblem('IF-MIB::ifBogus')).toMatch(/not in the OID catalogue/);
    expect(objectProblem('sysName')).toMatch(/neither a catalogue name/);
  });

  it('splits a table OID into column and row index', () => {
    const table = catalogueTable('IF-MIB::ifTable');
    expect(table && cellOf(table, '1.3.6.1.2.1.2.2.1.10.4')).toEqual({ column: 10, index: '4' });
    expect(table && cellOf(table, '1.3.6.1.2.1.2.2.1')).toBeUndefined();
  });

  it('chunks GETs', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});
