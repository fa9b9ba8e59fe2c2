import { Type } from 'class-transformer';
import {
  IsIn,
  IsIP,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { ServiceConfig } from '@telcomesh/config';

/** How the ingestor publishes measurements (INGESTOR_METRICS_FORMAT). */
export type MetricsFormat = 'record' | 'batch';
const METRICS_FORMATS: readonly MetricsFormat[] = ['record', 'batch'];

export class IngestorConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 8081;

  /** When set, webhook senders must present `Authorization: Bearer <token>`. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'INGESTOR_WEBHOOK_TOKEN must be at least 16 characters' })
  INGESTOR_WEBHOOK_TOKEN?: string;

  /** Tenant stamped on events whose sender (or data source mapping) names none. */
  @IsString()
  DEFAULT_TENANT = 'default';

  /** Seed `workers/config/data_sources.yaml`: data sources applied at start-up (config as code). */
  @IsOptional()
  @IsString()
  INGESTOR_SOURCES_FILE?: string;

  /** 32 bytes, base64: encrypts literal connector secrets at rest (`${env:NAME}` needs no key). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'INGESTOR_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)',
  })
  INGESTOR_SECRET_KEY?: string;

  /** Name of this replica in source leases; default `<hostname>-<pid>`. */
  @IsOptional()
  @Matches(/^[\w.-]{1,128}$/, { message: 'INGESTOR_REPLICA_ID: letters, digits, . _ - only' })
  INGESTOR_REPLICA_ID?: string;

  /**
   * A replica that stops renewing loses its sources after this long. Keep it below the shortest
   * polling interval so a dead replica's sources are polled by another within one interval.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  INGESTOR_LEASE_TTL_MS = 30_000;

  /** Polls running at once on this replica, all sources together. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  INGESTOR_MAX_CONCURRENT_POLLS = 8;

  /** Each poll is moved by up to ± this fraction of its interval, so sources do not fire together. */
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(0.5)
  INGESTOR_POLL_JITTER = 0.1;

  /** A record timestamped further in the future than this is rejected (source clock skew). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  INGESTOR_MAX_CLOCK_SKEW_SECONDS = 300;

  /** A measurement older than this is rejected as stale; freshness scores decay towards it. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(24 * 366)
  INGESTOR_MAX_RECORD_AGE_HOURS = 168;

  /** Kafka records per publish call of a sync (its records go out in these chunks, in order). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  INGESTOR_PUBLISH_BATCH_SIZE = 2000;

  /**
   * `record`: each measurement is a `telemetry.metrics.v1` record. `batch`: a sync's measurements
   * go to `telemetry.metric-batches.v1`, one record per site (up to INGESTOR_METRIC_BATCH_SIZE),
   * for high volume: the per-record cost (event id, envelope headers, Kafka framing) is paid once
   * per batch. Consumers must read the topic the deployment chose.
   */
  @IsIn(METRICS_FORMATS)
  INGESTOR_METRICS_FORMAT: MetricsFormat = 'record';

  /** Measurements per batch record (INGESTOR_METRICS_FORMAT=batch); ~300 B each, under 1 MiB. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2000)
  INGESTOR_METRIC_BATCH_SIZE = 500;

  /** A sync rejecting at least this fraction of its records raises the `corrupt_data` alert. */
  @Type(() => Number)
  @IsNumber()
  @Min(0.01)
  @Max(1)
  INGESTOR_CORRUPT_DATA_RATIO = 0.5;

  /** UDP port of the SNMP trap listener; unset, no listener. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65_535)
  INGESTOR_SNMP_TRAP_PORT?: number;

  /** Address the trap listener binds: 0.0.0.0 in a pod, loopback by default. */
  @IsIP()
  INGESTOR_SNMP_TRAP_HOST = '127.0.0.1';

  /** v1/v2c communities accepted besides those of the `snmp` sources' targets (comma-separated). */
  @IsOptional()
  @IsString()
  INGESTOR_SNMP_TRAP_COMMUNITIES?: string;

  /** Traps from agents no enabled `snmp` source lists: `publish` (source `snmp-traps`) or `reject`. */
  @IsIn(['publish', 'reject'])
  INGESTOR_SNMP_TRAP_UNKNOWN_AGENTS: 'publish' | 'reject' = 'publish';
}
