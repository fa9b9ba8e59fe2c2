import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { hostname } from 'node:os';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Settings every TelcoMesh service reads. Unset KAFKA_BROKERS / DATABASE_URL / REDIS_URL select
 * the embedded bus, PGlite and the in-memory cache: the mode is configuration, never code.
 */
export class ServiceConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT!: number;

  /** Interface the HTTP server binds; containers set 0.0.0.0. */
  @IsString()
  HOST = '127.0.0.1';

  /** Largest request body accepted (batch webhooks); bigger bodies get 413. */
  @Matches(/^\d+(b|kb|mb)$/, { message: 'HTTP_BODY_LIMIT must look like 512kb or 5mb' })
  HTTP_BODY_LIMIT = '5mb';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** Comma-separated host:port list. */
  @IsOptional()
  @Matches(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port',
  })
  KAFKA_BROKERS?: string;

  /** Prefix for every topic and consumer group, so test runs and tenants of a shared cluster never collide. */
  @IsOptional()
  @Matches(/^[a-zA-Z0-9._-]*$/, {
    message: 'KAFKA_TOPIC_PREFIX may hold letters, digits, ".", "_" and "-"',
  })
  KAFKA_TOPIC_PREFIX = '';

  @IsOptional()
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL?: string;

  /** Postgres schema of this service; defaults to the service name. */
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]*$/, { message: 'DATABASE_SCHEMA must be a lower-case SQL identifier' })
  DATABASE_SCHEMA?: string;

  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL?: string;

  /** Where embedded mode keeps PGlite data. */
  @IsString()
  DATA_DIR = '.data';

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsString()
  SERVICE_INSTANCE_ID: string = `${hostname()}-${process.pid}`;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  OUTBOX_POLL_INTERVAL_MS = 500;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(50)
  CONSUMER_MAX_RETRIES = 5;
}
