import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '@telcomesh/observability';
import {
  createAuthNonce,
  encode,
  MAX_MESSAGE_BYTES,
  parseAgentMessage,
  PROTOCOL_VERSION,
  ProtocolError,
  protocolErrorReply,
  verifyAgentAuth,
  type AgentMessage,
  type ServerMessage,
  type TaskMessage,
  type TaskResultMessage,
} from '@telcomesh/ticket-agent-protocol';
import type { ServiceClock, TimerHandle } from '../time/service-clock';
import type { AgentCredentials } from './agent-credentials';
import type { AgentDirectory } from './agent-directory';
import type { AgentResults } from './agent-results';
import type { TaskDispatcher } from './task-dispatcher';

export interface AgentHubOptions {
  path: string;
  heartbeatMs: number;
  handshakeTimeoutMs: number;
  /** Least wait the server asks of an agent it refused. */
  authRetryAfterMs: number;
}

/** hello → auth → verifying (the proof is being checked) → authenticated; closed at any point. */
type Phase = 'hello' | 'auth' | 'verifying' | 'authenticated' | 'closed';

interface Session {
  id: string;
  socket: WebSocket;
  remoteAddress: string | null;
  phase: Phase;
  agentId?: string;
  system?: string;
  agentVersion?: string;
  nonce?: string;
  lastHeardAt: number;
  lagMs: number | null;
  handshakeTimer?: TimerHandle;
  /** Messages that touch the database run one after the other, in arrival order. */
  work: Promise<void>;
}

/** A connected agent as this replica sees it, for the API. */
export interface LiveAgent {
  agentId: string;
  sessionId: string;
  system: string;
  agentVersion: string;
  remoteAddress: string | null;
  lagMs: number | null;
  lastHeardAt: Date;
}

/** Vague on purpose: an unknown agent and a wrong proof look the same from outside. */
const AUTH_FAILED = 'authentication failed';
const REVOKED = 'agent revoked';

function frameOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * The agents' websocket endpoint (`/agents` on the service's HTTP server). Authentication comes
 * before anything else: hello → challenge (a fresh nonce) → auth (HMAC proof, the secret never
 * crosses) → auth_ok, or auth_failed and close. Then heartbeats both ways (3 silent intervals
 * drop the connection), tasks from the dispatcher, and results stored exactly once before their
 * ack. A malformed or unexpected message gets an `error` naming the problem; the connection stays.
 */
