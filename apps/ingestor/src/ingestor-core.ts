import { hostname } from 'node:os';
import { ceSourceOf } from '@telcomesh/contracts';
import { EventOutbox } from '@telcomesh/messaging';
import type { ServiceRuntime } from '@telcomesh/platform';
import {
  createConnectorRegistry,
  type ConnectorLogger,
  type ConnectorRegistry,
  type SourceConnector,
} from './connectors';
import type { SourceCondition } from './health/connectivity';
import { IngestMetrics } from './health/ingest-metrics';
import type { IngestorConfig } from './ingestor.config';
import { compileMappingRules } from './pipeline/mapping-rules';
import { RecordPipeline, type PipelineSettings } from './pipeline/record-pipeline';
import { PollScheduler } from './scheduling/poll-scheduler';
import { SourceOwnership } from './scheduling/source-ownership';
import { DataSourceStore } from './sources/data-source-store';
import { SourceCatalog, type ConnectionTestView } from './sources/source-catalog';
import { SourceSecretBox } from './sources/source-secrets';
import { readSourcesFile } from './sources/sources-file';
import { SourceSync, type HeldSource } from './sync/source-sync';
import { WEBHOOK_SOURCE_CONNECTOR } from './webhooks/webhook-source';

/** GET /sources/{id}/health. */
export interface SourceHealthView {
  source_id: string;
  enabled: boolean;
  healthy: boolean;
  condition: SourceCondition;
  condition_since: string | null;
  last_sync: string | null;
  last_attempt: string | null;
  error_count: number;
  last_error: string | null;
  response_time_ms: number | null;
  records_collected: number;
  records_rejected: number;
  /** Rejected / (collected + rejected) of the last sync. */
  reject_rate: number;
  /** Mean quality_score of the last sync's records. */
  quality_score: number | null;
  total_collected: number;
  total_rejected: number;
  /** Replica that made the last poll. */
  polled_by: string | null;
  /** This replica holds the source's lease now. */
  held_here: boolean;
}

/** A source that pushes its records (webhook, SNMP traps), built from its stored row. */
export interface PushedSource {
  sourceId: string;
  sourceType: string;
  enabled: boolean;
  tenantId: string;
  /** `updated_at` of the row it was built from; a newer row means rebuild. */
  updatedAt: number;
  pipeline: RecordPipeline;
  /** Built from the stored configuration, secrets opened; its `config` is the validated one. */
  connector: SourceConnector;
}

export interface IngestorCoreOptions {
  /** Connectors by source type; the built-in ones by default (tests add their own). */
  connectors?: ConnectorRegistry;
}

/** Adds the source types only the ingestor itself serves (pushed to it) when a registry lacks them. */
function withPushSources(registry: ConnectorRegistry): ConnectorRegistry {
  if (!registry.list().some((d) => d.sourceType === WEBHOOK_SOURCE_CONNECTOR.sourceType))
    registry.register(WEBHOOK_SOURCE_CONNECTOR);
  return registry;
}

const iso = (date: Date | undefined) => (date ? date.toISOString() : null);

/**
 * The ingestor assembled: the source registry (catalog + store + secret box), the record pipeline,
 * per-source leases deciding which replica polls what, the poll scheduler, the sync that commits
 * records with their watermark, and health (Prometheus and ingest.health.v1 alerts).
 */
export class IngestorCore {
  readonly replicaId: string;
  readonly store: DataSourceStore;
  readonly catalog: SourceCatalog;
  readonly metrics: IngestMetrics;
  readonly sync: SourceSync;
  readonly scheduler: PollScheduler;
  readonly ownership: SourceOwnership;
  private readonly connectorLogger: ConnectorLogger;
  private readonly pushed = new Map<string, PushedSource>();
  private readonly changeListeners = new Set<(sourceId: string) => void>();

