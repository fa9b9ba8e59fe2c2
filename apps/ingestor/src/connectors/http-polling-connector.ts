import type { ClassConstructor } from 'class-transformer';
import {
  createAuthStrategy,
  retryPolicyOf,
  validateConnectionConfig,
  type HttpConnectionConfig,
  type SessionDialect,
} from './connection-config';
import type {
  ConnectionTestResult,
  ConnectorDeps,
  ConnectorHealth,
  FetchContext,
  FetchResult,
  SourceConnector,
  SourceRecord,
  StreamCursor,
  StreamStop,
} from './connector';
import { systemClock, type Clock } from './http/clock';
import {
  HttpSourceClient,
  RequestStats,
  silentLogger,
  type ConnectorLogger,
  type SourceRequest,
  type SourceResponse,
} from './http/http-source-client';
import type { PageInfo, PageLocation, Paging } from './http/pagination';
import { SecretRedactor } from './http/redaction';
import { RequestBudget } from './http/request-budget';
import { SourceError } from './http/source-error';
import { ItemError } from './item-fields';
import {
  PolledSourceHealth,
  emptySyncState,
  resumeSyncCursor,
  streamStopOf,
  type SyncState,
} from './polled-source-health';

/** The time range one stream reads in one window: `(since, until]`. */
export interface StreamWindow {
  since?: Date;
  until: Date;
}

/** One kind of data a source is polled for (metrics, alarms...), read window by window. */
export interface PolledStream {
  /** Key of the stream in the cursor. */
  name: string;
  paging: Paging;
  /** How far behind now each window ends. */
  lagMs: number;
  /** Start of the very first window, from its end; undefined reads everything up to it. */
  firstSince?(untilMs: number): number | undefined;
  /** The request for the page at `page` of `window`. */
  request(window: StreamWindow, page: PageLocation): SourceRequest;
  /** A page's items and what it tells of the next; throws SourceError (stage parse) on a foreign shape. */
  readPage(body: unknown, response: SourceResponse): { items: readonly unknown[]; info: PageInfo };
  /** One item normalised; undefined when a filter drops it; throws ItemError on bad data. */
  toRecord(item: unknown): SourceRecord | undefined;
  /** Most records per sync (e.g. max_alarms). */
  limit?: number;
}

/** Merges a page location into a stream's request: its query, or the link the source gave. */
export function pageRequest(
  path: string,
  query: SourceRequest['query'],
  page: PageLocation,
): SourceRequest {
  return 'link' in page ? { url: page.link } : { path, query: { ...query, ...page.query } };
}

/** `SourceError` at stage `parse` for a body that is not the shape the source documents. */
export function unexpectedShape(response: SourceResponse, expected: string): SourceError {
  return new SourceError('parse', `${response.target}: expected ${expected}`);
}

function recordKey(record: SourceRecord): string {
  switch (record.kind) {
    case 'metric':
      return `${record.managedObject}|${record.name}|${record.timestamp.getTime()}`;
    case 'alarm':
      return `${record.alarmId}|${record.changedAt.getTime()}|${record.state}|${record.acknowledged}`;
    case 'ticket':
      return `${record.ticketId}|${record.updatedAt.getTime()}`;
  }
}

/**
 * A connector that polls an HTTP source: it owns the client (auth, retries, budget), reads each
 * stream window by window with the source's paging, and keeps health. A vendor connector supplies
 * its config class, streams and (for session logins) the login dialect.
 *
 * Windows: a stream reads `(since, until]` where `until` is fixed when the window opens, so pages
 * stay stable while it is read; the cursor records the page reached, so a sync stopped by the
 * budget, a limit or an error resumes at that page. Delivery is at least once: a page re-read
 * after a stop, or after items shifted, is de-duplicated within a sync only.
 */
export abstract class HttpPollingConnector<
  TConfig extends HttpConnectionConfig,
