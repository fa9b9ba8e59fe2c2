import { EventEmitter } from 'node:events';
import { type RawData, WebSocket, WebSocketServer } from 'ws';

/**
 * A view-based dispatch server (CCCP-style) on 127.0.0.1 for tests, speaking the JSON protocol of
 * apps/call-monitor/src/sources/cccp/PROTOCOL.md over a websocket: login against configured users,
 * `start_view`, keyset-paged `query_list`, and pushed `view_update`s with a sequence number per
 * view (or no pushes at all). Holds sessions, queued tasks and tasks the test changes
 * (`upsertSession`, `removeQueueItem`...), and has fault knobs: refuse logins, drop or refuse
 * connections, send malformed messages, skip sequence numbers, lose updates.
 */

export type CccpSimObjectType = 'sessions' | 'queues' | 'tasks';

export const CCCP_SIM_OBJECT_TYPES: readonly CccpSimObjectType[] = ['sessions', 'queues', 'tasks'];

export type CccpSimFieldValue = string | number | boolean | null;

export type CccpSimFields = Readonly<Record<string, CccpSimFieldValue>>;

/** A compiled view filter: does this object (its fields and `item_id`) belong to the view? */
export type CccpSimPredicate = (
  fields: Readonly<Record<string, CccpSimFieldValue | undefined>>,
) => boolean;

/** Compiles a filter expression; throws (with a message the client sees) when it is invalid. */
export type CccpSimFilterCompiler = (expression: string) => CccpSimPredicate;

export interface CccpServerSimulatorOptions {
  /** Accepted logins, user → password; `{ admin: 'admin' }` by default (the seed's). */
  users?: Record<string, string>;
  /** Push view updates to views that ask (true by default); false: clients must poll. */
  push?: boolean;
  /**
   * Evaluates view and query filters (pass the call monitor's `compileViewFilter`); without it
   * only the empty filter is accepted.
   */
  compileFilter?: CccpSimFilterCompiler;
  /** Largest page a query gets; 1000 by default. */
  maxPageSize?: number;
  /** The server clock (`at`, `server_time`); the real one by default. */
  now?: () => Date;
  serverName?: string;
}

/** A message a client sent (a `password` shows as `***`). */
export interface CccpSimReceived {
  client: number;
  type: string;
  message: Readonly<Record<string, unknown>>;
}

/** A `query_list` as `onQuery` sees it. */
export interface CccpSimQuery {
  client: number;
  viewIdx: number;
  objectType: CccpSimObjectType;
  /** `after` of the request: null for a scan's first page. */
  after: string | null;
}

interface SimView {
  idx: number;
  objectType: CccpSimObjectType;
  name: string;
  fields: string[];
  matches: CccpSimPredicate;
  push: boolean;
  seq: number;
  /** Numbers to skip before the next update (fault). */
  skip: number;
  /** Updates to number but not send (fault). */
  lose: number;
  /** What the client holds, item id → projected fields as JSON (pushing views only). */
  members: Map<string, string>;
}

interface SimClient {
  id: number;
  socket: WebSocket;
  user?: string;
  views: Map<number, SimView>;
  nextViewIdx: number;
}

type JsonObject = Record<string, unknown>;

class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const acceptEmptyOnly: CccpSimFilterCompiler = (expression) => {
  if (expression.trim() !== '') {
    throw new Error('this simulator was made without compileFilter: only empty filters work');
  }
  return () => true;
};

export class CccpServerSimulator {
  readonly host = '127.0.0.1';
  private server: WebSocketServer | undefined;
  private readonly clients = new Map<number, SimClient>();
  private nextClient = 0;
  private readonly data: Record<CccpSimObjectType, Map<string, Record<string, CccpSimFieldValue>>> =
    { sessions: new Map(), queues: new Map(), tasks: new Map() };
  private readonly users: Record<string, string>;
  private readonly compileFilter: CccpSimFilterCompiler;
  private readonly now: () => Date;
  private readonly notify = new EventEmitter();
  private pushEnabled: boolean;
  private loginsToReject = 0;
  private connectionsToRefuse = 0;
  private queryHook: ((query: CccpSimQuery) => void) | undefined;
  /** Every message received, oldest first. */
  readonly received: CccpSimReceived[] = [];
  /** Every login attempt. */
  readonly logins: { client: number; user: string; ok: boolean }[] = [];
  /** Websocket connections accepted so far (refused ones included). */
  connections = 0;

  constructor(private readonly options: CccpServerSimulatorOptions = {}) {
    this.users = options.users ?? { admin: 'admin' };
    this.compileFilter = options.compileFilter ?? acceptEmptyOnly;
    this.now = options.now ?? (() => new Date());
    this.pushEnabled = options.push ?? true;
    this.notify.setMaxListeners(0);
  }

