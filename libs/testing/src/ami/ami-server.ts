import { EventEmitter } from 'node:events';
import net from 'node:net';
import {
  loadAmiTranscript,
  parseAmiTranscript,
  serializeAmiFrame,
  type AmiFrame,
  type AmiTranscript,
  type AmiTranscriptName,
} from './ami-transcripts';

export {
  AMI_TRANSCRIPT_DIR,
  AMI_TRANSCRIPT_NAMES,
  amiFrameToRecord,
  loadAmiTranscript,
  loadAmiTranscripts,
  parseAmiTranscript,
  serializeAmiFrame,
  type AmiFrame,
  type AmiTranscript,
  type AmiTranscriptName,
} from './ami-transcripts';

/** Fields given to the server: pairs in order, or a record (an array value repeats the key). */
export type AmiServerFields =
  AmiFrame | Readonly<Record<string, string | number | readonly string[]>>;

/** An action a client sent (a `Secret` is kept out: it shows as `***`). */
export interface AmiReceivedAction {
  client: number;
  action: string;
  actionId?: string;
  fields: [string, string][];
  /** First value of a field, key without case. */
  get(key: string): string | undefined;
}

/** How a handler answers an action. */
export interface AmiActionReply {
  /** Response fields after `Response`/`ActionID` (a `Response` here overrides `Success`). */
  response?: AmiServerFields;
  /** Events sent after the response, each given the action's ActionID. */
  events?: AmiServerFields[];
  /** Sent as is instead of a response (e.g. a legacy `Response: Follows`). */
  raw?: string;
  /** Send nothing (to test timeouts and pending actions on disconnect). */
  noReply?: boolean;
  /** Close the connection after answering. */
  close?: boolean;
}

export type AmiActionHandler = (
  action: AmiReceivedAction,
) => AmiActionReply | Promise<AmiActionReply>;

export interface AmiChunking {
  /** Smallest and largest write, in bytes (1 and 16 by default). */
  minBytes?: number;
  maxBytes?: number;
}

export interface AmiServerOptions {
  /** Accepted logins, username → secret; `{ admin: 'amp111' }` by default. */
  users?: Record<string, string>;
  /** Version in the greeting; `7.0.3` (Asterisk 18) by default. */
  version?: string;
  /** `CoreShowChannel` list items (an `Event` field is added when missing). */
  channels?: AmiServerFields[];
  /** `QueueStatus` list items: `QueueParams`, `QueueMember`, `QueueEntry` events. */
  queueStatus?: AmiServerFields[];
  /** Split every write into random chunks. */
  chunking?: AmiChunking;
  /** Random source of the chunk sizes (seeded in tests); Math.random by default. */
  random?: () => number;
  handlers?: Record<string, AmiActionHandler>;
}

interface Client {
  id: number;
  socket: net.Socket;
  buffer: string;
  loggedIn: boolean;
  events: boolean;
  /** Writes go one after the other so chunked frames never interleave. */
  queue: Promise<void>;
}

/**
 * An Asterisk Manager Interface on 127.0.0.1 (ephemeral port) for tests: greeting, `Login`
 * against configured users (a refused login answers `Authentication failed` and closes, as
 * Asterisk does), `Ping`, `CoreShowChannels` and `QueueStatus` event lists from configurable
 * items, `Logoff`, handlers for any other action; and controls: replay a transcript or emit
 * events to every logged-in client, send raw or malformed frames, split writes into random
 * chunks, drop connections and refuse the next ones. Actions are answered as their handlers
 * finish (concurrently, so answers may come out of order); every frame is written whole, in order,
 * even when chunked.
 */
