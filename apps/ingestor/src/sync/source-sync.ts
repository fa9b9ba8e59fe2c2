import {
  create,
  SourceCondition as HealthCondition,
  timestampFromMs,
  Topics,
} from '@telcomesh/contracts';
import type { EventOutbox, MessageTransport, Outbox } from '@telcomesh/messaging';
import type { Logger } from '@telcomesh/observability';
import type { DataSource, EntityManager } from 'typeorm';
import type { FetchResult, SourceConnector } from '../connectors';
import { classifySync, type SourceCondition, type SyncVerdict } from '../health/connectivity';
import type { IngestMetrics } from '../health/ingest-metrics';
import { acceptedOutboundOf } from '../pipeline/metric-batches';
import {
  connectorRejectOutboundOf,
  rejectOutboundOf,
  type OutboundContext,
} from '../pipeline/outbound-records';
import type { RecordPipeline, RejectedRecord } from '../pipeline/record-pipeline';
import type { PollOutcome } from '../scheduling/poll-scheduler';
import type { DataSourceStore } from '../sources/data-source-store';

/** Everything polling one held source needs, built when the replica takes its lease. */
export interface HeldSource {
  sourceId: string;
  tenantId: string;
  intervalMs: number;
  /** `updated_at` of the row it was built from; a newer row means rebuild. */
  updatedAt: number;
  /** Undefined when the stored configuration could not be turned into a connector. */
  connector?: SourceConnector;
  /** Why the connector could not be built; every poll reports it until the source is fixed. */
  buildError?: string;
  pipeline: RecordPipeline;
  /** Blanks this source's secrets in text that did not come through the connector's redactor. */
  redact(text: string): string;
}

export interface SourceSyncOptions {
  replicaId: string;
  /** `ce_source` of the ingestor. */
  ceSource: string;
  /** Records per transport publish call. */
  publishBatchSize: number;
  /** Measurements per telemetry.metric-batches.v1 record; unset, one telemetry.metrics.v1 record each. */
  metricBatchSize?: number;
  corruptRatio: number;
  now?: () => number;
}

/** The contract's condition for each of ours (ingest.health.v1 `condition`). */
const SOURCE_CONDITION: Record<SourceCondition, HealthCondition> = {
  ok: HealthCondition.OK,
  connection_lost: HealthCondition.CONNECTION_LOST,
  auth_failed: HealthCondition.AUTH_FAILED,
  corrupt_data: HealthCondition.CORRUPT_DATA,
  quota_exceeded: HealthCondition.QUOTA_EXCEEDED,
  misconfigured: HealthCondition.MISCONFIGURED,
};

/** Thrown inside the commit transaction when another replica moved the source on meanwhile. */
class SyncFencedError extends Error {
  override readonly name = 'SyncFencedError';
}

/** First retry after a sync whose records the broker refused; doubles per failure. */
const DELIVERY_RETRY_MS = 5_000;
/** Longest wait between such retries (the source's interval caps it too). */
const DELIVERY_RETRY_MAX_MS = 300_000;

/**
 * One poll of one source (ADR 0008): claim the sync (the state row's version moves on, so racing
 * polls of one source stop here), fetch from the saved cursor, validate and enrich, publish the
 * records (accepted and rejected) straight to the transport and wait for the broker's
 * acknowledgement, then commit the new cursor and health in one transaction with the
 * connectivity alert (outbox) when the source's condition changed. Nothing is lost: the cursor
 * moves only after the records are on Kafka; a crash between the two republishes them with the
 * same event ids. A restart resumes exactly after the last committed records.
 */
export class SourceSync {
  private readonly now: () => number;
  /** Sources with a sync running in this process: a second one waits for nothing and stops. */
  private readonly running = new Set<string>();
  /** Consecutive syncs per source whose records could not be published. */
  private readonly deliveryFailures = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly transport: MessageTransport,
    private readonly outbox: Outbox,
    private readonly events: EventOutbox,
    private readonly store: DataSourceStore,
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
    private readonly options: SourceSyncOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async run(held: HeldSource, signal: AbortSignal): Promise<PollOutcome> {
    // The claim below only stops polls that read the state before another claimed it; one that
    // reads it between that claim and its commit would pass, so polls here never overlap either.
    if (this.running.has(held.sourceId)) {
      this.logger.info(
        { sourceId: held.sourceId },
        'poll skipped: a sync of the source is running',
      );
      return {};
    }
    this.running.add(held.sourceId);
    try {
      return await this.claimAndSync(held, signal);
    } finally {
      this.running.delete(held.sourceId);
    }
  }

