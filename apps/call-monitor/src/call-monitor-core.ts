import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { ServiceRuntime } from '@telcomesh/platform';
import type { CallMonitorConfig } from './call-monitor.config';
import { CallAlerting } from './alerts/call-alerting';
import { LiveFeed } from './feed/live-feed';
import { CallRecordStore } from './history/call-record-store';
import { CallRecorder } from './history/call-recorder';
import { LiveView } from './live/live-view';
import { PhoneNumberNormaliser } from './numbers/phone-number';
import { LiveEventPublisher } from './publishing/live-event-publisher';
import { loadSourceDefinitions } from './sources/source-catalog';
import { SourceLeases } from './sources/source-leases';
import type { CountryCode } from 'libphonenumber-js';

/**
 * The call monitor assembled: sources (held by lease) report into the live view; the view's
 * changes fan out to the Kafka publisher, the call recorder, the alert rules and the websocket
 * feed. Nest controllers read from here.
 */
export class CallMonitorCore {
  readonly view: LiveView;
  readonly records: CallRecordStore;
  readonly recorder: CallRecorder;
  readonly publisher: LiveEventPublisher;
  readonly feed: LiveFeed;
  readonly leases: SourceLeases;
  readonly alerting: CallAlerting;
  private readonly replicaId: string;

  constructor(runtime: ServiceRuntime<CallMonitorConfig>) {
    const { config, logger } = runtime;
    const tenantId = config.CALL_MONITOR_TENANT_ID ?? '';
    this.replicaId = config.CALL_MONITOR_REPLICA_ID ?? `${hostname()}-${process.pid}`;
    const numbers = new PhoneNumberNormaliser({
      defaultRegion: config.CALL_MONITOR_DEFAULT_REGION as CountryCode,
      extensionMaxDigits: config.CALL_MONITOR_EXTENSION_MAX_DIGITS,
    });
    this.view = new LiveView(numbers, undefined, (error, change) =>
      logger.error({ err: error, change: change.kind }, 'a live-change consumer failed'),
    );
    this.records = new CallRecordStore(runtime.dataSource);
    this.publisher = new LiveEventPublisher(runtime.transport, logger, {
      tenantId,
      flushIntervalMs: config.CALL_MONITOR_PUBLISH_INTERVAL_MS,
      maxPending: 5000,
    });
    this.alerting = new CallAlerting(runtime, this.view, { tenantId });
    this.recorder = new CallRecorder(
      this.records,
      runtime.outbox,
      logger,
      { tenantId, flushIntervalMs: 100, maxBatch: 500 },
      (records) => this.alerting.recordFinished(records),
    );
    this.feed = new LiveFeed(this.view, logger, {
      path: '/live',
      maxBufferedBytes: config.CALL_MONITOR_FEED_MAX_BUFFERED_BYTES,
      heartbeatMs: 30_000,
      batchMs: config.CALL_MONITOR_FEED_BATCH_MS,
    });
    this.view.subscribe(this.publisher.onChange);
    this.view.subscribe(this.recorder.onChange);
    const definitions = loadSourceDefinitions(config, logger);
    this.leases = new SourceLeases(
      runtime.cache,
      definitions,
      {
        sinkFor: (sourceId) => this.view.board(sourceId),
        acquired: (sourceId) => this.alerting.adopt(sourceId),
        released: async (sourceId) => {
          await this.alerting.release(sourceId);
          this.view.drop(sourceId);
        },
      },
      logger,
      {
        replicaId: this.replicaId,
        leaseTtlMs: config.CALL_MONITOR_LEASE_TTL_MS,
        renewIntervalMs: Math.max(250, Math.floor(config.CALL_MONITOR_LEASE_TTL_MS / 3)),
      },
    );
  }

  async start(http: Server): Promise<void> {
    this.feed.attach(http);
    this.alerting.start();
    await this.leases.start();
  }

  async stop(): Promise<void> {
    await this.leases.stop();
    await this.alerting.stop();
    await this.feed.close();
    await this.recorder.close();
    await this.publisher.close();
  }

  sourceReport() {
    const held = new Map(this.leases.holdings().map((h) => [h.sourceId, h]));
    const live = new Map(this.view.statuses().map((s) => [s.sourceId, s]));
    return this.leases.definitionsList().map((d) => {
      const holding = held.get(d.sourceId);
      const status = live.get(d.sourceId);
      return {
        source_id: d.sourceId,
        kind: d.kind,
        held_here: holding !== undefined,
        replica: holding ? this.replicaId : null,
        connection: holding?.status.state ?? 'not_held_here',
        connected_since: holding?.status.since ?? null,
        last_error: holding?.status.lastError ?? null,
        reconnects: holding?.status.reconnects ?? 0,
        last_event_at: status?.lastObservedAt ?? null,
        event_lag_ms: status?.lastLagMs ?? null,
        snapshots: status?.snapshots ?? 0,
        changes: status?.changes ?? 0,
      };
    });
  }
}
