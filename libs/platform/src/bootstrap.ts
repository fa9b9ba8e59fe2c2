import 'reflect-metadata';
import { Module, ValidationPipe, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ClassConstructor } from 'class-transformer';
import type { DataSource } from 'typeorm';
import { RedisCache, MemoryCache, type Cache } from '@telcomesh/cache';
import { loadConfig, redactUrl, type ServiceConfig } from '@telcomesh/config';
import { DLQ_RETENTION_MS, dlqTopicOf } from '@telcomesh/contracts';
import {
  Inbox,
  MessagingTables1763800000000,
  Outbox,
  OutboxRelay,
  type MessageTransport,
  type TopicSpec,
} from '@telcomesh/messaging';
import { createLogger, initTracing, ServiceMetrics, type Logger } from '@telcomesh/observability';
import {
  createServiceDataSource,
  isSharedServer,
  openServiceDatabase,
  schemaNameOf,
} from '@telcomesh/persistence';
import type { ServiceDataSourceOptions } from '@telcomesh/persistence';
import { PlatformExceptionFilter } from './exception.filter';
import { httpTelemetry } from './http-telemetry';
import { NestPinoLogger } from './nest-logger';
import { PlatformModule } from './platform.module';
import type { ServiceRuntime } from './runtime';
import { openTransport } from './transport-factory';

export interface ServiceDefinition<C extends ServiceConfig> {
  /** Service name: logs, metrics label, schema, consumer-group prefix. */
  name: string;
  title: string;
  description: string;
  version?: string;
  configClass: ClassConstructor<C>;
  /** The service's root feature module; it can inject SERVICE_RUNTIME. */
  module: Type<unknown>;
  entities?: ServiceDataSourceOptions['entities'];
  migrations?: ServiceDataSourceOptions['migrations'];
  /** Registry topics this service publishes or consumes; they and their DLQs are created if missing. */
  topics?: readonly TopicSpec[];
}

export interface RunningService<C extends ServiceConfig = ServiceConfig> {
  runtime: ServiceRuntime<C>;
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** The service's data source: its schema, the platform's messaging tables, then its own migrations. */
export function serviceDataSourceOf<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  config: C,
): DataSource {
  return createServiceDataSource({
    service: definition.name,
    databaseUrl: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA ?? schemaNameOf(definition.name),
    dataDir: config.DATA_DIR,
    entities: definition.entities ?? [],
    migrations: [
      MessagingTables1763800000000,
      ...((definition.migrations as unknown[]) ?? []),
    ] as ServiceDataSourceOptions['migrations'],
  });
}

async function openCache(service: string, config: ServiceConfig): Promise<Cache> {
  if (!config.REDIS_URL) return new MemoryCache();
  const prefix = [config.KAFKA_TOPIC_PREFIX, 'telcomesh', service].filter(Boolean).join(':');
  return new RedisCache(config.REDIS_URL, prefix).connect();
}

function describeMode(config: ServiceConfig): Record<string, string> {
  return {
    bus: config.KAFKA_BROKERS ? `kafka ${config.KAFKA_BROKERS}` : 'embedded',
    database: config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `pglite ${config.DATA_DIR}`,
    cache: config.REDIS_URL ? redactUrl(config.REDIS_URL) : 'memory',
  };
}

/**
 * Starts one service: validated config, logs, tracing, metrics, bus, database (migrations run),
 * cache, outbox relay, then the Nest HTTP app with validation, error mapping, /health, /metrics,
 * and its OpenAPI document at /docs and /docs-json. Any failure stops with a clear message.
 */
export async function startService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  env: Record<string, string | undefined> = process.env,
): Promise<RunningService<C>> {
  const config = loadConfig(definition.name, definition.configClass, env);
  const logger: Logger = createLogger(definition.name, config.LOG_LEVEL);
  initTracing(definition.name, config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const metrics = new ServiceMetrics(definition.name);
  logger.info(describeMode(config), 'starting');

  const opened: { close(): Promise<void> }[] = [];
  try {
    const transport: MessageTransport = await openTransport(definition.name, config, logger);
    if (transport.kind === 'kafka') opened.push(transport);
    if (definition.topics?.length) {
      await transport.ensureTopics(
        definition.topics.flatMap((t) => [
          { name: t.name, partitions: t.partitions, retentionMs: t.retentionMs },
          { name: dlqTopicOf(t.name), partitions: t.partitions, retentionMs: DLQ_RETENTION_MS },
        ]),
      );
    }

    const dataSource = serviceDataSourceOf(definition, config);
    await openServiceDatabase(dataSource);
    opened.push({ close: () => dataSource.destroy() });

    const cache = await openCache(definition.name, config);
    opened.push(cache);

    const outbox = new Outbox(dataSource);
    const relay = new OutboxRelay(outbox, transport, {
      sharedServer: isSharedServer(dataSource),
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      metrics,
      logger,
    });
    const runtime: ServiceRuntime<C> = {
      service: definition.name,
      config,
      logger,
      metrics,
      transport,
      dataSource,
      outbox,
      relay,
      inbox: new Inbox(dataSource),
      cache,
    };

    @Module({ imports: [PlatformModule.forRuntime(runtime), definition.module] })
    class ServiceRootModule {}

    const app = await NestFactory.create<NestExpressApplication>(ServiceRootModule, {
      logger: new NestPinoLogger(logger),
      bufferLogs: false,
      abortOnError: false,
      bodyParser: false,
      // Keeps the bytes as sent on `req.rawBody`: signed webhooks verify their HMAC on them.
      rawBody: true,
    });
    app.useBodyParser('json', { limit: config.HTTP_BODY_LIMIT });
    app.useBodyParser('urlencoded', { limit: config.HTTP_BODY_LIMIT, extended: true });
    app.use(httpTelemetry(logger, metrics));
    app.useGlobalPipes(
      new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    );
    app.useGlobalFilters(new PlatformExceptionFilter(logger));
    // No enableShutdownHooks: Nest would re-raise SIGTERM and exit before the relay and bus drain;
    // runAsMain owns signals and calls close(), which runs the module destroy hooks.

    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(definition.title)
        .setDescription(definition.description)
        .setVersion(definition.version ?? '0.1.0')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs-json',
      yamlDocumentUrl: 'docs-yaml',
    });

    relay.start();
    await app.listen(config.PORT, config.HOST);
    const address = app.getHttpServer().address() as { port: number };
    const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${address.port}`;
    logger.info({ url, docs: `${url}/docs` }, 'ready');

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await app.close(); // consumers stop via module destroy hooks
        await relay.stop();
        for (const resource of opened.reverse()) await resource.close();
        logger.info('stopped');
      })();
      return closing;
    };
    return { runtime, app, url, close };
  } catch (error) {
    for (const resource of opened.reverse()) await resource.close().catch(() => undefined);
    throw error;
  }
}
