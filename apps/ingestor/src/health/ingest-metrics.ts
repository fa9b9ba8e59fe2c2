import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SOURCE_CONDITIONS, type SourceCondition } from './connectivity';

/** What one committed sync tells the metrics. */
export interface SyncFigures {
  sourceId: string;
  condition: SourceCondition;
  failed: boolean;
  /** Accepted records by kind. */
  accepted: Partial<Record<string, number>>;
  /** Rejected records by reason. */
  rejected: Partial<Record<string, number>>;
  errorCount: number;
  lastSyncMs?: number;
  responseTimeMs?: number;
  qualityMean?: number;
  durationSeconds: number;
}

/**
 * The ingestor's Prometheus series (on the service's /metrics): per-source health gauges, exported
 * only by the replica that holds the source, and counters of records by kind and rejects by reason.
 */
export class IngestMetrics {
  private readonly records: Counter<'source_id' | 'kind'>;
  private readonly rejects: Counter<'source_id' | 'reason'>;
  private readonly healthy: Gauge<'source_id'>;
  private readonly condition: Gauge<'source_id' | 'condition'>;
  private readonly lastSync: Gauge<'source_id'>;
  private readonly errorCount: Gauge<'source_id'>;
  private readonly responseTime: Gauge<'source_id'>;
  private readonly collected: Gauge<'source_id'>;
  private readonly rejectRatio: Gauge<'source_id'>;
  private readonly quality: Gauge<'source_id'>;
  private readonly pollDuration: Histogram<'outcome'>;
  private readonly alerts: Counter<'source_id' | 'condition'>;
  private readonly deliveryFailures: Counter<'source_id'>;
  readonly sourcesHeld: Gauge;
  readonly pollsInFlight: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    this.records = new Counter({
      name: 'ingestor_records_published_total',
      help: 'Records validated, enriched and published, by source and kind',
      labelNames: ['source_id', 'kind'],
      registers,
    });
    this.deliveryFailures = new Counter({
      name: 'ingestor_delivery_failures_total',
      help: 'Syncs whose records could not be published (broker down): the cursor stayed, the next poll fetches them again',
      labelNames: ['source_id'],
      registers,
    });
    this.rejects = new Counter({
      name: 'ingestor_records_rejected_total',
      help: 'Records sent to the rejects (DLQ) instead of their topic, by source and reason',
      labelNames: ['source_id', 'reason'],
      registers,
    });
    this.healthy = new Gauge({
      name: 'ingestor_source_healthy',
      help: '1 when the last sync of the source left it ok, else 0',
      labelNames: ['source_id'],
      registers,
    });
    this.condition = new Gauge({
      name: 'ingestor_source_condition',
      help: '1 for the condition the source is in (ok, connection_lost, auth_failed...)',
      labelNames: ['source_id', 'condition'],
      registers,
    });
    this.lastSync = new Gauge({
      name: 'ingestor_source_last_sync_timestamp_seconds',
      help: 'When the source last synced without an error',
      labelNames: ['source_id'],
      registers,
    });
    this.errorCount = new Gauge({
      name: 'ingestor_source_error_count',
      help: 'Consecutive failed syncs of the source (0 when healthy)',
      labelNames: ['source_id'],
      registers,
    });
    this.responseTime = new Gauge({
      name: 'ingestor_source_response_time_ms',
      help: 'Response time of the source during the last sync',
      labelNames: ['source_id'],
      registers,
    });
    this.collected = new Gauge({
      name: 'ingestor_source_records_collected',
      help: 'Records the last sync published',
      labelNames: ['source_id'],
      registers,
    });
    this.rejectRatio = new Gauge({
      name: 'ingestor_source_reject_ratio',
      help: 'Fraction of the last sync’s records that were rejected',
      labelNames: ['source_id'],
      registers,
    });
    this.quality = new Gauge({
      name: 'ingestor_source_quality_score',
      help: 'Mean quality_score of the records the last sync published',
      labelNames: ['source_id'],
      registers,
    });
    this.pollDuration = new Histogram({
      name: 'ingestor_poll_duration_seconds',
      help: 'Time one sync took, fetch to commit',
      labelNames: ['outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.alerts = new Counter({
      name: 'ingestor_connectivity_alerts_total',
      help: 'Connectivity state changes published on ingest.health.v1',
      labelNames: ['source_id', 'condition'],
      registers,
    });
    this.sourcesHeld = new Gauge({
      name: 'ingestor_sources_held',
      help: 'Sources this replica holds the lease of and polls',
      registers,
    });
    this.pollsInFlight = new Gauge({
      name: 'ingestor_polls_in_flight',
      help: 'Syncs running on this replica now',
      registers,
    });
  }

  recordSync(figures: SyncFigures): void {
    const { sourceId } = figures;
    let accepted = 0;
    for (const [kind, count] of Object.entries(figures.accepted)) {
      if (!count) continue;
      accepted += count;
      this.records.inc({ source_id: sourceId, kind }, count);
    }
    let rejected = 0;
    for (const [reason, count] of Object.entries(figures.rejected)) {
      if (!count) continue;
      rejected += count;
      this.rejects.inc({ source_id: sourceId, reason }, count);
    }
    this.healthy.set({ source_id: sourceId }, figures.condition === 'ok' ? 1 : 0);
    for (const condition of SOURCE_CONDITIONS) {
      this.condition.set(
        { source_id: sourceId, condition },
        condition === figures.condition ? 1 : 0,
      );
    }
    if (figures.lastSyncMs !== undefined)
      this.lastSync.set({ source_id: sourceId }, figures.lastSyncMs / 1000);
    this.errorCount.set({ source_id: sourceId }, figures.errorCount);
    if (figures.responseTimeMs !== undefined)
      this.responseTime.set({ source_id: sourceId }, figures.responseTimeMs);
    this.collected.set({ source_id: sourceId }, accepted);
    const total = accepted + rejected;
    this.rejectRatio.set({ source_id: sourceId }, total === 0 ? 0 : rejected / total);
    if (figures.qualityMean !== undefined)
      this.quality.set({ source_id: sourceId }, figures.qualityMean);
    this.pollDuration.observe(
      { outcome: figures.failed ? 'failed' : 'ok' },
      figures.durationSeconds,
    );
  }

  /** Records a source pushed (webhook delivery, SNMP trap): counted like a sync's, no gauges. */
  recordPushed(
    sourceId: string,
    accepted: Record<string, number>,
    rejected: Record<string, number>,
  ): void {
    for (const [kind, count] of Object.entries(accepted))
      if (count) this.records.inc({ source_id: sourceId, kind }, count);
    for (const [reason, count] of Object.entries(rejected))
      if (count) this.rejects.inc({ source_id: sourceId, reason }, count);
  }

  deliveryFailed(sourceId: string): void {
    this.deliveryFailures.inc({ source_id: sourceId });
  }

  alertPublished(sourceId: string, condition: SourceCondition): void {
    this.alerts.inc({ source_id: sourceId, condition });
  }

  /** Drops the per-source gauges when this replica lets the source go (the new holder exports them). */
  forget(sourceId: string): void {
    for (const gauge of [
      this.healthy,
      this.lastSync,
      this.errorCount,
      this.responseTime,
      this.collected,
      this.rejectRatio,
      this.quality,
    ]) {
      gauge.remove({ source_id: sourceId });
    }
    for (const condition of SOURCE_CONDITIONS)
      this.condition.remove({ source_id: sourceId, condition });
  }
}
