import type { AlarmRecord, MetricRecord, SourceRecord } from '../connector';
import { zteAlarmId, zteDnOf, zteListsAlarm, type ZteSimulator } from '@telcomesh/testing';
import { TEST_NOW, zteHarness, type OssHarness } from './testing/oss-harness';

const alarmsOf = (records: SourceRecord[]) =>
  records.filter((r): r is AlarmRecord => r.kind === 'alarm');
const metricsOf = (records: SourceRecord[]) =>
  records.filter((r): r is MetricRecord => r.kind === 'metric');

describe('ZteConnector against the ZTE (3GPP MnS) simulator', () => {
  let h: OssHarness;
  let simulator: ZteSimulator;

  beforeEach(async () => {
    h = zteHarness();
    simulator = h.simulator as ZteSimulator;
    await simulator.start();
  });

  afterEach(async () => {
    await simulator.stop();
  });

  it('flattens measCollec pages (positional measResults, units by type, suspect values) and reads the alarm list', async () => {
    const result = await h.connector({ page_size: 7 }).fetch();
    expect(result).toMatchObject({ complete: true, rejectedCount: 0 });
    expect(
      simulator.dataRequests().every((r) => r.headers['x-api-key'] === 'zte-api-key-0001'),
    ).toBe(true);
    const { dataset } = simulator;
    const metrics = metricsOf(result.records);
    expect(metrics).toHaveLength(dataset.measurements.length);
    for (const m of dataset.measurements.slice(0, 60)) {
      const record = metrics.find(
        (r) =>
          r.managedObject === zteDnOf(m.siteId, m.region, m.cell) &&
          r.name === m.kpi &&
          r.timestamp.getTime() === m.periodEnd,
      );
      expect(record).toMatchObject({
        value: m.value,
        unit: m.unit,
        technology: m.cell.technology,
        siteId: m.siteId,
      });
    }
    // ZTE flags a cell's whole period suspect when one of its values is.
    expect(metrics.some((r) => r.quality === 0.5)).toBe(
      dataset.measurements.some((m) => m.suspect),
    );
    expect(
      simulator.dataRequests().filter((r) => r.path.startsWith('/PerfMnS')).length,
    ).toBeGreaterThan(1);

    const listed = dataset.alarms.filter(zteListsAlarm);
    expect(listed.length).toBeLessThan(dataset.alarms.length);
    expect(
      alarmsOf(result.records)
        .map((a) => a.alarmId)
        .sort(),
    ).toEqual(listed.map(zteAlarmId).sort());
  });

  it('applies the window to the unpaged alarm list: the next sync returns only what changed', async () => {
    const connector = h.connector();
    const first = await connector.fetch();
    const at = Date.parse(TEST_NOW) + 30_000;
    const active = simulator.dataset.alarms.find(
      (a) => a.acknowledgedAt === undefined && a.clearedAt === undefined,
    );
    if (!active) throw new Error('the dataset has an active alarm');
    simulator.dataset.acknowledge(active.seq, at);
    h.clock.advance(60_000);
    const second = await connector.fetch({ cursor: first.cursor });
    expect(alarmsOf(second.records)).toEqual([
      expect.objectContaining({
        alarmId: zteAlarmId(active),
        acknowledged: true,
        acknowledgedAt: new Date(at),
      }),
    ]);
  });

  it('site_filter and technologies are applied here, from the DNs', async () => {
    const result = await h.connector({ site_filter: 'region=East', technologies: ['4G'] }).fetch();
    const { dataset } = simulator;
    expect(metricsOf(result.records)).toHaveLength(
      dataset.measurements.filter((m) => m.region === 'East' && m.cell.technology === '4G').length,
    );
    expect(
      alarmsOf(result.records)
        .map((a) => a.alarmId)
        .sort(),
    ).toEqual(
      dataset.alarms
        .filter((a) => zteListsAlarm(a) && a.region === 'East' && a.cell?.technology !== '5G')
        .map(zteAlarmId)
        .sort(),
    );
  });
});
