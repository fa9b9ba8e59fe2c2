import { validateConnectionConfig } from '../connection-config';
import type {
  ConnectionTestResult,
  ConnectorDeps,
  ConnectorHealth,
  FetchContext,
  FetchResult,
  SourceConnector,
  StreamCursor,
  StreamStop,
} from '../connector';
import { systemClock, type Clock } from '../http/clock';
import {
  RequestStats,
  silentLogger,
  type ConnectorLogger,
  type HttpSourceClient,
  type SourceResponse,
} from '../http/http-source-client';
import { SecretRedactor } from '../http/redaction';
import { SourceError } from '../http/source-error';
import {
  PolledSourceHealth,
  emptySyncState,
  resumeSyncCursor,
  streamStopOf,
  type SyncState,
} from '../polled-source-health';
import { createServiceNowClient, tablePath } from './servicenow-client';
import { ServiceNowConfig, type ServiceNowTable } from './servicenow-config';
import {
  TICKET_FIELDS,
  glideTime,
  isAfter,
  parseGlideTime,
  recordKey,
  serviceNowTicket,
  syncQuery,
  type TableWatermark,
} from './servicenow-records';
import { ServiceNowWriteBack } from './servicenow-write-back';

export const SERVICENOW_SOURCE_TYPE = 'itsm_servicenow';

interface TablePage {
  items: readonly unknown[];
  total?: number;
}

/** A table's cursor: `since` is the watermark's sys_updated_on (ISO), `position` its sys_id. */
function watermarkOf(cursor: StreamCursor | undefined): TableWatermark | undefined {
  if (cursor?.since === undefined || cursor.position === undefined) return undefined;
  const ms = Date.parse(cursor.since);
  if (Number.isNaN(ms)) return undefined;
  return { updatedOn: glideTime(ms), sysId: cursor.position };
}

function cursorOf(watermark: TableWatermark | undefined): StreamCursor {
  if (watermark === undefined) return {};
  const at = parseGlideTime(watermark.updatedOn) as Date;
  return { since: at.toISOString(), position: watermark.sysId };
}

/**
 * ServiceNow Table API (seed "ITSM ServiceNow Connector"): incidents, requests, changes and
 * problems as tickets, read incrementally per table.
 *
 * Each table is read with `sys_updated_on>=<watermark>^sys_updated_on<=<settled now>^<filter>`
 * ordered by `sys_updated_on` then `sys_id`, paged with `sysparm_limit`/`sysparm_offset`. The
 * cursor holds, per table, the last record passed (its `sys_updated_on` and `sys_id`): records of
 * that same second up to that sys_id are skipped on the next read, so a second shared by many
 * records across a page boundary or a restart gives each of them once. The upper bound lags
 * `settle_seconds` behind now, so no record can still join a second already read, and the result
 * can only shrink while it is paged (a record updated mid-sync moves past the bound); when
 * `X-Total-Count` drops, the page is read again from as many places back.
 *
 * `sync_mode: full` reads every table whole, pass after pass: a table read through waits (cursor
 * `until`) for the others, then all start over. Times are compared as stored (UTC): the
 * integration user's time zone must be UTC, as ServiceNow reads encoded-query times in it.
 */
export class ServiceNowConnector implements SourceConnector<ServiceNowConfig> {
  readonly sourceType = SERVICENOW_SOURCE_TYPE;
  private readonly client: HttpSourceClient;
  private readonly clock: Clock;
  private readonly logger: ConnectorLogger;
  private readonly redactor = new SecretRedactor();
  private readonly stats = new RequestStats();
  private readonly sourceHealth: PolledSourceHealth;
  private connected = false;

  constructor(
    readonly config: ServiceNowConfig,
    private readonly deps: ConnectorDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
    this.sourceHealth = new PolledSourceHealth(
      deps.sourceId,
      this.logger,
      this.redactor,
      this.stats,
    );
    this.client = createServiceNowClient(config, deps, this.redactor, this.stats);
  }

  validateConfig(raw: unknown): ServiceNowConfig {
    return validateConnectionConfig(ServiceNowConfig, raw, this.sourceType);
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.client.authenticate();
    this.connected = true;
  }

  /** Work notes and resolutions written back to this instance, with this connector's credentials. */
  writeBack(): ServiceNowWriteBack {
    return new ServiceNowWriteBack(this.client, this.config, this.deps);
  }

