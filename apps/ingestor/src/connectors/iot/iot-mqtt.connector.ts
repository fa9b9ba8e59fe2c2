// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { connect as connectMqtt, type IClientOptions, type MqttClient } from 'mqtt';
import {
  BasicAuthenticationDto,
  validateConnectionConfig,
  type ConfigIssue,
  type CrossFieldChecks,
} from '../connection-config';
import type {
  ConnectionTestResult,
  ConnectorDeps,
  ConnectorHealth,
  FetchContext,
  FetchResult,
  RejectedItem,
  SourceConnector,
  SourceRecord,
  StreamStop,
} from '../connector';
import { systemClock, type Clock } from '../http/clock';
import { silentLogger, type ConnectorLogger } from '../http/http-source-client';
import { SecretRedactor } from '../http/redaction';
import { SourceError, classifyNetworkError } from '../http/source-error';
import { SENSOR_TYPES, type SensorType } from './energy-readings';
import { MessageBuffer } from './message-buffer';
import { messageMetrics, type ReceivedMessage } from './mqtt-messages';
import { topicFilterProblem } from './mqtt-topics';

export const IOT_MQTT_SOURCE_TYPE = 'energy_iot_mqtt';
/** Stream name in stops and rejections: the pipeline sends its rejects to the metrics DLQ. */
const STREAM = 'metrics';
const MAX_REJECTED_KEPT = 100;
/** CONNACK refusals that mean the credentials (3.1.1: 4, 5; MQTT 5: 134, 135). */
const AUTH_REFUSALS = new Set([4, 5, 134, 135]);

/** Energy sensors publishing to an MQTT broker. */
export class IotMqttConfig implements CrossFieldChecks {
  @IsUrl({
    require_tld: false,
    require_protocol: true,
    protocols: ['mqtt', 'mqtts', 'ws', 'wss'],
  })
  @MaxLength(2000)
  broker_url!: string;

  /** Topic filters; the first `+` level is the site, the levels under `#` sensor type and id. */
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsString({ each: true })
  topics: string[] = ['telcomesh/sites/+/energy/#'];

  /**
   * The broker keeps a persistent session under this id; two connectors with the same id push
   * each other off. Default `telcomesh-ingestor-<source id>`.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, {
    message: 'client_id must be 1-128 letters, digits, ".", "_", ":" or "-"',
  })
  client_id?: string;

  /** 1: every message at least once. 0 is never kept for a disconnected client. */
  @IsIn([0, 1, 2])
  qos: 0 | 1 | 2 = 1;

  /**
   * False (the default) keeps the session at the broker while the connector is stopped, so the
   * messages published meanwhile (QoS 1 and 2) arrive when it reconnects.
   */
  @IsBoolean()
  clean_session = false;

  @IsOptional()
  @ValidateNested()
  @Type(() => BasicAuthenticationDto)
  authentication?: BasicAuthenticationDto;

  @IsInt()
  @Min(5)
  @Max(3600)
  keepalive_seconds = 30;

  @IsInt()
  @Min(100)
  @Max(120_000)
  connect_timeout_ms = 10_000;

  /** Messages held between syncs; beyond it the oldest are dropped and counted as rejected. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  buffer_limit = 10_000;

  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SENSOR_TYPES, { each: true })
  sensor_types: SensorType[] = [...SENSOR_TYPES];

  crossFieldIssues(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    this.topics.forEach((topic, index) => {
      const problem = topicFilterProblem(topic);
      if (problem) {
        issues.push({
          path: `topics[${index}]`,
          message: `topics[${index}] is not an MQTT topic filter: ${problem}`,
        });
      }
    });
    return issues;
  }
}

/** What the connector's MQTT session has seen, for health and tests. */
export interface MqttBufferStats {
  /** Messages received since start. */
  received: number;
  /** Held now, waiting for the next sync. */
  buffered: number;
  /** Dropped because the buffer was full, since start. */
  dropped: number;
}

/**
 * IoT energy sensors over MQTT: subscribes to `topics` with QoS `qos` under a fixed client id and
 * a persistent session (`clean_session` false), so messages published while the connector is
 * stopped are delivered when it reconnects. Messages wait in a bounded buffer between syncs; each
 * `fetch` hands over what arrived since the last one, as metrics (see `messageMetrics`).
 *
 * A message is acknowledged to the broker when it enters the buffer, so what is buffered is lost
 * if the process dies before the next sync hands it on; a full buffer drops its oldest messages
 * and the next sync reports how many among its rejections. The client reconnects by itself; a
 * sync while it is disconnected returns what was buffered with a `connect` stop.
 */
export class IotMqttConnector implements SourceConnector<IotMqttConfig> {
  readonly sourceType = IOT_MQTT_SOURCE_TYPE;
  private readonly clock: Clock;
  private readonly logger: ConnectorLogger;
  private readonly redactor = new SecretRedactor();
  private readonly buffer: MessageBuffer<ReceivedMessage>;
  private readonly wanted: ReadonlySet<string>;
  private readonly clientId: string;
  private client: MqttClient | undefined;
  private opening: Promise<MqttClient> | undefined;
  private granted: { topic: string; qos: number }[] = [];
  private counters = { received: 0, dropped: 0, connectionErrors: 0 };
  private state = {
    healthy: true,
    errorCount: 0,
    lastSync: undefined as Date | undefined,
    lastAttempt: undefined as Date | undefined,
    lastError: undefined as string | undefined,
    recordsCollected: 0,
  };