  /** Listens on 127.0.0.1 (an ephemeral port) and resolves with the port. */
  async start(): Promise<number> {
    const server = new WebSocketServer({ host: this.host, port: 0 });
    this.server = server;
    server.on('connection', (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('listening', () => resolve());
    });
    return this.port;
  }

  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string')
      throw new Error('CccpServerSimulator is not started');
    return address.port;
  }

  get url(): string {
    return `ws://${this.host}:${this.port}/`;
  }

  async stop(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- data --------------------------------------------------------------------------------

  /**
   * Creates or changes an object: `fields` are merged into what it has (null empties a field).
   * Views that push get an `added`, `changed` or `removed` update as the object enters, changes
   * in or leaves them.
   */
  upsert(objectType: CccpSimObjectType, itemId: string, fields: CccpSimFields): void {
    const existing = this.data[objectType].get(itemId) ?? {};
    this.data[objectType].set(itemId, { ...existing, ...fields });
    this.pushChange(objectType, itemId);
  }

  remove(objectType: CccpSimObjectType, itemId: string): void {
    if (!this.data[objectType].delete(itemId)) return;
    this.pushChange(objectType, itemId);
  }

  /** An object's fields now, or undefined. */
  item(objectType: CccpSimObjectType, itemId: string): CccpSimFields | undefined {
    const item = this.data[objectType].get(itemId);
    return item ? { ...item } : undefined;
  }

  upsertSession(sessionId: string, fields: CccpSimFields): void {
    this.upsert('sessions', sessionId, fields);
  }

  removeSession(sessionId: string): void {
    this.remove('sessions', sessionId);
  }

  upsertQueueItem(taskId: string, fields: CccpSimFields): void {
    this.upsert('queues', taskId, fields);
  }

  removeQueueItem(taskId: string): void {
    this.remove('queues', taskId);
  }

  upsertTask(taskId: string, fields: CccpSimFields): void {
    this.upsert('tasks', taskId, fields);
  }

  removeTask(taskId: string): void {
    this.remove('tasks', taskId);
  }

  // --- modes and faults --------------------------------------------------------------------

  /** Whether views started from now on may push (those already started keep their mode). */
  setPush(enabled: boolean): void {
    this.pushEnabled = enabled;
  }

  /** Refuses the next `count` logins whatever the credentials (Infinity: until `acceptLogins`). */
  rejectLogins(count = Infinity): void {
    this.loginsToReject = count;
  }

  acceptLogins(): void {
    this.loginsToReject = 0;
  }

  /** Closes the next `count` connections as soon as they are accepted (code 1013). */
  refuseConnections(count: number): void {
    this.connectionsToRefuse = count;
  }

  /** Cuts every client connection at once, without a close handshake (a network drop). */
  dropConnections(): void {
    for (const client of this.clients.values()) client.socket.terminate();
    this.clients.clear();
    this.notify.emit('change');
  }

  /**
   * Sends a message clients must skip to every logged-in client (truncated JSON by default);
   * resolves with how many got it.
   */
  sendMalformed(text = '{"type":"view_update","view_idx":1,"seq":'): Promise<number> {
    return this.sendRaw(text);
  }

  /** Sends text as is to every logged-in client; resolves with how many got it. */
  async sendRaw(text: string): Promise<number> {
    const targets = [...this.clients.values()].filter((client) => client.user !== undefined);
    await Promise.all(targets.map((client) => this.send(client, text)));
    return targets.length;
  }

  /**
   * Makes the next pushed update of every open view (of `objectType`, or all) skip `count`
   * sequence numbers, as if updates were lost.
   */
  skipSequence(objectType?: CccpSimObjectType, count = 1): void {
    for (const view of this.allViews()) {
      if (objectType === undefined || view.objectType === objectType) view.skip += count;
    }
  }

  /**
   * Drops the next `count` pushed updates of every open view (of `objectType`, or all): the
   * changes happen and use their sequence numbers, but clients never get them.
   */
  loseUpdates(objectType?: CccpSimObjectType, count = 1): void {
    for (const view of this.allViews()) {
      if (objectType === undefined || view.objectType === objectType) view.lose += count;
    }
  }

  /**
   * Runs `hook` when a `query_list` arrives, before it is answered: changes made there reach the
   * client (as updates) ahead of the page, which already includes them. Lets a test change data
   * between two pages of a scan. `undefined` removes it.
   */
  onQuery(hook: ((query: CccpSimQuery) => void) | undefined): void {
    this.queryHook = hook;
  }

  // --- observation -------------------------------------------------------------------------

  get loggedInClients(): number {
    return [...this.clients.values()].filter((client) => client.user !== undefined).length;
  }

  /** Views open now, over all clients. */
  views(): {
    client: number;
    viewIdx: number;
    objectType: CccpSimObjectType;
    name: string;
    push: boolean;
    seq: number;
  }[] {
    return [...this.clients.values()].flatMap((client) =>
      [...client.views.values()].map((view) => ({
        client: client.id,
        viewIdx: view.idx,
        objectType: view.objectType,
        name: view.name,
        push: view.push,
        seq: view.seq,
      })),
    );
  }

  /** `query_list` requests received (for `objectType`, or all). */
  queries(objectType?: CccpSimObjectType): number {
    return this.received.filter(
      (r) =>
        r.type === 'query_list' &&
        (objectType === undefined || r.message.object_type === objectType),
    ).length;
  }

  /** Resolves once `condition` holds (checked at every connection, login and message). */
  waitUntil(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.notify.off('change', check);
        resolve();
      };
      this.notify.on('change', check);
    });
  }

  waitForLoggedIn(count = 1): Promise<void> {
    return this.waitUntil(() => this.loggedInClients >= count);
  }

  // --- protocol ----------------------------------------------------------------------------

  private allViews(): SimView[] {
    return [...this.clients.values()].flatMap((client) => [...client.views.values()]);
  }

  private accept(socket: WebSocket): void {
    this.connections += 1;
    socket.on('error', () => socket.terminate());
    if (this.connectionsToRefuse > 0) {
      this.connectionsToRefuse -= 1;
      socket.close(1013, 'try again later');
      this.notify.emit('change');
      return;
    }
    this.nextClient += 1;
    const client: SimClient = { id: this.nextClient, socket, views: new Map(), nextViewIdx: 1 };
    this.clients.set(client.id, client);
    socket.on('message', (data, isBinary) => this.receive(client, data, isBinary));
    socket.on('close', () => {
      this.clients.delete(client.id);
      this.notify.emit('change');
    });
    this.notify.emit('change');
  }

  private send(client: SimClient, payload: string | JsonObject): Promise<void> {
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    return new Promise((resolve) => {
      if (client.socket.readyState !== WebSocket.OPEN) return resolve();
      client.socket.send(text, () => resolve());
    });
  }

  private receive(client: SimClient, data: RawData, isBinary: boolean): void {
    const text = isBinary
      ? ''
      : (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      void this.send(client, {
        type: 'error',
        code: 'bad_request',
        message: 'not a JSON text message',
      });
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      void this.send(client, { type: 'error', code: 'bad_request', message: 'not a JSON object' });
      return;
    }
    const request = message as JsonObject;
    const type = typeof request.type === 'string' ? request.type : '';
    const masked = 'password' in request ? { ...request, password: '***' } : request;
    this.received.push({ client: client.id, type, message: masked });
    const id = request.id;
    try {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) {
        throw new RequestError('bad_request', "'id' should be an integer ≥ 1");
      }
      if (type === 'login') this.login(client, id, request);
      else if (client.user === undefined) {
        throw new RequestError('not_authenticated', `log in before ${type || 'any request'}`);
      } else if (type === 'start_view') this.startView(client, id, request);
      else if (type === 'query_list') this.queryList(client, id, request);
      else throw new RequestError('bad_request', `unknown message type '${type}'`);
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      const reply: JsonObject = { type: 'error', code: error.code, message: error.message };
      if (typeof id === 'number') reply.reply_to = id;
      void this.send(client, reply);
    }
    this.notify.emit('change');
  }

  private login(client: SimClient, id: number, request: JsonObject): void {
    if (client.user !== undefined) throw new RequestError('bad_request', 'already logged in');
    const user = typeof request.user === 'string' ? request.user : '';
    const password = typeof request.password === 'string' ? request.password : undefined;
    let ok = Object.hasOwn(this.users, user) && this.users[user] === password;
    if (this.loginsToReject > 0) {
      ok = false;
      this.loginsToReject -= 1;
    }
    this.logins.push({ client: client.id, user, ok });
    if (!ok) {
      // As a real server does: say why, then hang up.
      void this.send(client, {
        type: 'error',
        reply_to: id,
        code: 'auth_failed',
        message: 'invalid user or password',
      }).then(() => client.socket.close(4401, 'authentication failed'));
      return;
    }
    client.user = user;
    void this.send(client, {
      type: 'login_ok',
      reply_to: id,
      server_name: this.options.serverName ?? 'cccp-simulator',
      server_time: this.now().toISOString(),
    });
  }

  private compile(expression: unknown): CccpSimPredicate {
    if (expression !== undefined && expression !== null && typeof expression !== 'string') {
      throw new RequestError('bad_request', "'filter' should be a string");
    }
    try {
      return this.compileFilter(typeof expression === 'string' ? expression : '');
    } catch (error) {
      throw new RequestError('bad_filter', error instanceof Error ? error.message : String(error));
    }
  }

  private objectType(value: unknown): CccpSimObjectType {
    if (value === 'sessions' || value === 'queues' || value === 'tasks') return value;
    throw new RequestError('bad_request', `unknown object_type ${JSON.stringify(value)}`);
  }

  private startView(client: SimClient, id: number, request: JsonObject): void {
    const objectType = this.objectType(request.object_type);
    const fields = request.fields;
    if (!Array.isArray(fields) || !fields.every((f): f is string => typeof f === 'string')) {
      throw new RequestError('bad_request', "'fields' should be an array of field names");
    }
    const view: SimView = {
      idx: client.nextViewIdx,
      objectType,
      name: typeof request.view_name === 'string' ? request.view_name : '',
      fields,
      matches: this.compile(request.filter),
      push: request.push === true && this.pushEnabled,
      seq: 0,
      skip: 0,
      lose: 0,
      members: new Map(),
    };
    client.nextViewIdx += 1;
    if (view.push) {
      for (const [itemId, item] of this.data[objectType]) {
        if (view.matches({ ...item, item_id: itemId })) {
          view.members.set(itemId, JSON.stringify(this.project(item, view.fields)));
        }
      }
    }
    client.views.set(view.idx, view);
    void this.send(client, {
      type: 'view_started',
      reply_to: id,
      view_idx: view.idx,
      push: view.push,
      seq: view.seq,
    });
  }

  private queryList(client: SimClient, id: number, request: JsonObject): void {
    const view =
      typeof request.view_idx === 'number' ? client.views.get(request.view_idx) : undefined;
    if (!view)
      throw new RequestError('unknown_view', `no view ${JSON.stringify(request.view_idx)}`);
    if (this.objectType(request.object_type) !== view.objectType) {
      throw new RequestError('bad_request', `view ${view.idx} holds ${view.objectType}`);
    }
    const narrow = this.compile(request.filter);
    const limit = request.limit;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
      throw new RequestError('bad_request', "'limit' should be an integer ≥ 1");
    }
    const after = request.after;
    if (after !== undefined && after !== null && typeof after !== 'string') {
      throw new RequestError('bad_request', "'after' should be an item id or null");
    }
    this.queryHook?.({
      client: client.id,
      viewIdx: view.idx,
      objectType: view.objectType,
      after: typeof after === 'string' ? after : null,
    });
    const matching = [...this.data[view.objectType]]
      .filter(([itemId, item]) => {
        const subject = { ...item, item_id: itemId };
        return view.matches(subject) && narrow(subject);
      })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const rest =
      typeof after === 'string' ? matching.filter(([itemId]) => itemId > after) : matching;
    const size = Math.min(limit, this.options.maxPageSize ?? 1000);
    const page = rest.slice(0, size);
    void this.send(client, {
      type: 'list_response',
      reply_to: id,
      view_idx: view.idx,
      total_count: matching.length,
      seq: view.seq,
      at: this.now().toISOString(),
      next_after: rest.length > size ? page[page.length - 1][0] : null,
      items: page.map(([itemId, item]) => ({
        item_id: itemId,
        fields: this.project(item, view.fields),
      })),
    });
  }

  /** The view's fields of an object, every one present (null when the object lacks it). */
  private project(item: CccpSimFields, fields: string[]): Record<string, CccpSimFieldValue> {
    if (fields.length === 0) return { ...item };
    const projected: Record<string, CccpSimFieldValue> = {};
    for (const field of fields) projected[field] = Object.hasOwn(item, field) ? item[field] : null;
    return projected;
  }

  private pushChange(objectType: CccpSimObjectType, itemId: string): void {
    const item = this.data[objectType].get(itemId);
    for (const client of this.clients.values()) {
      for (const view of client.views.values()) {
        if (view.objectType !== objectType || !view.push) continue;
        const fields =
          item && view.matches({ ...item, item_id: itemId })
            ? this.project(item, view.fields)
            : undefined;
        const before = view.members.get(itemId);
        let change: JsonObject;
        if (fields === undefined) {
          if (before === undefined) continue;
          view.members.delete(itemId);
          change = { op: 'removed', item_id: itemId };
        } else {
          const key = JSON.stringify(fields);
          if (key === before) continue;
          view.members.set(itemId, key);
          change = { op: before === undefined ? 'added' : 'changed', item_id: itemId, fields };
        }
        view.seq += 1 + view.skip;
        view.skip = 0;
        if (view.lose > 0) {
          view.lose -= 1;
          continue;
        }
        void this.send(client, {
          type: 'view_update',
          view_idx: view.idx,
          seq: view.seq,
          at: this.now().toISOString(),
          changes: [change],
        });
      }
    }
  }
}
