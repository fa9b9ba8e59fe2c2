import { EventEmitter } from 'node:events';
import net from 'node:net';
import { AmiParser, amiField, type AmiMessage } from './ami-parser';

/** Timers behind connect/action timeouts, keepalive and reconnect backoff (a fake one in tests). */
export interface AmiClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const systemClock: AmiClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** Where the connection reports; the secret is never passed to it. */
export interface AmiLogger {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

const silentLogger: AmiLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface AmiBackoffOptions {
  /** Delay before the first reconnect attempt; 1 s by default. */
  initialDelayMs: number;
  /** Ceiling of the exponential delay; 30 s by default. */
  maxDelayMs: number;
  /** Growth per failed attempt; 2 by default. */
  multiplier: number;
  /** ± fraction of the delay drawn at random; 0.2 by default. */
  jitter: number;
  /** Least delay after a refused login, so bad credentials do not hammer the PBX; 60 s. */
  authFailureDelayMs: number;
}

export const DEFAULT_AMI_BACKOFF: AmiBackoffOptions = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
  authFailureDelayMs: 60_000,
};

/**
 * The delay before reconnect attempt `attempt` (1 for the first after a drop):
 * `min(max, initial × multiplier^(attempt-1))`, scaled by a random factor in `[1-jitter, 1+jitter)`.
 */
