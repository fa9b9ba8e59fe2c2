import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AMI_TRANSCRIPT_DIR,
  AmiServer,
  loadAmiTranscript,
  parseAmiTranscript,
  serializeAmiFrame,
  type AmiActionReply,
  type AmiFrame,
  type AmiTranscript,
} from '@telcomesh/testing';
import { AmiCallSource } from './ami-call-source';
import { RecordingLogger, RecordingSink, stamp } from './ami-test-sink';

const SECRET = 'N0t-in-any-log-or-status';
/** The platform time of both scans: one minute into the call of `queue-call-answered`. */
const NOW = stamp(1700000060);

const CALL_A = '1700009000.200'; // answered by Bob, ends while the source is disconnected
const CALL_B = '1700009100.202'; // waiting in `support`
const CALL_C = '1700000000.16'; // queue-call-answered, in progress across the reconnect

function listItems(name: 'snapshot-channels' | 'snapshot-queue-status'): AmiFrame[] {
  const text = readFileSync(join(AMI_TRANSCRIPT_DIR, `${name}.ami`), 'utf8');
  return parseAmiTranscript(text, name).frames;
}

function channelsOf(...linkedids: string[]): AmiFrame[] {
  return listItems('snapshot-channels').filter((frame) =>
    frame.some(([key, value]) => key === 'Linkedid' && linkedids.includes(value)),
  );
}

function transcript(name: string, frames: AmiFrame[]): AmiTranscript {
  return { name, frames, wire: frames.map(serializeAmiFrame).join('') };
}

