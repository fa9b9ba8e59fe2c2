import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '@telcomesh/observability';
import type { LiveChange } from '../live/live-board';
import type { LiveView } from '../live/live-view';
import {
  AGENT_STATES,
  CALL_STATES,
  type AgentState,
  type CallState,
} from '../sources/contact-centre-source';

/** What a subscriber wants to see; every field narrows, none means everything. */
export interface FeedFilter {
  sourceId?: string;
  queueId?: string;
  /** Agent id or login: that agent and the calls it handles. */
  agent?: string;
  profile?: string;
  callStates?: CallState[];
  agentStates?: AgentState[];
}

export interface LiveFeedOptions {
  path: string;
  /** A subscriber with more than this many bytes unsent stops getting deltas until it drains. */
  maxBufferedBytes: number;
  heartbeatMs: number;
  /**
   * Deltas for one subscriber are gathered this long and sent as one `deltas` message: one
   * socket write per subscriber per window instead of one per change, which is what bounds
   * fan-out to hundreds of subscribers (0 sends each delta at once).
   */
  batchMs: number;
}

interface Subscriber {
  socket: WebSocket;
  filter: FeedFilter;
  /** Skipped deltas: it gets a fresh snapshot once its buffer drains. */
  lagging: boolean;
  alive: boolean;
  /** Serialised deltas waiting for the next batch. */
  pending: string[];
}

export class FeedFilterError extends Error {}

/** Parses `?source=&queue=&agent=&profile=&state=&agent_state=` (comma-separated lists). */
export function parseFeedFilter(params: URLSearchParams): FeedFilter {
  const filter: FeedFilter = {};
  const one = (name: string) => params.get(name) ?? undefined;
  filter.sourceId = one('source');
  filter.queueId = one('queue');
  filter.agent = one('agent');
  filter.profile = one('profile');
  const list = <T extends string>(name: string, allowed: readonly T[]): T[] | undefined => {
    const raw = params.get(name);
    if (raw === null || raw === '') return undefined;
    const values = raw.split(',').map((v) => v.trim());
    const wrong = values.filter((v) => !(allowed as readonly string[]).includes(v));
    if (wrong.length > 0) {
      throw new FeedFilterError(
        `${name}: unknown value(s) ${wrong.join(', ')}; expected ${allowed.join(', ')}`,
      );
    }
    return values as T[];
  };
  filter.callStates = list('state', CALL_STATES);
  filter.agentStates = list('agent_state', AGENT_STATES);
  for (const key of Object.keys(filter) as (keyof FeedFilter)[]) {
    if (filter[key] === undefined) delete filter[key];
  }
  return filter;
}

/**
 * The live web feed: a websocket client gets a snapshot of what its filter selects, then every
 * matching change as a delta with a sequence number. Each change is serialised once for all
 * subscribers. A slow subscriber is not allowed to grow memory without bound: past
 * `maxBufferedBytes` it stops receiving deltas and gets a fresh snapshot when it has drained.
 */
