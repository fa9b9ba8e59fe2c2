import net from 'node:net';
import { serializeAmiFrame, type AmiFrame } from '../ami/ami-transcripts';
import { type ContactCentreConfig } from './contact-centre-config';
import { ContactCentreSimulator } from './contact-centre-simulator';

/** A raw AMI client: reads frames off the socket, nothing more (libs must not import apps). */
class RawAmiReader {
  text = '';
  private destroyed = false;
  private readonly socket: net.Socket;

  constructor(port: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.text += chunk;
    });
    this.socket.on('error', () => undefined);
  }

  send(fields: Record<string, string>): void {
    this.socket.write(serializeAmiFrame(Object.entries(fields)));
  }

  /** Polls until `condition`; gives up once the reader is destroyed (a failed test's cleanup). */
  async until(condition: () => boolean): Promise<void> {
    while (!condition()) {
      if (this.destroyed) throw new Error('the AMI reader was closed before the condition held');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  waitFor(text: string): Promise<void> {
    return this.until(() => this.text.includes(text));
  }

  /** Frames received so far (the greeting line skipped), split on the blank line. */
  frames(): [string, string][][] {
    const body = this.text.slice(this.text.indexOf('\r\n') + 2);
    return body
      .split('\r\n\r\n')
      .filter((block) => block.trim() !== '')
      .map((block) =>
        block.split('\r\n').map((line): [string, string] => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon), line.slice(colon + 1).trimStart()];
        }),
      );
  }

  /** The items of an event list answered to `actionId`, once complete. */
  async eventList(actionId: string, complete: string): Promise<[string, string][][]> {
    const end = `Event: ${complete}\r\nActionID: ${actionId}\r\nEventList: Complete\r\n`;
    await this.waitFor(end);
    return this.frames().filter(
      (frame) => frame[0][0] === 'Event' && frame[0][1] !== complete && frame[1]?.[1] === actionId,
    );
  }

  destroy(): void {
    this.destroyed = true;
    this.socket.destroy();
  }
}

function field(frame: readonly (readonly [string, string])[], key: string): string | undefined {
  return frame.find(([k]) => k === key)?.[1];
}

const CONFIG: ContactCentreConfig = {
  seed: 'int',
  queues: [
    { name: 'support', callsPerHour: 240, patience: { kind: 'exponential', mean: 120 } },
    { name: 'sales', callsPerHour: 120 },
  ],
  agents: [
    { extension: '1001', name: 'Alice Dupont', queues: ['support', 'sales'] },
    { extension: '1002', name: 'Bob Leroy', queues: ['support'], outboundCallsPerHour: 6 },
    { extension: '1003', name: 'Chloé Lambert', queues: ['sales'], pausesPerHour: 2 },
  ],
};

describe('ContactCentreSimulator over AMI (TCP)', () => {
  const readers: RawAmiReader[] = [];
  let simulator: ContactCentreSimulator;

  beforeEach(() => {
    simulator = new ContactCentreSimulator(CONFIG);
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.destroy();
    await simulator.close();
  });

  async function loggedIn(): Promise<RawAmiReader> {
    const server = await simulator.serve();
    const reader = new RawAmiReader(server.port);
    readers.push(reader);
    reader.send({ Action: 'Login', ActionID: 'login', Username: 'admin', Secret: 'amp111' });
    await reader.waitFor('Status: Fully Booted\r\n\r\n');
    return reader;
  }

  it('streams the simulated events byte for byte and answers the snapshot actions with exactly the calls in progress', async () => {
    const reader = await loggedIn();
    const sent: AmiFrame[] = [];
    simulator.onFrame((frame) => sent.push(frame));
    simulator.advance(20 * 60_000);
    await simulator.drain();
    const wire = sent.map(serializeAmiFrame).join('');
    await reader.until(() => reader.text.length >= wire.length);
    expect(reader.text.slice(reader.text.indexOf('Status: Fully Booted\r\n\r\n') + 24)).toBe(wire);

    const truth = simulator.groundTruth();
    expect(truth.calls.length).toBeGreaterThan(2);
    reader.send({ Action: 'CoreShowChannels', ActionID: 'channels' });
    const channels = await reader.eventList('channels', 'CoreShowChannelsComplete');
    const listed = new Map<string, string[]>();
    for (const item of channels) {
      expect(field(item, 'Event')).toBe('CoreShowChannel');
      const linkedid = field(item, 'Linkedid') ?? '';
      listed.set(linkedid, [...(listed.get(linkedid) ?? []), field(item, 'Channel') ?? '']);
    }
    expect(listed).toEqual(new Map(truth.calls.map((call) => [call.callId, call.channels])));
    expect(reader.text).toContain(
      `Event: CoreShowChannelsComplete\r\nActionID: channels\r\nEventList: Complete\r\nListItems: ${channels.length}\r\n`,
    );

    reader.send({ Action: 'QueueStatus', ActionID: 'queues', Queue: 'support' });
    const status = await reader.eventList('queues', 'QueueStatusComplete');
    expect(status.map((item) => field(item, 'Queue'))).toEqual(status.map(() => 'support'));
    expect(field(status[0], 'Event')).toBe('QueueParams');
    expect(field(status[0], 'Calls')).toBe(String(truth.waiting.support));
    expect(status.filter((item) => field(item, 'Event') === 'QueueMember').length).toBe(2);
    const entries = status.filter((item) => field(item, 'Event') === 'QueueEntry');
    expect(new Set(entries.map((entry) => field(entry, 'Uniqueid')))).toEqual(
      new Set(
        truth.calls
          .filter((call) => call.queue === 'support' && call.state === 'queued')
          .map((call) => call.callId),
      ),
    );
  });

  it('floods N events to a connected client', async () => {
    const reader = await loggedIn();
    const start = reader.text.length;
    let wireLength = 0;
    simulator.onFrame((frame) => {
      wireLength += Buffer.byteLength(serializeAmiFrame(frame), 'utf8');
    });
    const result = await simulator.flood(20_000, { batchSize: 1000 });
    expect(result.frames).toBe(20_000);
    await simulator.drain();
    await reader.until(() => Buffer.byteLength(reader.text.slice(start), 'utf8') >= wireLength);
    const received = reader.text
      .slice(start)
      .split('\r\n\r\n')
      .filter((block) => block !== '');
    expect(received).toHaveLength(20_000);
    expect(
      received.every((block) => /^Event: \w+\r\nPrivilege: \w+,all\r\nTimestamp: /.test(block)),
    ).toBe(true);
  });
});
