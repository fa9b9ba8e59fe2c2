import {
  AMI_TRANSCRIPT_NAMES,
  AmiServer,
  amiFrameToRecord,
  loadAmiTranscript,
  ManualTimerClock,
  type AmiServerFields,
} from '@telcomesh/testing';
import {
  AmiActionError,
  AmiAuthError,
  AmiConnection,
  AmiDisconnectedError,
  AmiTimeoutError,
  type AmiConnectedInfo,
  type AmiConnectionOptions,
  type AmiDisconnectedInfo,
  type AmiLogger,
} from './ami-connection';
import { amiField, type AmiMessage } from './ami-parser';

/** Waits (on real I/O, without any time threshold) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

function next<T>(connection: AmiConnection, event: 'connected' | 'disconnected'): Promise<T> {
  return new Promise((resolve) => connection.once(event, (info: unknown) => resolve(info as T)));
}

/** A seeded random source (the same chunking every run). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const SECRET = 'Tr0ub4dor&3-not-in-logs';
const WRONG_SECRET = 'wr0ng-S3cret-also-not-in-logs';

function channel(n: number, queue = 'support'): AmiServerFields {
  return [
    ['Channel', `PJSIP/trunk-operator-0000010${n}`],
    ['ChannelState', '6'],
    ['ChannelStateDesc', 'Up'],
    ['CallerIDNum', `061234567${n}`],
    ['CallerIDName', 'Zoé Martin'],
    ['ConnectedLineNum', '<unknown>'],
    ['ConnectedLineName', '<unknown>'],
    ['Language', 'fr'],
    ['AccountCode', ''],
    ['Context', 'from-trunk'],
    ['Exten', '0140000000'],
    ['Priority', '3'],
    ['Uniqueid', `1700000000.${n}`],
    ['Linkedid', `1700000000.${n}`],
    ['Application', 'Queue'],
    ['ApplicationData', queue],
    ['Duration', '00:00:42'],
    ['BridgeId', ''],
  ];
}

const QUEUE_STATUS: AmiServerFields[] = [
  {
    Event: 'QueueParams',
    Queue: 'support',
    Max: 0,
    Strategy: 'rrmemory',
    Calls: 1,
    Holdtime: 12,
    TalkTime: 95,
    Completed: 10,
    Abandoned: 2,
    ServiceLevel: 20,
    ServicelevelPerf: '80.0',
    ServicelevelPerf2: '66.7',
    Weight: 0,
  },
  {
    Event: 'QueueMember',
    Queue: 'support',
    Name: 'Alice Dupont',
    Location: 'PJSIP/1001',
    StateInterface: 'PJSIP/1001',
    Membership: 'dynamic',
    Penalty: 0,
    CallsTaken: 4,
    LastCall: 1700005500,
    LastPause: 0,
    LoginTime: 1699990000,
    InCall: 0,
    Status: 1,
    Paused: 0,
    PausedReason: '',
    Wrapuptime: 0,
  },
  {
    Event: 'QueueEntry',
    Queue: 'support',
    Position: 1,
    Channel: 'PJSIP/trunk-operator-00000101',
    Uniqueid: '1700000000.1',
    CallerIDNum: '0612345671',
    CallerIDName: 'Zoé Martin',
    ConnectedLineNum: '<unknown>',
    ConnectedLineName: '<unknown>',
    Wait: 12,
    Priority: 0,
  },
  { Event: 'QueueParams', Queue: 'sales', Max: 0, Strategy: 'ringall', Calls: 0 },
];

describe('AmiConnection over TCP against AmiServer', () => {
  const server = new AmiServer({ users: { admin: SECRET }, version: '7.0.3', random: seeded(42) });
  const connections: AmiConnection[] = [];

  beforeAll(async () => {
    await server.start();
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((c) => c.close()));
    server.dropConnections();
    server.setChunking(undefined);
    server.setChannels([]);
    server.setQueueStatus([]);
    server.refuseConnections(0);
    for (const action of ['Ping', 'Originate', 'Getvar', 'Command', 'Redirect']) {
      server.handle(action, undefined);
    }
  });

  function connection(options: Partial<AmiConnectionOptions> = {}): AmiConnection {
    const created = new AmiConnection({
      host: server.host,
      port: server.port,
      username: 'admin',
      secret: SECRET,
      pingIntervalMs: 0,
      random: () => 0.5,
      ...options,
    });
    connections.push(created);
    return created;
  }

  /** Events seen on `event`, FullyBooted (sent after every login) left out. */
  function events(conn: AmiConnection): AmiMessage[] {
    const seen: AmiMessage[] = [];
    conn.on('event', (message) => {
      if (message.event !== 'FullyBooted') seen.push(message);
    });
    return seen;
  }

  it('logs in with Events: on and reports the greeting version', async () => {
    const conn = connection();
    const connected = next<AmiConnectedInfo>(conn, 'connected');
    await conn.connect();
    expect(await connected).toEqual({ version: '7.0.3', reconnect: false, connections: 1 });
    expect(conn.state).toBe('connected');
    expect(conn.version).toBe('7.0.3');
    const login = await server.waitForAction('Login', server.logins.length);
    expect(login.get('Username')).toBe('admin');
    expect(login.get('Events')).toBe('on');
    expect(server.logins.at(-1)).toEqual(expect.objectContaining({ username: 'admin', ok: true }));
    const pong = await conn.action('Ping');
    expect(amiField(pong, 'Ping')).toBe('Pong');
  });

  it('reports a refused login clearly and waits the auth backoff before trying again', async () => {
    const clock = new ManualTimerClock(0);
    const conn = connection({
      secret: WRONG_SECRET,
      clock,
      backoff: { initialDelayMs: 100, authFailureDelayMs: 5000 },
    });
    const loginsBefore = server.logins.length;
    const disconnected = next<AmiDisconnectedInfo>(conn, 'disconnected');
    const connecting = conn.connect();
    connecting.catch(() => undefined);
    const info = await disconnected;
    expect(info.reason).toBe('Authentication failed');
    expect(info.wasConnected).toBe(false);
    expect(info.error).toBeInstanceOf(AmiAuthError);
    expect(info.error?.message).toBe(
      `AMI login as 'admin' on 127.0.0.1:${server.port} refused: Authentication failed`,
    );
    expect(info.reconnectInMs).toBe(5000);
    expect(conn.state).toBe('waiting');
    expect(clock.armed()).toEqual([5000]);
    clock.advance(4999);
    expect(conn.state).toBe('waiting');
    expect(server.logins.slice(loginsBefore)).toEqual([
      expect.objectContaining({ username: 'admin', ok: false }),
    ]);
    const second = next<AmiDisconnectedInfo>(conn, 'disconnected');
    clock.advance(1);
    expect(conn.state).toBe('connecting');
    expect((await second).reconnectInMs).toBe(5000);
    expect(server.logins.slice(loginsBefore).map((l) => l.ok)).toEqual([false, false]);
    await conn.close();
    await expect(connecting).rejects.toThrow(AmiDisconnectedError);
  });

  it('correlates concurrent actions by ActionID whatever order the answers come in', async () => {
    const release: (() => void)[] = [];
    server.handle('Getvar', async (action) => {
      await new Promise<void>((resolve) => release.push(resolve));
      return { response: [['Variable', action.get('Variable') ?? '']], events: [] };
    });
    const conn = connection();
    await conn.connect();
    const names = ['A', 'B', 'C', 'D', 'E'];
    const answers = names.map((name) =>
      conn.action('Getvar', { Channel: 'PJSIP/1001-00000011', Variable: name }),
    );
    await until(() => release.length === names.length);
    for (const resolve of release.reverse()) resolve();
    const responses = await Promise.all(answers);
    expect(responses.map((r) => amiField(r, 'Variable'))).toEqual(names);
    const ids = responses.map((r) => r.actionId);
    expect(new Set(ids).size).toBe(names.length);
  });

  it('rejects Response: Error with its Message', async () => {
    server.handle('Redirect', () => ({
      response: [
        ['Response', 'Error'],
        ['Message', 'Channel specified does not exist'],
      ],
    }));
    const conn = connection();
    await conn.connect();
    const failure = conn.action('Redirect', { Channel: 'PJSIP/9999-00000000', Exten: '1002' });
    await expect(failure).rejects.toThrow(AmiActionError);
    await expect(failure).rejects.toThrow(
      'AMI action Redirect failed: Channel specified does not exist',
    );
    await expect(conn.action('NoSuchAction')).rejects.toThrow('Invalid/unknown command');
    await expect(conn.action('Ping', { Bad: 'a\r\nAction: Logoff' })).rejects.toThrow(
      "field 'Bad' contains a line break",
    );
  });

  it('collects CoreShowChannels and QueueStatus event lists for a snapshot', async () => {
    server.setChannels([channel(1), channel(2, 'sales')]);
    server.setQueueStatus(QUEUE_STATUS);
    const conn = connection();
    await conn.connect();
    const live = events(conn);

    const [channels, support] = await Promise.all([
      conn.eventList('CoreShowChannels'),
      conn.eventList('QueueStatus', { Queue: 'support' }),
      server.replay('queue-member-pause'),
    ]);
    expect(amiField(channels.response, 'EventList')).toBe('start');
    expect(channels.events.map((e) => e.event)).toEqual(['CoreShowChannel', 'CoreShowChannel']);
    expect(channels.events.map((e) => amiField(e, 'Uniqueid'))).toEqual([
      '1700000000.1',
      '1700000000.2',
    ]);
    expect(channels.events[1].fields).toEqual(
      expect.objectContaining({
        ApplicationData: 'sales',
        CallerIDName: 'Zoé Martin',
        BridgeId: '',
      }),
    );
    expect(channels.complete?.event).toBe('CoreShowChannelsComplete');
    expect(amiField(channels.complete!, 'ListItems')).toBe('2');

    expect(support.events.map((e) => e.event)).toEqual([
      'QueueParams',
      'QueueMember',
      'QueueEntry',
    ]);
    expect(amiField(support.events[1], 'Name')).toBe('Alice Dupont');
    expect(support.complete?.event).toBe('QueueStatusComplete');

    // List events are not unsolicited; the live events went to the listener only.
    await until(() => live.length === loadAmiTranscript('queue-member-pause').frames.length);
    expect(live.every((e) => e.event?.startsWith('QueueMember'))).toBe(true);

    const empty = await conn.eventList('QueueStatus', { Queue: 'nobody' });
    expect(empty.events).toEqual([]);
    expect(amiField(empty.complete!, 'ListItems')).toBe('0');
  });

  it('resolves a legacy Response: Follows with its command output', async () => {
    server.handle('Command', (action) => ({
      raw:
        `Response: Follows\r\nPrivilege: Command\r\nActionID: ${action.actionId}\r\n` +
        'Channel              Location             State   Application(Data)\n' +
        'PJSIP/1001-00000011  s@from-internal:1    Up      AppQueue:(Outgoing Line)\n' +
        '1 active channel\n--END COMMAND--\r\n\r\n',
    }));
    const conn = connection();
    await conn.connect();
    const response = await conn.action('Command', { Command: 'core show channels' });
    expect(response.response).toBe('Follows');
    expect(response.output).toEqual([
      'Channel              Location             State   Application(Data)',
      'PJSIP/1001-00000011  s@from-internal:1    Up      AppQueue:(Outgoing Line)',
      '1 active channel',
    ]);
  });

  it.each(AMI_TRANSCRIPT_NAMES.map((name) => [name]))(
    'delivers the exact event sequence of %s, split in random chunks',
    async (name) => {
      const transcript = loadAmiTranscript(name);
      const conn = connection();
      const live = events(conn);
      await conn.connect();
      server.setChunking({ minBytes: 1, maxBytes: 64 });
      await server.replay(transcript);
      await until(() => live.length >= transcript.frames.length);
      expect(live.map((m) => m.fields)).toEqual(transcript.frames.map(amiFrameToRecord));
    },
  );

  it('reconnects with backoff after a drop, logs in again and calls the resync hook', async () => {
    server.setChannels([channel(1)]);
    const clock = new ManualTimerClock(0);
    const snapshots: { info: AmiConnectedInfo; uniqueids: (string | undefined)[] }[] = [];
    const conn = connection({
      clock,
      random: () => 0.75,
      backoff: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0.2 },
      onConnected: async (info, c) => {
        const list = await c.eventList('CoreShowChannels');
        snapshots.push({ info, uniqueids: list.events.map((e) => amiField(e, 'Uniqueid')) });
      },
    });
    const live = events(conn);
    const drops: AmiDisconnectedInfo[] = [];
    conn.on('disconnected', (info) => drops.push(info));
    await conn.connect();
    expect(snapshots).toEqual([
      { info: { version: '7.0.3', reconnect: false, connections: 1 }, uniqueids: ['1700000000.1'] },
    ]);
    const loginsBefore = server.logins.filter((l) => l.ok).length;

    server.setChannels([channel(1), channel(2)]);
    server.refuseConnections(2);
    server.dropConnections();
    await until(() => drops.length === 1);
    expect(drops[0]).toEqual(
      expect.objectContaining({ reason: 'connection closed', wasConnected: true, attempt: 1 }),
    );
    expect(drops[0].reconnectInMs).toBe(110); // 100 × (1 + 0.2 × (2 × 0.75 − 1))
    clock.advance(109);
    expect(conn.state).toBe('waiting');
    clock.advance(1);
    await until(() => drops.length === 2);
    expect(drops[1]).toEqual(expect.objectContaining({ wasConnected: false, attempt: 2 }));
    expect(drops[1].reconnectInMs).toBe(220);
    clock.advance(220);
    await until(() => drops.length === 3);
    expect(drops[2].reconnectInMs).toBe(440);
    const reconnected = next<AmiConnectedInfo>(conn, 'connected');
    clock.advance(440);
    expect(await reconnected).toEqual({ version: '7.0.3', reconnect: true, connections: 2 });
    expect(server.logins.filter((l) => l.ok).length).toBe(loginsBefore + 1);
    expect(snapshots[1]).toEqual({
      info: { version: '7.0.3', reconnect: true, connections: 2 },
      uniqueids: ['1700000000.1', '1700000000.2'],
    });

    // Live events flow again, and a later drop starts the backoff from the beginning.
    await server.replay('queue-call-abandoned');
    await until(() => live.length === loadAmiTranscript('queue-call-abandoned').frames.length);
    server.dropConnections();
    await until(() => drops.length === 4);
    expect(drops[3]).toEqual(expect.objectContaining({ attempt: 1, reconnectInMs: 110 }));
  });

  it('holds events that arrive during the resync and emits them after connected', async () => {
    const order: string[] = [];
    const conn = connection({
      onConnected: async (_info, c) => {
        order.push('resync start');
        await server.replay('queue-member-pause');
        await c.action('Ping');
        order.push('resync end');
      },
    });
    conn.on('connected', () => order.push('connected'));
    conn.on('event', (e) => order.push(e.event ?? '?'));
    await conn.connect();
    expect(order.slice(0, 4)).toEqual(['resync start', 'resync end', 'connected', 'FullyBooted']);
    expect(order.slice(4)).toEqual(
      loadAmiTranscript('queue-member-pause').frames.map((f) => f[0][1]),
    );
  });

  it('drops and retries when the resync hook fails', async () => {
    const clock = new ManualTimerClock(0);
    let calls = 0;
    const conn = connection({
      clock,
      backoff: { initialDelayMs: 50 },
      onConnected: () => {
        calls += 1;
        if (calls === 1) throw new Error('snapshot failed');
      },
    });
    const dropped = next<AmiDisconnectedInfo>(conn, 'disconnected');
    const connected = conn.connect();
    const info = await dropped;
    expect(info.reason).toBe('resync failed: snapshot failed');
    expect(info.reconnectInMs).toBe(50);
    clock.advance(50);
    await connected;
    expect(calls).toBe(2);
  });

  it('rejects pending actions and event lists when the connection drops', async () => {
    server.handle('Originate', () => ({ noReply: true }));
    const conn = connection({ clock: new ManualTimerClock(0) });
    await conn.connect();
    const count = (name: string) => server.received.filter((a) => a.action === name).length;
    const [originates, commands] = [count('Originate'), count('Command')];
    server.handle('Command', () => ({ noReply: true }));
    const originate = conn.action('Originate', { Channel: 'PJSIP/1001', Exten: '1002' });
    const list = conn.eventList('Command', { Command: 'queue show' });
    await until(() => count('Originate') > originates && count('Command') > commands);
    server.dropConnections();
    await expect(originate).rejects.toThrow(AmiDisconnectedError);
    await expect(originate).rejects.toThrow('AMI connection lost: connection closed');
    await expect(list).rejects.toThrow(AmiDisconnectedError);
    await expect(conn.action('Ping')).rejects.toThrow('not connected (waiting)');
  });

  it('times an unanswered action out on the injected clock', async () => {
    server.handle('Originate', () => ({ noReply: true }));
    const clock = new ManualTimerClock(0);
    const conn = connection({ clock, actionTimeoutMs: 3000 });
    await conn.connect();
    const count = server.received.filter((a) => a.action === 'Originate').length;
    const originate = conn.action('Originate', { Channel: 'PJSIP/1001' });
    await server.waitForAction('Originate', count + 1);
    clock.advance(2999);
    clock.advance(1);
    await expect(originate).rejects.toThrow(AmiTimeoutError);
    await expect(originate).rejects.toThrow(
      /Originate \(telcomesh-\d+\) got no response within 3000 ms/,
    );
    expect(conn.state).toBe('connected');
  });

  it('pings to keep alive and drops a socket whose ping goes unanswered', async () => {
    const clock = new ManualTimerClock(0);
    const conn = connection({ clock, pingIntervalMs: 1000, pingTimeoutMs: 500 });
    await conn.connect();
    const pings = () => server.received.filter((a) => a.action === 'Ping').length;
    const before = pings();
    clock.advance(1000);
    await until(() => pings() === before + 1);
    await until(() => clock.armed().includes(1000)); // Pong received, next ping armed
    server.handle('Ping', () => ({ noReply: true }));
    clock.advance(1000);
    await until(() => pings() === before + 2);
    const dropped = next<AmiDisconnectedInfo>(conn, 'disconnected');
    clock.advance(500);
    const info = await dropped;
    expect(info.reason).toBe('keepalive ping timed out after 500 ms');
    expect(info.wasConnected).toBe(true);
    expect(info.error).toBeInstanceOf(AmiTimeoutError);
  });

  it('skips malformed frames, reports them, and keeps the stream going', async () => {
    const warnings: unknown[][] = [];
    const logger: AmiLogger = {
      debug() {},
      info() {},
      warn: (...args) => warnings.push(args),
      error() {},
    };
    const conn = connection({ logger });
    const malformed: string[] = [];
    conn.on('malformed', (reason) => malformed.push(reason));
    const live = events(conn);
    await conn.connect();
    server.setChunking({ minBytes: 100, maxBytes: 5000 });
    await server.injectMalformed('no-colon');
    await server.injectMalformed('oversized');
    await server.replay('queue-member-pause');
    const transcript = loadAmiTranscript('queue-member-pause');
    await until(() => live.length >= transcript.frames.length);
    expect(live.map((m) => m.fields)).toEqual(transcript.frames.map(amiFrameToRecord));
    expect(malformed).toEqual(["line 3 has no ':'", 'frame larger than 65536 bytes']);
    expect(warnings).toEqual([
      ['AMI frame skipped', expect.objectContaining({ reason: "line 3 has no ':'" })],
      ['AMI frame skipped', expect.objectContaining({ reason: 'frame larger than 65536 bytes' })],
    ]);
    expect(conn.state).toBe('connected');
  });

  it('never puts the secret in logs, errors or events', async () => {
    const logged: string[] = [];
    const record = (level: string) => (message: string, context?: Record<string, unknown>) =>
      logged.push(`${level} ${message} ${JSON.stringify(context)}`);
    const logger: AmiLogger = {
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const seen: unknown[] = [];
    const good = connection({ logger, clock: new ManualTimerClock(0) });
    good.on('disconnected', (info) => seen.push(info));
    await good.connect();
    await good.action('Ping');
    server.dropConnections();
    await until(() => seen.length === 1);

    const clock = new ManualTimerClock(0);
    const bad = connection({ logger, secret: WRONG_SECRET, clock });
    bad.on('disconnected', (info) => seen.push(info));
    const connecting = bad.connect();
    connecting.catch(() => undefined);
    await until(() => seen.length === 2);
    await bad.close();
    const errors = await Promise.allSettled([connecting]);

    // The Login was logged (redacted), as was the refusal.
    expect(
      logged.some((line) => line.includes('"action":"Login"') && line.includes('"Secret":"***"')),
    ).toBe(true);
    expect(logged.some((line) => line.startsWith('error AMI disconnected'))).toBe(true);
    const everything = JSON.stringify([
      logged,
      seen.map((info) => {
        const error = (info as AmiDisconnectedInfo).error;
        return [info, error?.message, error?.stack];
      }),
      errors.map((e) => (e.status === 'rejected' ? String((e.reason as Error).stack) : '')),
    ]);
    expect(everything).toContain('Authentication failed');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(WRONG_SECRET);
  });

  it('logs off on close and stops for good', async () => {
    const conn = connection();
    await conn.connect();
    const logoffs = server.received.filter((a) => a.action === 'Logoff').length;
    const closed = next<AmiDisconnectedInfo>(conn, 'disconnected');
    await conn.close();
    expect(await closed).toEqual({ reason: 'closed', wasConnected: true, attempt: 0 });
    await server.waitForAction('Logoff', logoffs + 1);
    expect(conn.state).toBe('closed');
    await expect(conn.action('Ping')).rejects.toThrow('not connected (closed)');
  });

  it('with reconnect off, connect() rejects with the failure', async () => {
    server.refuseConnections(1);
    const conn = connection({ reconnect: false });
    await expect(conn.connect()).rejects.toThrow(/connection closed|ECONNRESET/);
    expect(conn.state).toBe('idle');
  });
});
