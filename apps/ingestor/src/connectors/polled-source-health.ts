import type {
  ConnectionTestResult,
  ConnectorHealth,
  RejectedItem,
  SourceRecord,
  StreamStop,
  SyncCursor,
} from './connector';
import type { ConnectorLogger, RequestStats, SourceResponse } from './http/http-source-client';
import type { SecretRedactor } from './http/redaction';
import { SourceError } from './http/source-error';

/** Rejections counted past this many are counted only, so one bad source cannot bloat a sync. */
const MAX_REJECTED_KEPT = 100;

/** What one sync of a polled source has gathered so far. */
export interface SyncState {
  records: SourceRecord[];
  rejected: RejectedItem[];
  rejectedCount: number;
}

export function emptySyncState(): SyncState {
  return { records: [], rejected: [], rejectedCount: 0 };
}

function isSyncCursor(value: unknown): value is SyncCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { version, streams } = value as Partial<SyncCursor>;
  return version === 1 && typeof streams === 'object' && streams !== null;
}

/**
 * The cursor a sync resumes from: a copy of the one given (the caller mutates it), or a fresh one
 * when there is none or it is not a version-1 sync cursor (logged, as the sync then starts over).
 */
export function resumeSyncCursor(
  raw: unknown,
  logger: ConnectorLogger,
  sourceId: string,
): SyncCursor {
  if (raw === undefined) return { version: 1, streams: {} };
  if (isSyncCursor(raw)) return { version: 1, streams: { ...raw.streams } };
  logger.warn({ sourceId }, 'cursor is not a version-1 sync cursor; starting over');
  return { version: 1, streams: {} };
}

/** Why a stream stopped, from what its request or paging threw. */
export function streamStopOf(stream: string, error: unknown): StreamStop {
  if (error instanceof SourceError) {
    const retryAt = error.retryAtMs === undefined ? undefined : new Date(error.retryAtMs);
    if (error.kind === 'quota_exceeded') {
      return { stream, reason: 'quota_exceeded', message: error.message, retryAt };
    }
    return { stream, reason: 'error', stage: error.stage, message: error.message, retryAt };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { stream, reason: 'error', stage: 'request', message };
}

/**
 * Health of a connector that polls a source over HTTP: the outcome of its syncs and connection
 * tests, combined with its client's request figures.
 */
export class PolledSourceHealth {
  private healthy = true;
  private errorCount = 0;
  private lastSync: Date | undefined;
  private lastAttempt: Date | undefined;
  private lastError: string | undefined;
  private recordsCollected = 0;
  private quotaExceeded = 0;

  constructor(
    private readonly sourceId: string,
    private readonly logger: ConnectorLogger,
    private readonly redactor: SecretRedactor,
    private readonly stats: RequestStats,
  ) {}

  /** Counts a rejected item; its reason is redacted, as it may quote the source's data. */
  reject(sync: SyncState, stream: string, reason: string): void {
    sync.rejectedCount++;
    if (sync.rejected.length < MAX_REJECTED_KEPT)
      sync.rejected.push({ stream, reason: this.redactor.redact(reason) });
  }

  /** A sync's outcome: an error stop makes the source unhealthy until a sync ends without one. */
  recordSync(startedAt: Date, records: number, stops: readonly StreamStop[]): void {
    this.lastAttempt = startedAt;
    this.recordsCollected = records;
    if (stops.some((stop) => stop.reason === 'quota_exceeded')) this.quotaExceeded++;
    const failed = stops.find((stop) => stop.reason === 'error');
    if (failed) {
      this.healthy = false;
      this.errorCount++;
      this.lastError = failed.message;
      this.logger.warn(
        { sourceId: this.sourceId, stream: failed.stream, stage: failed.stage },
        failed.message,
      );
    } else {
      this.healthy = true;
      this.errorCount = 0;
      this.lastSync = startedAt;
    }
  }

  /**
   * Runs a connection test: `probe` logs in and reads one page, throwing on any failure. A failure
   * that is not already a SourceError is reported at stage `http`, its message redacted.
   */
  async testConnection(probe: () => Promise<SourceResponse>): Promise<ConnectionTestResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await probe();
      this.healthy = true;
      return {
        ok: true,
        stage: 'parse',
        message: `${response.target} answered ${response.status} in ${response.latencyMs} ms`,
        latencyMs: elapsed(),
      };
    } catch (error) {
      const failure =
        error instanceof SourceError
          ? error
          : new SourceError(
              'http',
              this.redactor.redact(error instanceof Error ? error.message : String(error)),
            );
      this.healthy = false;
      this.lastError = failure.message;
      return { ok: false, stage: failure.stage, message: failure.message, latencyMs: elapsed() };
    }
  }

  report(): ConnectorHealth {
    return {
      healthy: this.healthy,
      lastSync: this.lastSync,
      lastAttempt: this.lastAttempt,
      errorCount: this.errorCount,
      requests: this.stats.requests,
      errors: this.stats.errors,
      lastError: this.lastError ?? this.stats.lastError,
      lastResponseTimeMs: this.stats.lastResponseTimeMs,
      averageResponseTimeMs: this.stats.averageResponseTimeMs,
      recordsCollected: this.recordsCollected,
      quotaExceeded: this.quotaExceeded,
    };
  }
}
