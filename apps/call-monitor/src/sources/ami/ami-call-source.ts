import type {
  ContactCentreSink,
  ContactCentreSource,
  SourceConnectionState,
  SourceStatus,
} from '../contact-centre-source';
import { AmiCallTracker, type AmiCallTrackerOptions } from './ami-call-tracker';
import {
  AmiConnection,
  systemClock,
  type AmiClock,
  type AmiConnectedInfo,
  type AmiConnectionOptions,
  type AmiDisconnectedInfo,
  type AmiLogger,
} from './ami-connection';
import { amiField, type AmiMessage } from './ami-parser';

const silentLogger: AmiLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface AmiCallSourceOptions {
  sourceId: string;
  /**
   * Where and how to connect. Reconnection is always on (a source retries until `stop`), and
   * the resync hook and event buffering are the source's own.
   */
  connection: Omit<
    AmiConnectionOptions,
    'onConnected' | 'bufferEventsDuringResync' | 'reconnect' | 'logger' | 'clock'
  >;
  /** Trunk rules and queue wrap-up times of this PBX. */
  tracker?: Omit<AmiCallTrackerOptions, 'logger' | 'nowMs'>;
  logger?: AmiLogger;
  /** Timers of the connection and of the wrap-up check (a fake one in tests). */
  clock?: AmiClock;
  /** Receive time; `new Date()` by default. */
  now?: () => Date;
  /** How often wrap-ups that ran out are ended (AMI reports no end of wrap-up); 1 s. */
  wrapUpCheckMs?: number;
}

/**
 * The Asterisk Manager Interface as a contact-centre source (kind `ami`): an `AmiConnection`
 * that, after every login, runs the discovery scan (`CoreShowChannels`, `QueueStatus`) and
 * reports it as the snapshot, then feeds live events to an `AmiCallTracker`. Events that
 * arrive while the scan runs are held by the connection and applied after the snapshot.
 *
 * Calls that ended while disconnected are absent from the next snapshot; the store's snapshot
 * replacement ends them, so this source never reports them (nor any call) ended twice.
 */
export class AmiCallSource implements ContactCentreSource {
  readonly kind = 'ami';
  readonly sourceId: string;
  private readonly logger: AmiLogger;
  private readonly clock: AmiClock;
  private readonly now: () => Date;
  private connection: AmiConnection | undefined;
  private tracker: AmiCallTracker | undefined;
  private sink: ContactCentreSink | undefined;
  private wrapUpTimer: unknown;
  private state: SourceConnectionState = 'stopped';
  private since: Date;
  private lastEventAtMs: number | undefined;
  private lastError: string | undefined;
  private reconnects = 0;

  constructor(private readonly options: AmiCallSourceOptions) {
    this.sourceId = options.sourceId;
    this.logger = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? (() => new Date());
    this.since = this.now();
  }

  /** Starts connecting and returns; the connection retries with backoff until `stop`. */
  start(sink: ContactCentreSink): Promise<void> {
    if (this.connection !== undefined) {
      return Promise.reject(new Error(`AMI source ${this.sourceId} is already started`));
    }
    this.sink = sink;
    this.tracker = new AmiCallTracker(sink, {
      ...this.options.tracker,
      logger: this.logger,
      nowMs: () => this.now().getTime(),
    });
    const connection = new AmiConnection({
      ...this.options.connection,
      reconnect: true,
      bufferEventsDuringResync: true,
      logger: this.logger,
      clock: this.clock,
      onConnected: (_info, conn) => this.scan(conn),
    });
    this.connection = connection;
    connection.on('connected', (info) => this.connected(info));
    connection.on('disconnected', (info) => this.disconnected(info));
    connection.on('event', (message) => this.event(message));
    this.lastError = undefined;
    this.setState('connecting', `${this.options.connection.host}:${this.options.connection.port}`);
    // Failures show on `disconnected` (reported to the sink); with reconnection on, `connect`
    // rejects only when `stop` closes the connection first, which needs no report.
    connection.connect().catch(() => undefined);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    const connection = this.connection;
    if (connection === undefined) return;
    this.connection = undefined;
    this.clock.clearTimeout(this.wrapUpTimer);
    connection.removeAllListeners();
    await connection.close();
    this.setState('stopped');
    this.sink = undefined;
    this.tracker = undefined;
  }

  status(): SourceStatus {
    const status: SourceStatus = {
      state: this.state,
      since: this.since,
      reconnects: this.reconnects,
    };
    if (this.lastEventAtMs !== undefined) status.lastEventAt = new Date(this.lastEventAtMs);
    if (this.lastError !== undefined) status.lastError = this.lastError;
    return status;
  }

  /** The discovery scan, run by the connection after each login before `connected`. */
  private async scan(connection: AmiConnection): Promise<void> {
    const channels = await connection.eventList('CoreShowChannels');
    const queueStatus = await connection.eventList('QueueStatus');
    const tracker = this.tracker;
    if (tracker === undefined || connection !== this.connection) return;
    const at = timestampOf(queueStatus.complete) ?? this.now();
    const snapshot = tracker.resync({
      channels: channels.events,
      queueStatus: queueStatus.events,
      at,
    });
    this.logger.info('AMI discovery scan applied', {
      sourceId: this.sourceId,
      calls: snapshot.calls.length,
      agents: snapshot.agents.length,
      queues: snapshot.queues.length,
    });
  }

  private connected(info: AmiConnectedInfo): void {
    if (info.reconnect) this.reconnects += 1;
    this.setState('connected', `Asterisk Call Manager/${info.version}`);
    this.scheduleWrapUpCheck();
  }

  private disconnected(info: AmiDisconnectedInfo): void {
    this.lastError = info.reason;
    this.clock.clearTimeout(this.wrapUpTimer);
    // Each failed attempt of a reconnect series is logged by the connection; one report here.
    if (this.state !== 'disconnected') this.setState('disconnected', info.reason);
  }

  private event(message: AmiMessage): void {
    this.lastEventAtMs = this.now().getTime();
    const tracker = this.tracker;
    if (tracker !== undefined) this.guard(message.event ?? 'event', () => tracker.handle(message));
  }

  private scheduleWrapUpCheck(): void {
    const every = this.options.wrapUpCheckMs ?? 1000;
    this.clock.clearTimeout(this.wrapUpTimer);
    this.wrapUpTimer = this.clock.setTimeout(() => {
      const tracker = this.tracker;
      if (this.state !== 'connected' || tracker === undefined) return;
      this.guard('wrap-up check', () => tracker.tick(this.now()));
      this.scheduleWrapUpCheck();
    }, every);
  }

  /**
   * The tracker never throws; a sink that does must not take the connection (or the timer)
   * down with it, so its failure is logged as an error and the stream goes on.
   */
  private guard(what: string, report: () => void): void {
    try {
      report();
    } catch (error) {
      this.logger.error('AMI change not reported: the sink failed', {
        sourceId: this.sourceId,
        what,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private setState(state: SourceConnectionState, detail?: string): void {
    this.state = state;
    this.since = this.now();
    this.sink?.connectionChanged(state, detail);
  }
}

/** The platform time of a list's closing event, when Asterisk stamped it. */
function timestampOf(message: AmiMessage | undefined): Date | undefined {
  const stamp = message === undefined ? undefined : amiField(message, 'Timestamp');
  const seconds = stamp === undefined ? Number.NaN : Number(stamp);
  return seconds > 0 ? new Date(Math.round(seconds * 1000)) : undefined;
}