export class LiveFeed {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly subscribers = new Set<Subscriber>();
  private heartbeat: NodeJS.Timeout | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly view: LiveView,
    private readonly logger: Logger,
    private readonly options: LiveFeedOptions,
  ) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Serves upgrades on `options.path` of the service's HTTP server. */
  attach(http: Server): void {
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== this.options.path) return;
      let filter: FeedFilter;
      try {
        filter = parseFeedFilter(url.searchParams);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        socket.end(
          `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${message}\n`,
        );
        return;
      }
      this.server.handleUpgrade(request, socket, head, (ws) => this.join(ws, filter));
    });
    this.unsubscribe = this.view.subscribe((change) => this.broadcast(change));
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.batchTimer) clearTimeout(this.batchTimer);
    for (const s of this.subscribers) s.socket.close(1001, 'server shutting down');
    this.subscribers.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private join(socket: WebSocket, filter: FeedFilter): void {
    const subscriber: Subscriber = { socket, filter, lagging: false, alive: true, pending: [] };
    this.subscribers.add(subscriber);
    socket.on('pong', () => (subscriber.alive = true));
    socket.on('close', () => this.subscribers.delete(subscriber));
    socket.on('error', (error) => {
      this.logger.debug({ err: error }, 'live feed subscriber socket error');
      this.subscribers.delete(subscriber);
    });
    socket.on('message', (data: Buffer) => this.onMessage(subscriber, data.toString('utf8')));
    this.sendSnapshot(subscriber);
  }

  /** A subscriber may change its filter: `{"type":"filter","filter":{...query names...}}`. */
  private onMessage(subscriber: Subscriber, text: string): void {
    try {
      const message = JSON.parse(text) as { type?: unknown; filter?: unknown };
      if (message.type !== 'filter' || typeof message.filter !== 'object' || !message.filter) {
        throw new FeedFilterError('expected {"type":"filter","filter":{...}}');
      }
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(message.filter as Record<string, unknown>)) {
        params.set(k, Array.isArray(v) ? v.join(',') : String(v));
      }
      subscriber.filter = parseFeedFilter(params);
      this.sendSnapshot(subscriber);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      subscriber.socket.send(JSON.stringify({ type: 'error', reason }));
    }
  }

  private sendSnapshot(subscriber: Subscriber): void {
    const f = subscriber.filter;
    const now = this.view.clock.now();
    const calls = this.view.calls({
      sourceId: f.sourceId,
      queueId: f.queueId,
      agent: f.agent,
      profile: f.profile,
      states: f.callStates,
    });
    const agents = this.view.agents({
      sourceId: f.sourceId,
      queueId: f.queueId,
      agent: f.agent,
      profile: f.profile,
      states: f.agentStates,
    });
    const queues = this.view
      .queues({ sourceId: f.sourceId, queueId: f.queueId })
      .map((q) => ({ ...q, longestWaitSeconds: longestWait(q.oldestQueuedAt, now) }));
    const tasks = this.view.tasks({ sourceId: f.sourceId, queueId: f.queueId });
    subscriber.lagging = false;
    // The snapshot is the view as it is now: deltas gathered before it are already in it.
    subscriber.pending = [];
    subscriber.socket.send(
      JSON.stringify({ type: 'snapshot', seq: this.seq, at: now, calls, agents, queues, tasks }),
    );
  }

  private broadcast(change: LiveChange): void {
    if (this.subscribers.size === 0) return;
    this.seq += 1;
    let frame: string | undefined;
    let left: string | undefined;
    for (const subscriber of this.subscribers) {
      const match = matches(subscriber.filter, change, this.view);
      if (match === false) continue;
      if (subscriber.socket.readyState !== WebSocket.OPEN) continue;
      if (subscriber.socket.bufferedAmount > this.options.maxBufferedBytes) {
        subscriber.lagging = true;
        continue;
      }
      if (subscriber.lagging) {
        this.sendSnapshot(subscriber);
        continue;
      }
      if (match === 'left') {
        left ??= JSON.stringify({ type: 'delta', seq: this.seq, ...leftOf(change) });
        this.deliver(subscriber, left);
        continue;
      }
      frame ??= JSON.stringify({ type: 'delta', seq: this.seq, ...payloadOf(change, this.view) });
      this.deliver(subscriber, frame);
    }
  }

  private deliver(subscriber: Subscriber, delta: string): void {
    if (this.options.batchMs <= 0) {
      subscriber.socket.send(`{"type":"deltas","items":[${delta}]}`);
      return;
    }
    subscriber.pending.push(delta);
    this.batchTimer ??= setTimeout(() => this.flushBatches(), this.options.batchMs);
  }

  private flushBatches(): void {
    this.batchTimer = undefined;
    for (const subscriber of this.subscribers) {
      if (subscriber.pending.length === 0) continue;
      const items = subscriber.pending;
      subscriber.pending = [];
      if (subscriber.socket.readyState !== WebSocket.OPEN) continue;
      if (subscriber.socket.bufferedAmount > this.options.maxBufferedBytes) {
        subscriber.lagging = true;
        continue;
      }
      subscriber.socket.send(`{"type":"deltas","items":[${items.join(',')}]}`);
    }
  }

  private beat(): void {
    for (const subscriber of this.subscribers) {
      if (!subscriber.alive) {
        subscriber.socket.terminate();
        this.subscribers.delete(subscriber);
        continue;
      }
      subscriber.alive = false;
      subscriber.socket.ping();
      if (subscriber.lagging && subscriber.socket.bufferedAmount === 0)
        this.sendSnapshot(subscriber);
    }
  }
}