  private async claimAndSync(held: HeldSource, signal: AbortSignal): Promise<PollOutcome> {
    const startedAt = this.now();
    const read = await this.store.state(held.sourceId);
    if (!read) return {}; // deleted meanwhile; the ownership round drops it
    const version = await this.store.claimSync(held.sourceId, read.version, this.options.replicaId);
    if (version === undefined) {
      this.logger.info(
        { sourceId: held.sourceId },
        'poll skipped: another poll of the source claimed it since its state was read',
      );
      return {};
    }
    const state = { ...read, version };

    let result: FetchResult | undefined;
    let failure: { condition: 'misconfigured' | 'connection_lost'; message: string } | undefined;
    if (!held.connector) {
      failure = { condition: 'misconfigured', message: held.buildError ?? 'no connector' };
    } else {
      try {
        result = await held.connector.fetch({ cursor: state.cursor, signal });
      } catch (error) {
        // The contract says fetch reports failures in `stops`; a throw is a connector bug.
        failure = {
          condition: 'connection_lost',
          message: held.redact(error instanceof Error ? error.message : String(error)),
        };
      }
    }

    const processed = held.pipeline.process(result?.records ?? [], startedAt);
    const context: OutboundContext = {
      sourceId: held.sourceId,
      ceSource: this.options.ceSource,
      receivedAt: new Date(startedAt),
      metricBatchSize: this.options.metricBatchSize,
    };
    const built = acceptedOutboundOf(processed.accepted, context);
    const published = built.records;
    const rejects: RejectedRecord[] = [...processed.rejected, ...built.refused];
    const accepted = built.accepted;
    const qualitySum = built.qualitySum;
    const rejected: Record<string, number> = {};
    const rejectRows = rejects.map((r) => {
      rejected[r.reason] = (rejected[r.reason] ?? 0) + 1;
      return rejectOutboundOf(r, held.tenantId, context);
    });
    result?.rejected.forEach((item, index) =>
      rejectRows.push(connectorRejectOutboundOf(item, index, held.tenantId, context)),
    );
    const connectorRejects = result?.rejectedCount ?? 0;
    if (connectorRejects > 0) rejected.connector_rejected = connectorRejects;
    // Records, not Kafka records: an incident ticket is published twice, metrics may be batched.
    const acceptedCount = built.acceptedCount;
    const rejectedCount = rejects.length + connectorRejects;

    const verdict = classifySync({
      stops: result?.stops ?? [],
      failure,
      accepted: acceptedCount,
      rejected: rejectedCount,
      corruptRatio: this.options.corruptRatio,
      previous: state.condition,
    });
    const changed = verdict.condition !== state.condition;
    const responseTimeMs = held.connector?.health().lastResponseTimeMs;
    const errorCount = verdict.failed ? state.errorCount + 1 : 0;
    const lastSync = verdict.failed ? state.lastSync : new Date(startedAt);
    const qualityMean =
      acceptedCount > 0 ? Math.round((qualitySum / acceptedCount) * 1000) / 1000 : undefined;

    const rows = [...published, ...rejectRows];
    try {
      for (let i = 0; i < rows.length; i += this.options.publishBatchSize) {
        if (signal.aborted) return {}; // lease lost or shutting down: the next holder refetches
        await this.transport.publish(rows.slice(i, i + this.options.publishBatchSize));
      }
    } catch (error) {
      return this.deliveryFailed(held.sourceId, error);
    }
    this.deliveryFailures.delete(held.sourceId);
    try {
      await this.dataSource.transaction(async (manager) => {
        if (changed) {
          await this.stageHealth(manager, held, verdict, {
            lastSync,
            errorCount,
            recordsCollected: acceptedCount,
            responseTimeMs,
            checkedAt: startedAt,
          });
        }
        const committed = await this.store.commitSync(
          manager,
          {
            sourceId: held.sourceId,
            cursor: result?.cursor ?? state.cursor,
            polledBy: this.options.replicaId,
            lastAttempt: new Date(startedAt),
            lastSync,
            errorCount,
            lastError: verdict.message || state.lastError,
            condition: verdict.condition,
            conditionSince: changed
              ? new Date(startedAt)
              : (state.conditionSince ?? new Date(startedAt)),
            responseTimeMs,
            recordsCollected: acceptedCount,
            recordsRejected: rejectedCount,
            qualityScore: qualityMean,
          },
          state.version,
        );
        if (!committed) throw new SyncFencedError();
      });
    } catch (error) {
      if (error instanceof SyncFencedError) {
        // Only a lease lost mid-poll gets here: the other replica re-reads the old cursor and
        // publishes these records again, under the same event ids (consumers drop the copy).
        this.logger.warn(
          { sourceId: held.sourceId },
          'sync not committed: the source was claimed elsewhere while this poll ran; its records were published and will be again, with the same event ids',
        );
        return {};
      }
      throw error;
    }
    if (changed) this.outbox.notifyCommitted();

    this.metrics.recordSync({
      sourceId: held.sourceId,
      condition: verdict.condition,
      failed: verdict.failed,
      accepted,
      rejected,
      errorCount,
      lastSyncMs: lastSync?.getTime(),
      responseTimeMs,
      qualityMean,
      durationSeconds: (this.now() - startedAt) / 1000,
    });
    if (changed) {
      this.metrics.alertPublished(held.sourceId, verdict.condition);
      const log = verdict.condition === 'ok' ? this.logger.info : this.logger.warn;
      log.call(
        this.logger,
        {
          sourceId: held.sourceId,
          from: state.condition,
          to: verdict.condition,
          reason: verdict.message,
        },
        'source condition changed',
      );
    }
    if (rejectedCount > 0) {
      this.logger.debug({ sourceId: held.sourceId, rejected }, 'records rejected');
    }
    return this.nextPoll(result);
  }

