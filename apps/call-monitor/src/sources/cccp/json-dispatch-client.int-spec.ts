import { ManualTimerClock } from '@telcomesh/testing';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type DispatchClientEvents,
  type DispatchViewUpdate,
  DispatchClosedError,
  DispatchProtocolError,
  DispatchTimeoutError,
} from './dispatch-client';
import { JsonDispatchClient } from './json-dispatch-client';

jest.setTimeout(15_000);

type Reply = (request: Record<string, unknown>) => Record<string, unknown> | string | undefined;

/** A websocket server whose answers the test writes: `reply` returns a message or nothing. */
class ScriptedServer {
  readonly sockets: WebSocket[] = [];
  pings = 0;
  private server: WebSocketServer | undefined;

  constructor(
    private readonly reply: Reply,
    private readonly autoPong = true,
  ) {}

  async start(): Promise<string> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: this.autoPong });
    this.server = server;
    server.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('ping', () => {
        this.pings += 1;
      });
      socket.on('message', (data: Buffer) => {
        const request = JSON.parse(data.toString()) as Record<string, unknown>;
        const answer =
          request.type === 'login'
            ? { type: 'login_ok', reply_to: request.id, server_name: 'scripted' }
            : this.reply(request);
        if (answer !== undefined) {
          socket.send(typeof answer === 'string' ? answer : JSON.stringify(answer));
        }
      });
    });
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('unexpected address');
    return `ws://127.0.0.1:${address.port}/`;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

class RecordingEvents implements DispatchClientEvents {
  readonly updates: DispatchViewUpdate[] = [];
  readonly closes: string[] = [];
  readonly problems: string[] = [];
  viewUpdate(update: DispatchViewUpdate): void {
    this.updates.push(update);
  }
  closed(reason: string): void {
    this.closes.push(reason);
  }
  protocolError(reason: string): void {
    this.problems.push(reason);
  }
}

let testGeneration = 0;

async function until(condition: () => boolean): Promise<void> {
  const generation = testGeneration;
  while (!condition()) {
    if (generation !== testGeneration) throw new Error('test over while waiting');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const servers: ScriptedServer[] = [];
const clients: JsonDispatchClient[] = [];

async function setup(reply: Reply, options: { autoPong?: boolean; pingIntervalMs?: number } = {}) {
  const server = new ScriptedServer(reply, options.autoPong ?? true);
  servers.push(server);
  const url = await server.start();
  const clock = new ManualTimerClock();
  const events = new RecordingEvents();
  const client = new JsonDispatchClient(
    { url, user: 'monitor', password: 'pw', clock, pingIntervalMs: options.pingIntervalMs ?? 0 },
    events,
  );
  clients.push(client);
  expect(await client.connect()).toEqual({ serverName: 'scripted' });
  return { server, clock, events, client };
}

afterEach(async () => {
  testGeneration += 1;
  for (const client of clients.splice(0)) await client.close();
  for (const server of servers.splice(0)) await server.stop();
});

describe('JsonDispatchClient', () => {
  it('times a request out on its clock', async () => {
    const { clock, client } = await setup(() => undefined);
    const pending = client.startView({
      objectType: 'sessions',
      viewName: 'v',
      fields: [],
      filter: '',
      push: true,
    });
    clock.advance(9999);
    clock.advance(1);
    await expect(pending).rejects.toThrow(DispatchTimeoutError);
    await expect(pending).rejects.toThrow('dispatch start_view (2) got no answer within 10000 ms');
  });

  it('fails a request at once when its reply cannot be read, and reports why', async () => {
    const { client, events } = await setup((request) => ({
      type: 'list_response',
      reply_to: request.id,
      view_idx: 1,
      items: 'lots',
    }));
    await expect(
      client.queryList({ viewIdx: 1, objectType: 'sessions', filter: '', limit: 10 }),
    ).rejects.toThrow(DispatchProtocolError);
    expect(events.problems).toEqual([`list_response: 'items' should be an array but is "lots"`]);
  });

  it('rejects a reply of the wrong type for the request', async () => {
    const { client } = await setup((request) => ({
      type: 'view_started',
      reply_to: request.id,
      view_idx: 1,
      push: true,
      seq: 0,
    }));
    await expect(
      client.queryList({ viewIdx: 1, objectType: 'sessions', filter: '', limit: 10 }),
    ).rejects.toThrow('dispatch query_list: expected list_response but got view_started');
  });

  it('drops a link whose pings go unanswered and reports it closed', async () => {
    const { server, clock, events } = await setup(() => undefined, {
      autoPong: false,
      pingIntervalMs: 1000,
    });
    clock.advance(1000);
    await until(() => server.pings === 1);
    expect(events.closes).toEqual([]);
    clock.advance(1000);
    await until(() => events.closes.length === 1);
    expect(events.closes[0]).toMatch(/^connection closed \(code 1006/);
  });

  it('keeps a link that answers its pings', async () => {
    const { server, clock, events } = await setup(() => undefined, { pingIntervalMs: 1000 });
    clock.advance(1000);
    await until(() => server.pings === 1);
    // The pong went out before this message on the same socket: once it is read, so is the pong.
    server.sockets[0].send(
      JSON.stringify({ type: 'view_update', view_idx: 1, seq: 1, changes: [] }),
    );
    await until(() => events.updates.length === 1);
    clock.advance(1000);
    await until(() => server.pings === 2);
    expect(events.closes).toEqual([]);
  });

  it('rejects pending requests on close without reporting a drop', async () => {
    const { client, events } = await setup(() => undefined);
    const pending = client.queryList({ viewIdx: 1, objectType: 'tasks', filter: '', limit: 1 });
    const outcome = expect(pending).rejects.toThrow(DispatchClosedError);
    await client.close();
    await outcome;
    expect(events.closes).toEqual([]);
  });

  it('says where it could not connect, and why', async () => {
    const server = new ScriptedServer(() => undefined);
    const url = await server.start();
    await server.stop();
    const client = new JsonDispatchClient(
      { url, user: 'monitor', password: 'pw-not-in-errors', clock: new ManualTimerClock() },
      new RecordingEvents(),
    );
    const failure = client.connect();
    await expect(failure).rejects.toThrow(DispatchClosedError);
    await expect(failure).rejects.toThrow(
      new RegExp(`^cannot log in on ${url}: connection error: connect ECONNREFUSED`),
    );
  });
});
