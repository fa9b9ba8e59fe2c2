import {
  type ContactCentreSink,
  type ContactCentreSource,
  type SourceConnectionState,
  type SourceStatus,
} from '../contact-centre-source';
import {
  type CccpChangeMemory,
  applyChange,
  diffCccpStates,
  newChangeMemory,
  nextEndDeadline,
  snapshotOf,
} from './cccp-changes';
import { type CccpClock, systemCccpClock } from './cccp-clock';
import {
  type CccpDerivedState,
  type CccpMappingProblem,
  type CccpObjectType,
  CCCP_OBJECT_TYPES,
  CCCP_VIEW_FIELDS,
  deriveCccpState,
  emptyDerivedState,
} from './cccp-mapping';
import {
  type DispatchClient,
  type DispatchClientFactory,
  type DispatchFields,
  type DispatchViewUpdate,
  DispatchAuthError,
  DispatchClosedError,
  DispatchProtocolError,
} from './dispatch-client';
import { compileViewFilter } from './view-filter';

/** Where the source reports; never given a password. */
export interface CccpLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const silentLogger: CccpLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface CccpBackoffOptions {
  /** Delay before the first reconnect attempt; 1 s by default. */
  initialDelayMs: number;
  /** Ceiling of the exponential delay; 30 s by default. */
  maxDelayMs: number;
  /** Growth per failed attempt; 2 by default. */
  multiplier: number;
  /** ± fraction of the delay drawn at random; 0.2 by default. */
  jitter: number;
  /** Least delay after a refused login, so bad credentials do not hammer the server; 60 s. */
  authFailureDelayMs: number;
}

export const DEFAULT_CCCP_BACKOFF: CccpBackoffOptions = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
  authFailureDelayMs: 60_000,
};

/**
 * The delay before reconnect attempt `attempt` (1 for the first after a drop):
 * `min(max, initial × multiplier^(attempt-1))`, scaled by a random factor in `[1-jitter, 1+jitter)`
 * so many monitors dropped together do not reconnect together.
 */
export function cccpReconnectDelay(
  attempt: number,
  options: CccpBackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(
    options.maxDelayMs,
    options.initialDelayMs * options.multiplier ** exponent,
  );
  const factor = 1 + options.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * factor));
}

export interface CccpDispatchSourceOptions {
  sourceId: string;
  /** Makes the client of each connection attempt, e.g. `jsonDispatchClientFactory({...})`. */
  client: DispatchClientFactory;
  /**
   * `auto` (default): use pushed view updates when the server pushes all three views, else poll;
   * `poll`: never ask for pushes.
   */
  updates?: 'auto' | 'poll';
  /** Period of the re-query when polling; 10 s by default (the seed's scan period). */
  pollIntervalMs?: number;
  /** Items per `query_list` page; 200 by default. */
  pageSize?: number;
  /** Most pages one scan of a view may take before it is abandoned; 10 000 by default. */
  maxPagesPerScan?: number;
  /** View filters (see view-filter.ts), checked when the source is made; empty by default. */
  filters?: Partial<Record<CccpObjectType, string>>;
  /** View names are `<prefix>_<object type>`; `telcomesh_monitor` by default. */
  viewNamePrefix?: string;
  /**
   * How long a call may be gone from every view without an end state before it is reported
   * ended (a queue-to-agent hand-over can show in two updates); 2 s by default. When polling,
   * the views are read again at the end of the grace to confirm.
   */
  endGraceMs?: number;
  backoff?: Partial<CccpBackoffOptions>;
  clock?: CccpClock;
  random?: () => number;
  logger?: CccpLogger;
}

interface OpenView {
  objectType: CccpObjectType;
  viewIdx: number;
  seq: number;
  /** Updates held while the view is (re)scanned; absent when updates apply as they come. */
  held?: DispatchViewUpdate[];
}