/** Waits (on real I/O, with no time threshold of its own) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('AmiCallSource over TCP against AmiServer', () => {
  const server = new AmiServer({ users: { admin: SECRET } });
  const sources: AmiCallSource[] = [];

  beforeAll(async () => {
    await server.start();
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.stop()));
    server.dropConnections();
    server.handle('QueueStatus', undefined);
  });

  function source(logger: RecordingLogger): AmiCallSource {
    const created = new AmiCallSource({
      sourceId: 'pbx-paris',
      connection: {
        host: server.host,
        port: server.port,
        username: 'admin',
        secret: SECRET,
        pingIntervalMs: 0,
        backoff: { initialDelayMs: 10, maxDelayMs: 50, jitter: 0 },
      },
      logger,
      now: () => NOW,
    });
    sources.push(created);
    return created;
  }

  it('snapshot, live stream, drop mid-call, resync without the call that ended meanwhile', async () => {
    server.setChannels(channelsOf(CALL_A, CALL_B));
    server.setQueueStatus(listItems('snapshot-queue-status'));
    const sink = new RecordingSink();
    const logger = new RecordingLogger();
    const ami = source(logger);
    expect(ami.status()).toMatchObject({ state: 'stopped', reconnects: 0 });

    await ami.start(sink);
    await until(() => sink.connectionStates().includes('connected'));
    expect(sink.connectionStates()).toEqual(['connecting', 'connected']);
    const [first] = sink.snapshots();
    expect(first.at).toEqual(NOW);
    expect(first.calls.map((c) => [c.callId, c.state, c.agentId])).toEqual([
      [CALL_A, 'active', 'PJSIP/1002'],
      [CALL_B, 'queued', undefined],
    ]);
    expect(first.agents.map((a) => [a.agentId, a.state])).toEqual([
      ['PJSIP/1001', 'available'],
      ['PJSIP/1002', 'on_call'],
    ]);
    expect(first.queues.map((q) => q.queueId)).toEqual(['support', 'sales']);

    // Live: call C queues and is answered by Alice; a malformed frame in between is skipped.
    const frames = loadAmiTranscript('queue-call-answered').frames;
    const split = frames.findIndex((frame) => frame[0][1] === 'BridgeLeave');
    await server.replay(transcript('first-half', frames.slice(0, 6)));
    const malformed = await server.injectMalformed('no-colon');
    await server.replay(transcript('answer', frames.slice(6, split)));
    await until(() => sink.updates(CALL_C).some((c) => c.state === 'active'));
    expect(sink.updates(CALL_C).map((c) => c.state)).toEqual(['ringing', 'queued', 'active']);
    expect(logger.at('warn')).toContainEqual({
      message: 'AMI frame skipped',
      context: { reason: "line 3 has no ':'", raw: malformed.slice(0, -4) },
    });

    // The PBX restarts: call A ends meanwhile, call C goes on.
    server.setChannels(channelsOf(CALL_B, CALL_C));
    server.dropConnections();
    await until(() => sink.snapshots().length === 2);
    await until(() => sink.connectionStates().filter((s) => s === 'connected').length === 2);
    expect(sink.connectionStates()).toEqual([
      'connecting',
      'connected',
      'disconnected',
      'connected',
    ]);
    const second = sink.snapshots()[1];
    expect(second.calls.map((c) => [c.callId, c.state])).toEqual([
      [CALL_C, 'active'],
      [CALL_B, 'queued'],
    ]);
    expect(second.agents.find((a) => a.agentId === 'PJSIP/1001')).toMatchObject({
      state: 'on_call',
      currentCallId: CALL_C,
    });

    // C ends after the reconnect: reported ended once; A, gone in the scan, never by the source.
    await server.replay(transcript('second-half', frames.slice(split)));
    await server.replay('outbound-busy');
    await until(() => sink.ended('1700008000.112').length === 1);
    expect(sink.ended(CALL_C)).toEqual([
      expect.objectContaining({
        state: 'ended',
        disposition: 'answered',
        agentId: 'PJSIP/1001',
        endedAt: stamp(1700000102.294218),
      }),
    ]);
    expect(sink.ended(CALL_A)).toEqual([]);
    expect(sink.ended().map((c) => c.callId)).toEqual([CALL_C, '1700008000.112']);

    const status = ami.status();
    expect(status).toMatchObject({ state: 'connected', reconnects: 1, lastEventAt: NOW });
    expect(typeof status.lastError).toBe('string');
    expect(JSON.stringify({ status, logs: logger.lines, reports: sink.reports })).not.toContain(
      SECRET,
    );

    await ami.stop();
    expect(ami.status().state).toBe('stopped');
    expect(sink.connectionStates().at(-1)).toBe('stopped');
  });

  it('applies events that arrive during the scan after the snapshot, once', async () => {
    server.setChannels(channelsOf(CALL_A, CALL_B));
    const items = listItems('snapshot-queue-status');
    const queueTrunk = channelsOf(CALL_B)[0];
    const callerOf = (frame: AmiFrame) => frame.filter(([key]) => key !== 'Event');
    // While the scan runs, the waiting caller hangs up and a channel the scan lists is announced.
    server.handle('QueueStatus', async (): Promise<AmiActionReply> => {
      await server.emitEvent([
        ['Event', 'Newchannel'],
        ['Privilege', 'call,all'],
        ['Timestamp', '1700000059.500000'],
        ...callerOf(channelsOf(CALL_A)[0]),
      ]);
      await server.emitEvent([
        ['Event', 'Hangup'],
        ['Privilege', 'call,all'],
        ['Timestamp', '1700000060.250000'],
        ...callerOf(queueTrunk),
        ['Cause', '16'],
        ['Cause-txt', 'Normal Clearing'],
      ]);
      return {
        response: [
          ['EventList', 'start'],
          ['Message', 'Queue status will follow'],
        ],
        events: [
          ...items,
          [
            ['Event', 'QueueStatusComplete'],
            ['EventList', 'Complete'],
            ['ListItems', String(items.length)],
          ],
        ],
      };
    });
    const sink = new RecordingSink();
    const ami = source(new RecordingLogger());
    await ami.start(sink);
    await until(() => sink.ended(CALL_B).length > 0);

    const kinds = sink.reports.map((r) =>
      r.kind === 'callEnded' ? `ended ${r.call.callId}` : r.kind,
    );
    expect(kinds).toEqual([
      'connectionChanged',
      'snapshot',
      'connectionChanged',
      `ended ${CALL_B}`,
    ]);
    expect(sink.snapshots()[0].calls.map((c) => c.callId)).toEqual([CALL_A, CALL_B]);
    expect(sink.ended(CALL_B)).toEqual([
      expect.objectContaining({
        disposition: 'no_answer',
        endedAt: stamp(1700000060.25),
        queueId: 'support',
      }),
    ]);
  });
});
