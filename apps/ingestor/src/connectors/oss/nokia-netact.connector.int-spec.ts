import type { AlarmRecord, MetricRecord, SourceRecord } from '../connector';
import { netActAlarmId, netActDnOf, type NokiaNetActSimulator } from '@telcomesh/testing';
import { nokiaHarness, type OssHarness } from './testing/oss-harness';

const alarmsOf = (records: SourceRecord[]) =>
  records.filter((r): r is AlarmRecord => r.kind === 'alarm');
const metricsOf = (records: SourceRecord[]) =>
  records.filter((r): r is MetricRecord => r.kind === 'metric');

describe('NokiaNetActConnector against the NetAct simulator', () => {
  let h: OssHarness;
  let simulator: NokiaNetActSimulator;

  beforeEach(async () => {
    h = nokiaHarness();
    simulator = h.simulator as NokiaNetActSimulator;
    await simulator.start();
  });

  afterEach(async () => {
    await simulator.stop();
  });

  it('sends basic credentials and maps NetAct shapes (LTE/NR, period start + duration, cancelled alarms)', async () => {
    const result = await h.connector().fetch();
    expect(result).toMatchObject({ complete: true, rejectedCount: 0 });
    const expected = `Basic ${Buffer.from('aiops_user:netact-password').toString('base64')}`;
    expect(simulator.dataRequests().every((r) => r.headers.authorization === expected)).toBe(true);

    const { dataset } = simulator;
    const sample = dataset.measurements.find(
      (m) => m.cell.technology === '5G' && m.kpi === 'throughput',
    );
    if (!sample) throw new Error('the dataset has 5G throughput');
    const metric = metricsOf(result.records).find(
      (m) =>
        m.managedObject === netActDnOf(sample.siteId, sample.cell) &&
        m.name === 'throughput' &&
        m.timestamp.getTime() === sample.periodEnd,
    );
    expect(metric).toMatchObject({
      technology: '5G',
      value: sample.value,
      labels: { cell_id: '1', granularity_seconds: '900' },
    });

    const cancelled = dataset.alarms.find((a) => a.clearedAt !== undefined);
    if (!cancelled?.clearedAt) throw new Error('the dataset has a cleared alarm');
    expect(
      alarmsOf(result.records).find((a) => a.alarmId === netActAlarmId(cancelled)),
    ).toMatchObject({
      state: 'cleared',
      severity: 'CLEARED',
      clearedAt: new Date(cancelled.clearedAt),
      managedObject: netActDnOf(cancelled.siteId, cancelled.cell),
      technology: cancelled.cell?.technology,
    });
  });

  it('follows _links.next until there is none, with NetAct technology names at the source', async () => {
    const result = await h.connector({ page_size: 25, technologies: ['5G'] }).fetch();
    const { dataset } = simulator;
    const expected = dataset.measurements.filter((m) => m.cell.technology === '5G').length;
    expect(metricsOf(result.records)).toHaveLength(expected);
    const pm = simulator.dataRequests().filter((r) => r.path === '/rest/api/v1/measurements');
    expect(pm).toHaveLength(Math.ceil(expected / 25));
    expect(pm[0].query.get('technology')).toBe('NR');
    expect(pm.slice(1).every((r) => r.query.has('cursor') && !r.query.has('technology'))).toBe(
      true,
    );
  });

  it('site_filter by region reaches NetAct and holds on every record', async () => {
    const result = await h.connector({ site_filter: 'region=South' }).fetch();
    expect(result.records.length).toBeGreaterThan(0);
    expect(
      result.records.every((r) => (r.kind === 'ticket' ? false : r.labels.region === 'South')),
    ).toBe(true);
    expect(alarmsOf(result.records)).toHaveLength(
      simulator.dataset.alarms.filter((a) => a.region === 'South').length,
    );
    expect(simulator.dataRequests()[0].query.get('region')).toBe('South');
  });
});
