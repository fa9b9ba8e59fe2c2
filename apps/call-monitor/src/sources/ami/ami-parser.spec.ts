import { amiFrameToRecord, loadAmiTranscript, loadAmiTranscripts } from '@telcomesh/testing';
import { AmiParser, amiField, amiFields, parseAmi, type AmiMessage } from './ami-parser';

interface Collected {
  messages: AmiMessage[];
  malformed: { reason: string; raw: string }[];
  greetings: string[];
}

function collector(maxFrameBytes?: number): { parser: AmiParser; out: Collected } {
  const out: Collected = { messages: [], malformed: [], greetings: [] };
  const parser = new AmiParser(
    {
      onMessage: (m) => out.messages.push(m),
      onGreeting: (version) => out.greetings.push(version),
      onMalformed: (reason, raw) => out.malformed.push({ reason, raw }),
    },
    { maxFrameBytes },
  );
  return { parser, out };
}

function feed(chunks: (Buffer | string)[], maxFrameBytes?: number): Collected {
  const { parser, out } = collector(maxFrameBytes);
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return out;
}

const GREETING = 'Asterisk Call Manager/7.0.3\r\n';

describe('AmiParser', () => {
  it('reports the greeting and parses a response and an event', () => {
    const out = feed([
      `${GREETING}Response: Success\r\nActionID: 7\r\nMessage: Authentication accepted\r\n\r\n` +
        'Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n',
    ]);
    expect(out.greetings).toEqual(['7.0.3']);
    expect(out.malformed).toEqual([]);
    expect(out.messages).toEqual([
      {
        fields: { Response: 'Success', ActionID: '7', Message: 'Authentication accepted' },
        response: 'Success',
        actionId: '7',
      },
      {
        fields: { Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' },
        event: 'FullyBooted',
      },
    ]);
  });

  it('parses every transcript into its frames, in order', () => {
    for (const transcript of loadAmiTranscripts()) {
      const out = feed([GREETING + transcript.wire]);
      expect(out.malformed).toEqual([]);
      expect(out.messages.map((m) => m.fields)).toEqual(transcript.frames.map(amiFrameToRecord));
      expect(out.messages.length).toBeGreaterThan(5);
    }
  });

  it('gives the same messages when a transcript is split at every byte boundary', () => {
    const transcript = loadAmiTranscript('queue-call-answered');
    const bytes = Buffer.from(GREETING + transcript.wire, 'utf8');
    const whole = feed([bytes]);
    expect(whole.messages).toHaveLength(transcript.frames.length);
    // "Zoé" puts two-byte characters in the stream: some splits fall inside them.
    expect(bytes.length).toBeGreaterThan(Buffer.from(GREETING + transcript.wire, 'latin1').length);
    const expected = JSON.stringify(whole);
    const differing: number[] = [];
    for (let at = 0; at <= bytes.length; at += 1) {
      const split = feed([bytes.subarray(0, at), bytes.subarray(at)]);
      if (JSON.stringify(split) !== expected) differing.push(at);
    }
    expect(differing).toEqual([]);
  });

  it('gives the same messages for every transcript fed one byte at a time', () => {
    for (const transcript of loadAmiTranscripts()) {
      const bytes = Buffer.from(GREETING + transcript.wire, 'utf8');
      const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
      expect(feed(chunks).messages).toEqual(feed([bytes]).messages);
    }
  });

  it('tolerates bare LF line endings and CRLF split between chunks', () => {
    const lf = feed(['Event: Hangup\nChannel: PJSIP/1001-00000001\nCause: 16\n\n']);
    const crlf = feed([
      'Event: Hangup\r',
      '\nChannel: PJSIP/1001-00000001\r\nCause: 16\r',
      '\n\r',
      '\n',
    ]);
    const expected = { Event: 'Hangup', Channel: 'PJSIP/1001-00000001', Cause: '16' };
    expect(lf.messages.map((m) => m.fields)).toEqual([expected]);
    expect(crlf.messages.map((m) => m.fields)).toEqual([expected]);
  });

  it('keeps the colons of a value and the values of a repeated key', () => {
    const out = feed([
      'Event: Newchannel\r\nDialString: trunk/sip:0698765432@sip.example:5060\r\n' +
        'ChanVariable: CDR(accountcode)=\r\nChanVariable: QUEUENAME=support\r\n' +
        'ChanVariable: TIME=12:30:00\r\nEmpty:\r\n\r\n',
    ]);
    const [message] = out.messages;
    expect(message.fields).toEqual({
      Event: 'Newchannel',
      DialString: 'trunk/sip:0698765432@sip.example:5060',
      ChanVariable: ['CDR(accountcode)=', 'QUEUENAME=support', 'TIME=12:30:00'],
      Empty: '',
    });
    expect(amiField(message, 'chanvariable')).toBe('CDR(accountcode)=');
    expect(amiFields(message, 'ChanVariable')).toEqual([
      'CDR(accountcode)=',
      'QUEUENAME=support',
      'TIME=12:30:00',
    ]);
    expect(amiFields(message, 'Missing')).toEqual([]);
    expect(amiField(message, 'dialstring')).toBe('trunk/sip:0698765432@sip.example:5060');
  });

  it('collects the output of a legacy Response: Follows, blank lines and colons included', () => {
    const out = feed([
      'Response: Follows\r\nPrivilege: Command\r\nActionID: 42\r\n' +
        'Channel              Location             State   Application(Data)\n' +
        '\n' +
        'PJSIP/1001-00000011  s@from-internal:1    Up      AppQueue:(Outgoing Line)\n' +
        '1 active channel\n' +
        '--END COMMAND--\r\n\r\n' +
        'Event: Ping\r\n\r\n',
    ]);
    expect(out.malformed).toEqual([]);
    expect(out.messages).toEqual([
      {
        fields: { Response: 'Follows', Privilege: 'Command', ActionID: '42' },
        response: 'Follows',
        actionId: '42',
        output: [
          'Channel              Location             State   Application(Data)',
          '',
          'PJSIP/1001-00000011  s@from-internal:1    Up      AppQueue:(Outgoing Line)',
          '1 active channel',
        ],
      },
      { fields: { Event: 'Ping' }, event: 'Ping' },
    ]);
  });

  it('accepts --END COMMAND-- glued to the last output line', () => {
    const out = parseAmi(
      'Response: Follows\r\nPrivilege: Command\r\nNo such command--END COMMAND--\r\n\r\n',
    );
    expect(out.messages[0].output).toEqual(['No such command']);
  });

  it('skips a frame with a line without a colon, reports why, and goes on', () => {
    const bad = 'Event: Newchannel\r\nthis line has no colon\r\nUniqueid: 1.1\r\n\r\n';
    const out = feed([`${GREETING}Event: A\r\n\r\n${bad}Event: B\r\n\r\n`]);
    expect(out.messages.map((m) => m.event)).toEqual(['A', 'B']);
    expect(out.malformed).toEqual([
      {
        reason: "line 2 has no ':'",
        raw: 'Event: Newchannel\r\nthis line has no colon\r\nUniqueid: 1.1',
      },
    ]);
  });

  it('treats a greeting-like line inside a frame as malformed', () => {
    const out = feed(['Event: A\r\nAsterisk Call Manager/7.0.3\r\n\r\nEvent: B\r\n\r\n']);
    expect(out.greetings).toEqual([]);
    expect(out.messages.map((m) => m.event)).toEqual(['B']);
    expect(out.malformed.map((m) => m.reason)).toEqual(["line 2 has no ':'"]);
  });

  it('reports an empty key', () => {
    const out = feed([': value\r\n\r\n']);
    expect(out.messages).toEqual([]);
    expect(out.malformed.map((m) => m.reason)).toEqual(['line 1 has an empty key']);
  });

  it('skips an oversized frame (one huge line, in small chunks) and keeps the next', () => {
    const huge = `Event: UserEvent\r\nData: ${'x'.repeat(70 * 1024)}\r\n\r\n`;
    const text = `Event: A\r\n\r\n${huge}Event: B\r\nK: v\r\n\r\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 1000) chunks.push(text.slice(i, i + 1000));
    const out = feed(chunks);
    expect(out.messages.map((m) => m.fields)).toEqual([{ Event: 'A' }, { Event: 'B', K: 'v' }]);
    expect(out.malformed).toHaveLength(1);
    expect(out.malformed[0].reason).toBe('frame larger than 65536 bytes');
    expect(out.malformed[0].raw.startsWith('Event: UserEvent\r\nData: xxx')).toBe(true);
    expect(out.malformed[0].raw.length).toBeLessThan(4096);
  });

  it('skips a frame made of many lines over the limit', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `Line${i}: ${'y'.repeat(20)}`).join('\r\n');
    const out = feed([`Event: Big\r\n${lines}\r\n\r\nEvent: After\r\n\r\n`], 1024);
    expect(out.messages.map((m) => m.event)).toEqual(['After']);
    expect(out.malformed.map((m) => m.reason)).toEqual(['frame larger than 1024 bytes']);
  });

  it('skips an oversized line split exactly at its CRLF without losing the next frame', () => {
    const { parser, out } = collector(100);
    parser.push(`Event: X\r\nData: ${'z'.repeat(200)}\r`);
    parser.push('\n\r\nEvent: Next\r\n\r\n');
    expect(out.messages.map((m) => m.event)).toEqual(['Next']);
    expect(out.malformed).toHaveLength(1);
  });

  it('keeps the lines after a dropped oversized line inside the skipped frame', () => {
    const { parser, out } = collector(100);
    parser.push(`Event: X\r\nData: ${'z'.repeat(200)}`);
    parser.push('\r\nMore: 1\r\n\r\nEvent: Next\r\n\r\n');
    expect(out.messages.map((m) => m.fields)).toEqual([{ Event: 'Next' }]);
    expect(out.malformed.map((m) => m.reason)).toEqual(['frame larger than 100 bytes']);
  });

  it('reports a frame cut by the end of the stream', () => {
    const out = feed(['Event: A\r\n\r\nEvent: Cut\r\nChannel: PJSIP/1']);
    expect(out.messages.map((m) => m.event)).toEqual(['A']);
    expect(out.malformed).toEqual([
      { reason: 'stream ended inside a frame', raw: 'Event: Cut\r\nChannel: PJSIP/1' },
    ]);
  });

  it('never throws, whatever the bytes', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 256;
    const { parser } = collector(512);
    expect(() => {
      for (let i = 0; i < 200; i += 1) {
        parser.push(Buffer.from(Array.from({ length: 64 }, () => Math.floor(random()))));
      }
      parser.end();
    }).not.toThrow();
  });

  it('starts afresh after reset', () => {
    const { parser, out } = collector();
    parser.push('Event: Half\r\nChannel: X');
    parser.reset();
    parser.push('Event: Whole\r\n\r\n');
    expect(out.messages.map((m) => m.event)).toEqual(['Whole']);
    expect(out.malformed).toEqual([]);
  });
});
