import type { AlarmRecord } from '../connector';
import { tmf642AlarmId, type Tmf642Simulator } from '@telcomesh/testing';
import { TEST_NOW, tmf642Harness, type OssHarness } from './testing/oss-harness';

describe('Tmf642AlarmConnector against the TMF642 simulator', () => {
  let h: OssHarness;
  let simulator: Tmf642Simulator;

  beforeEach(async () => {
    h = tmf642Harness();
    simulator = h.simulator as Tmf642Simulator;
    await simulator.start();
  });

  afterEach(async () => {
    await simulator.stop();
  });

  it('maps TMF642 alarms: lifecycle state, ackState, alarmedObject, site and region from place', async () => {
    const result = await h.connector().fetch();
    expect(result).toMatchObject({ complete: true, rejectedCount: 0 });
    const records = result.records as AlarmRecord[];
    expect(records).toHaveLength(simulator.dataset.alarms.length);
    for (const alarm of simulator.dataset.alarms) {
      const state =
        alarm.clearedAt !== undefined
          ? 'cleared'
          : alarm.changedAt > alarm.raisedAt
            ? 'changed'
            : 'raised';
      expect(records.find((r) => r.alarmId === tmf642AlarmId(alarm))).toMatchObject({
        state,
        acknowledged: alarm.acknowledgedAt !== undefined,
        alarmType: alarm.kind.alarmType,
        siteId: alarm.siteId,
        managedObject: alarm.cell?.id ?? alarm.siteId,
        technology: alarm.cell?.technology,
        labels: { region: alarm.region },
        changedAt: new Date(alarm.changedAt),
      });
    }
  });

  it('pages with offset/limit, stopping at X-Total-Count (206 until the last page)', async () => {
    const count = simulator.dataset.alarms.length;
    await h.connector({ page_size: 5 }).fetch();
    const pages = simulator.dataRequests();
    expect(pages.map((r) => Number(r.query.get('offset')))).toEqual(
      Array.from({ length: Math.ceil(count / 5) }, (_, i) => i * 5),
    );
    expect(pages.map((r) => r.status)).toEqual([...pages.slice(1).map(() => 206), 200]);
    expect(pages[0].query.get('alarmChangedTime.lte')).toBe(new Date(TEST_NOW).toISOString());
  });

  it('does not skip alarms when one on an earlier page changes while the pages are read', async () => {
    const acked = simulator.dataset.alarmsChangedIn(undefined, Date.parse(TEST_NOW))[0];
    let dataPages = 0;
    const fetchThenChange: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      // After the first page, its first alarm is acknowledged: it leaves the window and every
      // later alarm shifts one place left.
      const url = input instanceof Request ? input.url : input.toString();
      if (url.includes('/alarm?') && ++dataPages === 1) {
        simulator.dataset.acknowledge(acked.seq, Date.parse(TEST_NOW) + 1000);
      }
      return response;
    };
    const result = await h.connector({ page_size: 5 }, { fetch: fetchThenChange }).fetch();
    const ids = (result.records as AlarmRecord[]).map((r) => r.alarmId).sort();
    expect(ids).toEqual(simulator.dataset.alarms.map(tmf642AlarmId).sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses the refresh token grant and keeps the rotated refresh token', async () => {
    await simulator.stop();
    h = tmf642Harness({ rotateRefreshTokens: true });
    simulator = h.simulator as Tmf642Simulator;
    await simulator.start();
    const connector = h.connector();
    const first = await connector.fetch();
    expect(first.complete).toBe(true);
    simulator.expireCredentials();
    h.clock.advance(60_000);
    const second = await connector.fetch({ cursor: first.cursor });
    expect(second.complete).toBe(true);
    const grants = simulator.credentialRequests().map((r) => new URLSearchParams(r.body));
    expect(grants.map((g) => g.get('grant_type'))).toEqual(['refresh_token', 'refresh_token']);
    expect(grants[0].get('refresh_token')).toBe('initial-refresh-token');
    // The server dropped the first refresh token when it rotated it: the second refresh worked
    // only because the connector sent the one it was given back.
    expect(simulator.client.refreshTokens).not.toContain('initial-refresh-token');
    expect(grants[1].get('refresh_token')).not.toBe('initial-refresh-token');
  });

  it('site_filter is applied here from the place references', async () => {
    const result = await h
      .connector({ site_filter: 'region=South;site=SITE002|SITE005|SITE003' })
      .fetch();
    const expected = simulator.dataset.alarms.filter(
      (a) => a.region === 'South' && ['SITE002', 'SITE005', 'SITE003'].includes(a.siteId),
    );
    expect((result.records as AlarmRecord[]).map((r) => r.alarmId).sort()).toEqual(
      expected.map(tmf642AlarmId).sort(),
    );
  });
});