interface Connection {
  client: DispatchClient;
  mode: 'starting' | 'push' | 'poll';
  views: Map<CccpObjectType, OpenView>;
  byIdx: Map<number, OpenView>;
  /** Updates that came before their view's `view_started` was handled. */
  early: DispatchViewUpdate[];
  rows: Record<CccpObjectType, Map<string, DispatchFields>>;
  /** What the sink was last told (after the snapshot). */
  derived: CccpDerivedState;
  /** The snapshot has been reported: changes go to the sink from now on. */
  live: boolean;
  memory: CccpChangeMemory;
  reportedProblems: Set<string>;
  pollTimer?: unknown;
  polling: boolean;
  endTimer?: { at: number; handle: unknown };
}

const MAX_EARLY_UPDATES = 10_000;
const MAX_RESCANS_IN_A_ROW = 3;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A view-based dispatch server (CCCP) as a contact-centre source: logs in, opens the `sessions`,
 * `queues` and `tasks` views, reports a snapshot from a discovery scan, then follows pushed view
 * updates (a sequence gap triggers a rescan of that view) or re-queries every poll interval,
 * reporting only what changed. Reconnects with backoff and jitter; every reconnection starts with
 * a new snapshot.
 */
export class CccpDispatchSource implements ContactCentreSource {
  readonly kind = 'cccp';
  readonly sourceId: string;
  private readonly clock: CccpClock;
  private readonly random: () => number;
  private readonly logger: CccpLogger;
  private readonly backoff: CccpBackoffOptions;
  private readonly filters: Record<CccpObjectType, string>;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly maxPagesPerScan: number;
  private readonly endGraceMs: number;
  private sink: ContactCentreSink | undefined;
  private connection: Connection | undefined;
  private stopped = false;
  private state: SourceConnectionState = 'disconnected';
  private since: Date;
  private lastEventAt: Date | undefined;
  private lastError: string | undefined;
  private connections = 0;
  private failedAttempts = 0;
  private reconnectTimer: unknown;

  /** Throws `ViewFilterSyntaxError` for a filter that does not parse. */
  constructor(private readonly options: CccpDispatchSourceOptions) {
    this.sourceId = options.sourceId;
    this.clock = options.clock ?? systemCccpClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    this.backoff = { ...DEFAULT_CCCP_BACKOFF, ...options.backoff };
    this.pollIntervalMs = options.pollIntervalMs ?? 10_000;
    this.pageSize = options.pageSize ?? 200;
    this.maxPagesPerScan = options.maxPagesPerScan ?? 10_000;
    this.endGraceMs = options.endGraceMs ?? 2000;
    this.since = new Date(this.clock.now());
    const filters = {} as Record<CccpObjectType, string>;
    for (const type of CCCP_OBJECT_TYPES) {
      const expression = options.filters?.[type] ?? '';
      // Parsed here so a bad filter fails at boot with its position, not at every connection.
      compileViewFilter(expression);
      filters[type] = expression;
    }
    this.filters = filters;
    if (!(this.pageSize >= 1) || !(this.pollIntervalMs >= 1)) {
      throw new RangeError('CCCP source: pageSize and pollIntervalMs must be at least 1');
    }
  }

  /** Resolves once the first attempt settled: connected with its snapshot, or failed and retrying. */
  async start(sink: ContactCentreSink): Promise<void> {
    if (this.sink) throw new Error(`CCCP source '${this.sourceId}' is already started`);
    if (this.stopped) throw new Error(`CCCP source '${this.sourceId}' is stopped`);
    this.sink = sink;
    await this.connect();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clock.clearTimeout(this.reconnectTimer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) {
      this.clearTimers(connection);
      await connection.client.close().catch(() => undefined);
    }
    this.setState('stopped');
    this.logger.info('CCCP source stopped', { sourceId: this.sourceId });
  }

  status(): SourceStatus {
    const status: SourceStatus = {
      state: this.state,
      since: this.since,
      reconnects: Math.max(0, this.connections - 1),
    };
    if (this.lastEventAt) status.lastEventAt = this.lastEventAt;
    if (this.lastError !== undefined) status.lastError = this.lastError;
    return status;
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  private setState(state: SourceConnectionState, detail?: string): void {
    if (this.state === state) return;
    this.state = state;
    this.since = this.now();
    this.report(() => this.sink?.connectionChanged(state, detail));
  }

  /** Calls the sink; a throwing sink is logged, never allowed to break the source's loop. */
  private report(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error('CCCP sink failed', { sourceId: this.sourceId, error: reasonOf(error) });
    }
  }

