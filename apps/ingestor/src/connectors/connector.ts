import type { Clock } from './http/clock';
import type { ConnectorLogger } from './http/http-source-client';
import type { ConnectionStage } from './http/source-error';

/** ITU-T X.733 perceived severity. */
export type PerceivedSeverity =
  'CRITICAL' | 'MAJOR' | 'MINOR' | 'WARNING' | 'INDETERMINATE' | 'CLEARED';

/** ITU-T X.733 event type (alarm category). */
export type AlarmType =
  | 'COMMUNICATIONS'
  | 'QUALITY_OF_SERVICE'
  | 'PROCESSING_ERROR'
  | 'EQUIPMENT'
  | 'ENVIRONMENTAL'
  | 'UNSPECIFIED';

/** Lifecycle step an alarm is in, as far as the source tells. */
export type AlarmLifecycle = 'raised' | 'changed' | 'cleared';

/** One measured value of one metric on one managed object (seed `network_metric`). */
export interface MetricRecord {
  kind: 'metric';
  /** Site as the source names it; the pipeline applies the data source's site mapping. */
  siteId: string;
  /** Network element or managed object measured (cell DN, NE name...). */
  managedObject: string;
  /** Normalised name, e.g. `throughput`, `availability`, `rrc_success_rate`. */
  name: string;
  value: number;
  unit: string;
  /** End of the measurement period. */
  timestamp: Date;
  /** `2G` | `3G` | `4G` | `5G`, or what the source says when it is none of those. */
  technology: string;
  /** 0 (unusable) to 1 (complete and validated); lower when the source marks the value suspect. */
  quality: number;
  /** Small source specifics worth keeping: cell_id, region, granularity_seconds... */
  labels: Record<string, string>;
  /** The source's item as it came, for the raw archive and debugging. */
  raw: unknown;
}

/** One alarm as it stands at the source, with X.733 fields (seed `event`/ALARM). */
export interface AlarmRecord {
  kind: 'alarm';
  /** Identity at the source, stable across raise, acknowledge and clear. */
  alarmId: string;
  severity: PerceivedSeverity;
  alarmType: AlarmType;
  probableCause: string;
  specificProblem: string;
  /** Managed object the alarm is on (DN or object name). */
  managedObject: string;
  /** Short text, e.g. the alarm name. */
  title: string;
  /** Additional text. */
  description: string;
  siteId: string;
  /** Technology of the managed object, when it has one (a site power alarm has none). */
  technology?: string;
  state: AlarmLifecycle;
  acknowledged: boolean;
  /** X.733 event time of the reported step: clear time when cleared, else the raise (or change) time. */
  eventTime: Date;
  raisedAt: Date;
  clearedAt?: Date;
  acknowledgedAt?: Date;
  /** Last change at the source (raise, severity change, acknowledge, clear): the sync watermark. */
  changedAt: Date;
  /** e.g. `OSS-ericsson`. */
  sourceSystem: string;
  labels: Record<string, string>;
  raw: unknown;
}

/** One ITSM ticket (seed "Tickets ITSM"); produced by the ITSM connectors. */
export interface TicketRecord {
  kind: 'ticket';
  /** Immutable id at the source (ServiceNow sys_id). */
  ticketId: string;
  number: string;
  /** Table or record type at the source, e.g. `incident`. */
  table: string;
  title: string;
  description: string;
  status: string;
  severity: string;
  priority?: string;
  assignedTo?: string;
  siteCode?: string;
  openedAt: Date;
  updatedAt: Date;
  labels: Record<string, string>;
  raw: unknown;
}

export type SourceRecord = MetricRecord | AlarmRecord | TicketRecord;

/**
 * Where one stream of a source (metrics, alarms...) stands. A window `(since, until]` is open while
 * `until` is set: `position` is the page to read next and `skip` the items of it already delivered.
 * When the window is read to the end, `since` moves to `until` and the window closes.
 */
export interface StreamCursor {
  since?: string;
  until?: string;
  position?: string;
  skip?: number;
}

/** What the caller persists between syncs and hands back to resume (JSON-safe). */
export interface SyncCursor {
  version: 1;
  streams: Record<string, StreamCursor>;
}

export interface FetchContext {
  /** The cursor the previous sync returned; none for the first sync. */
  cursor?: SyncCursor;
  /** Aborts the sync (shutdown); what was read so far is returned with its cursor. */
  signal?: AbortSignal;
}

export type FetchStopReason = 'quota_exceeded' | 'limit' | 'error';

/** Why a stream stopped before the end of its window. */
export interface StreamStop {
  stream: string;
  reason: FetchStopReason;
  /** For `error`: where it failed. */
  stage?: ConnectionStage;
  message: string;
  /** When the source or the budget allows the next request. */
  retryAt?: Date;
}

/** An item the source sent that could not be normalised; it is skipped, the rest go on. */
export interface RejectedItem {
  stream: string;
  reason: string;
}

export interface FetchResult {
  records: SourceRecord[];
  /** Persist it once the records are safely handed on; it resumes exactly after them. */
  cursor: SyncCursor;
  /** Every stream read its window to the end. */
  complete: boolean;
  stops: StreamStop[];
  /** The first rejected items (at most 100) and how many there were in all. */
  rejected: RejectedItem[];
  rejectedCount: number;
}

export interface ConnectionTestResult {
  ok: boolean;
  /** Where it failed; `parse` (the last stage) when everything passed. */
  stage: ConnectionStage;
  message: string;
  latencyMs: number;
}

/** Counters of one connector (seed "Health Checks" plus the collection metrics). */
export interface ConnectorHealth {
  /** False after a sync or connection test that failed, until one succeeds. */
  healthy: boolean;
  /** Last sync that ended without an error (it may have stopped on the budget or a limit). */
  lastSync?: Date;
  lastAttempt?: Date;
  /** Consecutive failed syncs (0 when healthy). */
  errorCount: number;
  /** HTTP exchanges with the source, token and login requests included. */
  requests: number;
  /** Exchanges that failed: no answer or a non-2xx one. */
  errors: number;
  /** Redacted. */
  lastError?: string;
  lastResponseTimeMs?: number;
  averageResponseTimeMs?: number;
  /** Records returned by the last sync. */
  recordsCollected: number;
  /** Syncs stopped by the request budget. */
  quotaExceeded: number;
}

/** What every connector gets from the ingestor besides its configuration. */
export interface ConnectorDeps {
  /** Data source id, e.g. `oss-ericsson-001`; for logs. */
  sourceId: string;
  clock?: Clock;
  /** Jitter source; tests pin it. */
  random?: () => number;
  logger?: ConnectorLogger;
  fetch?: typeof globalThis.fetch;
}

/** The contract every data-source connector implements. */
export interface SourceConnector<TConfig extends object = object> {
  /** `data_sources.source_type`, e.g. `oss_network`. */
  readonly sourceType: string;
  readonly config: TConfig;
  /** Validates a raw `connection_config` for this connector (e.g. before saving an edit). */
  validateConfig(raw: unknown): TConfig;
  /** Checks the source is reachable and the credentials work; idempotent. */
  connect(): Promise<void>;
  /** Reads what changed since `context.cursor`; failures come back in `stops`, never as a throw. */
  fetch(context?: FetchContext): Promise<FetchResult>;
  /** Goes through DNS, connect, TLS, auth, one request and its parsing; says where it failed. */
  testConnection(): Promise<ConnectionTestResult>;
  health(): ConnectorHealth;
  /** Ends the session at the source, if any. */
  close(): Promise<void>;
}
