import WebSocket from 'ws';
import { CccpServerSimulator, type CccpSimFilterCompiler } from './cccp-server-simulator';

jest.setTimeout(15_000);

/** Test-only filters: `.[name='value']` (the call monitor brings the real evaluator). */
const equalityFilter: CccpSimFilterCompiler = (expression) => {
  if (expression === '') return () => true;
  const match = /^\.\[(\w+)='([^']*)'\]$/.exec(expression);
  if (!match) throw new Error(`cannot read filter ${expression}`);
  const [, field, value] = match;
  return (fields) => fields[field] === value;
};

type Message = Record<string, unknown>;

/** A raw protocol client: sends requests, collects every message. */
class RawClient {
  readonly messages: Message[] = [];
  closeCode: number | undefined;
  private nextId = 0;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const text = data.toString();
      try {
        this.messages.push(JSON.parse(text) as Message);
      } catch {
        this.messages.push({ unreadable: text });
      }
    });
    socket.on('close', (code) => {
      this.closeCode = code;
    });
  }

  static async open(url: string): Promise<RawClient> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  async request(type: string, body: Message = {}): Promise<Message> {
    this.nextId += 1;
    const id = this.nextId;
    this.socket.send(JSON.stringify({ type, id, ...body }));
    await until(() => this.messages.some((m) => m.reply_to === id));
    return this.messages.find((m) => m.reply_to === id) as Message;
  }

  updates(): Message[] {
    return this.messages.filter((m) => m.type === 'view_update');
  }

  close(): void {
    this.socket.terminate();
  }
}

/** Bumped after each test, so the waits of a test that timed out stop instead of spinning on. */
let testGeneration = 0;