  private async connect(): Promise<void> {
    this.setState('connecting');
    const connection: Connection = {
      client: this.options.client({
        viewUpdate: (update) => this.received(connection, update),
        closed: (reason, error) => this.lost(connection, reason, error),
        protocolError: (reason) =>
          this.logger.warn('CCCP message skipped', { sourceId: this.sourceId, reason }),
      }),
      mode: 'starting',
      views: new Map(),
      byIdx: new Map(),
      early: [],
      rows: { sessions: new Map(), queues: new Map(), tasks: new Map() },
      derived: emptyDerivedState(),
      live: false,
      memory: newChangeMemory(),
      reportedProblems: new Set(),
      polling: false,
    };
    this.connection = connection;
    try {
      const info = await connection.client.connect();
      const notPushed: CccpObjectType[] = [];
      for (const objectType of CCCP_OBJECT_TYPES) {
        if (this.connection !== connection) return;
        const started = await connection.client.startView({
          objectType,
          viewName: `${this.options.viewNamePrefix ?? 'telcomesh_monitor'}_${objectType}`,
          fields: CCCP_VIEW_FIELDS[objectType],
          filter: this.filters[objectType],
          push: this.options.updates !== 'poll',
        });
        const view: OpenView = { objectType, viewIdx: started.viewIdx, seq: started.seq };
        view.held = connection.early.filter((update) => update.viewIdx === view.viewIdx);
        connection.early = connection.early.filter((update) => update.viewIdx !== view.viewIdx);
        connection.views.set(objectType, view);
        connection.byIdx.set(view.viewIdx, view);
        if (!started.push) notPushed.push(objectType);
      }
      if (this.connection !== connection) return;
      connection.mode = notPushed.length === 0 ? 'push' : 'poll';
      connection.early = [];
      let at: Date | undefined;
      for (const view of connection.views.values()) {
        at = (await this.syncView(connection, view)) ?? at;
        if (this.connection !== connection) return;
      }
      this.goLive(connection, at ?? this.now(), info.serverName);
    } catch (error) {
      this.lost(connection, reasonOf(error), error);
    }
  }

  private goLive(connection: Connection, at: Date, serverName: string | undefined): void {
    const { state, problems } = deriveCccpState(connection.rows, undefined, at);
    this.reportProblems(connection, problems);
    const snapshot = snapshotOf(state, connection.memory, at);
    connection.derived = state;
    connection.live = true;
    this.lastEventAt = this.now();
    this.report(() => this.sink?.snapshot(snapshot));
    this.connections += 1;
    this.failedAttempts = 0;
    this.lastError = undefined;
    this.setState('connected');
    this.logger.info('CCCP connected', {
      sourceId: this.sourceId,
      server: serverName,
      mode: connection.mode,
      reconnect: this.connections > 1,
      calls: snapshot.calls.length,
      agents: snapshot.agents.length,
      tasks: snapshot.tasks.length,
    });
    if (connection.mode === 'poll') this.schedulePoll(connection);
  }

  /**
   * Reads a view whole (its updates held meanwhile), then replays the held updates newer than
   * the scan; a gap among them means one was lost, so the view is read again.
   */
  private async syncView(connection: Connection, view: OpenView): Promise<Date | undefined> {
    for (let round = 1; ; round += 1) {
      view.held = [];
      const at = await this.scanView(connection, view);
      if (connection.mode !== 'push') {
        delete view.held;
        return at;
      }
      const held = view.held;
      delete view.held;
      if (this.replay(connection, view, held)) return at;
      view.held = [];
      if (round >= MAX_RESCANS_IN_A_ROW) {
        throw new DispatchProtocolError(
          `view ${view.objectType}: sequence gaps in ${round} scans in a row`,
        );
      }
      this.logger.warn('CCCP sequence gap while scanning; scanning again', {
        sourceId: this.sourceId,
        view: view.objectType,
      });
    }
  }

