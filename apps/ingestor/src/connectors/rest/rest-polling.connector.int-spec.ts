import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@telcomesh/testing';
import { createConnectorRegistry } from '../built-in-connectors';
import type { AlarmRecord, MetricRecord, SourceConnector } from '../connector';

const NOW = '2024-01-15T12:00:00Z';
const API_KEY = 'rest-api-key-77aa';
const BASIC = `Basic ${Buffer.from('poller:rest-password').toString('base64')}`;

interface Kpi {
  site: { code: string };
  cell: string;
  kpi: string;
  val: number | string;
  ts: number;
}

interface ApiAlarm {
  id: string;
  sev: string;
  site: string;
  raised: string;
  cleared?: string;
}

/**
 * A small vendor API on loopback, one endpoint per paging style:
 * `/v2/kpis` (API key, offset/limit, `meta.total`, `from`/`to` epoch ms on `ts`),
 * `/alarms` (basic, opaque cursor in `next`), `/events` (OAuth2 client credentials,
 * `Link: rel="next"`), `/pages` (basic, page/size with `count`), `/broken` (not JSON).
 */
class VendorApi {
  readonly kpis: Kpi[] = [];
  readonly alarms: ApiAlarm[] = [];
  readonly requests: { path: string; query: URLSearchParams }[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    const server = createServer((req, res) => this.answer(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(typeof body === 'string' ? body : JSON.stringify(body));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (url.pathname === '/oauth/token') {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const client =
          req.headers.authorization === `Basic ${Buffer.from('cid:csecret').toString('base64')}`;
        if (form.get('grant_type') !== 'client_credentials' || !client)
          return send(401, { error: 'invalid_client' });
        return send(200, { access_token: 'token-1', expires_in: 3600, token_type: 'Bearer' });
      }
      this.requests.push({ path: url.pathname, query: url.searchParams });
      const q = url.searchParams;
      switch (url.pathname) {
        case '/v2/kpis': {
          if (req.headers['x-api-key'] !== API_KEY) return send(401, { error: 'bad key' });
          const from = Number(q.get('from') ?? '0');
          const to = Number(q.get('to') ?? 'Infinity');
          const selected = this.kpis.filter((k) => k.ts > from && k.ts <= to);
          const offset = Number(q.get('offset'));
          const limit = Number(q.get('limit'));
          return send(200, {
            meta: { total: selected.length },
            data: { kpis: selected.slice(offset, offset + limit) },
          });
        }
        case '/alarms': {
          if (req.headers.authorization !== BASIC) return send(401, { error: 'who are you' });
          const start = Number(q.get('cursor') ?? '0');
          const next = start + 2 < this.alarms.length ? String(start + 2) : null;
          return send(200, { results: this.alarms.slice(start, start + 2), next });
        }
        case '/events': {
          if (req.headers.authorization !== 'Bearer token-1') return send(401, { error: 'token' });
          const page = Number(q.get('p') ?? '1');
          const link: Record<string, string> =
            page < 3 ? { link: `<${this.url}/events?p=${page + 1}>; rel="next"` } : {};
          return send(
            200,
            [{ id: `E${page}`, sev: 'warning', site: 'SITE-009', raised: NOW }],
            link,
          );
        }
        case '/pages': {
          if (req.headers.authorization !== BASIC) return send(401, { error: 'who are you' });
          const page = Number(q.get('page'));
          const size = Number(q.get('size'));
          return send(200, {
            count: this.kpis.length,
            rows: this.kpis.slice((page - 1) * size, page * size),
          });
        }
        case '/broken':
          return send(200, '<html>maintenance</html>', { 'content-type': 'text/html' });
        default:
          return send(404, { error: 'no route' });
      }
    });
  }
}

