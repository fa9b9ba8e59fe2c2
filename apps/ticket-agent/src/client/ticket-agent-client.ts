import { EventEmitter } from 'node:events';
import WebSocket, { type RawData } from 'ws';
import { redactUrl } from '@telcomesh/config';
import {
  computeAgentProof,
  encode,
  MAX_MESSAGE_BYTES,
  parseServerMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  protocolErrorReply,
  type AgentMessage,
  type ServerMessage,
  type TaskMessage,
} from '@telcomesh/ticket-agent-protocol';
import type { AgentLogger } from '../agent-logger';
import type { ResultOutbox } from '../outbox/result-outbox';
import type { TicketSystemAdapter } from '../ticket-system-adapter';
import { systemClock, type AgentClock } from './agent-clock';
import { DEFAULT_RECONNECT_BACKOFF, reconnectDelay, type ReconnectBackoff } from './backoff';
import { TaskRunner } from './task-runner';

export interface TicketAgentClientOptions {
  /** ws:// or wss:// URL of the ticket-sla agent hub (the seed's SERVER). */
  serverUrl: string;
  /** The seed's TOKEN: public id of this agent. */
  agentId: string;
  /** The seed's KEY: proves the agent id; only ever used as an HMAC key, never sent. */
  secret: string;
  agentVersion: string;
  adapter: TicketSystemAdapter;
  outbox: ResultOutbox;
  logger: AgentLogger;
  clock?: AgentClock;
  random?: () => number;
  backoff?: Partial<ReconnectBackoff>;
  /** Socket open → auth_ok; 15 s by default. */
  handshakeTimeoutMs?: number;
  /** The connection is dead after this many heartbeat intervals without any frame; 3 by default. */
  deadAfterHeartbeats?: number;
  maxMessageBytes?: number;
  maxConcurrentTasks?: number;
  /** Results sent and awaiting their ack on one connection; 16 by default. */
  maxResultsInFlight?: number;
}

export interface DisconnectedInfo {
  /** Why, without secrets: `closed by server (1006)`, `no frame from the server for 45000 ms`… */
  reason: string;
  wasAuthenticated: boolean;
  authRefused: boolean;
  /** Consecutive failed attempts, this one included. */
  attempt: number;
  /** Absent once the client is closed. */
  reconnectInMs?: number;
}

export interface TicketAgentClientEvents {
  authenticated: [info: { sessionId: string; resent: number }];
  disconnected: [info: DisconnectedInfo];
  acked: [resultId: string];
}

type Phase = 'opening' | 'hello-sent' | 'auth-sent' | 'authenticated';

/** State of one websocket; a new one per attempt so late events of an old socket change nothing. */
interface Session {
  socket: WebSocket;
  phase: Phase;
  sessionId?: string;
  authRefusal?: { retryAfterMs?: number };
  lastHeardAt: number;
  heartbeatMs: number;
  serverOffsetMs: number;
  lagMs?: number;
  /** Result ids sent on this socket and not yet acked. */
  inFlight: Set<string>;
  pumping: boolean;
  /** Where sending stopped in the outbox's pending ids. */
  cursor?: IterableIterator<string>;
  timer?: unknown;
  closeReason?: string;
}

function frameBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * The agent's outbound connection to ticket-sla: dials, authenticates by challenge-response,
 * keeps the link alive with heartbeats, runs tasks and sends their results from the durable
 * outbox until each is acked — re-sending every unacked result after a reconnect. Reconnects
 * forever with exponential backoff and full jitter until `close()`.
 */
export class TicketAgentClient extends EventEmitter<TicketAgentClientEvents> {
  private readonly clock: AgentClock;
  private readonly random: () => number;
  private readonly backoff: ReconnectBackoff;
  private readonly maxMessageBytes: number;
  private readonly runner: TaskRunner;
  private session?: Session;
  private reconnectTimer?: unknown;
  private attempt = 0;
  private connections = 0;
  private stopped = false;
  private started = false;