  /**
   * The broker refused a sync's records: our fault, not the source's, so its condition stays and
   * the cursor too. The same records are fetched and published again soon, backing off per
   * consecutive failure, rather than a whole polling interval later.
   */
  private deliveryFailed(sourceId: string, error: unknown): PollOutcome {
    const failures = (this.deliveryFailures.get(sourceId) ?? 0) + 1;
    this.deliveryFailures.set(sourceId, failures);
    this.metrics.deliveryFailed(sourceId);
    const retryInMs = Math.min(DELIVERY_RETRY_MAX_MS, DELIVERY_RETRY_MS * 2 ** (failures - 1));
    this.logger.warn(
      { err: error, sourceId, failures, retryInMs },
      'records not published (the cursor stays): the same records are fetched again at the retry',
    );
    return { retryInMs };
  }

  private nextPoll(result: FetchResult | undefined): PollOutcome {
    if (!result) return {};
    const retryAt = Math.max(0, ...result.stops.map((stop) => stop.retryAt?.getTime() ?? 0));
    if (retryAt > 0) return { notBefore: retryAt };
    // Only a per-sync limit stopped it: more is waiting at the source.
    if (result.stops.length > 0 && result.stops.every((stop) => stop.reason === 'limit')) {
      return { soon: true };
    }
    return {};
  }

  private async stageHealth(
    manager: EntityManager,
    held: HeldSource,
    verdict: SyncVerdict,
    figures: {
      lastSync?: Date;
      errorCount: number;
      recordsCollected: number;
      responseTimeMs?: number;
      checkedAt: number;
    },
  ): Promise<void> {
    const healthy = verdict.condition === 'ok';
    const report = create(Topics.IngestHealth, {
      sourceId: held.sourceId,
      tenantId: held.tenantId,
      healthy,
      lastSync: figures.lastSync ? timestampFromMs(figures.lastSync.getTime()) : undefined,
      errorCount: figures.errorCount,
      condition: SOURCE_CONDITION[verdict.condition],
      // Also leads the message (`auth_failed: ...`) for readers older than the condition field.
      lastError: healthy ? '' : `${verdict.condition}: ${verdict.message}`,
      recordsCollected: figures.recordsCollected,
      responseTimeMs: Math.max(0, Math.round(figures.responseTimeMs ?? 0)),
      checkedAt: timestampFromMs(figures.checkedAt),
    });
    await this.events.stage(manager, Topics.IngestHealth, report, {
      tenant: held.tenantId,
      time: new Date(figures.checkedAt),
    });
  }
}
