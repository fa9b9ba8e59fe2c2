import { ItemError } from '../item-fields';
import { u2000Alarm, u2000Measurement } from './huawei-u2000.connector';
import { technologyOfObject } from './managed-object-names';
import { netActMeasurement } from './nokia-netact.connector';
import { tmf642Alarm } from './tmf642-alarm.connector';
import { zteAlarm, zteMeasurement } from './zte.connector';

describe('vendor items', () => {
  it('reads managed-object technologies without mistaking a Nokia MRBTS for 2G', () => {
    expect(
      technologyOfObject('SubNetwork=N,ManagedElement=S1,ENodeBFunction=1,EUtranCellFDD=C1'),
    ).toBe('4G');
    expect(technologyOfObject('SubNetwork=N,ManagedElement=S1,GNBDUFunction=1,NRCellDU=C1')).toBe(
      '5G',
    );
    expect(technologyOfObject('PLMN-PLMN/MRBTS-S1')).toBeUndefined();
    expect(technologyOfObject('PLMN-PLMN/BSC-1/BCF-2/BTS-3')).toBe('2G');
    expect(technologyOfObject('SubNetwork=N,ManagedElement=S1')).toBeUndefined();
  });

  it('U2000: text values are numbers, unknown indicators keep their name, bad severities are refused', () => {
    const base = {
      'ne-name': 'S1',
      'object-name': 'C1',
      'object-type': 'LTECELL',
      value: '97.50',
      unit: '%',
      period: 900,
      'end-time': 1705312800000,
    };
    expect(u2000Measurement({ ...base, 'indicator-name': 'Cell Availability' })).toMatchObject({
      name: 'availability',
      value: 97.5,
      technology: '4G',
    });
    expect(u2000Measurement({ ...base, 'indicator-name': 'VoLTE Erlang' }).name).toBe(
      'VoLTE Erlang',
    );
    expect(() => u2000Measurement({ ...base, 'indicator-name': 'x', value: 'n/a' })).toThrow(
      'value is "n/a", not a number',
    );
    expect(() =>
      u2000Alarm({
        csn: 1,
        'alarm-id': 1,
        'alarm-name': 'x',
        severity: 9,
        'clear-state': 'uncleared',
        'ack-state': 'unacked',
        'occur-time': 1,
        'mo-name': 'm',
        'ne-name': 'S1',
      }),
    ).toThrow(new ItemError('severity is "9", not a U2000 severity (1-4)'));
  });

  it('NetAct: the period end is start plus duration', () => {
    const metric = netActMeasurement({
      dn: 'PLMN-PLMN/MRBTS-S1/LNBTS-S1/LNCEL-2',
      siteId: 'S1',
      technology: 'LTE',
      kpiId: 'throughput',
      value: 10,
      periodStartTime: '2024-01-15T10:00:00Z',
      periodDuration: 15,
    });
    expect(metric).toMatchObject({
      timestamp: new Date('2024-01-15T10:15:00Z'),
      technology: '4G',
      labels: { cell_id: '2', granularity_seconds: '900' },
    });
  });

  it('ZTE: a value that is not a number and a DN without a ManagedElement are refused', () => {
    const value = {
      measObjLdn: 'SubNetwork=North,ManagedElement=S1,ENBCUCPFunction=1,EUtranCellFDD=C1',
      measType: 'DRB.UEThpDl',
      value: 120.5,
      endTime: '2024-01-15T10:15:00Z',
      granularitySeconds: 900,
      suspect: false,
    };
    expect(zteMeasurement(value)).toMatchObject({
      name: 'throughput',
      unit: 'Mbps',
      siteId: 'S1',
      labels: { region: 'North' },
    });
    expect(() => zteMeasurement({ ...value, value: null })).toThrow(
      'measResults value for DRB.UEThpDl is not a number',
    );
    expect(() =>
      zteAlarm('a1', {
        objectInstance: 'SubNetwork=North',
        perceivedSeverity: 'MAJOR',
        alarmRaisedTime: '2024-01-15T10:00:00Z',
      }),
    ).toThrow('names no ManagedElement');
  });

  it('TMF642: an alarm that names no site is refused; "updated" is a change', () => {
    const alarm = {
      id: 'a1',
      state: 'updated',
      perceivedSeverity: 'major',
      alarmRaisedTime: '2024-01-15T10:00:00Z',
      alarmChangedTime: '2024-01-15T10:05:00Z',
      alarmedObject: { id: 'C1', '@referredType': 'NRCellDU' },
    };
    expect(tmf642Alarm(alarm)).toMatchObject({
      state: 'changed',
      siteId: 'C1',
      technology: '5G',
      eventTime: new Date('2024-01-15T10:05:00Z'),
    });
    expect(() => tmf642Alarm({ ...alarm, alarmedObject: undefined })).toThrow('names no site');
  });
});