  constructor(
    readonly config: IotMqttConfig,
    private readonly deps: ConnectorDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? silentLogger;
    this.buffer = new MessageBuffer(config.buffer_limit);
    this.wanted = new Set(config.sensor_types);
    this.clientId =
      config.client_id ??
      `telcomesh-ingestor-${deps.sourceId.replace(/[^A-Za-z0-9_.:-]/g, '-')}`.slice(0, 128);
    if (config.authentication) {
      this.redactor.addBasicCredentials(
        config.authentication.username,
        config.authentication.password,
      );
    }
  }

  validateConfig(raw: unknown): IotMqttConfig {
    return validateConnectionConfig(IotMqttConfig, raw, this.sourceType);
  }

  /** Connects and subscribes (once); messages are buffered from then on. */
  async connect(): Promise<void> {
    await this.session();
  }

  async fetch(context: FetchContext = {}): Promise<FetchResult> {
    const startedAt = new Date(this.clock.now());
    const stops: StreamStop[] = [];
    if (!context.signal?.aborted) {
      try {
        await this.session();
      } catch (error) {
        const failure = this.sourceError(error);
        stops.push({
          stream: STREAM,
          reason: 'error',
          stage: failure.stage,
          message: failure.message,
        });
      }
    }
    if (stops.length === 0 && this.client && !this.client.connected) {
      stops.push({
        stream: STREAM,
        reason: 'error',
        stage: 'connect',
        message: `${this.broker}: disconnected; reconnecting${this.state.lastError ? ` (${this.state.lastError})` : ''}`,
      });
    }
    const { items, dropped } = this.buffer.drain();
    const records: SourceRecord[] = [];
    const rejected: RejectedItem[] = [];
    let rejectedCount = 0;
    const reject = (reason: string, count = 1) => {
      rejectedCount += count;
      if (rejected.length < MAX_REJECTED_KEPT)
        rejected.push({ stream: STREAM, reason: this.redactor.redact(reason) });
    };
    if (dropped > 0) {
      const reason = `buffer of ${this.config.buffer_limit} messages was full: the ${dropped} oldest were dropped before this sync`;
      this.logger.warn({ sourceId: this.deps.sourceId, dropped }, reason);
      reject(reason, dropped);
    }
    for (const message of items) {
      const outcome = messageMetrics(message, this.config.topics);
      for (const record of outcome.records) if (this.wanted.has(record.name)) records.push(record);
      for (const reason of outcome.rejected) reject(reason);
    }
    this.recordSync(startedAt, records.length, stops);
    return {
      records,
      // Nothing to resume: the broker's session is the cursor.
      cursor: { version: 1, streams: {} },
      complete: stops.length === 0,
      stops,
      rejected,
      rejectedCount,
    };
  }

  /** Connects with a throwaway clean session and subscribes, so nothing of the real one changes. */
  async testConnection(): Promise<ConnectionTestResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let probe: MqttClient | undefined;
    try {
      probe = await this.open(`${this.clientId}-probe-${randomBytes(4).toString('hex')}`, true);
      await this.subscribe(probe);
      this.state.healthy = true;
      return {
        ok: true,
        stage: 'parse',
        message: `${this.broker} accepted the connection and the subscriptions (${this.config.topics.join(', ')})`,
        latencyMs: elapsed(),
      };
    } catch (error) {
      const failure = this.sourceError(error);
      this.state.healthy = false;
      this.state.lastError = failure.message;
      return { ok: false, stage: failure.stage, message: failure.message, latencyMs: elapsed() };
    } finally {
      await probe?.endAsync(true);
    }
  }

  health(): ConnectorHealth {
    return {
      healthy: this.state.healthy,
      lastSync: this.state.lastSync,
      lastAttempt: this.state.lastAttempt,
      errorCount: this.state.errorCount,
      // Messages take the place of requests: each is one exchange with the broker.
      requests: this.counters.received,
      errors: this.counters.connectionErrors,
      lastError: this.state.lastError,
      recordsCollected: this.state.recordsCollected,
      quotaExceeded: 0,
    };
  }

  bufferStats(): MqttBufferStats {
    return {
      received: this.counters.received,
      buffered: this.buffer.length,
      dropped: this.counters.dropped,
    };
  }