  /** Applies updates in order after the view's seq; false at a gap (nothing after it applied). */
  private replay(connection: Connection, view: OpenView, updates: DispatchViewUpdate[]): boolean {
    for (const update of updates) {
      if (update.seq <= view.seq) continue;
      if (update.seq !== view.seq + 1) return false;
      this.apply(connection, view, update);
    }
    return true;
  }

  /** All pages of a view (keyset paging by item id); its objects replace the view's rows. */
  private async scanView(connection: Connection, view: OpenView): Promise<Date | undefined> {
    const items = new Map<string, DispatchFields>();
    let after: string | undefined;
    let firstSeq: number | undefined;
    let at: Date | undefined;
    for (let pages = 1; ; pages += 1) {
      if (pages > this.maxPagesPerScan) {
        throw new DispatchProtocolError(
          `view ${view.objectType}: scan abandoned after ${this.maxPagesPerScan} pages`,
        );
      }
      const page = await connection.client.queryList({
        viewIdx: view.viewIdx,
        objectType: view.objectType,
        filter: '',
        after,
        limit: this.pageSize,
      });
      if (this.connection !== connection) throw new DispatchClosedError('connection replaced');
      firstSeq ??= page.seq;
      at = page.at ?? at;
      for (const item of page.items) items.set(item.itemId, item.fields);
      if (page.nextAfter === undefined) break;
      if (after !== undefined && page.nextAfter <= after) {
        throw new DispatchProtocolError(
          `view ${view.objectType}: next_after '${page.nextAfter}' does not move past '${after}'`,
        );
      }
      after = page.nextAfter;
    }
    connection.rows[view.objectType] = items;
    if (firstSeq !== undefined) view.seq = firstSeq;
    this.lastEventAt = this.now();
    this.logger.debug('CCCP view scanned', {
      sourceId: this.sourceId,
      view: view.objectType,
      items: items.size,
      seq: view.seq,
    });
    return at;
  }

  private apply(connection: Connection, view: OpenView, update: DispatchViewUpdate): void {
    const rows = connection.rows[view.objectType];
    for (const change of update.changes) {
      if (change.op === 'removed') rows.delete(change.itemId);
      else rows.set(change.itemId, change.fields);
    }
    view.seq = update.seq;
  }

  private received(connection: Connection, update: DispatchViewUpdate): void {
    if (this.connection !== connection || connection.mode === 'poll') return;
    this.lastEventAt = this.now();
    const view = connection.byIdx.get(update.viewIdx);
    if (!view) {
      if (connection.mode === 'starting' && connection.early.length < MAX_EARLY_UPDATES) {
        connection.early.push(update);
      } else {
        this.logger.warn('CCCP update for an unknown view skipped', {
          sourceId: this.sourceId,
          viewIdx: update.viewIdx,
        });
      }
      return;
    }
    if (view.held) {
      view.held.push(update);
      return;
    }
    if (update.seq <= view.seq) {
      this.logger.debug('CCCP update already applied', { view: view.objectType, seq: update.seq });
      return;
    }
    if (update.seq !== view.seq + 1) {
      this.logger.warn('CCCP sequence gap; rescanning the view', {
        sourceId: this.sourceId,
        view: view.objectType,
        expected: view.seq + 1,
        got: update.seq,
      });
      void this.rescan(connection, view);
      return;
    }
    this.apply(connection, view, update);
    if (connection.live) this.evaluate(connection, update.at ?? this.now());
  }

  private async rescan(connection: Connection, view: OpenView): Promise<void> {
    try {
      const at = await this.syncView(connection, view);
      if (this.connection === connection && connection.live) {
        this.evaluate(connection, at ?? this.now());
      }
    } catch (error) {
      this.lost(connection, `rescan of ${view.objectType} failed: ${reasonOf(error)}`, error);
    }
  }