function leftOf(change: LiveChange): Record<string, unknown> {
  const id =
    change.kind === 'agent_updated'
      ? { agentId: change.agent.agentId }
      : change.kind === 'call_updated'
        ? { callId: change.call.callId }
        : {};
  const kind = change.kind === 'agent_updated' ? 'agent_left_filter' : 'call_left_filter';
  return { kind, at: change.observedAt, sourceId: change.sourceId, ...id };
}

function longestWait(oldest: Date | undefined, now: Date): number {
  return oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
}

function payloadOf(change: LiveChange, view: LiveView): Record<string, unknown> {
  switch (change.kind) {
    case 'call_updated':
    case 'call_ended':
      return { kind: change.kind, at: change.observedAt, call: change.call };
    case 'agent_updated':
      return { kind: change.kind, at: change.observedAt, agent: change.agent };
    case 'agent_removed':
      return {
        kind: change.kind,
        at: change.observedAt,
        sourceId: change.sourceId,
        agentId: change.agentId,
      };
    case 'queue_updated':
      return {
        kind: change.kind,
        at: change.observedAt,
        queue: {
          ...change.queue,
          longestWaitSeconds: longestWait(change.queue.oldestQueuedAt, view.clock.now()),
        },
      };
    case 'task_updated':
    case 'task_ended':
      return { kind: change.kind, at: change.observedAt, task: change.task };
  }
}

/**
 * Whether a change concerns what the filter selects: `true`, `false`, or `left` for an entity
 * whose new state is outside the selected states (the subscriber drops it from its list).
 */
function matches(filter: FeedFilter, change: LiveChange, view: LiveView): boolean | 'left' {
  if (filter.sourceId !== undefined && change.sourceId !== filter.sourceId) return false;
  switch (change.kind) {
    case 'call_updated':
    case 'call_ended': {
      const call = change.call;
      if (filter.queueId !== undefined && call.queueId !== filter.queueId) return false;
      // A call moving out of the selected states is announced as leaving, so lists stay true.
      if (
        filter.callStates &&
        change.kind === 'call_updated' &&
        !filter.callStates.includes(call.state)
      )
        return 'left';
      if (filter.agent !== undefined || filter.profile !== undefined) {
        const agent = call.agentId
          ? view.board(change.sourceId).agents.get(call.agentId)
          : undefined;
        if (
          filter.agent !== undefined &&
          call.agentId !== filter.agent &&
          agent?.login !== filter.agent
        )
          return false;
        if (filter.profile !== undefined && agent?.profile !== filter.profile) return false;
      }
      return true;
    }
    case 'agent_updated': {
      const agent = change.agent;
      if (filter.queueId !== undefined && !agent.queues.includes(filter.queueId)) return false;
      if (
        filter.agent !== undefined &&
        agent.agentId !== filter.agent &&
        agent.login !== filter.agent
      )
        return false;
      if (filter.profile !== undefined && agent.profile !== filter.profile) return false;
      if (filter.agentStates && !filter.agentStates.includes(agent.state)) return 'left';
      return true;
    }
    case 'agent_removed':
      return filter.agent === undefined || filter.agent === change.agentId;
    case 'queue_updated':
      return filter.queueId === undefined || change.queue.queueId === filter.queueId;
    case 'task_updated':
    case 'task_ended':
      return filter.queueId === undefined || change.task.queueId === filter.queueId;
  }
}
