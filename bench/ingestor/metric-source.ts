/**
 * The benchmark's fast source: an in-process connector (source_type `bench_metrics`) that hands
 * the ingestor ENM-shaped metric records in large batches, with no network and no parsing, so the
 * figures are the ingestor's own path (pipeline → Kafka → cursor commit), not a simulator's.
 */
import 'reflect-metadata';
import { IsInt, Max, Min } from 'class-validator';
import {
  createConnectorRegistry,
  type ConnectionTestResult,
  type ConnectorDefinition,
  type ConnectorHealth,
  type ConnectorRegistry,
  type FetchContext,
  type FetchResult,
  type MetricRecord,
  type SourceConnector,
  type SyncCursor,
} from '../../apps/ingestor/src/connectors';
import { validateConnectionConfig } from '../../apps/ingestor/src/connectors/connection-config';
import { syntheticMetrics } from '../../apps/ingestor/src/pipeline/pipeline-benchmark';

export const BENCH_SOURCE_TYPE = 'bench_metrics';
const STREAM = 'metrics';

/** connection_config of a benchmark source. */
export class BenchMetricConfig {
  /** Records the source holds in all; 0 makes an idle source (every poll finds nothing). */
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  records_total = 0;

  /** Records per fetch (the connector's per-sync limit). */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  batch_size = 5000;
}

/** When a batch was handed to the ingestor, and how many records it held. */
export interface HandedBatch {
  sourceId: string;
  records: number;
  handedAt: number;
}

export interface BenchSourceDeps {
  sourceId: string;
  /** Told of every non-empty batch fetch returns (the latency probe's start mark). */
  onBatch?: (batch: HandedBatch) => void;
  now?: () => number;
}

function positionOf(cursor: SyncCursor | undefined): number {
  const raw = cursor?.streams[STREAM]?.position;
  const position = raw === undefined ? 0 : Number(raw);
  return Number.isInteger(position) && position >= 0 ? position : 0;
}

/**
 * Serves `records_total` records, `batch_size` per fetch, from one batch generated up front (the
 * same records again each time: the pipeline does not mutate them, and their ids repeating is
 * irrelevant to throughput). While records remain it reports a `limit` stop, so the scheduler
 * polls again soon, as with a real source that has a backlog.
 */
export class BenchMetricConnector implements SourceConnector<BenchMetricConfig> {
  readonly sourceType = BENCH_SOURCE_TYPE;
  private readonly template: MetricRecord[];
  private readonly now: () => number;
  private fetched = 0;
  private lastFetch: number | undefined;

  constructor(
    readonly config: BenchMetricConfig,
    private readonly deps: BenchSourceDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.template =
      config.records_total === 0
        ? []
        : syntheticMetrics(Math.min(config.batch_size, config.records_total), this.now());
  }

  validateConfig(raw: unknown): BenchMetricConfig {
    return validateConnectionConfig(BenchMetricConfig, raw, this.deps.sourceId);
  }

  async connect(): Promise<void> {}

  fetch(context: FetchContext = {}): Promise<FetchResult> {
    const delivered = positionOf(context.cursor);
    const count = Math.max(
      0,
      Math.min(this.config.batch_size, this.config.records_total - delivered),
    );
    const records = count === this.template.length ? this.template : this.template.slice(0, count);
    const position = delivered + count;
    const more = position < this.config.records_total;
    this.fetched += count;
    this.lastFetch = this.now();
    if (count > 0)
      this.deps.onBatch?.({ sourceId: this.deps.sourceId, records: count, handedAt: this.now() });
    return Promise.resolve({
      records,
      cursor: { version: 1, streams: { [STREAM]: { position: String(position) } } },
      complete: !more,
      stops: more
        ? [{ stream: STREAM, reason: 'limit', message: `batch of ${this.config.batch_size}` }]
        : [],
      rejected: [],
      rejectedCount: 0,
    });
  }

  testConnection(): Promise<ConnectionTestResult> {
    return Promise.resolve({ ok: true, stage: 'parse', message: 'in-process', latencyMs: 0 });
  }

  health(): ConnectorHealth {
    const at = this.lastFetch === undefined ? undefined : new Date(this.lastFetch);
    return {
      healthy: true,
      lastSync: at,
      lastAttempt: at,
      errorCount: 0,
      requests: 0,
      errors: 0,
      lastResponseTimeMs: 0,
      recordsCollected: this.fetched,
      quotaExceeded: 0,
    };
  }

  async close(): Promise<void> {}
}

/** The built-in connectors plus `bench_metrics`, whose batches are reported to `onBatch`. */
export function benchConnectorRegistry(onBatch?: (batch: HandedBatch) => void): ConnectorRegistry {
  const definition: ConnectorDefinition<BenchMetricConfig> = {
    sourceType: BENCH_SOURCE_TYPE,
    connectorClass: 'BenchMetricConnector',
    configClass: BenchMetricConfig,
    create: (config, deps) =>
      new BenchMetricConnector(config, { sourceId: deps.sourceId, onBatch }),
  };
  return createConnectorRegistry().register(definition);
}
