import WebSocket from 'ws';
import { type CccpClock, systemCccpClock } from './cccp-clock';
import {
  type DispatchClient,
  type DispatchClientEvents,
  type DispatchClientFactory,
  type DispatchServerInfo,
  type ListPage,
  type QueryListRequest,
  type StartViewRequest,
  type StartedView,
  DispatchAuthError,
  DispatchClosedError,
  DispatchError,
  DispatchProtocolError,
  DispatchRequestError,
  DispatchTimeoutError,
} from './dispatch-client';
import { type JsonServerMessage, parseServerMessage } from './json-dispatch-protocol';

export interface JsonDispatchClientOptions {
  /** `ws://host:port/path` or `wss://…`; credentials never go in it. */
  url: string;
  user: string;
  /** Sent in `login` only; never logged nor put in errors. */
  password: string;
  /** Shown in the server's own client list; `telcomesh-call-monitor` by default. */
  clientName?: string;
  /** Websocket handshake + login; 10 s by default. */
  connectTimeoutMs?: number;
  /** A request's answer; 10 s by default. */
  requestTimeoutMs?: number;
  /** Websocket ping period (0 turns it off); a ping unanswered by the next one drops the link. */
  pingIntervalMs?: number;
  /** Largest message accepted; 16 MiB by default. */
  maxMessageBytes?: number;
  clock?: CccpClock;
}

type ReplyType = 'login_ok' | 'view_started' | 'list_response';

interface Pending {
  request: string;
  expect: ReplyType;
  timer: unknown;
  resolve(message: JsonServerMessage): void;
  reject(error: Error): void;
}

/** `ws://user:secret@host:1/x?token=…` → `ws://host:1/x`, for messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

/**
 * The JSON-over-websocket dispatch client of PROTOCOL.md: logs in, starts views, queries pages and
 * reports pushed view updates. Requests are correlated by id and time out; messages that cannot
 * be read are reported on `protocolError` and skipped.
 */
export class JsonDispatchClient implements DispatchClient {
  private readonly clock: CccpClock;
  private readonly where: string;
  private socket: WebSocket | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private loggedIn = false;
  private closing = false;
  private pingTimer: unknown;
  private awaitingPong = false;

  constructor(
    private readonly options: JsonDispatchClientOptions,
    private readonly events: DispatchClientEvents,
  ) {
    this.clock = options.clock ?? systemCccpClock;
    this.where = describeUrl(options.url);
  }

