import type { AlarmRecord, MetricRecord, SourceRecord } from '../connector';
import { enmAlarmId, enmObjectOf, type EricssonEnmSimulator } from '@telcomesh/testing';
import {
  ericssonHarness,
  recordKey,
  syncToEnd,
  TEST_NOW,
  type OssHarness,
} from './testing/oss-harness';

const alarmsOf = (records: SourceRecord[]) =>
  records.filter((r): r is AlarmRecord => r.kind === 'alarm');
const metricsOf = (records: SourceRecord[]) =>
  records.filter((r): r is MetricRecord => r.kind === 'metric');

describe('EricssonEnmConnector against the ENM simulator', () => {
  let h: OssHarness;
  let simulator: EricssonEnmSimulator;

  beforeEach(async () => {
    h = ericssonHarness();
    simulator = h.simulator as EricssonEnmSimulator;
    await simulator.start();
  });

  afterEach(async () => {
    await simulator.stop();
  });

  it('reads every KPI and alarm, alarms with their X.733 fields and state', async () => {
    const result = await h.connector().fetch();
    expect(result).toMatchObject({ complete: true, stops: [], rejectedCount: 0 });
    const { dataset } = simulator;
    expect(metricsOf(result.records)).toHaveLength(dataset.measurements.length);
    expect(
      alarmsOf(result.records)
        .map((a) => a.alarmId)
        .sort(),
    ).toEqual(dataset.alarms.map(enmAlarmId).sort());

    const cleared = dataset.alarms.find(
      (a) => a.clearedAt !== undefined && a.acknowledgedAt !== undefined && a.cell,
    );
    const active = dataset.alarms.find(
      (a) => a.clearedAt === undefined && a.acknowledgedAt === undefined,
    );
    if (!cleared?.cell || !cleared.clearedAt || !cleared.acknowledgedAt || !active) {
      throw new Error(
        'the seeded dataset should hold a cleared+acknowledged cell alarm and an active one',
      );
    }
    const byId = new Map(alarmsOf(result.records).map((a) => [a.alarmId, a]));
    expect(byId.get(enmAlarmId(cleared))).toMatchObject({
      severity: 'CLEARED',
      state: 'cleared',
      acknowledged: true,
      alarmType: cleared.kind.alarmType,
      probableCause: cleared.kind.probableCause,
      specificProblem: cleared.kind.specificProblem,
      managedObject: enmObjectOf(cleared.siteId, cleared.region, cleared.cell),
      siteId: cleared.siteId,
      technology: cleared.cell.technology,
      raisedAt: new Date(cleared.raisedAt),
      clearedAt: new Date(cleared.clearedAt),
      acknowledgedAt: new Date(cleared.acknowledgedAt),
      eventTime: new Date(cleared.clearedAt),
      changedAt: new Date(cleared.changedAt),
      sourceSystem: 'OSS-ericsson',
      labels: { region: cleared.region },
    });
    expect(byId.get(enmAlarmId(active))).toMatchObject({
      severity: active.severity,
      state: 'raised',
      acknowledged: false,
      eventTime: new Date(active.raisedAt),
    });

    const sample = dataset.measurements[17];
    const metric = metricsOf(result.records).find(
      (m) =>
        m.labels.cell_id === sample.cell.id &&
        m.name === sample.kpi &&
        m.timestamp.getTime() === sample.periodEnd,
    );
    expect(metric).toMatchObject({
      siteId: sample.siteId,
      value: sample.value,
      unit: sample.unit,
      technology: sample.cell.technology,
      quality: sample.suspect ? 0.5 : 1,
      labels: { region: sample.region, granularity_seconds: '900' },
    });
  });

  it('honours technologies, measurement_types and site_filter, at ENM and on what comes back', async () => {
    const result = await h
      .connector({
        technologies: ['5G'],
        measurement_types: ['throughput', 'availability'],
        site_filter: 'region=North',
      })
      .fetch();
    const { dataset } = simulator;
    const expectedMetrics = dataset.measurements.filter(
      (m) =>
        m.region === 'North' &&
        m.cell.technology === '5G' &&
        (m.kpi === 'throughput' || m.kpi === 'availability'),
    );
    expect(expectedMetrics.length).toBeGreaterThan(0);
    expect(metricsOf(result.records)).toHaveLength(expectedMetrics.length);
    const expectedAlarms = dataset.alarms.filter(
      (a) => a.region === 'North' && a.cell?.technology !== '4G',
    );
    expect(
      alarmsOf(result.records)
        .map((a) => a.alarmId)
        .sort(),
    ).toEqual(expectedAlarms.map(enmAlarmId).sort());
    const pm = simulator.dataRequests().find((r) => r.path === '/pm/measurements');
    expect(pm?.query.get('region')).toBe('North');
    expect(pm?.query.get('technology')).toBe('5G');
    expect(pm?.query.get('measurementType')).toBe('throughput,availability');
  });

  it('pages with offset/limit until totalCount, without repeats', async () => {
    const result = await h.connector({ page_size: 7 }).fetch();
    const metrics = metricsOf(result.records);
    expect(metrics).toHaveLength(simulator.dataset.measurements.length);
    expect(new Set(metrics.map(recordKey)).size).toBe(metrics.length);
    const offsets = simulator
      .dataRequests()
      .filter((r) => r.path === '/pm/measurements')
      .map((r) => Number(r.query.get('offset')));
    expect(offsets).toEqual(Array.from({ length: Math.ceil(metrics.length / 7) }, (_, i) => i * 7));
  });

  it('renews the token before it expires, so ENM never sees an expired one', async () => {
    await simulator.stop();
    h = ericssonHarness();
    simulator = h.simulator as EricssonEnmSimulator;
    Object.assign(simulator.client, { tokenTtlSeconds: 120 });
    await simulator.start();
    const connector = h.connector();
    const first = await connector.fetch();
    expect(simulator.credentialRequests()).toHaveLength(1);
    h.clock.advance(59_000);
    await connector.fetch({ cursor: first.cursor });
    expect(simulator.credentialRequests()).toHaveLength(1);
    h.clock.advance(2_000);
    // The old token would still be accepted; the connector renews 60 s ahead anyway.
    await connector.fetch({ cursor: first.cursor });
    expect(simulator.credentialRequests()).toHaveLength(2);
    expect(simulator.dataRequests().every((r) => r.status === 200)).toBe(true);
  });

  it('token revoked between syncs: one 401, a new token, the sync completes', async () => {
    const connector = h.connector();
    const first = await connector.fetch();
    simulator.expireCredentials();
    simulator.dataset.raiseAlarm({
      siteId: 'SITE002',
      kind: 'MAINS_FAILURE',
      at: Date.parse(TEST_NOW) + 1000,
    });
    h.clock.advance(60_000);
    const second = await connector.fetch({ cursor: first.cursor });
    expect(second.complete).toBe(true);
    expect(alarmsOf(second.records)).toHaveLength(1);
    expect(simulator.dataRequests().filter((r) => r.status === 401)).toHaveLength(1);
    expect(simulator.credentialRequests()).toHaveLength(2);
  });

  it('the next sync returns only what changed: acknowledged, cleared and new alarms', async () => {
    const connector = h.connector();
    const first = await connector.fetch();
    const { dataset } = simulator;
    const later = Date.parse(TEST_NOW) + 60_000;
    const [toAck, toClear] = dataset.alarms.filter(
      (a) => a.clearedAt === undefined && a.acknowledgedAt === undefined,
    );
    dataset.acknowledge(toAck.seq, later, 'night-shift');
    dataset.clear(toClear.seq, later + 1000);
    const raised = dataset.raiseAlarm({
      siteId: 'SITE003',
      cellId: 'SITE003-4G-1',
      kind: 'CELL_DOWN',
      at: later + 2000,
    });
    h.clock.advance(5 * 60_000);
    const second = await connector.fetch({ cursor: first.cursor });
    expect(metricsOf(second.records)).toHaveLength(0);
    const alarms = new Map(alarmsOf(second.records).map((a) => [a.alarmId, a]));
    expect(alarms.size).toBe(3);
    expect(alarms.get(enmAlarmId(toAck))).toMatchObject({
      state: 'raised',
      acknowledged: true,
      acknowledgedAt: new Date(later),
    });
    expect(alarms.get(enmAlarmId(toClear))).toMatchObject({
      state: 'cleared',
      severity: 'CLEARED',
      clearedAt: new Date(later + 1000),
    });
    expect(alarms.get(enmAlarmId(raised))).toMatchObject({
      state: 'raised',
      severity: 'CRITICAL',
      technology: '4G',
    });
  });

  it('max_alarms caps each sync; the next sync continues where it stopped', async () => {
    const connector = h.connector({ max_alarms: 5, page_size: 3 });
    const first = await connector.fetch();
    expect(alarmsOf(first.records)).toHaveLength(5);
    expect(first.stops).toEqual([expect.objectContaining({ stream: 'alarms', reason: 'limit' })]);
    expect(metricsOf(first.records)).toHaveLength(simulator.dataset.measurements.length);
    const rest = await syncToEnd(connector, h.clock, first.cursor);
    expect(rest.results.every((r) => alarmsOf(r.records).length <= 5)).toBe(true);
    const all = alarmsOf([...first.records, ...rest.records]).map((a) => a.alarmId);
    expect(all.sort()).toEqual(simulator.dataset.alarms.map(enmAlarmId).sort());
  });

  it('a malformed item is rejected with the reason; the rest of the page goes on', async () => {
    const [broken] = simulator.dataset.alarms;
    (broken as { severity: string }).severity = 'SEVERE';
    broken.clearedAt = undefined;
    const result = await h.connector().fetch();
    expect(result.complete).toBe(true);
    expect(result.rejectedCount).toBe(1);
    expect(result.rejected[0].reason).toContain('presentSeverity is "SEVERE"');
    expect(alarmsOf(result.records)).toHaveLength(simulator.dataset.alarms.length - 1);
    expect(alarmsOf(result.records).some((a) => a.alarmId === enmAlarmId(broken))).toBe(false);
  });
});
