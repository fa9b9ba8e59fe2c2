import { IotEnergySimulator, ManualClock } from '@telcomesh/testing';
import { createConnectorRegistry } from '../built-in-connectors';
import type {
  ConnectorDeps,
  FetchResult,
  MetricRecord,
  SourceConnector,
  SyncCursor,
} from '../connector';

const API_KEY = 'iot-api-key-5c9e1d';
const NOW = '2024-01-15T12:00:00Z';
const ALL_TYPES = ['power', 'voltage', 'current', 'temperature', 'fuel_level', 'battery_level'];

/** `site|sensor|name|measured at` of delivered metrics. */
function keysOf(records: FetchResult['records']): string[] {
  return records.map((record) => {
    const metric = record as MetricRecord;
    return `${metric.siteId}|${metric.managedObject}|${metric.name}|${metric.timestamp.toISOString()}`;
  });
}

describe('IoT energy REST connector against its simulator', () => {
  let clock: ManualClock;
  let simulator: IotEnergySimulator;
  const registry = createConnectorRegistry();

  beforeEach(async () => {
    clock = new ManualClock(NOW);
    simulator = new IotEnergySimulator({
      apiKey: API_KEY,
      from: '2024-01-15T10:00:00Z',
      to: '2024-01-15T12:00:00Z',
      now: () => clock.now(),
    });
    await simulator.start();
  });

  afterEach(async () => {
    await simulator.stop();
  });

  function connector(
    overrides: Record<string, unknown> = {},
    deps: Partial<ConnectorDeps> = {},
  ): SourceConnector {
    return registry.create(
      { connectorClass: 'Energy_IoTConnector' },
      {
        base_url: simulator.url,
        authentication: { type: 'api_key', api_key: API_KEY, key_header: 'X-API-Key' },
        batch_size: 25,
        initial_lookback_minutes: 180,
        timeout_ms: 5000,
        retry: { max_attempts: 4, base_delay_ms: 500, max_delay_ms: 8000 },
        ...overrides,
      },
      { sourceId: 'iot-energy-001', clock, random: () => 0.5, ...deps },
    );
  }

  /** A connector whose `nth` page request first arms `fault` on the simulator. */
  function faultOnPage(nth: number, fault: () => void): SourceConnector {
    let pages = 0;
    return connector(
      {},
      {
        fetch: async (input, init) => {
          if (++pages === nth) fault();
          return fetch(input, init);
        },
      },
    );
  }

  /** What the simulator holds, as the connector should deliver it. */
  function expected(types = ALL_TYPES): string[] {
    return simulator
      .matching({ sensorTypes: types })
      .map((r) => `${r.site_id}|${r.sensor_id}|${r.sensor_type}|${r.measured_at}`);
  }

  async function syncToEnd(
    make: () => SourceConnector,
    cursor: SyncCursor | undefined,
  ): Promise<FetchResult['records']> {
    const records: FetchResult['records'] = [];
    let current = cursor;
    for (let i = 0; i < 20; i++) {
      const result = await make().fetch({ cursor: current });
      records.push(...result.records);
      current = result.cursor;
      if (result.complete) return records;
      clock.advance(60_000);
    }
    throw new Error('not complete after 20 syncs');
  }

  it('pages through every reading with the API key, sensor types and batch_size', async () => {
    const result = await connector().fetch();
    expect(result).toMatchObject({ complete: true, rejectedCount: 0 });
    expect(keysOf(result.records)).toEqual(expected());
    expect(result.records).toHaveLength(8 * 3 * 6);
    const requests = simulator.requests;
    expect(requests.map((r) => r.query.get('offset'))).toEqual([
      '0',
      '25',
      '50',
      '75',
      '100',
      '125',
    ]);
    expect(requests.every((r) => r.headers['x-api-key'] === API_KEY)).toBe(true);
    expect(requests[0].query.get('limit')).toBe('25');
    expect(requests[0].query.get('sensor_types')).toBe(ALL_TYPES.join(','));
    expect(requests[0].query.get('received_after')).toBe('2024-01-15T08:59:55.000Z');
    expect(requests[0].query.get('received_until')).toBe('2024-01-15T11:59:55.000Z');
  });

  it('normalises names and units: kW and °F become W and °C', async () => {
    const result = await connector({ sensor_types: ['power', 'temperature'] }).fetch();
    expect(simulator.requests[0].query.get('sensor_types')).toBe('power,temperature');
    expect(keysOf(result.records)).toEqual(expected(['power', 'temperature']));
    const first = (site: string, name: string) =>
      result.records.find(
        (r) => r.kind === 'metric' && r.siteId === site && r.name === name,
      ) as MetricRecord;
    const kw = simulator.readings.find(
      (r) => r.site_id === 'SITE-001' && r.sensor_type === 'power',
    );
    expect(first('SITE-001', 'power')).toMatchObject({
      unit: 'W',
      value: Number(kw?.value) * 1000,
      labels: { source_unit: 'kW', data_type: 'energy_metric' },
    });
    const fahrenheit = simulator.readings.find(
      (r) => r.site_id === 'SITE-002' && r.sensor_type === 'temperature',
    );
    expect(first('SITE-002', 'temperature').unit).toBe('°C');
    expect(first('SITE-002', 'temperature').value).toBeCloseTo(
      ((Number(fahrenheit?.value) - 32) * 5) / 9,
      9,
    );
  });

  it('incremental on receive time: a late reading of an old period still arrives; bad readings are refused with a reason', async () => {
    const first = await connector().fetch();
    clock.advance(120_000);
    const late = simulator.addReading({
      site_id: 'SITE-003',
      sensor_id: 'SITE-003-genset',
      sensor_type: 'fuel_level',
      value: 61,
      unit: '%',
      measured_at: '2024-01-15T10:00:00Z',
    });
    simulator.addReading({
      site_id: 'SITE-003',
      sensor_id: 'SITE-003-battery',
      sensor_type: 'battery_level',
      value: 140,
      unit: '%',
      measured_at: '2024-01-15T12:01:00Z',
    });
    clock.advance(2000);
    const early = await connector().fetch({ cursor: first.cursor });
    expect(early.records).toEqual([]);
    clock.advance(5000);
    const next = await connector().fetch({ cursor: early.cursor });
    expect(keysOf(next.records)).toEqual([
      `SITE-003|SITE-003-genset|fuel_level|${new Date(late.measured_at).toISOString()}`,
    ]);
    expect(next.rejectedCount).toBe(1);
    expect(next.rejected[0].reason).toContain(
      'battery_level 140 % is outside the plausible 0..100 %',
    );
  });

  describe('fault knobs', () => {
    it('401: wrong key stops at stage auth at once, without the key in any message', async () => {
      const wrong = connector({
        authentication: { type: 'api_key', api_key: 'not-the-key-123', key_header: 'X-API-Key' },
      });
      const test = await wrong.testConnection();
      expect(test).toMatchObject({ ok: false, stage: 'auth' });
      simulator.reset();
      const result = await wrong.fetch();
      expect(result.stops).toEqual([
        expect.objectContaining({ stream: 'metrics', reason: 'error', stage: 'auth' }),
      ]);
      expect(simulator.requests).toHaveLength(1);
      expect(JSON.stringify([test, result, wrong.health()])).not.toContain('not-the-key-123');
      // The knob: a 401 to the right key is not retried either.
      simulator.reset();
      simulator.failNext(1, 401);
      const refused = await connector().fetch();
      expect(refused.stops[0]).toMatchObject({ stage: 'auth' });
      expect(simulator.requests).toHaveLength(1);
    });

    it('429 with Retry-After: waits exactly that long, then reads everything', async () => {
      simulator.failNext(1, 429, 7);
      const result = await connector().fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(expected());
      expect(clock.sleeps).toEqual([7000]);
    });

    it('500 twice: retried with growing backoff, then reads everything', async () => {
      simulator.failNext(2, 500);
      const retried = await connector().fetch();
      expect(retried.complete).toBe(true);
      expect(clock.sleeps).toEqual([375, 750]);
      expect(keysOf(retried.records)).toEqual(expected());
    });

    it('500 on every attempt at the third page: stage request; the next sync resumes there', async () => {
      const stopped = await faultOnPage(3, () => simulator.failNext(4, 500)).fetch();
      expect(stopped.complete).toBe(false);
      expect(stopped.stops[0]).toMatchObject({ reason: 'error', stage: 'request' });
      expect(stopped.stops[0].message).toContain('status 500');
      expect(stopped.records).toHaveLength(50);
      const rest = await syncToEnd(connector, stopped.cursor);
      expect([...keysOf(stopped.records), ...keysOf(rest)]).toEqual(expected());
      expect(simulator.requests.filter((r) => r.status === 200)).toHaveLength(6);
    });

    it('slow answer: the attempt times out and the retry reads everything', async () => {
      simulator.slowNext(1, 2000);
      const result = await connector({ timeout_ms: 300 }).fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(expected());
      expect(clock.sleeps).toHaveLength(1);
      expect(simulator.requests[0].status).toBeUndefined();
    });

    it('malformed JSON: stage parse; the next sync resumes without gaps or repeats', async () => {
      const cut = faultOnPage(4, () => simulator.malformedNext(1));
      const first = await cut.fetch();
      expect(first.complete).toBe(false);
      expect(first.stops[0]).toMatchObject({ reason: 'error', stage: 'parse' });
      expect(first.stops[0].message).toContain('not valid JSON');
      expect(first.records).toHaveLength(75);
      const rest = await syncToEnd(connector, first.cursor);
      expect([...keysOf(first.records), ...keysOf(rest)]).toEqual(expected());
    });
  });
});
