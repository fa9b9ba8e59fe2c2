import net from 'node:net';
import { AmiServer } from './ami-server';
import { AMI_TRANSCRIPT_NAMES, loadAmiTranscript, parseAmiTranscript } from './ami-transcripts';

/** A raw AMI client: what the server wrote, and how many reads it took. */
class RawClient {
  text = '';
  reads = 0;
  closed = false;
  private readonly socket: net.Socket;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.text += chunk;
      this.reads += 1;
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.closed = true));
  }

  send(text: string): void {
    this.socket.write(text);
  }

  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
  }

  /** Waits until `text` has been received. */
  waitFor(text: string): Promise<void> {
    return this.until(() => this.text.includes(text));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const LOGIN = 'Action: Login\r\nActionID: 1\r\nUsername: admin\r\nSecret: amp111\r\n\r\n';

describe('AmiServer over TCP', () => {
  const server = new AmiServer({ random: () => 0.5 });
  const clients: RawClient[] = [];

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
    server.setChunking(undefined);
  });

  function client(): RawClient {
    const created = new RawClient(server.port);
    clients.push(created);
    return created;
  }

  it('greets, refuses actions before login, accepts a good login and answers Ping', async () => {
    const c = client();
    await c.waitFor('Asterisk Call Manager/7.0.3\r\n');
    c.send('Action: Ping\r\nActionID: 0\r\n\r\n');
    await c.waitFor('Response: Error\r\nActionID: 0\r\nMessage: Permission denied\r\n\r\n');
    c.send(LOGIN);
    await c.waitFor('Response: Success\r\nActionID: 1\r\nMessage: Authentication accepted\r\n\r\n');
    await c.waitFor('Event: FullyBooted\r\n');
    c.send('Action: Ping\r\nActionID: 2\r\n\r\n');
    await c.waitFor('Response: Success\r\nActionID: 2\r\nPing: Pong\r\nTimestamp: ');
    const login = await server.waitForAction('Login');
    expect(login.get('Secret')).toBe('***');
    expect(JSON.stringify(server.received)).not.toContain('amp111');
  });

  it('answers a bad login with Authentication failed and closes', async () => {
    const c = client();
    c.send('Action: Login\r\nActionID: 9\r\nUsername: admin\r\nSecret: nope\r\n\r\n');
    await c.until(() => c.closed);
    expect(c.text).toContain(
      'Response: Error\r\nActionID: 9\r\nMessage: Authentication failed\r\n\r\n',
    );
    expect(server.logins.at(-1)).toEqual(expect.objectContaining({ username: 'admin', ok: false }));
  });

  it('answers CoreShowChannels with an event list carrying the ActionID', async () => {
    server.setChannels([{ Channel: 'PJSIP/1001-00000001', Uniqueid: '1.1' }]);
    const c = client();
    c.send(LOGIN);
    c.send('Action: CoreShowChannels\r\nActionID: 5\r\n\r\n');
    await c.waitFor(
      'Event: CoreShowChannelsComplete\r\nActionID: 5\r\nEventList: Complete\r\nListItems: 1\r\n\r\n',
    );
    // Actions are answered concurrently: FullyBooted may come between the frames, never inside.
    expect(c.text).toContain(
      'Response: Success\r\nActionID: 5\r\nEventList: start\r\nMessage: Channels will follow\r\n\r\n',
    );
    expect(c.text).toContain(
      'Event: CoreShowChannel\r\nActionID: 5\r\nChannel: PJSIP/1001-00000001\r\nUniqueid: 1.1\r\n\r\n',
    );
  });

  it('replays a transcript byte for byte, in chunks when asked, to logged-in clients only', async () => {
    const transcript = loadAmiTranscript('hold-unhold');
    const outsider = client();
    const c = client();
    c.send(LOGIN);
    await c.waitFor('Status: Fully Booted\r\n\r\n');
    await outsider.waitFor('Asterisk Call Manager/');
    const before = c.text.length;
    const readsBefore = c.reads;
    server.setChunking({ minBytes: 1, maxBytes: 32 });
    await server.replay('hold-unhold');
    await c.until(() => c.text.length - before >= transcript.wire.length);
    expect(c.text.slice(before)).toBe(transcript.wire);
    expect(c.reads - readsBefore).toBeGreaterThan(10);
    expect(outsider.text).toBe('Asterisk Call Manager/7.0.3\r\n');
  });

  it('drops every connection and refuses the next ones on demand', async () => {
    const c = client();
    await c.waitFor('Asterisk Call Manager/');
    server.dropConnections();
    await c.until(() => c.closed);
    server.refuseConnections(1);
    const refused = client();
    await refused.until(() => refused.closed);
    expect(refused.text).toBe('');
    const accepted = client();
    await accepted.waitFor('Asterisk Call Manager/');
  });

  it('loads every transcript with the events the scenarios need', () => {
    const events = (name: (typeof AMI_TRANSCRIPT_NAMES)[number]) =>
      loadAmiTranscript(name).frames.map((frame) => frame[0][1]);
    for (const name of AMI_TRANSCRIPT_NAMES) {
      const transcript = loadAmiTranscript(name);
      expect(transcript.frames.every((frame) => frame[0][0] === 'Event')).toBe(true);
      expect(transcript.frames.every((frame) => frame[2][0] === 'Timestamp')).toBe(true);
    }
    expect(events('queue-call-answered')).toEqual(
      expect.arrayContaining([
        'Newchannel',
        'QueueCallerJoin',
        'AgentCalled',
        'DialBegin',
        'AgentConnect',
        'BridgeEnter',
        'QueueCallerLeave',
        'Hangup',
        'AgentComplete',
        'BridgeLeave',
      ]),
    );
    expect(events('queue-call-abandoned')).toContain('QueueCallerAbandon');
    expect(events('queue-ring-no-answer')).toContain('AgentRingNoAnswer');
    expect(events('hold-unhold')).toEqual(expect.arrayContaining(['Hold', 'Unhold']));
    expect(events('blind-transfer')).toContain('BlindTransfer');
    expect(events('attended-transfer')).toContain('AttendedTransfer');
    expect(events('queue-member-pause')).toEqual(
      expect.arrayContaining(['QueueMemberPause', 'QueueMemberStatus']),
    );
    expect(parseAmiTranscript('Event: A\nEmpty:\n\n\nEvent: B\r\nK: a: b\r\n').frames).toEqual([
      [
        ['Event', 'A'],
        ['Empty', ''],
      ],
      [
        ['Event', 'B'],
        ['K', 'a: b'],
      ],
    ]);
    expect(() => parseAmiTranscript('Event: A\nno colon here\n')).toThrow('line 2');
  });
});