  constructor(
    private readonly runtime: ServiceRuntime<IngestorConfig>,
    options: IngestorCoreOptions = {},
  ) {
    const { config, logger } = runtime;
    this.replicaId = config.INGESTOR_REPLICA_ID ?? `${hostname()}-${process.pid}`;
    const events = new EventOutbox(runtime.outbox, ceSourceOf('ingestor'));
    this.store = new DataSourceStore(runtime.dataSource);
    this.metrics = new IngestMetrics(runtime.metrics.registry);
    this.connectorLogger = {
      debug: (context, message) => logger.debug(context, message),
      info: (context, message) => logger.info(context, message),
      warn: (context, message) => logger.warn(context, message),
      error: (context, message) => logger.error(context, message),
    };
    const connectors = withPushSources(options.connectors ?? createConnectorRegistry());
    this.catalog = new SourceCatalog({
      dataSource: runtime.dataSource,
      store: this.store,
      connectors,
      secrets: new SourceSecretBox(config.INGESTOR_SECRET_KEY),
      events,
      logger,
      changed: (sourceId) => {
        void this.ownership.refresh();
        for (const listener of this.changeListeners) listener(sourceId);
      },
    });
    this.sync = new SourceSync(
      runtime.dataSource,
      runtime.transport,
      runtime.outbox,
      events,
      this.store,
      this.metrics,
      logger,
      {
        replicaId: this.replicaId,
        ceSource: ceSourceOf('ingestor'),
        publishBatchSize: config.INGESTOR_PUBLISH_BATCH_SIZE,
        metricBatchSize: this.metricBatchSize,
        corruptRatio: config.INGESTOR_CORRUPT_DATA_RATIO,
      },
    );
    this.scheduler = new PollScheduler(
      async (sourceId, signal) => {
        const held = this.ownership.get(sourceId);
        return held ? this.sync.run(held, signal) : {};
      },
      {
        maxConcurrent: config.INGESTOR_MAX_CONCURRENT_POLLS,
        jitter: config.INGESTOR_POLL_JITTER,
        onError: (sourceId, error) =>
          logger.error({ err: error, sourceId }, 'poll failed; retrying at the next interval'),
        onRunning: (running) => this.metrics.pollsInFlight.set(running),
      },
    );
    this.ownership = new SourceOwnership(
      runtime.cache,
      this.store,
      this.scheduler,
      { hold: (sourceId) => this.hold(sourceId), release: (held) => this.release(held) },
      logger,
      {
        replicaId: this.replicaId,
        leaseTtlMs: config.INGESTOR_LEASE_TTL_MS,
        renewIntervalMs: Math.max(250, Math.floor(config.INGESTOR_LEASE_TTL_MS / 3)),
        isPolled: (source) => !connectors.isPushOnly(source),
      },
      (count) => this.metrics.sourcesHeld.set(count),
    );
  }

  /**
   * Applies INGESTOR_SOURCES_FILE when set; a bad file throws with every problem listed, which
   * stops start-up (it runs while the app is built, before anything is published).
   */
  async applySourcesFile(): Promise<void> {
    const file = this.runtime.config.INGESTOR_SOURCES_FILE;
    if (file) await this.catalog.applyFile(await readSourcesFile(file), file);
  }

