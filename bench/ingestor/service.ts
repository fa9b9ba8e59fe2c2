/**
 * The ingestor service in process (`bootstrap` from apps/ingestor) on the real PostgreSQL, Redis
 * and Kafka, with its polling handed to a second IngestorCore on the same runtime that also knows
 * the benchmark's `bench_metrics` connector (the service's own core only knows the built-in ones
 * and has no hook to add one). Everything after that — scheduler, SourceSync, health outbox, the
 * transport — is the service's.
 */
import { randomBytes } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import type { OutboundRecord } from '@telcomesh/messaging';
import { ServiceMetrics } from '@telcomesh/observability';
import type { RunningService } from '@telcomesh/platform';
import { IngestorCore } from '../../apps/ingestor/src/ingestor-core';
import type { IngestorConfig } from '../../apps/ingestor/src/ingestor.config';
import { bootstrap } from '../../apps/ingestor/src/main';
import { type PostgresTarget, postgresUrl } from '../messaging/environment';
import { log } from '../messaging/stats';
import { benchConnectorRegistry, type HandedBatch } from './metric-source';

export interface BenchIngestor {
  service: RunningService<IngestorConfig>;
  core: IngestorCore;
  schema: string;
  topicPrefix: string;
  /** Called with every batch a bench source hands over (set by the scenario running). */
  onBatch: ((batch: HandedBatch) => void) | undefined;
  /** Called after every transport publish resolved (the relay's; set by the scenario running). */
  onPublished: ((records: OutboundRecord[]) => void) | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  brokers: string[];
  redisUrl: string;
  pg: PostgresTarget;
  database: string;
  topicPrefix: string;
  maxConcurrentPolls: number;
  metricsFormat: 'record' | 'batch';
  metricBatchSize: number;
}

export async function startIngestor(o: StartOptions): Promise<BenchIngestor> {
  const schema = 'ingestor';
  const service = await bootstrap({
    NODE_ENV: 'production',
    PORT: '0',
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: o.brokers.join(','),
    KAFKA_TOPIC_PREFIX: o.topicPrefix,
    DATABASE_URL: postgresUrl(o.pg, o.database),
    DATABASE_SCHEMA: schema,
    REDIS_URL: o.redisUrl,
    INGESTOR_SECRET_KEY: randomBytes(32).toString('base64'),
    INGESTOR_REPLICA_ID: `bench-${o.topicPrefix}`,
    INGESTOR_MAX_CONCURRENT_POLLS: String(o.maxConcurrentPolls),
    // No jitter: every bench source starts at once (the first poll spreads over up to 10 s else).
    INGESTOR_POLL_JITTER: '0',
    INGESTOR_METRICS_FORMAT: o.metricsFormat,
    INGESTOR_METRIC_BATCH_SIZE: String(o.metricBatchSize),
    OUTBOX_POLL_INTERVAL_MS: '100',
  });
  // The service's own core would hold the bench sources without a connector: stop it first.
  await service.app.get(IngestorCore).stop();

  const bench: BenchIngestor = {
    service,
    core: undefined as unknown as IngestorCore,
    schema,
    topicPrefix: o.topicPrefix,
    onBatch: undefined,
    onPublished: undefined,
    close: async () => {
      await bench.core.stop();
      await service.close();
    },
  };
  try {
    // Its own metrics registry: the stopped core's ingest metrics already hold the names.
    bench.core = new IngestorCore(
      { ...service.runtime, metrics: new ServiceMetrics('ingestor') },
      { connectors: benchConnectorRegistry((batch) => bench.onBatch?.(batch)) },
    );
  } catch (error) {
    await service.close();
    throw error;
  }
  // A probe on the relay's transport: publish resolves once Kafka has acknowledged the records.
  const transport = service.runtime.transport;
  const publish = transport.publish.bind(transport);
  transport.publish = async (records) => {
    await publish(records);
    bench.onPublished?.(records);
  };
  try {
    await bench.core.start();
  } catch (error) {
    await bench.close();
    throw error;
  }
  return bench;
}

/** Deletes the topics of this run (all carry its prefix) so repeated runs do not fill the disk. */
export async function deletePrefixedTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Admin({ clientId: 'bench-ingestor-janitor', bootstrapBrokers: brokers });
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } catch (error) {
    log(`could not delete the run's topics (${String(error)}); delete ${prefix}.* by hand`);
  } finally {
    await admin.close();
  }
}