export class AmiServer {
  private server: net.Server | undefined;
  private readonly clients = new Map<number, Client>();
  private nextClient = 0;
  private readonly handlers = new Map<string, AmiActionHandler>();
  private readonly notify = new EventEmitter();
  private channels: AmiServerFields[];
  private queueStatus: AmiServerFields[];
  private chunking: AmiChunking | undefined;
  private refuse = 0;
  private readonly users: Record<string, string>;
  private readonly random: () => number;
  /** Every action received, oldest first (secrets masked). */
  readonly received: AmiReceivedAction[] = [];
  /** Every login attempt. */
  readonly logins: { client: number; username: string; ok: boolean }[] = [];
  /** Connections accepted so far (refused ones included). */
  connections = 0;

  constructor(private readonly options: AmiServerOptions = {}) {
    this.users = options.users ?? { admin: 'amp111' };
    this.random = options.random ?? Math.random;
    this.channels = [...(options.channels ?? [])];
    this.queueStatus = [...(options.queueStatus ?? [])];
    this.chunking = options.chunking;
    for (const [name, handler] of Object.entries(options.handlers ?? {})) {
      this.handlers.set(name.toLowerCase(), handler);
    }
    this.notify.setMaxListeners(0);
  }

  /** Listens on 127.0.0.1 and resolves with the port. */
  async start(): Promise<number> {
    const server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return this.port;
  }

  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('AmiServer is not started');
    return address.port;
  }

  readonly host = '127.0.0.1';

  async stop(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers `action` (any case) with `handler`, replacing a built-in answer. */
  handle(action: string, handler: AmiActionHandler | undefined): void {
    if (handler) this.handlers.set(action.toLowerCase(), handler);
    else this.handlers.delete(action.toLowerCase());
  }

  setChannels(items: AmiServerFields[]): void {
    this.channels = [...items];
  }

  setQueueStatus(items: AmiServerFields[]): void {
    this.queueStatus = [...items];
  }

  /** Splits every write from now on into random chunks (undefined: whole frames). */
  setChunking(chunking: AmiChunking | undefined): void {
    this.chunking = chunking;
  }

  /** Logged-in clients now connected. */
  get loggedInClients(): number {
    return [...this.clients.values()].filter((c) => c.loggedIn).length;
  }

  /** Resolves once `count` clients are logged in. */
  waitForLoggedIn(count = 1): Promise<void> {
    return this.waitUntil(() => this.loggedInClients >= count);
  }

  /** Resolves with the `nth` (1-based) action named `name` once received. */
  async waitForAction(name: string, nth = 1): Promise<AmiReceivedAction> {
    const matching = () =>
      this.received.filter((a) => a.action.toLowerCase() === name.toLowerCase());
    await this.waitUntil(() => matching().length >= nth);
    return matching()[nth - 1];
  }

  /** Sends an event to every logged-in client that asked for events. */
  emitEvent(fields: AmiServerFields): Promise<void> {
    return this.broadcast(serializeAmiFrame(toFrame(fields)));
  }

  /**
   * Sends a transcript's frames (by name, as text, or loaded) to every logged-in client with
   * events on, in order, and resolves once written.
   */
  async replay(transcript: AmiTranscriptName | AmiTranscript | { text: string }): Promise<void> {
    const loaded =
      typeof transcript === 'string'
        ? loadAmiTranscript(transcript)
        : 'frames' in transcript
          ? transcript
          : parseAmiTranscript(transcript.text);
    await this.broadcast(loaded.wire);
  }

  /** Sends bytes as they are to every logged-in client. */
  sendRaw(text: string): Promise<void> {
    return this.broadcast(text);
  }

  /**
   * Sends a frame a client must skip: `no-colon` (a line without `:`) or `oversized` (a frame
   * over 64 KiB). Returns the frame sent.
   */
  async injectMalformed(kind: 'no-colon' | 'oversized'): Promise<string> {
    const frame =
      kind === 'no-colon'
        ? 'Event: Newchannel\r\nPrivilege: call,all\r\nthis line has no colon\r\nUniqueid: 1700009999.1\r\n\r\n'
        : `Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: Bulk\r\nData: ${'x'.repeat(70 * 1024)}\r\n\r\n`;
    await this.broadcast(frame);
    return frame;
  }

  /** Destroys every client connection at once (a network drop or an Asterisk restart). */
  dropConnections(): void {
    for (const client of this.clients.values()) client.socket.destroy();
    this.clients.clear();
  }

  /** Closes the next `count` connections as soon as they are accepted, before the greeting. */
  refuseConnections(count: number): void {
    this.refuse = count;
  }

  private waitUntil(condition: () => boolean): Promise<void> {
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

  private accept(socket: net.Socket): void {
    this.connections += 1;
    socket.on('error', () => socket.destroy());
    if (this.refuse > 0) {
      this.refuse -= 1;
      socket.destroy();
      this.notify.emit('change');
      return;
    }
    this.nextClient += 1;
    const client: Client = {
      id: this.nextClient,
      socket,
      buffer: '',
      loggedIn: false,
      events: false,
      queue: Promise.resolve(),
    };
    this.clients.set(client.id, client);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.data(client, chunk));
    socket.on('close', () => {
      this.clients.delete(client.id);
      this.notify.emit('change');
    });
    void this.write(client, `Asterisk Call Manager/${this.options.version ?? '7.0.3'}\r\n`);
    this.notify.emit('change');
  }

  private data(client: Client, chunk: string): void {
    client.buffer += chunk;
    for (;;) {
      const match = /\r?\n\r?\n/.exec(client.buffer);
      if (!match) return;
      const text = client.buffer.slice(0, match.index);
      client.buffer = client.buffer.slice(match.index + match[0].length);
      if (text.trim() !== '') void this.action(client, text);
    }
  }

  private async action(client: Client, text: string): Promise<void> {
    const fields: [string, string][] = [];
    for (const line of text.split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) fields.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
    const get = (key: string) => fields.find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
    const name = get('Action') ?? '';
    const actionId = get('ActionID');
    const received: AmiReceivedAction = {
      client: client.id,
      action: name,
      fields: fields.map(([k, v]) => [k, /^secret$/i.test(k) ? '***' : v]),
      get: (key) => (/^secret$/i.test(key) ? '***' : get(key)),
    };
    if (actionId !== undefined) received.actionId = actionId;
    this.received.push(received);
    this.notify.emit('change');

    const respond = (pairs: [string, string][], close = false) => {
      const frame: [string, string][] = [pairs[0]];
      if (actionId !== undefined) frame.push(['ActionID', actionId]);
      frame.push(...pairs.slice(1));
      const written = this.write(client, serializeAmiFrame(frame));
      if (close) void written.then(() => client.socket.end());
      return written;
    };

    const lower = name.toLowerCase();
    if (lower === 'login') {
      const username = get('Username') ?? '';
      const ok = Object.hasOwn(this.users, username) && this.users[username] === get('Secret');
      this.logins.push({ client: client.id, username, ok });
      if (!ok) {
        await respond(
          [
            ['Response', 'Error'],
            ['Message', 'Authentication failed'],
          ],
          true,
        );
        return;
      }
      client.loggedIn = true;
      client.events = (get('Events') ?? 'on').toLowerCase() !== 'off';
      this.notify.emit('change');
      await respond([
        ['Response', 'Success'],
        ['Message', 'Authentication accepted'],
      ]);
      if (client.events) {
        await this.write(
          client,
          serializeAmiFrame([
            ['Event', 'FullyBooted'],
            ['Privilege', 'system,all'],
            ['Uptime', '3600'],
            ['LastReload', '3600'],
            ['Status', 'Fully Booted'],
          ]),
        );
      }
      return;
    }
    if (lower === 'logoff') {
      await respond(
        [
          ['Response', 'Goodbye'],
          ['Message', 'Thanks for all the fish.'],
        ],
        true,
      );
      return;
    }
    if (!client.loggedIn) {
      await respond([
        ['Response', 'Error'],
        ['Message', 'Permission denied'],
      ]);
      return;
    }

    const handler = this.handlers.get(lower) ?? this.builtIn(lower);
    if (!handler) {
      await respond([
        ['Response', 'Error'],
        ['Message', 'Invalid/unknown command'],
      ]);
      return;
    }
    const reply = await handler(received);
    if (reply.noReply) return;
    if (reply.raw !== undefined) {
      await this.write(client, reply.raw);
    } else {
      const extra = toFrame(reply.response ?? []);
      const response = extra.find(([k]) => k.toLowerCase() === 'response')?.[1] ?? 'Success';
      await respond([
        ['Response', response],
        ...extra.filter(([k]) => k.toLowerCase() !== 'response'),
      ]);
      for (const event of reply.events ?? []) {
        const frame = toFrame(event);
        const withId: [string, string][] = [frame[0]];
        if (actionId !== undefined) withId.push(['ActionID', actionId]);
        withId.push(...frame.slice(1));
        await this.write(client, serializeAmiFrame(withId));
      }
    }
    if (reply.close) client.socket.end();
  }

  private builtIn(action: string): AmiActionHandler | undefined {
    switch (action) {
      case 'ping':
        return () => ({
          response: [
            ['Ping', 'Pong'],
            ['Timestamp', (Date.now() / 1000).toFixed(6)],
          ],
        });
      case 'coreshowchannels':
        return () =>
          listReply(
            'Channels will follow',
            this.channels.map((item) => withEvent(item, 'CoreShowChannel')),
            'CoreShowChannelsComplete',
          );
      case 'queuestatus':
        return (request) => {
          const queue = request.get('Queue');
          const items = this.queueStatus
            .map((item) => toFrame(item))
            .filter((item) => queue === undefined || fieldOf(item, 'Queue') === queue);
          return listReply('Queue status will follow', items, 'QueueStatusComplete');
        };
      default:
        return undefined;
    }
  }

  private broadcast(text: string): Promise<void> {
    const targets = [...this.clients.values()].filter((c) => c.loggedIn && c.events);
    return Promise.all(targets.map((client) => this.write(client, text))).then(() => undefined);
  }

  private write(client: Client, text: string): Promise<void> {
    client.queue = client.queue.then(() => this.writeNow(client, text));
    return client.queue;
  }

  private async writeNow(client: Client, text: string): Promise<void> {
    const socket = client.socket;
    if (socket.destroyed || !socket.writable) return;
    const chunking = this.chunking;
    if (!chunking) {
      await new Promise<void>((resolve) => socket.write(text, () => resolve()));
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    const min = Math.max(1, chunking.minBytes ?? 1);
    const max = Math.max(min, chunking.maxBytes ?? 16);
    let offset = 0;
    while (offset < bytes.length) {
      if (socket.destroyed || !socket.writable) return;
      const size = min + Math.floor(this.random() * (max - min + 1));
      const chunk = bytes.subarray(offset, offset + size);
      offset += chunk.length;
      await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

function toFrame(fields: AmiServerFields): [string, string][] {
  if (Array.isArray(fields)) return (fields as AmiFrame).map(([k, v]) => [k, v]);
  const frame: [string, string][] = [];
  for (const [key, value] of Object.entries(fields as Record<string, unknown>)) {
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    for (const item of values) frame.push([key, String(item)]);
  }
  return frame;
}

function fieldOf(frame: [string, string][], key: string): string | undefined {
  return frame.find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
}

function withEvent(fields: AmiServerFields, event: string): [string, string][] {
  const frame = toFrame(fields);
  return fieldOf(frame, 'Event') === undefined ? [['Event', event], ...frame] : frame;
}

function listReply(message: string, items: [string, string][][], complete: string): AmiActionReply {
  return {
    response: [
      ['EventList', 'start'],
      ['Message', message],
    ],
    events: [
      ...items,
      [
        ['Event', complete],
        ['EventList', 'Complete'],
        ['ListItems', String(items.length)],
      ],
    ],
  };
}