  async fetch(context: FetchContext = {}): Promise<FetchResult> {
    const startedAt = new Date(this.clock.now());
    const cursor = resumeSyncCursor(context.cursor, this.logger, this.deps.sourceId);
    const settled = Math.floor((this.clock.now() - this.config.settle_seconds * 1000) / 1000);
    const until = glideTime(settled * 1000);
    const sync = emptySyncState();
    const stops: StreamStop[] = [];
    const full = this.config.sync_mode === 'full';
    for (const table of this.config.tables) {
      // Full mode: a table whose pass is read waits until every table's is.
      if (full && cursor.streams[table]?.until !== undefined) continue;
      const outcome = await this.syncTable(
        table,
        cursor.streams[table],
        until,
        sync,
        context.signal,
      );
      cursor.streams[table] = outcome.cursor;
      if (!outcome.stop) continue;
      stops.push(outcome.stop);
      if (outcome.stop.reason === 'quota_exceeded' || context.signal?.aborted) break;
    }
    if (full && stops.length === 0 && !context.signal?.aborted) {
      // Every table read through: the next sync starts a new pass.
      for (const table of this.config.tables) cursor.streams[table] = {};
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
      const table = this.config.tables[0];
      const response = await this.client.send({
        path: tablePath(this.config, table),
        query: { sysparm_limit: '1', sysparm_fields: 'sys_id' },
        retry: false,
      });
      this.readPage(response);
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

  private async syncTable(
    table: ServiceNowTable,
    cursor: StreamCursor | undefined,
    until: string,
    sync: SyncState,
    signal: AbortSignal | undefined,
  ): Promise<{ cursor: StreamCursor; stop?: StreamStop }> {
    const config = this.config;
    let passed = watermarkOf(cursor);
    let from = passed?.updatedOn;
    if (from === undefined && config.sync_mode === 'incremental' && config.initial_lookback_days) {
      from = glideTime(this.clock.now() - config.initial_lookback_days * 86_400_000);
    }
    if (from !== undefined && from > until) return { cursor: cursorOf(passed) };
    const query = {
      sysparm_query: syncQuery({ from, until, filter: config.table_filters?.[table] }),
      sysparm_limit: String(config.page_size),
      sysparm_display_value: 'all',
      sysparm_exclude_reference_link: 'true',
      sysparm_fields: [...TICKET_FIELDS, config.site_field].join(','),
    };
    let offset = 0;
    let previousTotal: number | undefined;
    let delivered = 0;
    for (;;) {
      if (signal?.aborted) return { cursor: cursorOf(passed) };
      let page: TablePage;
      try {
        const response = await this.client.send({
          path: tablePath(config, table),
          query: { ...query, sysparm_offset: String(offset) },
          signal,
        });
        page = this.readPage(response);
      } catch (error) {
        return { cursor: cursorOf(passed), stop: streamStopOf(table, error) };
      }
      if (page.total !== undefined && previousTotal !== undefined && page.total < previousTotal) {
        // Records left the result since the last page (updated past the bound): unread ones
        // moved up to that many places back. Read again from there; the watermark skips the rest.
        offset = Math.max(0, offset - (previousTotal - page.total));
        previousTotal = page.total;
        continue;
      }
      previousTotal = page.total;
      for (const [index, item] of page.items.entries()) {
        let key: { sysId: string; updatedOn: string };
        try {
          key = recordKey(item);
        } catch (error) {
          this.reject(sync, `${table} item ${offset + index}: ${reasonOf(error)}`);
          continue;
        }
        if (!isAfter(passed, key.updatedOn, key.sysId)) continue;
        if (delivered >= config.max_records) {
          return { cursor: cursorOf(passed), stop: limitStop(table, config.max_records) };
        }
        // Passed even when it cannot be read: a bad record is reported once, not every sync.
        passed = key;
        try {
          sync.records.push(serviceNowTicket(item, table, config.site_field));
          delivered++;
        } catch (error) {
          this.reject(sync, `${table} ${key.sysId}: ${reasonOf(error)}`);
        }
      }
      const count = page.items.length;
      offset += count;
      const last =
        count === 0 || (page.total !== undefined ? offset >= page.total : count < config.page_size);
      if (last) {
        // Incremental: on from the watermark next time. Full: this table's pass is read.
        return { cursor: config.sync_mode === 'full' ? { until } : cursorOf(passed) };
      }
      if (delivered >= config.max_records) {
        // Stop before asking for a page none of which could be delivered.
        return { cursor: cursorOf(passed), stop: limitStop(table, config.max_records) };
      }
    }
  }

  private readPage(response: SourceResponse): TablePage {
    const body = response.json();
    const result =
      typeof body === 'object' && body !== null ? (body as { result?: unknown }).result : undefined;
    if (!Array.isArray(result)) {
      throw new SourceError('parse', `${response.target}: expected { "result": [...] }`);
    }
    const header = response.header('x-total-count');
    const total = header === undefined ? NaN : Number(header);
    return { items: result as unknown[], total: Number.isFinite(total) ? total : undefined };
  }

  /** Rejections name the table in their reason; their stream routes them to the tickets DLQ. */
  private reject(sync: SyncState, reason: string): void {
    this.sourceHealth.reject(sync, 'tickets', reason);
  }
}

function limitStop(table: string, max: number): StreamStop {
  return {
    stream: table,
    reason: 'limit',
    message: `${table}: max_records of ${max} per sync reached`,
  };
}

/** Why one item was refused: an ItemError's own words, or whatever else a bad shape threw. */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
