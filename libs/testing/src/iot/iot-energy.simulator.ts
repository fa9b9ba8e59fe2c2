import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One reading as the platform stores and serves it. */
export interface IotEnergyReading {
  reading_id: string;
  site_id: string;
  sensor_id: string;
  /** `power`, `voltage`, `current`, `temperature`, `fuel_level`, `battery_level`. */
  sensor_type: string;
  value: number | string;
  unit: string;
  /** When the sensor measured it (ISO 8601). */
  measured_at: string;
  /** When the platform stored it (ISO 8601): what the API's windows filter on. */
  received_at: string;
  status: 'ok' | 'suspect';
}

export interface IotRecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Undefined while (or when) no answer was written. */
  status?: number;
}

export interface IotEnergySimulatorOptions {
  apiKey: string;
  /** Default `x-api-key`. */
  keyHeader?: string;
  /** Seeded readings measured in [from, to), every `intervalMinutes` (ISO; none when omitted). */
  from?: string;
  to?: string;
  intervalMinutes?: number;
  /** Sites SITE-001... (default 3). */
  sites?: number;
  /** Largest `limit` accepted (default 1000). */
  maxLimit?: number;
  /** Clock of `received_at` for readings added later (default the system clock). */
  now?: () => number;
  port?: number;
}

type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'malformed' };

const READINGS_PATH = '/api/v1/readings';

/** Each site's sensors, with units that vary from site to site as they do in the field. */
function sensorsOf(site: number): {
  id: string;
  type: string;
  unit: string;
  value: (step: number) => number;
}[] {
  const tag = `SITE-${String(site).padStart(3, '0')}`;
  const wave = (step: number) => Math.sin(step / 4);
  return [
    // The first site's meter speaks kW, the others W.
    site === 1
      ? { id: `${tag}-rectifier`, type: 'power', unit: 'kW', value: (s) => 2.3 + wave(s) * 0.2 }
      : { id: `${tag}-rectifier`, type: 'power', unit: 'W', value: (s) => 1800 + wave(s) * 150 },
    { id: `${tag}-dc-bus`, type: 'voltage', unit: 'V', value: (s) => -53.5 + wave(s) * 0.4 },
    { id: `${tag}-dc-bus`, type: 'current', unit: 'A', value: (s) => 42 + wave(s) * 3 },
    site === 2
      ? { id: `${tag}-cabinet`, type: 'temperature', unit: '°F', value: (s) => 86 + wave(s) * 4 }
      : { id: `${tag}-cabinet`, type: 'temperature', unit: '°C', value: (s) => 30 + wave(s) * 2 },
    { id: `${tag}-genset`, type: 'fuel_level', unit: '%', value: (s) => 80 - s * 0.1 },
    { id: `${tag}-battery`, type: 'battery_level', unit: '%', value: (s) => 100 - (s % 10) },
  ];
}

/**
 * An IoT energy platform's REST API on 127.0.0.1, the shape `IotRestConnector` reads:
 * `GET /api/v1/readings` with the API key in `X-API-Key`, `sensor_types` (comma-separated),
 * `received_after` (exclusive) / `received_until` (inclusive) on the receive time, `offset` /
 * `limit` (at most `maxLimit`), answering `{readings, total, offset, limit}` ordered by receive
 * time then id. Wrong or missing key: 401. Fault knobs act on the next requests in order:
 * `failNext` (a status, with Retry-After when given: 401, 429, 500...), `slowNext` (answers after
 * a delay), `malformedNext` (a 200 whose JSON is cut short).
 */
export class IotEnergySimulator {
  readonly readings: IotEnergyReading[] = [];
  readonly requests: IotRecordedRequest[] = [];
  private server: Server | undefined;
  private readonly faults: Fault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextId = 1;

  constructor(private readonly options: IotEnergySimulatorOptions) {
    this.seed();
  }

  async start(): Promise<string> {
    if (this.server) return this.url;
    const server = createServer((req, res) => this.onRequest(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('IotEnergySimulator is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stores a reading, received now unless told otherwise. */
  addReading(
    reading: Omit<IotEnergyReading, 'reading_id' | 'received_at' | 'status'> &
      Partial<Pick<IotEnergyReading, 'received_at' | 'status'>>,
  ): IotEnergyReading {
    const stored: IotEnergyReading = {
      reading_id: `r-${String(this.nextId++).padStart(7, '0')}`,
      status: 'ok',
      received_at: new Date(this.options.now?.() ?? Date.now()).toISOString(),
      ...reading,
    };
    this.readings.push(stored);
    return stored;
  }

  /** The readings a query selects, in the API's order. */
  matching(query: { sensorTypes?: readonly string[]; after?: string; until?: string }) {
    const after = query.after === undefined ? undefined : Date.parse(query.after);
    const until = query.until === undefined ? undefined : Date.parse(query.until);
    const types = query.sensorTypes === undefined ? undefined : new Set(query.sensorTypes);
    return this.readings
      .filter((r) => {
        const at = Date.parse(r.received_at);
        return (
          (after === undefined || at > after) &&
          (until === undefined || at <= until) &&
          (types === undefined || types.has(r.sensor_type))
        );
      })
      .sort((a, b) =>
        a.received_at === b.received_at
          ? a.reading_id.localeCompare(b.reading_id)
          : a.received_at < b.received_at
            ? -1
            : 1,
      );
  }

  failNext(count: number, status: number, retryAfterSeconds?: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'status', status, retryAfterSeconds });
  }

  slowNext(count: number, delayMs: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'slow', delayMs });
  }