describe('generic REST connector against a loopback API', () => {
  const registry = createConnectorRegistry();
  let api: VendorApi;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(NOW);
    api = new VendorApi();
    await api.start();
    const base = Date.parse(NOW);
    for (let i = 0; i < 23; i++) {
      api.kpis.push({
        site: { code: `SITE-00${(i % 3) + 1}` },
        cell: `C${i}`,
        kpi: i % 2 ? 'LATENCY' : 'THROUGHPUT',
        val: i % 2 ? 10 + i : 100 + i,
        ts: base - (23 - i) * 60_000,
      });
    }
  });

  afterEach(async () => {
    await api.stop();
  });

  function connector(config: Record<string, unknown>): SourceConnector {
    return registry.create(
      { connectorClass: 'REST_Connector' },
      { base_url: api.url, timeout_ms: 3000, ...config },
      { sourceId: 'rest-test', clock, random: () => 0.5 },
    );
  }

  const kpiConfig = {
    authentication: { type: 'api_key', api_key: API_KEY, key_header: 'X-API-Key' },
    endpoint: '/v2/kpis',
    record_kind: 'metric',
    items: 'data.kpis',
    fields: {
      site_id: 'site.code',
      managed_object: 'cell',
      name: '$lowercase(kpi)',
      value: 'val',
      unit: "kpi = 'LATENCY' ? 'ms' : 'Mbps'",
      timestamp: 'ts',
    },
    paging: { type: 'offset', size: 5, total: 'meta.total' },
    window: {
      since_param: 'from',
      until_param: 'to',
      format: 'epoch_ms',
      initial_lookback_minutes: 30,
    },
  };

  it('metrics: offset paging with the total from the body, a window in epoch ms, incremental', async () => {
    const source = connector(kpiConfig);
    const first = await source.fetch();
    expect(first).toMatchObject({ complete: true, rejectedCount: 0 });
    expect(first.records.map((r) => (r as MetricRecord).managedObject)).toEqual(
      api.kpis.map((k) => k.cell),
    );
    expect(first.records[1]).toMatchObject({
      kind: 'metric',
      siteId: 'SITE-002',
      name: 'latency',
      value: 11,
      unit: 'ms',
      timestamp: new Date(api.kpis[1].ts),
    });
    expect(api.requests.map((r) => r.query.get('offset'))).toEqual(['0', '5', '10', '15', '20']);
    expect(api.requests[0].query.get('from')).toBe(String(Date.parse(NOW) - 30 * 60_000));
    expect(api.requests[0].query.get('to')).toBe(String(Date.parse(NOW)));

    clock.advance(60_000);
    api.kpis.push({
      site: { code: 'SITE-001' },
      cell: 'C-new',
      kpi: 'THROUGHPUT',
      val: 'n/a',
      ts: clock.now() - 1000,
    });
    api.kpis.push({
      site: { code: 'SITE-001' },
      cell: 'C-new2',
      kpi: 'THROUGHPUT',
      val: 99,
      ts: clock.now(),
    });
    const next = await source.fetch({ cursor: first.cursor });
    expect(next.records.map((r) => (r as MetricRecord).managedObject)).toEqual(['C-new2']);
    expect(next.rejectedCount).toBe(1);
    expect(next.rejected[0].reason).toContain('value is "n/a", not a number');
  });

  it('alarms: cursor paging named by the body, basic auth', async () => {
    for (let i = 1; i <= 5; i++) {
      api.alarms.push({
        id: `A${i}`,
        sev: i === 4 ? 'doom' : 'major',
        site: `SITE-00${i}`,
        raised: '2024-01-15T11:00:00Z',
        cleared: i === 2 ? '2024-01-15T11:30:00Z' : undefined,
      });
    }
    const result = await connector({
      authentication: { type: 'basic', username: 'poller', password: 'rest-password' },
      endpoint: '/alarms',
      record_kind: 'alarm',
      items: 'results',
      fields: {
        alarm_id: 'id',
        severity: 'sev',
        site_id: 'site',
        raised_at: 'raised',
        cleared_at: 'cleared',
      },
      paging: { type: 'cursor', next_cursor: 'next' },
      source_system: 'Vendor-NMS',
    }).fetch();
    expect(result.complete).toBe(true);
    expect(
      result.records.map((r) => [(r as AlarmRecord).alarmId, (r as AlarmRecord).state]),
    ).toEqual([
      ['A1', 'raised'],
      ['A2', 'cleared'],
      ['A3', 'raised'],
      ['A5', 'raised'],
    ]);
    expect(result.records[0]).toMatchObject({ severity: 'MAJOR', sourceSystem: 'Vendor-NMS' });
    expect(result.rejected).toEqual([
      {
        stream: 'alarms',
        reason: expect.stringContaining('severity is "doom", not an X.733 severity') as string,
      },
    ]);
    expect(api.requests.map((r) => r.query.get('cursor'))).toEqual([null, '2', '4']);
  });

  it('next links from the Link header, OAuth2 client credentials', async () => {
    const result = await connector({
      authentication: {
        type: 'oauth2',
        client_id: 'cid',
        client_secret: 'csecret',
        token_endpoint: '/oauth/token',
      },
      endpoint: '/events',
      record_kind: 'alarm',
      fields: { alarm_id: 'id', severity: 'sev', site_id: 'site', raised_at: 'raised' },
      paging: { type: 'next_link' },
    }).fetch();
    expect(result.complete).toBe(true);
    expect(result.records.map((r) => (r as AlarmRecord).alarmId)).toEqual(['E1', 'E2', 'E3']);
  });

  it('page numbers with the total from the body', async () => {
    const result = await connector({
      authentication: { type: 'basic', username: 'poller', password: 'rest-password' },
      endpoint: '/pages',
      record_kind: 'metric',
      items: 'rows',
      fields: { site_id: 'site.code', name: 'kpi', value: 'val', timestamp: 'ts' },
      paging: { type: 'page_number', size: 10, total: 'count' },
    }).fetch();
    expect(result.records).toHaveLength(23);
    expect(api.requests.map((r) => r.query.get('page'))).toEqual(['1', '2', '3']);
  });

  it('an answer the items expression cannot read, or that is not JSON, stops at stage parse', async () => {
    const failing = await connector({
      ...kpiConfig,
      items: '$error("vendor changed the shape")',
    }).fetch();
    expect(failing.stops).toEqual([
      expect.objectContaining({
        reason: 'error',
        stage: 'parse',
        message: expect.stringContaining('vendor changed the shape') as string,
      }),
    ]);
    const html = connector({
      authentication: { type: 'basic', username: 'poller', password: 'rest-password' },
      endpoint: '/broken',
      record_kind: 'metric',
      fields: { site_id: 'a', name: 'b', value: 'c', timestamp: 'd' },
    });
    const broken = await html.fetch();
    expect(broken.stops[0]).toMatchObject({
      stage: 'parse',
      message: expect.stringContaining('not valid JSON') as string,
    });
    expect(await html.testConnection()).toMatchObject({ ok: false, stage: 'parse' });
    expect(await connector(kpiConfig).testConnection()).toMatchObject({ ok: true });
  });

  it('an invalid expression never reaches the source: the registry refuses the config', () => {
    expect(() =>
      connector({ ...kpiConfig, fields: { ...kpiConfig.fields, value: 'val *' } }),
    ).toThrow(/fields\.value is not a valid JSONata expression/);
    expect(api.requests).toEqual([]);
  });
});