  /** Reports what changed since the sink was last told. */
  private evaluate(connection: Connection, observedAt: Date): void {
    // Calls in their end grace still lend their history to a call that comes back.
    const previous = connection.derived;
    const calls = new Map(previous.calls);
    for (const [callId, gone] of connection.memory.vanishing) {
      if (!calls.has(callId)) calls.set(callId, gone.call);
    }
    const { state, problems } = deriveCccpState(
      connection.rows,
      { ...previous, calls },
      observedAt,
    );
    this.reportProblems(connection, problems);
    const changes = diffCccpStates(connection.derived, state, connection.memory, {
      observedAt,
      now: this.clock.now(),
      endGraceMs: this.endGraceMs,
    });
    connection.derived = state;
    for (const change of changes) {
      this.report(() => {
        if (this.sink) applyChange(this.sink, change, observedAt);
      });
    }
    this.armEndTimer(connection);
  }

  /** Wakes up when a vanished call's grace runs out, to confirm it ended. */
  private armEndTimer(connection: Connection): void {
    const deadline = nextEndDeadline(connection.memory, this.endGraceMs);
    if (deadline === undefined) {
      if (connection.endTimer) this.clock.clearTimeout(connection.endTimer.handle);
      delete connection.endTimer;
      return;
    }
    if (connection.endTimer && connection.endTimer.at <= deadline) return;
    if (connection.endTimer) this.clock.clearTimeout(connection.endTimer.handle);
    const handle = this.clock.setTimeout(
      () => {
        delete connection.endTimer;
        if (this.connection !== connection) return;
        if (connection.mode === 'push') this.evaluate(connection, this.now());
        else void this.poll(connection);
      },
      Math.max(0, deadline - this.clock.now()),
    );
    connection.endTimer = { at: deadline, handle };
  }

  private schedulePoll(connection: Connection): void {
    this.clock.clearTimeout(connection.pollTimer);
    connection.pollTimer = this.clock.setTimeout(
      () => void this.poll(connection),
      this.pollIntervalMs,
    );
  }

  /** Reads every view again and reports the differences. */
  private async poll(connection: Connection): Promise<void> {
    if (this.connection !== connection || connection.polling) return;
    this.clock.clearTimeout(connection.pollTimer);
    connection.polling = true;
    try {
      let at: Date | undefined;
      for (const view of connection.views.values()) {
        at = (await this.scanView(connection, view)) ?? at;
      }
      this.evaluate(connection, at ?? this.now());
      this.logger.debug('CCCP poll applied', { sourceId: this.sourceId });
    } catch (error) {
      this.lost(connection, `poll failed: ${reasonOf(error)}`, error);
      return;
    } finally {
      connection.polling = false;
    }
    this.schedulePoll(connection);
  }

  private reportProblems(connection: Connection, problems: CccpMappingProblem[]): void {
    for (const problem of problems) {
      // Logged once per connection: the same bad item comes back at every poll.
      const key = `${problem.objectType}\u0000${problem.itemId}\u0000${problem.reason}`;
      if (connection.reportedProblems.has(key)) continue;
      connection.reportedProblems.add(key);
      this.logger.warn('CCCP item skipped', { sourceId: this.sourceId, ...problem });
    }
  }

  private clearTimers(connection: Connection): void {
    this.clock.clearTimeout(connection.pollTimer);
    if (connection.endTimer) this.clock.clearTimeout(connection.endTimer.handle);
    delete connection.endTimer;
  }

  private lost(connection: Connection, reason: string, error?: unknown): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.clearTimers(connection);
    void connection.client.close().catch(() => undefined);
    this.lastError = reason;
    this.failedAttempts += 1;
    if (this.stopped) return;
    const authFailure = error instanceof DispatchAuthError;
    let delay = cccpReconnectDelay(this.failedAttempts, this.backoff, this.random);
    if (authFailure) delay = Math.max(delay, this.backoff.authFailureDelayMs);
    const context = {
      sourceId: this.sourceId,
      reason,
      wasLive: connection.live,
      attempt: this.failedAttempts,
      reconnectInMs: delay,
    };
    if (authFailure) this.logger.error('CCCP login refused', context);
    else this.logger.warn('CCCP disconnected', context);
    this.setState('disconnected', reason);
    this.reconnectTimer = this.clock.setTimeout(() => {
      if (!this.stopped && !this.connection) void this.connect();
    }, delay);
  }
}
