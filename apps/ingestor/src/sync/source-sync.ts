import { create, timestampFromMs, Topics } from '@telcomesh/contracts';
import type { EventOutbox, Outbox, OutboundRecord } from '@telcomesh/messaging';
import type { Logger } from '@telcomesh/observability';
import type { DataSource, EntityManager } from 'typeorm';
import type { FetchResult, SourceConnector } from '../connectors';
import { classifySync, type SyncVerdict } from '../health/connectivity';
import type { IngestMetrics } from '../health/ingest-metrics';
import {
  connectorRejectOutboundOf,
  outboundRecordsOf,
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
  /** Rows per outbox INSERT. */
  publishBatchSize: number;
  corruptRatio: number;
  now?: () => number;
}

/** Thrown inside the commit transaction when another replica moved the source on meanwhile. */
class SyncFencedError extends Error {
  override readonly name = 'SyncFencedError';
}

/**
 * One poll of one source: connector fetch from the saved cursor, validation and enrichment, then
 * one transaction holding the records' outbox rows (published and rejected), the new cursor and
 * health, and the connectivity alert when the source's condition changed. The state row's version
 * fences the commit: a replica that lost the source while it polled cannot publish a second copy,
 * and a restart resumes exactly after the last committed records.
 */
export class SourceSync {
  private readonly now: () => number;

  constructor(
    private readonly dataSource: DataSource,
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
    const startedAt = this.now();
    const state = await this.store.state(held.sourceId);
    if (!state) return {}; // deleted meanwhile; the ownership round drops it

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
    };
    const published: OutboundRecord[] = [];
    const rejects: RejectedRecord[] = [...processed.rejected];
    const accepted: Record<string, number> = {};
    let qualitySum = 0;
    for (const enriched of processed.accepted) {
      try {
        published.push(...outboundRecordsOf(enriched, context));
        accepted[enriched.kind] = (accepted[enriched.kind] ?? 0) + 1;
        qualitySum += enriched.qualityScore;
      } catch (error) {
        rejects.push({
          record: enriched.record,
          reason: 'schema',
          field: 'record',
          detail: error instanceof Error ? error.message : String(error),
        });
      }
    }
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
    // Records, not rows: an incident ticket is published twice (ticket and event).
    const acceptedCount = Object.values(accepted).reduce((a, b) => a + b, 0);
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

    try {
      await this.dataSource.transaction(async (manager) => {
        const rows = [...published, ...rejectRows];
        for (let i = 0; i < rows.length; i += this.options.publishBatchSize) {
          await this.outbox.enqueue(manager, rows.slice(i, i + this.options.publishBatchSize));
        }
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
        this.logger.info(
          { sourceId: held.sourceId },
          'sync discarded: the source was polled elsewhere since this poll read its cursor',
        );
        return {};
      }
      throw error;
    }
    this.outbox.notifyCommitted();

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
      // The proto has no condition field yet: it leads the message (`auth_failed: ...`).
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