  malformedNext(count: number): void {
    for (let i = 0; i < count; i++) this.faults.push({ kind: 'malformed' });
  }

  /** Forgets requests and pending faults; the readings stay. */
  reset(): void {
    this.requests.length = 0;
    this.faults.length = 0;
  }

  /**
   * One reading of every sensor of every site measured at `at` (received half a minute later, as
   * sensors report in batches): the seed's step, and how a demo keeps the platform live.
   */
  recordRound(at: number, index = Math.floor(at / 60_000)): IotEnergyReading[] {
    const added: IotEnergyReading[] = [];
    const sites = this.options.sites ?? 3;
    for (let site = 1; site <= sites; site++) {
      for (const sensor of sensorsOf(site)) {
        added.push(
          this.addReading({
            site_id: `SITE-${String(site).padStart(3, '0')}`,
            sensor_id: sensor.id,
            sensor_type: sensor.type,
            value: Math.round(sensor.value(index) * 100) / 100,
            unit: sensor.unit,
            measured_at: new Date(at).toISOString(),
            received_at: new Date(at + 30_000).toISOString(),
          }),
        );
      }
    }
    return added;
  }

  private seed(): void {
    const { from, to } = this.options;
    if (from === undefined || to === undefined) return;
    const step = (this.options.intervalMinutes ?? 15) * 60_000;
    const start = Date.parse(from);
    const end = Date.parse(to);
    for (let at = start, index = 0; at < end; at += step, index++) this.recordRound(at, index);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const recorded: IotRecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    };
    this.requests.push(recorded);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      recorded.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(text);
    };
    // Drain the request body (none expected) before answering.
    req.resume();
    const fault = this.faults.shift();
    if (fault?.kind === 'status') {
      const headers: Record<string, string> =
        fault.retryAfterSeconds === undefined
          ? {}
          : { 'retry-after': String(fault.retryAfterSeconds) };
      send(fault.status, { error: `simulated ${fault.status}` }, headers);
      return;
    }
    const answer = () => {
      const reply = this.handle(recorded);
      if (fault?.kind === 'malformed' && reply.status === 200) {
        const text = JSON.stringify(reply.body);
        send(200, text.slice(0, Math.ceil(text.length / 2)));
      } else send(reply.status, reply.body);
    };
    if (fault?.kind === 'slow') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!res.destroyed) answer();
      }, fault.delayMs);
      this.timers.add(timer);
    } else answer();
  }

  private handle(request: IotRecordedRequest): { status: number; body: unknown } {
    const header = (this.options.keyHeader ?? 'x-api-key').toLowerCase();
    const key = request.headers[header];
    if (key !== this.options.apiKey) {
      return {
        status: 401,
        body: { error: 'unauthorized', message: 'missing or invalid API key' },
      };
    }
    if (request.method !== 'GET' || request.path !== READINGS_PATH) {
      return { status: 404, body: { error: 'not_found', message: `no route ${request.path}` } };
    }
    const query = request.query;
    const number = (name: string, fallback: number): number | undefined => {
      const text = query.get(name);
      if (text === null || text === '') return fallback;
      return /^\d+$/.test(text) ? Number(text) : undefined;
    };
    const offset = number('offset', 0);
    const limit = number('limit', 100);
    const maxLimit = this.options.maxLimit ?? 1000;
    if (offset === undefined || limit === undefined || limit < 1 || limit > maxLimit) {
      return {
        status: 400,
        body: {
          error: 'bad_request',
          message: `offset and limit (1-${maxLimit}) must be integers`,
        },
      };
    }
    const time = (name: string): string | undefined | null => {
      const text = query.get(name);
      if (text === null || text === '') return undefined;
      return Number.isNaN(Date.parse(text)) ? null : text;
    };
    const after = time('received_after');
    const until = time('received_until');
    if (after === null || until === null) {
      return { status: 400, body: { error: 'bad_request', message: 'times must be ISO 8601' } };
    }
    const types = query.get('sensor_types');
    const selected = this.matching({
      after,
      until,
      sensorTypes: types ? types.split(',').map((t) => t.trim()) : undefined,
    });
    return {
      status: 200,
      body: {
        readings: selected.slice(offset, offset + limit),
        total: selected.length,
        offset,
        limit,
      },
    };
  }
}