> implements SourceConnector<TConfig> {
  abstract readonly sourceType: string;
  protected readonly client: HttpSourceClient;
  protected readonly clock: Clock;
  protected readonly logger: ConnectorLogger;
  protected readonly redactor = new SecretRedactor();
  private readonly stats = new RequestStats();
  private readonly sourceHealth: PolledSourceHealth;
  private streamList: PolledStream[] | undefined;
  private connected = false;

  protected constructor(
    private readonly configClass: ClassConstructor<TConfig>,
    readonly config: TConfig,
    protected readonly deps: ConnectorDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
    this.sourceHealth = new PolledSourceHealth(
      deps.sourceId,
      this.logger,
      this.redactor,
      this.stats,
    );
    this.client = new HttpSourceClient({
      baseUrl: config.base_url,
      auth: createAuthStrategy(
        config.authentication,
        this.clock,
        this.redactor,
        this.sessionDialect(),
      ),
      timeoutMs: config.timeout_ms,
      retry: retryPolicyOf(config),
      budget: new RequestBudget(
        config.request_budget.max_requests,
        config.request_budget.per_seconds * 1000,
        () => this.clock.now(),
      ),
      redactor: this.redactor,
      clock: this.clock,
      random: deps.random,
      fetch: deps.fetch,
      logger: this.logger,
      headers: { accept: 'application/json' },
      stats: this.stats,
    });
  }

  /** The streams this source is polled for, in sync order. */
  protected abstract createStreams(): PolledStream[];

  /** How a session login looks at this source; only session-auth sources override it. */
  protected sessionDialect(): SessionDialect {
    return {};
  }

  /** The stream whose first page a connection test reads; the last one by default. */
  protected probeStream(streams: readonly PolledStream[]): PolledStream {
    return streams[streams.length - 1];
  }

  protected get streams(): readonly PolledStream[] {
    this.streamList ??= this.createStreams();
    return this.streamList;
  }

  validateConfig(raw: unknown): TConfig {
    return validateConnectionConfig(this.configClass, raw, this.sourceType);
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.client.authenticate();
    this.connected = true;
  }

  async fetch(context: FetchContext = {}): Promise<FetchResult> {
    const startedAt = new Date(this.clock.now());
    const cursor = resumeSyncCursor(context.cursor, this.logger, this.deps.sourceId);
    const sync = emptySyncState();
    const stops: StreamStop[] = [];
    // Streams stopped mid-window go first, so under a tight budget the first stream's new windows
    // cannot starve the others.
    const open = (stream: PolledStream) => cursor.streams[stream.name]?.until !== undefined;
    const order = [...this.streams.filter(open), ...this.streams.filter((s) => !open(s))];
    for (const stream of order) {
      const outcome = await this.pollStream(
        stream,
        cursor.streams[stream.name] ?? {},
        sync,
        context.signal,
      );
      cursor.streams[stream.name] = outcome.cursor;
      if (!outcome.stop) continue;
      stops.push(outcome.stop);
      // The budget and an abort stop every stream; an error or a limit only its own.
      if (outcome.stop.reason === 'quota_exceeded' || context.signal?.aborted) break;
    }
    this.sourceHealth.recordSync(startedAt, sync.records.length, stops);
    return {
      records: sync.records,
      cursor,
      complete: stops.length === 0 && !context.signal?.aborted,
      stops,
      rejected: sync.rejected,
      rejectedCount: sync.rejectedCount,
    };
  }

  testConnection(): Promise<ConnectionTestResult> {
    return this.sourceHealth.testConnection(async () => {
      await this.client.authenticate(undefined, false);
      const stream = this.probeStream(this.streams);
      const now = this.clock.now();
      const window = { since: new Date(now - 60_000), until: new Date(now) };
      const response = await this.client.send({
        ...stream.request(window, stream.paging.locate(undefined)),
        retry: false,
      });
      stream.readPage(response.json(), response);
      return response;
    });
  }

  health(): ConnectorHealth {
    return this.sourceHealth.report();
  }

  async close(): Promise<void> {
    this.connected = false;
    await this.client.close();
  }

  private async pollStream(
    stream: PolledStream,
    cursor: StreamCursor,
    sync: SyncState,
    signal: AbortSignal | undefined,
  ): Promise<{ cursor: StreamCursor; stop?: StreamStop }> {
    let { since, until, position, skip = 0 } = cursor;
    if (until === undefined) {
      const untilMs = this.clock.now() - stream.lagMs;
      if (since !== undefined && untilMs <= Date.parse(since)) return { cursor };
      until = new Date(untilMs).toISOString();
      if (since === undefined) {
        const first = stream.firstSince?.(untilMs);
        since = first === undefined ? undefined : new Date(first).toISOString();
      }
      position = undefined;
      skip = 0;
    }
    const window: StreamWindow = {
      since: since === undefined ? undefined : new Date(since),
      until: new Date(until),
    };
    let delivered = 0;
    // Where the last two pages' records sit in sync.records. Once the paging re-reads items (it
    // stepped back after items shifted), each page is checked against the records of the two
    // before it; until then no key is computed, which keeps the common path cheap.
    let previousPage: [number, number] = [0, 0];
    let olderPage: [number, number] = [0, 0];
    let deduplicating = false;
    for (;;) {
      const here: StreamCursor = { since, until, position, skip };
      if (signal?.aborted) return { cursor: here };
      let page: { items: readonly unknown[]; info: PageInfo };
      try {
        const response = await this.client.send({
          ...stream.request(window, stream.paging.locate(position)),
          signal,
        });
        page = stream.readPage(response.json(), response);
      } catch (error) {
        return { cursor: here, stop: streamStopOf(stream.name, error) };
      }
      deduplicating ||= stream.paging.overlaps?.(position) === true;
      let seen: Set<string> | undefined;
      if (deduplicating) {
        seen = new Set<string>();
        for (const [from, to] of [olderPage, previousPage]) {
          for (let i = from; i < to; i++) seen.add(recordKey(sync.records[i]));
        }
      }
      const pageStart = sync.records.length;
      const { items } = page;
      for (let index = skip; index < items.length; index++) {
        if (stream.limit !== undefined && delivered >= stream.limit) {
          return {
            cursor: { since, until, position, skip: index },
            stop: {
              stream: stream.name,
              reason: 'limit',
              message: `${stream.name}: limit of ${stream.limit} per sync reached`,
            },
          };
        }
        let record: SourceRecord | undefined;
        try {
          record = stream.toRecord(items[index]);
        } catch (error) {
          // Any failure on one item (an ItemError, or a TypeError from a shape nobody expected)
          // skips that item only.
          const reason = error instanceof ItemError ? error.message : String(error);
          this.sourceHealth.reject(
            sync,
            stream.name,
            `${stream.name} item ${index} of page ${position ?? 'first'}: ${reason}`,
          );
          continue;
        }
        if (record === undefined || seen?.has(recordKey(record))) continue;
        sync.records.push(record);
        delivered++;
      }
      olderPage = previousPage;
      previousPage = [pageStart, sync.records.length];
      let next: string | undefined;
      try {
        next = stream.paging.next(position, page.info);
      } catch (error) {
        return { cursor: here, stop: streamStopOf(stream.name, error) };
      }
      if (next === undefined) return { cursor: { since: until } };
      position = next;
      skip = 0;
      if (stream.limit !== undefined && delivered >= stream.limit) {
        // Stop before asking for a page none of which could be delivered.
        return {
          cursor: { since, until, position, skip },
          stop: {
            stream: stream.name,
            reason: 'limit',
            message: `${stream.name}: limit of ${stream.limit} per sync reached`,
          },
        };
      }
    }
  }
}