  connect(): Promise<DispatchServerInfo> {
    if (this.socket) return Promise.reject(new DispatchError('connect() was already called'));
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    return new Promise<DispatchServerInfo>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | undefined, info?: DispatchServerInfo) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(timer);
        if (error) {
          reject(error);
          this.shutdown();
        } else resolve(info ?? {});
      };
      const timer = this.clock.setTimeout(
        () =>
          settle(
            new DispatchTimeoutError(`no login answer from ${this.where} within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
      let socket: WebSocket;
      try {
        socket = new WebSocket(this.options.url, {
          maxPayload: this.options.maxMessageBytes ?? 16 * 1024 * 1024,
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        settle(new DispatchError(`cannot connect to ${this.where}: ${reason}`));
        return;
      }
      this.socket = socket;
      let lastError: Error | undefined;
      socket.on('error', (error) => {
        lastError = error;
      });
      socket.on('open', () => {
        this.request('login', 'login_ok', {
          user: this.options.user,
          password: this.options.password,
          client_name: this.options.clientName ?? 'telcomesh-call-monitor',
        }).then(
          (message) => {
            if (message.type !== 'login_ok') return;
            this.loggedIn = true;
            const info: DispatchServerInfo = {};
            if (message.serverName !== undefined) info.serverName = message.serverName;
            if (message.serverTime) info.serverTime = message.serverTime;
            settle(undefined, info);
            this.schedulePing(socket);
          },
          (error: unknown) => {
            if (error instanceof DispatchRequestError && error.code === 'auth_failed') {
              settle(
                new DispatchAuthError(
                  `login as '${this.options.user}' on ${this.where} refused: ${error.detail || 'auth_failed'}`,
                ),
              );
            } else settle(error instanceof Error ? error : new DispatchError(String(error)));
          },
        );
      });
      socket.on('message', (data, isBinary) => this.receive(data, isBinary));
      socket.on('pong', () => {
        this.awaitingPong = false;
      });
      socket.on('close', (code, reasonBuffer) => {
        const said = reasonBuffer.toString('utf8');
        const reason = lastError
          ? `connection error: ${lastError.message}`
          : `connection closed (code ${code}${said ? `: ${said}` : ''})`;
        this.clock.clearTimeout(this.pingTimer);
        this.socket = undefined;
        this.rejectPending(
          new DispatchClosedError(`dispatch connection to ${this.where} lost: ${reason}`),
        );
        settle(new DispatchClosedError(`cannot log in on ${this.where}: ${reason}`));
        if (this.loggedIn && !this.closing) this.events.closed(reason, lastError);
      });
    });
  }

  async startView(request: StartViewRequest): Promise<StartedView> {
    const message = await this.request('start_view', 'view_started', {
      object_type: request.objectType,
      view_name: request.viewName,
      fields: request.fields,
      filter: request.filter,
      push: request.push,
    });
    if (message.type !== 'view_started') throw new DispatchProtocolError('unexpected reply');
    return message.view;
  }

  async queryList(request: QueryListRequest): Promise<ListPage> {
    const message = await this.request('query_list', 'list_response', {
      view_idx: request.viewIdx,
      object_type: request.objectType,
      filter: request.filter,
      after: request.after ?? null,
      limit: request.limit,
    });
    if (message.type !== 'list_response') throw new DispatchProtocolError('unexpected reply');
    for (const skipped of message.skippedItems) this.events.protocolError(skipped);
    return message.page;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.clock.clearTimeout(this.pingTimer);
    this.rejectPending(
      new DispatchClosedError(`dispatch connection to ${this.where} closed by the client`),
    );
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'client closing');
      else socket.terminate();
    });
  }

  private shutdown(): void {
    this.closing = true;
    this.clock.clearTimeout(this.pingTimer);
    this.socket?.terminate();
  }

  private schedulePing(socket: WebSocket): void {
    const interval = this.options.pingIntervalMs ?? 30_000;
    if (interval <= 0) return;
    this.pingTimer = this.clock.setTimeout(() => {
      if (socket !== this.socket) return;
      if (this.awaitingPong) {
        // A half-open TCP link never closes by itself; the missing pong is the only sign.
        socket.terminate();
        return;
      }
      this.awaitingPong = true;
      socket.ping();
      this.schedulePing(socket);
    }, interval);
  }

  private request(
    type: string,
    expect: ReplyType,
    body: Record<string, unknown>,
  ): Promise<JsonServerMessage> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || this.closing) {
      return Promise.reject(
        new DispatchClosedError(`dispatch ${type}: not connected to ${this.where}`),
      );
    }
    this.nextId += 1;
    const id = this.nextId;
    const timeoutMs = this.options.requestTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        request: type,
        expect,
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          if (this.pending.get(id) !== pending) return;
          this.pending.delete(id);
          reject(
            new DispatchTimeoutError(
              `dispatch ${type} (${id}) got no answer within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      this.pending.set(id, pending);
      socket.send(JSON.stringify({ type, id, ...body }), (error) => {
        if (!error || this.pending.get(id) !== pending) return;
        this.settle(id, pending);
        reject(new DispatchClosedError(`dispatch ${type}: could not send: ${error.message}`));
      });
    });
  }

  private settle(id: number, pending: Pending): void {
    this.clock.clearTimeout(pending.timer);
    this.pending.delete(id);
  }

  private rejectPending(error: Error): void {
    for (const [id, pending] of [...this.pending]) {
      this.settle(id, pending);
      pending.reject(error);
    }
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) {
      this.events.protocolError('binary message skipped (the protocol is JSON text)');
      return;
    }
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : data;
    const text = bytes.toString('utf8');
    const result = parseServerMessage(text);
    if (!result.ok) {
      const pending = result.replyTo === undefined ? undefined : this.pending.get(result.replyTo);
      if (pending && result.replyTo !== undefined) {
        this.settle(result.replyTo, pending);
        pending.reject(
          new DispatchProtocolError(
            `dispatch ${pending.request}: unreadable reply: ${result.problem}`,
          ),
        );
      }
      this.events.protocolError(result.problem);
      return;
    }
    const message = result.message;
    if (message.type === 'view_update') {
      this.events.viewUpdate(message.update);
      return;
    }
    const pending = message.replyTo === undefined ? undefined : this.pending.get(message.replyTo);
    if (!pending || message.replyTo === undefined) {
      this.events.protocolError(
        message.type === 'error'
          ? `server error ${message.code}: ${message.message}`
          : `${message.type} answers no pending request (reply_to ${message.replyTo})`,
      );
      return;
    }
    this.settle(message.replyTo, pending);
    if (message.type === 'error') {
      pending.reject(new DispatchRequestError(pending.request, message.code, message.message));
    } else if (message.type !== pending.expect) {
      pending.reject(
        new DispatchProtocolError(
          `dispatch ${pending.request}: expected ${pending.expect} but got ${message.type}`,
        ),
      );
    } else pending.resolve(message);
  }
}

/** Makes a fresh JSON client per connection attempt, for `CccpDispatchSource`. */
export function jsonDispatchClientFactory(
  options: JsonDispatchClientOptions,
): DispatchClientFactory {
  return (events) => new JsonDispatchClient(options, events);
}