export class AgentHub {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly sessions = new Set<Session>();
  private heartbeat: TimerHandle | undefined;
  private closing = false;
  /** Directory writes of ended sessions, awaited on close so none hits a closed database. */
  private readonly recording = new Set<Promise<void>>();
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== this.options.path) return;
    if (this.closing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.join(ws, request));
  };
  private http: Server | undefined;

  constructor(
    private readonly credentials: AgentCredentials,
    private readonly directory: AgentDirectory,
    private readonly results: AgentResults,
    private readonly dispatcher: TaskDispatcher,
    private readonly clock: ServiceClock,
    private readonly logger: Logger,
    private readonly options: AgentHubOptions,
  ) {}

  attach(http: Server): void {
    this.http = http;
    http.on('upgrade', this.onUpgrade);
    this.scheduleHeartbeat();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.http?.off('upgrade', this.onUpgrade);
    if (this.heartbeat !== undefined) this.clock.clearTimeout(this.heartbeat);
    const ending = [...this.sessions].map(async (session) => {
      await session.work;
      session.socket.close(1001, 'server shutting down');
    });
    await Promise.all(ending);
    for (const session of this.sessions) this.end(session, 'server shutting down');
    await Promise.all([...this.recording]);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Authenticated agents connected to this replica. */
  live(): LiveAgent[] {
    return [...this.sessions]
      .filter((s) => s.phase === 'authenticated')
      .map((s) => ({
        agentId: s.agentId as string,
        sessionId: s.id,
        system: s.system as string,
        agentVersion: s.agentVersion as string,
        remoteAddress: s.remoteAddress,
        lagMs: s.lagMs,
        lastHeardAt: new Date(s.lastHeardAt),
      }));
  }

  /** Drops every connection of a revoked agent here (other replicas notice at their next heartbeat). */
  disconnectRevoked(agentId: string): number {
    let closed = 0;
    for (const session of this.sessions) {
      if (session.agentId !== agentId || session.phase === 'closed') continue;
      if (session.phase === 'authenticated') {
        this.send(session, {
          v: PROTOCOL_VERSION,
          type: 'auth_failed',
          reason: REVOKED,
          retryAfterMs: this.options.authRetryAfterMs,
        });
      }
      session.socket.close(4003, REVOKED);
      this.end(session, REVOKED);
      closed += 1;
    }
    return closed;
  }

  private join(socket: WebSocket, request: IncomingMessage): void {
    const session: Session = {
      id: randomUUID(),
      socket,
      remoteAddress: request.socket.remoteAddress ?? null,
      phase: 'hello',
      lastHeardAt: this.clock.now(),
      lagMs: null,
      work: Promise.resolve(),
    };
    this.sessions.add(session);
    session.handshakeTimer = this.clock.setTimeout(() => {
      if (session.phase === 'authenticated' || session.phase === 'closed') return;
      this.logger.info(
        { remote: session.remoteAddress, phase: session.phase },
        'agent handshake timed out',
      );
      socket.close(4008, 'handshake timed out');
      this.end(session, 'handshake timed out');
    }, this.options.handshakeTimeoutMs);
    socket.on('message', (data) => this.onFrame(session, frameOf(data)));
    socket.on('close', () => this.end(session, 'connection closed'));
    socket.on('error', (error) => {
      this.logger.debug({ err: error, agentId: session.agentId }, 'agent socket error');
      this.end(session, 'socket error');
    });
  }

  private end(session: Session, reason: string): void {
    if (!this.sessions.delete(session)) return;
    const wasAuthenticated = session.phase === 'authenticated';
    session.phase = 'closed';
    if (session.handshakeTimer !== undefined) this.clock.clearTimeout(session.handshakeTimer);
    if (
      session.socket.readyState === WebSocket.OPEN ||
      session.socket.readyState === WebSocket.CONNECTING
    ) {
      session.socket.terminate();
    }
    if (!wasAuthenticated || session.agentId === undefined) return;
    const agentId = session.agentId;
    this.dispatcher.agentDisconnected(session.id);
    this.logger.info({ agentId, sessionId: session.id, reason }, 'agent disconnected');
    this.directory
      .disconnected(agentId, session.id, this.clock.now())
      .catch((error: unknown) =>
        this.logger.warn({ err: error, agentId }, 'agent disconnect not recorded'),
      );
  }

  private send(session: Session, message: ServerMessage): boolean {
    if (session.socket.readyState !== WebSocket.OPEN) return false;
    session.socket.send(encode(message));
    return true;
  }

  private refuse(session: Session, reason: string, refType?: string, refId?: string): void {
    this.send(session, {
      v: PROTOCOL_VERSION,
      type: 'error',
      reason,
      ...(refType === undefined ? {} : { refType }),
      ...(refId === undefined ? {} : { refId }),
    });
  }

  private onFrame(session: Session, raw: Uint8Array): void {
    if (session.phase === 'closed') return;
    session.lastHeardAt = this.clock.now();
    const message = parseAgentMessage(raw, { authenticated: session.phase === 'authenticated' });
    if (message instanceof ProtocolError) {
      this.logger.info(
        {
          agentId: session.agentId,
          remote: session.remoteAddress,
          reason: message.reason,
          refType: message.details.refType,
        },
        'refused a message from an agent',
      );
      this.send(session, protocolErrorReply(message));
      return;
    }
    if (session.phase === 'authenticated') this.onMessage(session, message);
    else this.onHandshake(session, message);
  }

  private onHandshake(session: Session, message: AgentMessage): void {
    switch (message.type) {
      case 'hello': {
        if (session.phase !== 'hello')
          return this.refuse(session, 'hello: already received on this connection', 'hello');
        session.agentId = message.agentId;
        session.system = message.system;
        session.agentVersion = message.agentVersion;
        session.nonce = createAuthNonce();
        session.phase = 'auth';
        this.send(session, {
          v: PROTOCOL_VERSION,
          type: 'challenge',
          nonce: session.nonce,
          serverTime: this.clock.now(),
        });
        return;
      }
      case 'auth': {
        if (session.phase !== 'auth')
          return this.refuse(session, 'auth: send hello first and answer its challenge', 'auth');
        const nonce = session.nonce as string;
        // The nonce answers one attempt only: a second auth on this connection needs a new hello.
        session.nonce = undefined;
        session.phase = 'verifying';
        session.work = session.work.then(() =>
          this.authenticate(session, message.agentId, message.proof, nonce),
        );
        return;
      }
      case 'error':
        this.logger.info(
          { remote: session.remoteAddress, reason: message.reason },
          'agent refused a server message during the handshake',
        );
        return;
      case 'ping':
      case 'pong':
      case 'task_result':
      case 'task_failed':
        // parseAgentMessage refuses these before authentication; kept for exhaustiveness.
        return this.refuse(session, `${message.type} before authentication`, message.type);
    }
  }

  private async authenticate(
    session: Session,
    agentId: string,
    proof: string,
    nonce: string,
  ): Promise<void> {
    const refuse = (reason: string) => {
      this.send(session, {
        v: PROTOCOL_VERSION,
        type: 'auth_failed',
        reason,
        retryAfterMs: this.options.authRetryAfterMs,
      });
      session.socket.close(4001, 'authentication refused');
      this.end(session, reason);
    };
    if (agentId !== session.agentId) {
      this.logger.warn(
        { remote: session.remoteAddress, hello: session.agentId, auth: agentId },
        'agent auth names another agent than its hello',
      );
      return refuse(AUTH_FAILED);
    }
    const secret = this.credentials.secretOf(agentId);
    if (secret === undefined || !verifyAgentAuth(secret, nonce, agentId, proof)) {
      this.logger.warn(
        { agentId, remote: session.remoteAddress, known: secret !== undefined },
        'agent authentication failed',
      );
      if (secret !== undefined)
        await this.directory.countAuthFailure(agentId).catch(() => undefined);
      return refuse(AUTH_FAILED);
    }
    let revoked: boolean;
    try {
      revoked = await this.directory.isRevoked(agentId);
    } catch (error) {
      // Cannot tell whether it is revoked: not now. The agent retries later.
      this.logger.error({ err: error, agentId }, 'agent revocation could not be checked');
      return refuse('server unavailable, try again later');
    }
    if (revoked) {
      this.logger.warn({ agentId, remote: session.remoteAddress }, 'revoked agent refused');
      return refuse(REVOKED);
    }
    if (session.socket.readyState !== WebSocket.OPEN)
      return this.end(session, 'closed during authentication');
    for (const other of this.sessions) {
      if (other !== session && other.agentId === agentId && other.phase === 'authenticated') {
        other.socket.close(4009, 'replaced by a newer connection of this agent');
        this.end(other, 'replaced by a newer connection');
      }
    }
    session.phase = 'authenticated';
    if (session.handshakeTimer !== undefined) this.clock.clearTimeout(session.handshakeTimer);
    this.send(session, {
      v: PROTOCOL_VERSION,
      type: 'auth_ok',
      agentId,
      sessionId: session.id,
      heartbeatIntervalMs: this.options.heartbeatMs,
    });
    const system = session.system as string;
    const agentVersion = session.agentVersion as string;
    this.logger.info(
      { agentId, sessionId: session.id, system, agentVersion, remote: session.remoteAddress },
      'agent authenticated',
    );
    await this.directory
      .connected(
        agentId,
        { sessionId: session.id, system, agentVersion, remoteAddress: session.remoteAddress },
        this.clock.now(),
      )
      .catch((error: unknown) =>
        this.logger.warn({ err: error, agentId }, 'agent connection not recorded'),
      );
    this.dispatcher.agentConnected({
      sessionId: session.id,
      agentId,
      system,
      send: (task: TaskMessage) => session.phase === 'authenticated' && this.send(session, task),
    });
  }

  private onMessage(session: Session, message: AgentMessage): void {
    const agentId = session.agentId as string;
    switch (message.type) {
      case 'ping':
        this.send(session, {
          v: PROTOCOL_VERSION,
          type: 'pong',
          pingSentAt: message.sentAt,
          sentAt: this.clock.now(),
        });
        return;
      case 'pong': {
        const lag = this.clock.now() - message.pingSentAt;
        // A pong for a ping we never sent (from the future) says nothing about lag.
        if (lag >= 0) session.lagMs = lag;
        this.directory
          .seen(agentId, session.id, lag >= 0 ? lag : null, this.clock.now())
          .catch((error: unknown) =>
            this.logger.debug({ err: error, agentId }, 'agent heartbeat not recorded'),
          );
        return;
      }
      case 'task_result':
        session.work = session.work.then(() => this.storeResult(session, message));
        return;
      case 'task_failed':
        this.dispatcher.taskFailed(message.taskId, agentId, message.reason, message.retryable);
        return;
      case 'error':
        this.logger.warn(
          { agentId, reason: message.reason, refType: message.refType, refId: message.refId },
          'agent refused a message from the server',
        );
        return;
      case 'hello':
      case 'auth':
        return this.refuse(
          session,
          `${message.type}: this connection is already authenticated`,
          message.type,
        );
    }
  }

  private async storeResult(session: Session, result: TaskResultMessage): Promise<void> {
    if (session.phase !== 'authenticated') return; // revoked or closed meanwhile: the agent resends elsewhere
    const agentId = session.agentId as string;
    try {
      const outcome = await this.results.apply(
        { agentId, system: session.system as string },
        result,
      );
      if (outcome.rejected.length > 0) {
        this.logger.warn(
          {
            agentId,
            taskId: result.taskId,
            resultId: result.resultId,
            rejected: outcome.rejected.slice(0, 10),
          },
          'tickets refused in an agent result',
        );
      }
      this.dispatcher.chunkStored(result.taskId, result.chunk, result.final);
      this.send(session, { v: PROTOCOL_VERSION, type: 'result_ack', resultId: result.resultId });
    } catch (error) {
      // Not stored, so not acked. The agent resends unacked results only after reconnecting:
      // closing makes it do so once the database is back.
      this.logger.error(
        { err: error, agentId, resultId: result.resultId },
        'agent result could not be stored; closing so the agent resends it',
      );
      session.socket.close(1011, 'result could not be stored; resend after reconnecting');
      this.end(session, 'result not stored');
    }
  }

  private scheduleHeartbeat(): void {
    if (this.closing) return;
    this.heartbeat = this.clock.setTimeout(() => {
      void this.beat().finally(() => this.scheduleHeartbeat());
    }, this.options.heartbeatMs);
  }

  /** Pings every agent, drops silent ones, and closes agents revoked on another replica. */
  private async beat(): Promise<void> {
    const now = this.clock.now();
    const deadAfter = 3 * this.options.heartbeatMs;
    for (const session of [...this.sessions]) {
      if (session.phase !== 'authenticated') continue;
      if (now - session.lastHeardAt >= deadAfter) {
        this.logger.warn(
          { agentId: session.agentId, silentMs: now - session.lastHeardAt },
          'agent silent for 3 heartbeats; dropping',
        );
        session.socket.terminate();
        this.end(session, 'heartbeat timeout');
        continue;
      }
      this.send(session, { v: PROTOCOL_VERSION, type: 'ping', sentAt: now });
      this.directory
        .seen(session.agentId as string, session.id, null, session.lastHeardAt)
        .catch(() => undefined);
    }
    if (![...this.sessions].some((s) => s.phase === 'authenticated')) return;
    try {
      const revoked = await this.directory.revokedIds();
      for (const agentId of revoked) this.disconnectRevoked(agentId);
    } catch (error) {
      this.logger.debug({ err: error }, 'revocations could not be checked this heartbeat');
    }
  }
}