  /** Calls `listener` after a source is created, changed or deleted on this replica. */
  onSourcesChanged(listener: (sourceId: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The logger connectors (and the SNMP trap receiver) are given. */
  get connectorLog(): ConnectorLogger {
    return this.connectorLogger;
  }

  /** Measurements per batch record when INGESTOR_METRICS_FORMAT=batch, else undefined (one each). */
  get metricBatchSize(): number | undefined {
    const { config } = this.runtime;
    return config.INGESTOR_METRICS_FORMAT === 'batch'
      ? config.INGESTOR_METRIC_BATCH_SIZE
      : undefined;
  }

  /** Starts taking source leases and polling. */
  async start(): Promise<void> {
    await this.ownership.start();
  }

  async stop(): Promise<void> {
    await this.ownership.stop();
    await this.scheduler.stop();
  }

  pipelineSettings(pollingIntervalSeconds: number): PipelineSettings {
    const { config } = this.runtime;
    return {
      maxClockSkewMs: config.INGESTOR_MAX_CLOCK_SKEW_SECONDS * 1000,
      maxRecordAgeMs: config.INGESTOR_MAX_RECORD_AGE_HOURS * 3_600_000,
      pollingIntervalMs: pollingIntervalSeconds * 1000,
    };
  }

  /**
   * A pushing source as stored now (undefined when there is none), cached until its row changes.
   * Throws when the stored configuration no longer builds (a secret that cannot be opened).
   */
  async pushedSource(sourceId: string): Promise<PushedSource | undefined> {
    const source = await this.store.get(sourceId);
    if (!source) {
      this.pushed.delete(sourceId);
      return undefined;
    }
    const cached = this.pushed.get(sourceId);
    if (cached && cached.updatedAt === source.updatedAt.getTime()) return cached;
    const built: PushedSource = {
      sourceId,
      sourceType: source.sourceType,
      enabled: source.enabled,
      tenantId: source.mappingRules.tenant_mapping ?? this.runtime.config.DEFAULT_TENANT,
      updatedAt: source.updatedAt.getTime(),
      pipeline: new RecordPipeline(
        compileMappingRules(source.mappingRules, this.runtime.config.DEFAULT_TENANT),
        this.pipelineSettings(source.pollingInterval),
      ),
      connector: this.catalog.connectorOf(source, this.connectorLogger),
    };
    this.pushed.set(sourceId, built);
    return built;
  }

  /** POST /sources/{id}/test: the connector's connection test on the stored configuration. */
  testSource(sourceId: string): Promise<ConnectionTestView> {
    return this.catalog.test(sourceId, this.connectorLogger);
  }

  async health(sourceId: string): Promise<SourceHealthView> {
    const source = await this.catalog.stored(sourceId);
    const state = await this.store.state(sourceId);
    const collected = state?.recordsCollected ?? 0;
    const rejected = state?.recordsRejected ?? 0;
    const condition = state?.condition ?? 'ok';
    return {
      source_id: sourceId,
      enabled: source.enabled,
      healthy: condition === 'ok',
      condition,
      condition_since: iso(state?.conditionSince),
      last_sync: iso(state?.lastSync),
      last_attempt: iso(state?.lastAttempt),
      error_count: state?.errorCount ?? 0,
      last_error: state?.lastError ?? null,
      response_time_ms: state?.responseTimeMs ?? null,
      records_collected: collected,
      records_rejected: rejected,
      reject_rate: collected + rejected === 0 ? 0 : rejected / (collected + rejected),
      quality_score: state?.qualityScore ?? null,
      total_collected: state?.totalCollected ?? 0,
      total_rejected: state?.totalRejected ?? 0,
      polled_by: state?.polledBy ?? null,
      held_here: this.ownership.holds(sourceId),
    };
  }

  /** Builds what polling a newly held source needs; a source that cannot be built is held broken. */
  private async hold(
    sourceId: string,
  ): Promise<{ held: HeldSource; notBefore?: number } | undefined> {
    const source = await this.store.get(sourceId);
    if (!source || !source.enabled) return undefined;
    const state = await this.store.state(sourceId);
    const intervalMs = source.pollingInterval * 1000;
    const redact = this.catalog.redactorOf(source);
    const held: HeldSource = {
      sourceId,
      tenantId: source.mappingRules.tenant_mapping ?? this.runtime.config.DEFAULT_TENANT,
      intervalMs,
      updatedAt: source.updatedAt.getTime(),
      pipeline: new RecordPipeline(
        compileMappingRules(source.mappingRules, this.runtime.config.DEFAULT_TENANT),
        this.pipelineSettings(source.pollingInterval),
      ),
      redact,
    };
    try {
      held.connector = this.catalog.connectorOf(source, this.connectorLogger);
    } catch (error) {
      held.buildError = redact(error instanceof Error ? error.message : String(error));
      this.runtime.logger.error(
        { sourceId, reason: held.buildError },
        'data source cannot be polled: its stored configuration does not build a connector',
      );
    }
    // Resume the rhythm the previous holder kept, so a moved source is not polled early or late.
    const last = state?.lastAttempt?.getTime();
    return { held, notBefore: last === undefined ? undefined : last + intervalMs };
  }

  private async release(held: HeldSource): Promise<void> {
    this.metrics.forget(held.sourceId);
    await held.connector?.close();
  }
}