  /** The subscriptions the broker granted, with their QoS. */
  subscriptions(): readonly { topic: string; qos: number }[] {
    return this.granted;
  }

  /** Disconnects and leaves the session (its subscriptions and queued messages) at the broker. */
  async close(): Promise<void> {
    const client = this.client ?? (await this.opening?.catch(() => undefined));
    this.client = undefined;
    await client?.endAsync();
  }

  /**
   * Disconnects and ends the persistent session at the broker (a clean connect under the same
   * client id), dropping what it queued: for a source that is removed.
   */
  async discardSession(): Promise<void> {
    await this.close();
    const client = await this.open(this.clientId, true);
    await client.endAsync();
  }

  private get broker(): string {
    const url = new URL(this.config.broker_url);
    return `${url.protocol}//${url.host}`;
  }

  private session(): Promise<MqttClient> {
    if (this.client) return Promise.resolve(this.client);
    this.opening ??= (async () => {
      const client = await this.open(this.clientId, this.config.clean_session, (topic, payload) =>
        this.onMessage(topic, payload),
      );
      try {
        await this.subscribe(client);
      } catch (error) {
        await client.endAsync(true);
        throw error;
      }
      this.client = client;
      this.logger.info(
        { sourceId: this.deps.sourceId, clientId: this.clientId, topics: this.config.topics },
        'subscribed to the broker',
      );
      return client;
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /**
   * Connects a client and waits for the broker's CONNACK. With `onMessage`, the client keeps
   * reconnecting after a drop; messages a persistent session queued arrive right after CONNACK,
   * so the handler is attached before connecting.
   */
  private async open(
    clientId: string,
    clean: boolean,
    onMessage?: (topic: string, payload: Buffer) => void,
  ): Promise<MqttClient> {
    const config = this.config;
    const options: IClientOptions = {
      clientId,
      clean,
      protocolVersion: 4,
      keepalive: config.keepalive_seconds,
      connectTimeout: config.connect_timeout_ms,
      reconnectPeriod: onMessage ? 1000 : 0,
      resubscribe: true,
      username: config.authentication?.username,
      password: config.authentication?.password,
    };
    const client = connectMqtt(config.broker_url, options);
    // Without a listener an 'error' event would throw; while running, errors are only recorded.
    client.on('error', (error) => {
      this.counters.connectionErrors++;
      this.state.lastError = this.sourceError(error).message;
    });
    if (onMessage) client.on('message', onMessage);
    try {
      await new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          clearTimeout(timer);
          client.off('connect', onConnect);
          client.off('error', settle);
          if (error === undefined) resolve();
          else reject(error);
        };
        const onConnect = () => settle();
        const timer = setTimeout(
          () =>
            settle(
              new SourceError(
                'timeout',
                `${this.broker}: no CONNACK within ${config.connect_timeout_ms} ms`,
              ),
            ),
          config.connect_timeout_ms,
        );
        client.on('connect', onConnect);
        client.on('error', settle);
      });
    } catch (error) {
      await client.endAsync(true);
      throw this.sourceError(error);
    }
    return client;
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const qos = this.config.qos;
    const grants = await client.subscribeAsync(
      Object.fromEntries(this.config.topics.map((topic) => [topic, { qos }])),
    );
    const refused = grants.filter((grant) => grant.qos === 128);
    if (refused.length > 0) {
      throw new SourceError(
        'auth',
        `${this.broker}: the broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`,
      );
    }
    this.granted = grants.map((grant) => ({ topic: grant.topic, qos: grant.qos }));
  }

  private onMessage(topic: string, payload: Buffer): void {
    this.counters.received++;
    // Copied: the client may reuse the packet's buffer.
    const message = { topic, payload: Buffer.from(payload), receivedAt: this.clock.now() };
    if (this.buffer.push(message)) this.counters.dropped++;
  }

  private sourceError(error: unknown): SourceError {
    if (error instanceof SourceError) return error;
    const code = (error as { code?: unknown } | undefined)?.code;
    const text = error instanceof Error ? error.message : String(error);
    if (typeof code === 'number' && AUTH_REFUSALS.has(code)) {
      return new SourceError('auth', this.redactor.redact(`${this.broker}: ${text}`));
    }
    const failure = classifyNetworkError(error, this.broker, this.config.connect_timeout_ms);
    return new SourceError(failure.kind, this.redactor.redact(failure.message));
  }

  private recordSync(startedAt: Date, records: number, stops: StreamStop[]): void {
    const state = this.state;
    state.lastAttempt = startedAt;
    state.recordsCollected = records;
    const failed = stops.find((stop) => stop.reason === 'error');
    if (failed) {
      state.healthy = false;
      state.errorCount++;
      state.lastError = failed.message;
      this.logger.warn({ sourceId: this.deps.sourceId, stage: failed.stage }, failed.message);
    } else {
      state.healthy = true;
      state.errorCount = 0;
      state.lastSync = startedAt;
    }
  }
}
