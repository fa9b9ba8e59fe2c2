import { randomUUID } from 'node:crypto';
import {
  header,
  isRecord,
  SimulatorServer,
  type SimulatorOptions,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface SplunkReceivedEvent {
  time?: number;
  host?: string;
  source?: string;
  sourcetype?: string;
  index: string;
  event: unknown;
}

export interface SplunkSimulatorOptions extends SimulatorOptions {
  /** The HEC token to accept (a random GUID by default). */
  token?: string;
  /** Indexes the token may write to; the first is its default index. */
  indexes?: string[];
}

/**
 * Splits HEC's body (JSON objects one after another, whitespace optional) into the objects' texts;
 * undefined when it is not such a sequence.
 */
export function splitConcatenatedJson(body: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /\s/.test(body[i])) i++;
    if (i >= body.length) break;
    if (body[i] !== '{') return undefined;
    let depth = 0;
    let inString = false;
    let j = i;
    for (; j < body.length; j++) {
      const c = body[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0) return undefined;
    out.push(body.slice(i, j + 1));
    i = j + 1;
  }
  return out;
}

const hec = (status: number, text: string, code: number, extra: object = {}) => ({
  status,
  body: { text, code, ...extra },
});

/**
 * Splunk HTTP Event Collector (https://docs.splunk.com/Documentation/Splunk/latest/Data/HECRESTendpoints):
 * `POST /services/collector[/event]` with `Authorization: Splunk <token>` and concatenated JSON
 * events; `GET /services/collector/health`. Answers with HEC's `{text, code}` bodies: 0 Success,
 * 2 Token is required (401), 3 Invalid authorization (401), 4 Invalid token (403), 5 No data,
 * 6 Invalid data format, 7 Incorrect index, 12/13 event missing/blank (400), 9 Server is busy (503).
 */
export class SplunkSimulator extends SimulatorServer<SplunkReceivedEvent> {
  readonly token: string;
  readonly indexes: string[];

  constructor(options: SplunkSimulatorOptions = {}) {
    super(options);
    this.token = options.token ?? randomUUID();
    this.indexes = options.indexes ?? ['main'];
  }

  /** The event endpoint to configure as `hec_url`. */
  get hecUrl(): string {
    return `${this.url}/services/collector/event`;
  }

  protected override failure(status: number, retryAfterSeconds?: number): SimulatorResponse {
    const headers: Record<string, string> =
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    return status >= 500 && status !== 503
      ? { ...hec(status, 'Internal server error', 8), headers }
      : { ...hec(status, 'Server is busy', 9), headers };
  }

  protected handle(request: SimulatorRequest): SimulatorResponse {
    if (
      request.path === '/services/collector/health' ||
      request.path === '/services/collector/health/1.0'
    )
      return hec(200, 'HEC is healthy', 17);
    if (!/^\/services\/collector(\/event(\/1\.0)?)?\/?$/.test(request.path))
      return {
        status: 404,
        body: { text: 'The requested URL was not found on this server.', code: 404 },
      };
    if (request.method !== 'POST') return hec(400, 'Invalid data format', 6);
    const authorization = header(request, 'authorization');
    if (!authorization) return hec(401, 'Token is required', 2);
    const match = /^Splunk (\S+)$/.exec(authorization);
    if (!match) return hec(401, 'Invalid authorization', 3);
    if (match[1] !== this.token) return hec(403, 'Invalid token', 4);
    if (request.body.trim() === '') return hec(400, 'No data', 5);
    const texts = splitConcatenatedJson(request.body);
    if (!texts) return hec(400, 'Invalid data format', 6);
    const events: SplunkReceivedEvent[] = [];
    for (const [n, text] of texts.entries()) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return hec(400, 'Invalid data format', 6, { 'invalid-event-number': n });
      }
      if (!isRecord(parsed))
        return hec(400, 'Invalid data format', 6, { 'invalid-event-number': n });
      if (!('event' in parsed))
        return hec(400, 'Event field is required', 12, { 'invalid-event-number': n });
      if (parsed.event === '' || parsed.event === null)
        return hec(400, 'Event field cannot be blank', 13, { 'invalid-event-number': n });
      const { time } = parsed;
      if (
        time !== undefined &&
        !(typeof time === 'number' || (typeof time === 'string' && /^\d+(\.\d+)?$/.test(time)))
      )
        return hec(400, 'Invalid data format', 6, { 'invalid-event-number': n });
      const index = parsed.index ?? this.indexes[0];
      if (typeof index !== 'string' || !this.indexes.includes(index))
        return hec(400, 'Incorrect index', 7, { 'invalid-event-number': n });
      const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
      events.push({
        time: time === undefined ? undefined : Number(time),
        host: str(parsed.host),
        source: str(parsed.source),
        sourcetype: str(parsed.sourcetype),
        index,
        event: parsed.event,
      });
    }
    // Simplification: a request with a bad event records none of its events.
    this.received.push(...events);
    return hec(200, 'Success', 0);
  }
}