export function amiBackoffDelay(
  attempt: number,
  options: AmiBackoffOptions,
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

/** Values of an action's fields; an array repeats the key (`Variable: a=1`, `Variable: b=2`). */
export type AmiActionFields = Record<
  string,
  string | number | boolean | readonly string[] | undefined
>;

export interface AmiConnectedInfo {
  /** The AMI version from the greeting (`Asterisk Call Manager/7.0.3` → `7.0.3`). */
  version: string;
  /** False for the first connection, true after a reconnect. */
  reconnect: boolean;
  /** Successful logins so far, this one included. */
  connections: number;
}

export interface AmiDisconnectedInfo {
  /** Why (no secret in it): `connection closed`, `keepalive ping timed out`, `Authentication failed`… */
  reason: string;
  error?: Error;
  /** The connection had logged in (false for a failed attempt). */
  wasConnected: boolean;
  /** Consecutive failed attempts, this one included (0 after `close()`). */
  attempt: number;
  /** When the next attempt starts; absent when there is none (closed, reconnect off). */
  reconnectInMs?: number;
}

export interface AmiEventListResult {
  /** The response (`EventList: start`). */
  response: AmiMessage;
  /** The list events, in order, without the closing one. */
  events: AmiMessage[];
  /** The closing event (`EventList: Complete`, e.g. `CoreShowChannelsComplete`). */
  complete?: AmiMessage;
}

export type AmiResyncHook = (
  info: AmiConnectedInfo,
  connection: AmiConnection,
) => void | Promise<void>;

export interface AmiConnectionOptions {
  host: string;
  port: number;
  username: string;
  /** Sent in `Login` only; never logged nor put in errors. */
  secret: string;
  /** `Events:` of the Login (`on`, `off` or a class list such as `call,agent`); `on` by default. */
  events?: string;
  /** TCP connect + greeting + login; 10 s by default. */
  connectTimeoutMs?: number;
  /** An action's response (for an event list: the gap between its messages); 10 s by default. */
  actionTimeoutMs?: number;
  /** `Ping` period once logged in (0 turns it off); 20 s by default. */
  pingIntervalMs?: number;
  /** A `Ping` unanswered this long marks the socket dead; the action timeout by default. */
  pingTimeoutMs?: number;
  /** Reconnect after a drop (true by default) and its backoff. */
  reconnect?: boolean;
  backoff?: Partial<AmiBackoffOptions>;
  /**
   * Runs after every login (first and re-connections) before `connected` is emitted: the place to
   * take a fresh snapshot (`eventList('CoreShowChannels')`…). A throw drops the connection and
   * retries with backoff.
   */
  onConnected?: AmiResyncHook;
  /**
   * Hold unsolicited events received while `onConnected` runs and emit them after it (true by
   * default), so a snapshot is applied before the live events that follow it.
   */
  bufferEventsDuringResync?: boolean;
  clock?: AmiClock;
  random?: () => number;
  logger?: AmiLogger;
  maxFrameBytes?: number;
  /** Prefix of generated ActionIDs; `telcomesh-` by default. */
  actionIdPrefix?: string;
}

export interface AmiActionOptions {
  timeoutMs?: number;
}

export type AmiConnectionState =
  'idle' | 'connecting' | 'syncing' | 'connected' | 'waiting' | 'closed';

export interface AmiConnectionEvents {
  connected: [info: AmiConnectedInfo];
  disconnected: [info: AmiDisconnectedInfo];
  /** An unsolicited event (not part of an event list this connection asked for). */
  event: [message: AmiMessage];
  /** A frame the parser skipped. */
  malformed: [reason: string, raw: string];
}

export class AmiError extends Error {
  override name = 'AmiError';
}

/** `Response: Error` (or another non-success) to an action: `message` is the server's `Message`. */
export class AmiActionError extends AmiError {
  override name = 'AmiActionError';
  constructor(
    readonly action: string,
    readonly response: AmiMessage,
  ) {
    super(
      `AMI action ${action} failed: ${amiField(response, 'Message') ?? amiField(response, 'Response') ?? 'no message'}`,
    );
  }
}

/** The server refused the login (`Authentication failed`). */
export class AmiAuthError extends AmiError {
  override name = 'AmiAuthError';
}

export class AmiTimeoutError extends AmiError {
  override name = 'AmiTimeoutError';
}

/** The connection dropped (or was closed) while the action waited, or there was none. */
export class AmiDisconnectedError extends AmiError {
  override name = 'AmiDisconnectedError';
}

interface Pending {
  action: string;
  session: Session;
  timeoutMs: number;
  timer: unknown;
  resolve(value: AmiMessage | AmiEventListResult): void;
  reject(error: Error): void;
  /** Set for `eventList`: what has arrived so far. */
  list?: { response?: AmiMessage; events: AmiMessage[] };
}

interface Session {
  socket: net.Socket;
  parser: AmiParser;
  version?: string;
  /** Covers TCP connect, greeting and login. */
  connectTimer?: unknown;
  loggingIn: boolean;
  /** Unsolicited events held while the resync hook runs. */
  held?: AmiMessage[];
}

const SENSITIVE_FIELD = /secret|password|key/i;
const LINE_BREAK = /[\r\n]/;

/**
 * A managed connection to an Asterisk Manager Interface: TCP connect, `Login` (plain secret) with
 * `Events`, actions correlated by a generated `ActionID`, event lists (`CoreShowChannels`,
 * `QueueStatus`…), unsolicited events on `event`, `Ping` keepalive, and reconnection with
 * exponential backoff and jitter, re-login and the `onConnected` resync hook after each login.
 * Pending actions are rejected when the connection drops.
 */
export class AmiConnection extends EventEmitter<AmiConnectionEvents> {
  private readonly clock: AmiClock;
  private readonly random: () => number;
  private readonly logger: AmiLogger;
  private readonly backoff: AmiBackoffOptions;
  private stateValue: AmiConnectionState = 'idle';
  private session: Session | undefined;
  private readonly pending = new Map<string, Pending>();
  private waiters: { resolve(): void; reject(error: Error): void }[] = [];
  private nextActionId = 0;
  private failedAttempts = 0;
  private connections = 0;
  private reconnectTimer: unknown;
  private pingTimer: unknown;
  private resyncHook: AmiResyncHook | undefined;

  constructor(private readonly options: AmiConnectionOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    this.backoff = { ...DEFAULT_AMI_BACKOFF, ...options.backoff };
    this.resyncHook = options.onConnected;
  }

  get state(): AmiConnectionState {
    return this.stateValue;
  }

  /** The AMI version of the current connection, once greeted. */
  get version(): string | undefined {
    return this.session?.version;
  }

  /** Replaces the resync hook (see `onConnected`). */
  setResyncHook(hook: AmiResyncHook | undefined): void {
    this.resyncHook = hook;
  }

  /**
   * Starts connecting (and keeps reconnecting) and resolves once logged in and resynced. With
   * `reconnect: false` it rejects with the first failure; otherwise failures show on
   * `disconnected` and it rejects only if `close()` comes first.
   */
  connect(): Promise<void> {
    if (this.stateValue === 'closed') {
      return Promise.reject(new AmiDisconnectedError('AMI connection is closed'));
    }
    if (this.stateValue === 'connected') return Promise.resolve();
    const connected = new Promise<void>((resolve, reject) =>
      this.waiters.push({ resolve, reject }),
    );
    if (this.stateValue === 'idle') this.open();
    return connected;
  }

  /** Sends an action and resolves with its response; `Response: Error` rejects with `Message`. */
  action(name: string, fields: AmiActionFields = {}, options: AmiActionOptions = {}) {
    return this.request(name, fields, options, false) as Promise<AmiMessage>;
  }

  /**
   * Sends an action that answers with an event list (`EventList: start`, events carrying its
   * ActionID, then one with `EventList: Complete`) and resolves with the response and the events.
   */
  eventList(name: string, fields: AmiActionFields = {}, options: AmiActionOptions = {}) {
    return this.request(name, fields, options, true) as Promise<AmiEventListResult>;
  }

  /** Logs off, closes the socket and stops reconnecting; pending actions are rejected. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    const wasConnected = this.stateValue === 'connected' || this.stateValue === 'syncing';
    this.stateValue = 'closed';
    this.clock.clearTimeout(this.reconnectTimer);
    this.clock.clearTimeout(this.pingTimer);
    const session = this.session;
    this.session = undefined;
    const error = new AmiDisconnectedError('AMI connection closed by the client');
    this.rejectPending(error);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    if (session) {
      this.clock.clearTimeout(session.connectTimer);
      const socket = session.socket;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        if (socket.destroyed) resolve();
        else if (wasConnected && socket.writable) {
          socket.end(this.frame('Logoff', `${this.prefix()}logoff`, {}), () => socket.destroy());
        } else socket.destroy();
      });
    }
    this.logger.info('AMI connection closed', this.where());
    this.emit('disconnected', { reason: 'closed', wasConnected, attempt: 0 });
  }

  private prefix(): string {
    return this.options.actionIdPrefix ?? 'telcomesh-';
  }

  private where(): Record<string, unknown> {
    return { host: this.options.host, port: this.options.port, username: this.options.username };
  }

  private open(): void {
    this.stateValue = 'connecting';
    const socket = net.connect({ host: this.options.host, port: this.options.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const session: Session = {
      socket,
      loggingIn: false,
      parser: new AmiParser(
        {
          onGreeting: (version) => this.greeted(session, version),
          onMessage: (message) => this.dispatch(session, message),
          onMalformed: (reason, raw) => {
            if (session !== this.session) return;
            this.logger.warn('AMI frame skipped', { reason, raw: raw.slice(0, 200) });
            this.emit('malformed', reason, raw);
          },
        },
        { maxFrameBytes: this.options.maxFrameBytes },
      ),
    };
    this.session = session;
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    session.connectTimer = this.clock.setTimeout(
      () => this.drop(session, `connect timeout after ${timeoutMs} ms`),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      if (session === this.session) session.parser.push(chunk);
    });
    socket.on('error', (error) => this.drop(session, `socket error: ${error.message}`, error));
    socket.on('close', () => this.drop(session, 'connection closed'));
  }

  private greeted(session: Session, version: string): void {
    if (session !== this.session || session.loggingIn) return;
    session.version = version;
    session.loggingIn = true;
    // Events that follow the login response in the same read are held from here on.
    if (this.options.bufferEventsDuringResync ?? true) session.held = [];
    this.send(
      session,
      'Login',
      {
        Username: this.options.username,
        Secret: this.options.secret,
        Events: this.options.events ?? 'on',
      },
      {},
      false,
    ).then(
      () => void this.loggedIn(session, version),
      (error: unknown) => {
        if (session !== this.session) return;
        if (error instanceof AmiActionError) {
          const message = amiField(error.response, 'Message') ?? 'login refused';
          const authError = new AmiAuthError(
            `AMI login as '${this.options.username}' on ${this.options.host}:${this.options.port} refused: ${message}`,
          );
          this.drop(session, message, authError, true);
        } else {
          const reason = error instanceof Error ? error.message : String(error);
          this.drop(session, `login failed: ${reason}`, error instanceof Error ? error : undefined);
        }
      },
    );
  }

  private async loggedIn(session: Session, version: string): Promise<void> {
    if (session !== this.session) return;
    this.clock.clearTimeout(session.connectTimer);
    this.stateValue = 'syncing';
    this.connections += 1;
    const info: AmiConnectedInfo = {
      version,
      reconnect: this.connections > 1,
      connections: this.connections,
    };
    try {
      await this.resyncHook?.(info, this);
    } catch (error) {
      if (session !== this.session) return;
      const reason = error instanceof Error ? error.message : String(error);
      this.drop(session, `resync failed: ${reason}`, error instanceof Error ? error : undefined);
      return;
    }
    if (session !== this.session) return;
    this.stateValue = 'connected';
    this.failedAttempts = 0;
    const held = session.held ?? [];
    session.held = undefined;
    this.logger.info('AMI connected', { ...this.where(), version, reconnect: info.reconnect });
    this.emit('connected', info);
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    for (const event of held) {
      if (session !== this.session) return;
      this.emit('event', event);
    }
    this.schedulePing(session);
  }

  private schedulePing(session: Session): void {
    const interval = this.options.pingIntervalMs ?? 20_000;
    if (interval <= 0) return;
    this.pingTimer = this.clock.setTimeout(() => {
      if (session !== this.session) return;
      const timeoutMs = this.options.pingTimeoutMs ?? this.options.actionTimeoutMs ?? 10_000;
      this.send(session, 'Ping', {}, { timeoutMs }, false).then(
        () => this.schedulePing(session),
        (error: unknown) => {
          if (session !== this.session) return;
          if (error instanceof AmiTimeoutError) {
            this.drop(session, `keepalive ping timed out after ${timeoutMs} ms`, error);
          } else this.schedulePing(session);
        },
      );
    }, interval);
  }

  private request(
    name: string,
    fields: AmiActionFields,
    options: AmiActionOptions,
    list: boolean,
  ): Promise<AmiMessage | AmiEventListResult> {
    const session = this.session;
    if (!session || (this.stateValue !== 'connected' && this.stateValue !== 'syncing')) {
      return Promise.reject(
        new AmiDisconnectedError(`AMI action ${name}: not connected (${this.stateValue})`),
      );
    }
    return this.send(session, name, fields, options, list);
  }

  private send(
    session: Session,
    name: string,
    fields: AmiActionFields,
    options: AmiActionOptions,
    list: boolean,
  ): Promise<AmiMessage | AmiEventListResult> {
    const invalid = validate(name, fields);
    if (invalid) return Promise.reject(new AmiError(`AMI action ${name}: ${invalid}`));
    this.nextActionId += 1;
    const actionId = `${this.prefix()}${this.nextActionId}`;
    const timeoutMs = options.timeoutMs ?? this.options.actionTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        action: name,
        session,
        timeoutMs,
        timer: undefined,
        resolve,
        reject,
        list: list ? { events: [] } : undefined,
      };
      this.pending.set(actionId, pending);
      this.arm(actionId, pending);
      this.logger.debug('AMI action sent', { action: name, actionId, fields: redact(fields) });
      session.socket.write(this.frame(name, actionId, fields));
    });
  }

  private arm(actionId: string, pending: Pending): void {
    this.clock.clearTimeout(pending.timer);
    pending.timer = this.clock.setTimeout(() => {
      if (this.pending.get(actionId) !== pending) return;
      this.pending.delete(actionId);
      pending.reject(
        new AmiTimeoutError(
          `AMI action ${pending.action} (${actionId}) got no ${pending.list?.response ? 'list event' : 'response'} within ${pending.timeoutMs} ms`,
        ),
      );
    }, pending.timeoutMs);
  }

  private settle(actionId: string, pending: Pending): void {
    this.clock.clearTimeout(pending.timer);
    this.pending.delete(actionId);
  }

  private frame(name: string, actionId: string, fields: AmiActionFields): string {
    let text = `Action: ${name}\r\nActionID: ${actionId}\r\n`;
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined || /^(action|actionid)$/i.test(key)) continue;
      const values: readonly (string | number | boolean)[] = Array.isArray(value)
        ? (value as readonly string[])
        : [value as string | number | boolean];
      for (const item of values) text += `${key}: ${String(item)}\r\n`;
    }
    return `${text}\r\n`;
  }

  private dispatch(session: Session, message: AmiMessage): void {
    if (session !== this.session) return;
    const actionId = message.actionId;
    const pending = actionId === undefined ? undefined : this.pending.get(actionId);
    if (message.response !== undefined) {
      if (!pending || actionId === undefined) {
        this.logger.debug('AMI response to no pending action', { actionId });
        return;
      }
      const ok = /^(success|follows|goodbye|pong)$/i.test(message.response);
      if (!ok) {
        this.settle(actionId, pending);
        pending.reject(new AmiActionError(pending.action, message));
        return;
      }
      if (!pending.list) {
        this.settle(actionId, pending);
        pending.resolve(message);
        return;
      }
      pending.list.response = message;
      if ((amiField(message, 'EventList') ?? '').toLowerCase() !== 'start') {
        // No list follows (nothing to list, or an action that answers at once).
        this.settle(actionId, pending);
        pending.resolve({ response: message, events: pending.list.events });
        return;
      }
      this.arm(actionId, pending);
      return;
    }
    if (message.event !== undefined && pending?.list && actionId !== undefined) {
      const marker = (amiField(message, 'EventList') ?? '').toLowerCase();
      if (marker === 'complete' || marker === 'cancelled') {
        this.settle(actionId, pending);
        pending.resolve({
          response: pending.list.response ?? message,
          events: pending.list.events,
          complete: message,
        });
      } else {
        pending.list.events.push(message);
        this.arm(actionId, pending);
      }
      return;
    }
    if (message.event !== undefined) {
      if (session.held) session.held.push(message);
      else this.emit('event', message);
      return;
    }
    this.logger.debug('AMI message neither event nor response', {
      keys: Object.keys(message.fields),
    });
  }

  private rejectPending(error: Error): void {
    for (const [actionId, pending] of [...this.pending]) {
      this.settle(actionId, pending);
      pending.reject(error);
    }
  }

  private drop(session: Session, reason: string, error?: Error, authFailure = false): void {
    if (session !== this.session) return;
    this.session = undefined;
    const wasConnected = this.stateValue === 'connected' || this.stateValue === 'syncing';
    this.clock.clearTimeout(session.connectTimer);
    this.clock.clearTimeout(this.pingTimer);
    session.socket.destroy();
    session.parser.reset();
    session.held = undefined;
    this.rejectPending(new AmiDisconnectedError(`AMI connection lost: ${reason}`));
    this.failedAttempts += 1;
    const attempt = this.failedAttempts;
    const info: AmiDisconnectedInfo = { reason, wasConnected, attempt };
    if (error) info.error = error;
    if (this.options.reconnect === false) {
      this.stateValue = 'idle';
      const failure = error ?? new AmiDisconnectedError(`AMI connection lost: ${reason}`);
      for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
    } else {
      let delay = amiBackoffDelay(attempt, this.backoff, this.random);
      if (authFailure) delay = Math.max(delay, this.backoff.authFailureDelayMs);
      info.reconnectInMs = delay;
      this.stateValue = 'waiting';
      this.reconnectTimer = this.clock.setTimeout(() => {
        if (this.stateValue === 'waiting') this.open();
      }, delay);
    }
    const context = {
      ...this.where(),
      reason,
      wasConnected,
      attempt,
      reconnectInMs: info.reconnectInMs,
    };
    if (authFailure) this.logger.error('AMI disconnected', context);
    else this.logger.warn('AMI disconnected', context);
    this.emit('disconnected', info);
  }
}

function validate(name: string, fields: AmiActionFields): string | undefined {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'invalid action name';
  for (const [key, value] of Object.entries(fields)) {
    if (!/^[^:\r\n]+$/.test(key) || key.trim() !== key) return `invalid field name '${key}'`;
    const values = Array.isArray(value) ? (value as readonly unknown[]) : [value];
    for (const item of values) {
      if (typeof item === 'string' && LINE_BREAK.test(item)) {
        return `field '${key}' contains a line break`;
      }
    }
  }
  return undefined;
}

function redact(fields: AmiActionFields): AmiActionFields {
  const copy: AmiActionFields = {};
  for (const [key, value] of Object.entries(fields)) {
    copy[key] = SENSITIVE_FIELD.test(key) ? '***' : value;
  }
  return copy;
}