  constructor(private readonly options: TicketAgentClientOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_RECONNECT_BACKOFF, ...options.backoff };
    this.maxMessageBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    this.runner = new TaskRunner({
      adapter: options.adapter,
      sink: options.outbox,
      logger: options.logger,
      clock: this.clock,
      maxMessageBytes: this.maxMessageBytes,
      maxConcurrentTasks: options.maxConcurrentTasks ?? 4,
      onResultStored: () => this.pump(),
    });
  }

  /** Starts dialling; returns at once (progress is in the logs and events). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  get authenticated(): boolean {
    return this.session?.phase === 'authenticated';
  }

  /** Round-trip time of the last heartbeat, when one was answered on the current connection. */
  get lagMs(): number | undefined {
    return this.session?.lagMs;
  }

  /** Stops reconnecting, abandons running tasks (their stored results stay) and closes the socket. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.runner.stopAll();
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    const session = this.session;
    if (!session || session.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      session.socket.once('close', () => resolve());
      session.socket.close(1000, 'agent shutting down');
      // A peer that never answers the close handshake must not hold the shutdown.
      const force = this.clock.setTimeout(() => session.socket.terminate(), 2000);
      session.socket.once('close', () => this.clock.clearTimeout(force));
    });
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.stopped) return;
    const { serverUrl, logger } = this.options;
    let socket: WebSocket;
    try {
      socket = new WebSocket(serverUrl, {
        maxPayload: this.maxMessageBytes,
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 15_000,
      });
    } catch (error) {
      // Only an unusable URL throws here; keep the process alive and say so at every attempt.
      const delay = reconnectDelay(++this.attempt, this.backoff, undefined, this.random);
      logger.error(
        { server: redactUrl(serverUrl), reason: (error as Error).message, reconnectInMs: delay },
        'cannot open a websocket to SERVER',
      );
      this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay);
      return;
    }
    const session: Session = {
      socket,
      phase: 'opening',
      lastHeardAt: this.clock.now(),
      heartbeatMs: 15_000,
      serverOffsetMs: 0,
      inFlight: new Set(),
      pumping: false,
    };
    this.session = session;
    logger.debug({ server: redactUrl(serverUrl), attempt: this.attempt + 1 }, 'connecting');
    session.timer = this.clock.setTimeout(
      () => this.drop(session, 'handshake timed out before auth_ok'),
      this.options.handshakeTimeoutMs ?? 15_000,
    );
    socket.on('open', () => {
      session.phase = 'hello-sent';
      this.send(session, {
        v: PROTOCOL_VERSION,
        type: 'hello',
        agentId: this.options.agentId,
        agentVersion: this.options.agentVersion,
        system: this.options.adapter.system,
      });
    });
    socket.on('message', (data) => this.onFrame(session, frameBytes(data)));
    socket.on('error', (error) => {
      session.closeReason ??= error.message;
    });
    socket.on('close', (code, reason) => {
      const said = reason.toString('utf8');
      this.onClosed(
        session,
        session.closeReason ?? `closed by server (${code}${said ? `: ${said}` : ''})`,
      );
    });
  }

  private drop(session: Session, reason: string): void {
    if (session.socket.readyState === WebSocket.CLOSED) return;
    session.closeReason ??= reason;
    session.socket.terminate();
  }

  private onClosed(session: Session, reason: string): void {
    if (session.timer !== undefined) this.clock.clearTimeout(session.timer);
    if (this.session !== session) return;
    this.session = undefined;
    const wasAuthenticated = session.phase === 'authenticated';
    const info: DisconnectedInfo = {
      reason,
      wasAuthenticated,
      authRefused: session.authRefusal !== undefined,
      attempt: 0,
    };
    if (this.stopped) {
      this.options.logger.info({ reason }, 'disconnected: agent stopping');
      this.emit('disconnected', info);
      return;
    }
    info.attempt = ++this.attempt;
    info.reconnectInMs = reconnectDelay(
      this.attempt,
      this.backoff,
      session.authRefusal,
      this.random,
    );
    const context = {
      reason,
      attempt: info.attempt,
      reconnectInMs: info.reconnectInMs,
      server: redactUrl(this.options.serverUrl),
      pendingResults: this.options.outbox.stats().pending,
    };
    if (session.authRefusal) {
      this.options.logger.error(
        { ...context, agentId: this.options.agentId },
        'server refused authentication: check TOKEN (agent id) and KEY, or whether the agent was revoked',
      );
    } else if (wasAuthenticated) {
      this.options.logger.warn(context, 'connection to server lost; reconnecting');
    } else {
      this.options.logger.warn(context, 'could not connect to server; retrying');
    }
    this.emit('disconnected', info);
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), info.reconnectInMs);
  }

  // ---- inbound --------------------------------------------------------------------------------

  private onFrame(session: Session, raw: Uint8Array): void {
    if (this.session !== session) return;
    session.lastHeardAt = this.clock.now();
    const message = parseServerMessage(raw, {
      authenticated: session.phase === 'authenticated',
      maxBytes: this.maxMessageBytes,
    });
    if (message instanceof ProtocolError) {
      this.options.logger.warn(
        { reason: message.reason, refType: message.details.refType, refId: message.details.refId },
        'refused a message from the server',
      );
      this.send(session, protocolErrorReply(message));
      // Before authentication the exchange cannot recover from a bad frame: start over.
      if (session.phase !== 'authenticated') {
        session.closeReason ??= `handshake broken: ${message.reason}`;
        session.socket.close(1002, 'protocol error');
      }
      return;
    }
    this.onMessage(session, message);
  }

  private onMessage(session: Session, message: ServerMessage): void {
    const { logger } = this.options;
    switch (message.type) {
      case 'challenge': {
        if (session.phase !== 'hello-sent') return this.outOfOrder(session, message.type);
        session.serverOffsetMs = message.serverTime - this.clock.now();
        session.phase = 'auth-sent';
        const proof = computeAgentProof(this.options.secret, message.nonce, this.options.agentId);
        this.send(session, {
          v: PROTOCOL_VERSION,
          type: 'auth',
          agentId: this.options.agentId,
          proof,
        });
        return;
      }
      case 'auth_ok': {
        if (session.phase !== 'auth-sent') return this.outOfOrder(session, message.type);
        if (message.agentId !== this.options.agentId) {
          return this.drop(
            session,
            `server accepted agent ${message.agentId}, not ${this.options.agentId}`,
          );
        }
        session.phase = 'authenticated';
        session.sessionId = message.sessionId;
        session.heartbeatMs = message.heartbeatIntervalMs;
        this.attempt = 0;
        this.connections++;
        const resent = this.options.outbox.stats().pending;
        logger.info(
          {
            sessionId: message.sessionId,
            agentId: this.options.agentId,
            heartbeatIntervalMs: message.heartbeatIntervalMs,
            serverOffsetMs: session.serverOffsetMs,
            pendingResults: resent,
            reconnect: this.connections > 1,
          },
          'authenticated with server',
        );
        this.clock.clearTimeout(session.timer);
        this.scheduleHeartbeat(session);
        this.emit('authenticated', { sessionId: message.sessionId, resent });
        this.pump();
        return;
      }
      case 'auth_failed':
        session.authRefusal =
          message.retryAfterMs === undefined ? {} : { retryAfterMs: message.retryAfterMs };
        session.closeReason = `authentication refused: ${message.reason}`;
        session.socket.close(1000, 'authentication refused');
        return;
      case 'ping':
        this.send(session, {
          v: PROTOCOL_VERSION,
          type: 'pong',
          pingSentAt: message.sentAt,
          sentAt: this.clock.now(),
        });
        return;
      case 'pong':
        session.lagMs = Math.max(0, this.clock.now() - message.pingSentAt);
        logger.debug({ lagMs: session.lagMs }, 'heartbeat answered');
        return;
      case 'task':
        this.startTask(session, message);
        return;
      case 'result_ack':
        void this.onAck(session, message.resultId);
        return;
      case 'error':
        logger.warn(
          { reason: message.reason, refType: message.refType, refId: message.refId },
          'server refused a message from this agent',
        );
        if (message.refType === 'task_result' && message.refId !== undefined) {
          void this.discardRefused(session, message.refId, message.reason);
        }
        return;
    }
  }

  private outOfOrder(session: Session, type: string): void {
    this.drop(session, `handshake broken: ${type} while ${session.phase}`);
  }

  private startTask(session: Session, task: TaskMessage): void {
    this.runner.run(task, session.serverOffsetMs).then(
      (failed) => {
        if (!failed) return;
        // Not kept in the outbox: the server times the task out by its deadline anyway.
        const current = this.session;
        if (current?.phase === 'authenticated') this.send(current, failed);
        else
          this.options.logger.warn({ taskId: task.taskId }, 'task_failed not sent: no connection');
      },
      (error: unknown) => {
        this.options.logger.error({ taskId: task.taskId, err: error }, 'task runner crashed');
      },
    );
  }

  private async onAck(session: Session, resultId: string): Promise<void> {
    try {
      const known = await this.options.outbox.ack(resultId);
      if (!known)
        this.options.logger.debug(
          { resultId },
          'ack for a result not pending (already acked or dropped)',
        );
      else this.emit('acked', resultId);
    } catch (error) {
      // The ack is not durable; the result stays pending and is re-sent after the next reconnect.
      this.options.logger.error({ resultId, err: error }, 'could not record the ack in the outbox');
    }
    session.inFlight.delete(resultId);
    this.pump();
  }

  /** A result the server refuses would be re-sent forever and hold a window slot: give it up. */
  private async discardRefused(session: Session, resultId: string, reason: string): Promise<void> {
    if (!this.options.outbox.has(resultId)) return;
    try {
      await this.options.outbox.discard(resultId);
      this.options.logger.error(
        { resultId, reason },
        'server refused a result; dropped from the outbox',
      );
    } catch (error) {
      this.options.logger.error({ resultId, err: error }, 'could not drop a refused result');
    }
    session.inFlight.delete(resultId);
    this.pump();
  }

  // ---- outbound -------------------------------------------------------------------------------

  private send(session: Session, message: AgentMessage): void {
    if (session.socket.readyState !== WebSocket.OPEN) return;
    session.socket.send(encode(message, this.maxMessageBytes));
  }

  private sendRaw(session: Session, text: string): void {
    if (session.socket.readyState === WebSocket.OPEN) session.socket.send(text);
  }

  /** Sends pending results not yet sent on this connection, oldest first, a window at a time. */
  private pump(): void {
    const session = this.session;
    if (!session || session.phase !== 'authenticated' || session.pumping) return;
    session.pumping = true;
    void this.pumpLoop(session).finally(() => {
      session.pumping = false;
    });
  }

  private async pumpLoop(session: Session): Promise<void> {
    const window = this.options.maxResultsInFlight ?? 16;
    for (;;) {
      if (this.session !== session || session.inFlight.size >= window) return;
      const next = this.nextUnsent(session);
      if (next === undefined) return;
      session.inFlight.add(next);
      try {
        this.sendRaw(session, await this.options.outbox.read(next));
      } catch (error) {
        this.options.logger.error(
          { resultId: next, err: error },
          'could not read a result from the outbox',
        );
        // Dropped for room meanwhile: nothing to wait for. Unreadable: skip it on this connection.
        if (!this.options.outbox.has(next)) session.inFlight.delete(next);
      }
    }
  }

  /** The oldest pending result not yet sent on this connection, walking a live cursor. */
  private nextUnsent(session: Session): string | undefined {
    session.cursor ??= this.options.outbox.pendingIds();
    for (let step = session.cursor.next(); !step.done; step = session.cursor.next()) {
      if (!session.inFlight.has(step.value)) return step.value;
    }
    // An exhausted iterator stays exhausted; results appended later need a fresh one.
    session.cursor = undefined;
    return undefined;
  }

  private scheduleHeartbeat(session: Session): void {
    session.timer = this.clock.setTimeout(() => {
      if (this.session !== session) return;
      const silentMs = this.clock.now() - session.lastHeardAt;
      const limit = session.heartbeatMs * (this.options.deadAfterHeartbeats ?? 3);
      if (silentMs >= limit) {
        this.drop(session, `no frame from the server for ${silentMs} ms (limit ${limit} ms)`);
        return;
      }
      this.send(session, { v: PROTOCOL_VERSION, type: 'ping', sentAt: this.clock.now() });
      this.scheduleHeartbeat(session);
    }, session.heartbeatMs);
  }
}