async function until(condition: () => boolean): Promise<void> {
  const generation = testGeneration;
  while (!condition()) {
    if (generation !== testGeneration) throw new Error('test over while waiting');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('CccpServerSimulator', () => {
  let sim: CccpServerSimulator;
  const clients: RawClient[] = [];

  async function connect(login = true): Promise<RawClient> {
    const client = await RawClient.open(sim.url);
    clients.push(client);
    if (login) {
      const reply = await client.request('login', { user: 'admin', password: 'admin' });
      expect(reply.type).toBe('login_ok');
    }
    return client;
  }

  beforeEach(async () => {
    sim = new CccpServerSimulator({
      compileFilter: equalityFilter,
      now: () => new Date('2025-03-14T09:30:00Z'),
    });
    await sim.start();
    for (const [id, login, profile] of [
      ['S-3', 'chloe', 'support'],
      ['S-1', 'alice', 'support'],
      ['S-2', 'bob', 'sales'],
      ['S-4', 'dan', 'support'],
    ]) {
      sim.upsertSession(id, { login, profile, session_state: 'ready' });
    }
  });

  afterEach(async () => {
    testGeneration += 1;
    for (const client of clients.splice(0)) client.close();
    await sim.stop();
  });

  it('refuses a wrong password with auth_failed, then hangs up; never records the password', async () => {
    const client = await connect(false);
    const reply = await client.request('login', { user: 'admin', password: 'nope' });
    expect(reply).toEqual({
      type: 'error',
      reply_to: 1,
      code: 'auth_failed',
      message: 'invalid user or password',
    });
    await until(() => client.closeCode !== undefined);
    expect(client.closeCode).toBe(4401);
    expect(sim.logins).toEqual([{ client: 1, user: 'admin', ok: false }]);
    expect(JSON.stringify(sim.received)).not.toContain('nope');
  });

  it('refuses requests before login and logins it is told to reject', async () => {
    const client = await connect(false);
    expect(
      await client.request('start_view', { object_type: 'sessions', fields: [] }),
    ).toMatchObject({
      type: 'error',
      code: 'not_authenticated',
    });
    sim.rejectLogins(1);
    expect(await client.request('login', { user: 'admin', password: 'admin' })).toMatchObject({
      code: 'auth_failed',
    });
    const again = await connect();
    expect(again).toBeDefined();
  });

  it('pages a view by item id, with the view filter and a query filter', async () => {
    const client = await connect();
    const started = await client.request('start_view', {
      object_type: 'sessions',
      view_name: 'v',
      fields: ['login', 'missing'],
      filter: ".[profile='support']",
      push: true,
    });
    expect(started).toEqual({ type: 'view_started', reply_to: 2, view_idx: 1, push: true, seq: 0 });
    const page1 = await client.request('query_list', {
      view_idx: 1,
      object_type: 'sessions',
      filter: '',
      after: null,
      limit: 2,
    });
    expect(page1).toEqual({
      type: 'list_response',
      reply_to: 3,
      view_idx: 1,
      total_count: 3,
      seq: 0,
      at: '2025-03-14T09:30:00.000Z',
      next_after: 'S-3',
      items: [
        { item_id: 'S-1', fields: { login: 'alice', missing: null } },
        { item_id: 'S-3', fields: { login: 'chloe', missing: null } },
      ],
    });
    const page2 = await client.request('query_list', {
      view_idx: 1,
      object_type: 'sessions',
      filter: '',
      after: 'S-3',
      limit: 2,
    });
    expect(page2).toMatchObject({ next_after: null, items: [{ item_id: 'S-4' }] });
    const narrowed = await client.request('query_list', {
      view_idx: 1,
      object_type: 'sessions',
      filter: ".[login='dan']",
      limit: 10,
    });
    expect(narrowed).toMatchObject({ total_count: 1, items: [{ item_id: 'S-4' }] });
    expect(sim.queries('sessions')).toBe(3);
  });

  it('answers bad requests with their error code', async () => {
    const client = await connect();
    expect(
      await client.request('start_view', {
        object_type: 'sessions',
        fields: [],
        filter: 'garbage',
      }),
    ).toMatchObject({ code: 'bad_filter', message: 'cannot read filter garbage' });
    expect(await client.request('start_view', { object_type: 'robots', fields: [] })).toMatchObject(
      {
        code: 'bad_request',
      },
    );
    expect(
      await client.request('query_list', { view_idx: 9, object_type: 'sessions', limit: 1 }),
    ).toMatchObject({ code: 'unknown_view' });
  });

  it('pushes added, changed and removed as objects enter, change in and leave a view', async () => {
    const client = await connect();
    await client.request('start_view', {
      object_type: 'sessions',
      fields: ['login', 'session_state'],
      filter: ".[profile='support']",
      push: true,
    });
    sim.upsertSession('S-1', { session_state: 'busy' }); // changed
    sim.upsertSession('S-2', { profile: 'support' }); // enters
    sim.upsertSession('S-3', { profile: 'sales' }); // leaves
    sim.upsertSession('S-2', { device: 'SIP/2' }); // not a view field: nothing
    sim.removeSession('S-4'); // removed
    sim.upsertSession('S-9', { login: 'zed', profile: 'sales' }); // outside: nothing
    await until(() => client.updates().length === 4);
    expect(client.updates().map((u) => [u.seq, u.changes])).toEqual([
      [1, [{ op: 'changed', item_id: 'S-1', fields: { login: 'alice', session_state: 'busy' } }]],
      [2, [{ op: 'added', item_id: 'S-2', fields: { login: 'bob', session_state: 'ready' } }]],
      [3, [{ op: 'removed', item_id: 'S-3' }]],
      [4, [{ op: 'removed', item_id: 'S-4' }]],
    ]);
    const page = await client.request('query_list', {
      view_idx: 1,
      object_type: 'sessions',
      limit: 10,
    });
    expect(page).toMatchObject({ seq: 4, total_count: 2 });
  });

  it('skips or loses sequence numbers when told to', async () => {
    const client = await connect();
    await client.request('start_view', { object_type: 'tasks', fields: ['state'], push: true });
    sim.skipSequence('tasks', 2);
    sim.upsertTask('T-1', { state: 'new' });
    sim.loseUpdates('tasks');
    sim.upsertTask('T-1', { state: 'queued' });
    sim.upsertTask('T-1', { state: 'assigned' });
    await until(() => client.updates().length === 2);
    expect(client.updates().map((u) => u.seq)).toEqual([3, 5]);
  });

  it('never pushes in no-push mode, and sends malformed messages when told to', async () => {
    sim.setPush(false);
    const client = await connect();
    const started = await client.request('start_view', {
      object_type: 'sessions',
      fields: [],
      push: true,
    });
    expect(started.push).toBe(false);
    sim.upsertSession('S-1', { session_state: 'busy' });
    expect(await sim.sendMalformed('{"type":')).toBe(1);
    await sim.sendRaw('{"type":"ping"}');
    await until(() => client.messages.some((m) => m.type === 'ping'));
    expect(client.messages.some((m) => m.unreadable === '{"type":')).toBe(true);
    expect(client.updates()).toEqual([]);
  });

  it('drops and refuses connections', async () => {
    const client = await connect();
    sim.dropConnections();
    await until(() => client.closeCode !== undefined);
    expect(client.closeCode).toBe(1006);
    sim.refuseConnections(1);
    const refused = await RawClient.open(sim.url);
    clients.push(refused);
    await until(() => refused.closeCode !== undefined);
    expect(refused.closeCode).toBe(1013);
    expect(sim.connections).toBe(2);
  });
});
