import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  createAuthNonce,
  encode,
  parseAgentMessage,
  ProtocolError,
  protocolErrorReply,
  verifyAgentAuth,
  type AgentMessage,
  type ServerMessage,
  type TaskResultMessage,
} from '@telcomesh/ticket-agent-protocol';

/**
 * A tiny agent hub for tests, speaking the protocol the way ticket-sla does: hello → challenge →
 * auth → auth_ok | auth_failed, then tasks, acks and heartbeats, with knobs to misbehave.
 * It records every frame it receives so tests can check what crossed the wire.
 */

export interface HubConnection {
  id: number;
  socket: WebSocket;
  authenticated: boolean;
  received: AgentMessage[];
  rawFrames: string[];
}

export class TestAgentHub extends EventEmitter<{ message: [HubConnection, AgentMessage] }> {
  readonly connections: HubConnection[] = [];
  /** Reasons of frames the hub refused; a correct agent leaves this empty. */
  readonly refused: string[] = [];
  autoAck = true;
  answerPings = true;
  heartbeatIntervalMs = 5000;
  private server!: WebSocketServer;

  constructor(private readonly credentials: Record<string, string>) {
    super();
  }

  async start(): Promise<string> {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(this.server, 'listening');
    this.server.on('connection', (socket) => this.accept(socket));
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/agents`;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  send(connection: HubConnection, message: ServerMessage): void {
    connection.socket.send(encode(message));
  }

  latest(): HubConnection {
    return this.connections[this.connections.length - 1];
  }

  results(): { connection: number; message: TaskResultMessage }[] {
    return this.connections.flatMap((c) =>
      c.received
        .filter((m): m is TaskResultMessage => m.type === 'task_result')
        .map((message) => ({ connection: c.id, message })),
    );
  }

  /** Resolves with the first message (past or future) matching `test`. */
  waitFor(
    test: (m: AgentMessage, c: HubConnection) => boolean,
    label: string,
  ): Promise<AgentMessage> {
    for (const c of this.connections) {
      const found = c.received.find((m) => test(m, c));
      if (found) return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('message', listener);
        reject(new Error(`hub: timed out waiting for ${label}`));
      }, 10_000);
      const listener = (c: HubConnection, m: AgentMessage) => {
        if (!test(m, c)) return;
        clearTimeout(timer);
        this.off('message', listener);
        resolve(m);
      };
      this.on('message', listener);
    });
  }

  private accept(socket: WebSocket): void {
    const connection: HubConnection = {
      id: this.connections.length + 1,
      socket,
      authenticated: false,
      received: [],
      rawFrames: [],
    };
    this.connections.push(connection);
    let nonce = '';
    socket.on('message', (data) => {
      const raw = (data as Buffer).toString('utf8');
      connection.rawFrames.push(raw);
      const message = parseAgentMessage(raw, { authenticated: connection.authenticated });
      if (message instanceof ProtocolError) {
        this.refused.push(message.reason);
        connection.socket.send(encode(protocolErrorReply(message)));
        return;
      }
      connection.received.push(message);
      switch (message.type) {
        case 'hello':
          nonce = createAuthNonce();
          this.send(connection, { v: 1, type: 'challenge', nonce, serverTime: Date.now() });
          break;
        case 'auth': {
          const secret = this.credentials[message.agentId];
          if (
            secret !== undefined &&
            verifyAgentAuth(secret, nonce, message.agentId, message.proof)
          ) {
            connection.authenticated = true;
            this.send(connection, {
              v: 1,
              type: 'auth_ok',
              agentId: message.agentId,
              sessionId: `s-${connection.id}`,
              heartbeatIntervalMs: this.heartbeatIntervalMs,
            });
          } else {
            this.send(connection, {
              v: 1,
              type: 'auth_failed',
              reason: 'unknown agent or wrong proof',
            });
            socket.close(4001, 'authentication failed');
          }
          break;
        }
        case 'ping':
          if (this.answerPings) {
            this.send(connection, {
              v: 1,
              type: 'pong',
              pingSentAt: message.sentAt,
              sentAt: Date.now(),
            });
          }
          break;
        case 'task_result':
          if (this.autoAck)
            this.send(connection, { v: 1, type: 'result_ack', resultId: message.resultId });
          break;
        case 'pong':
        case 'task_failed':
        case 'error':
          break;
      }
      this.emit('message', connection, message);
    });
  }
}
