import type { AlarmRecord, MetricRecord, SourceRecord } from '../connector';
import { U2000_INDICATORS, type HuaweiU2000Simulator } from '@telcomesh/testing';
import { huaweiHarness, type OssHarness } from './testing/oss-harness';

const alarmsOf = (records: SourceRecord[]) =>
  records.filter((r): r is AlarmRecord => r.kind === 'alarm');
const metricsOf = (records: SourceRecord[]) =>
  records.filter((r): r is MetricRecord => r.kind === 'metric');

describe('HuaweiU2000Connector against the U2000 simulator', () => {
  let h: OssHarness;
  let simulator: HuaweiU2000Simulator;

  beforeEach(async () => {
    h = huaweiHarness();
    simulator = h.simulator as HuaweiU2000Simulator;
    await simulator.start();
  });

  afterEach(async () => {
    await simulator.stop();
  });

  it('logs in once, reads indicators (text values, epoch times) and numbered severities', async () => {
    const connector = h.connector();
    const result = await connector.fetch();
    expect(result).toMatchObject({ complete: true, rejectedCount: 0 });
    expect(simulator.credentialRequests()).toHaveLength(1);
    expect(JSON.parse(simulator.credentialRequests()[0].body)).toEqual({
      grantType: 'password',
      userName: 'aiops_user',
      value: 'u2000-password',
    });
    expect(
      simulator.dataRequests().every((r) => typeof r.headers['x-auth-token'] === 'string'),
    ).toBe(true);

    const { dataset } = simulator;
    const metrics = metricsOf(result.records);
    expect(metrics).toHaveLength(dataset.measurements.length);
    const sample = dataset.measurements.find(
      (m) => m.kpi === 'latency' && m.cell.technology === '5G',
    );
    if (!sample) throw new Error('the dataset has 5G latency values');
    expect(
      metrics.find(
        (m) =>
          m.managedObject === sample.cell.id &&
          m.name === 'latency' &&
          m.timestamp.getTime() === sample.periodEnd,
      ),
    ).toMatchObject({ value: sample.value, unit: 'ms', technology: '5G', siteId: sample.siteId });
    expect(new Set(metrics.map((m) => m.name))).toEqual(new Set(Object.keys(U2000_INDICATORS)));

    const alarms = alarmsOf(result.records);
    expect(alarms).toHaveLength(dataset.alarms.length);
    for (const alarm of dataset.alarms) {
      const record = alarms.find((a) => a.alarmId === String(alarm.seq));
      expect(record).toMatchObject({
        severity: alarm.clearedAt === undefined ? alarm.severity : 'CLEARED',
        acknowledged: alarm.acknowledgedAt !== undefined,
        state: alarm.clearedAt === undefined ? 'raised' : 'cleared',
        probableCause: alarm.kind.probableCause,
        managedObject: alarm.cell?.id ?? alarm.siteId,
        technology: alarm.cell?.technology,
        raisedAt: new Date(alarm.raisedAt),
        labels: { region: alarm.region },
      });
    }
  });

  it('honours site_filter at the source and technologies on what comes back', async () => {
    const result = await h
      .connector({ site_filter: 'site=SITE001|SITE004', technologies: ['4G'] })
      .fetch();
    const { dataset } = simulator;
    const sites = new Set(['SITE001', 'SITE004']);
    expect(metricsOf(result.records)).toHaveLength(
      dataset.measurements.filter((m) => sites.has(m.siteId) && m.cell.technology === '4G').length,
    );
    expect(
      alarmsOf(result.records)
        .map((a) => a.alarmId)
        .sort(),
    ).toEqual(
      dataset.alarms
        .filter((a) => sites.has(a.siteId) && a.cell?.technology !== '5G')
        .map((a) => String(a.seq))
        .sort(),
    );
    expect(simulator.dataRequests()[0].query.get('ne-name')).toBe('SITE001,SITE004');
  });

  it('pages by page number (offset from 1) until total-count', async () => {
    const result = await h.connector({ page_size: 30 }).fetch();
    const pages = simulator
      .dataRequests()
      .filter((r) => r.path === '/restconf/data/performance')
      .map((r) => r.query.get('offset'));
    const count = simulator.dataset.measurements.length;
    expect(pages).toEqual(Array.from({ length: Math.ceil(count / 30) }, (_, i) => String(i + 1)));
    expect(metricsOf(result.records)).toHaveLength(count);
  });

  it('session expiring mid-sync: logs in again once and reads on', async () => {
    simulator.expireCredentialsAfter(3);
    const result = await h.connector({ page_size: 30 }).fetch();
    expect(result.complete).toBe(true);
    expect(result.records).toHaveLength(
      simulator.dataset.measurements.length + simulator.dataset.alarms.length,
    );
    expect(simulator.credentialRequests()).toHaveLength(2);
    expect(simulator.dataRequests().filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('logs in again ahead of the announced session expiry', async () => {
    await simulator.stop();
    h = huaweiHarness();
    simulator = h.simulator as HuaweiU2000Simulator;
    Object.assign(simulator, { ttl: 300 });
    await simulator.start();
    const connector = h.connector();
    const first = await connector.fetch();
    h.clock.advance(239_000);
    await connector.fetch({ cursor: first.cursor });
    expect(simulator.credentialRequests()).toHaveLength(1);
    h.clock.advance(2_000);
    await connector.fetch({ cursor: first.cursor });
    expect(simulator.credentialRequests()).toHaveLength(2);
    expect(simulator.dataRequests().every((r) => r.status === 200)).toBe(true);
  });

  it('close() logs out', async () => {
    const connector = h.connector();
    await connector.connect();
    await connector.close();
    expect(simulator.logouts).toBe(1);
    expect(simulator.credentialRequests().map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });
});
