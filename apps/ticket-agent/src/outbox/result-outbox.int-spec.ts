import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentLogger } from '../agent-logger';
import { OutboxRecordTooLargeError, ResultOutbox } from './result-outbox';

interface LogLine {
  level: string;
  message: string;
  context: Record<string, unknown>;
}

function recordingLogger(lines: LogLine[]): AgentLogger {
  const at = (level: string) => (context: Record<string, unknown>, message: string) => {
    lines.push({ level, message, context });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const message = (id: string, padding = 0) =>
  JSON.stringify({ v: 1, type: 'task_result', resultId: id, pad: 'x'.repeat(padding) });

async function segmentBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    if (name.startsWith('segment-')) total += (await stat(join(dir, name))).size;
  }
  return total;
}

describe('ResultOutbox', () => {
  let dir: string;
  let logs: LogLine[];
  const opened: ResultOutbox[] = [];

  const openOutbox = async (maxBytes = 1024 * 1024, segment?: number) => {
    const outbox = await ResultOutbox.open({
      dir,
      maxBytes,
      segmentBytes: segment,
      logger: recordingLogger(logs),
    });
    opened.push(outbox);
    return outbox;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ticket-agent-outbox-'));
    logs = [];
  });

  afterEach(async () => {
    for (const outbox of opened.splice(0)) await outbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps unacked results in order and returns their messages', async () => {
    const outbox = await openOutbox();
    await outbox.append('r-1', message('r-1'));
    await outbox.append('r-2', message('r-2'));
    await outbox.append('r-3', message('r-3'));
    expect(outbox.pending().map((e) => e.resultId)).toEqual(['r-1', 'r-2', 'r-3']);
    expect(await outbox.read('r-2')).toBe(message('r-2'));
    expect(await outbox.ack('r-2')).toBe(true);
    expect(await outbox.ack('r-2')).toBe(false);
    expect(await outbox.ack('never-sent')).toBe(false);
    expect(outbox.pending().map((e) => e.resultId)).toEqual(['r-1', 'r-3']);
  });

  it('survives a restart: a reopened directory holds exactly the unacked results', async () => {
    const first = await openOutbox();
    for (const id of ['r-1', 'r-2', 'r-3', 'r-4']) await first.append(id, message(id, 10));
    await first.ack('r-1');
    await first.ack('r-3');
    // No close(): a crash leaves the files as they were after the last fsync.
    const second = await openOutbox();
    expect(second.pending().map((e) => e.resultId)).toEqual(['r-2', 'r-4']);
    expect(await second.read('r-4')).toBe(message('r-4', 10));
    await second.ack('r-2');
    await second.append('r-5', message('r-5'));
    await second.close();
    const third = await openOutbox();
    expect(third.pending().map((e) => e.resultId)).toEqual(['r-4', 'r-5']);
  });

  it('does not bring back acked results after a restart, and deletes settled segments', async () => {
    const first = await openOutbox(1024 * 1024, 256);
    for (let i = 0; i < 10; i++) await first.append(`r-${i}`, message(`r-${i}`, 100));
    for (let i = 0; i < 10; i++) await first.ack(`r-${i}`);
    await first.close();
    const second = await openOutbox(1024 * 1024, 256);
    expect(second.pending()).toEqual([]);
    expect((await readdir(dir)).filter((n) => n.startsWith('segment-'))).toEqual([]);
    expect(await readFile(join(dir, 'acks.log'), 'utf8')).toBe('');
  });

  it('skips a torn last record after a crash and counts it', async () => {
    const first = await openOutbox();
    await first.append('r-1', message('r-1'));
    await first.append('r-2', message('r-2'));
    await first.close();
    const segment = (await readdir(dir)).find((n) => n.startsWith('segment-'))!;
    await appendFile(join(dir, segment), '1234abcd r-3 {"v":1,"type":"task_res');
    const second = await openOutbox();
    expect(second.pending().map((e) => e.resultId)).toEqual(['r-1', 'r-2']);
    expect(second.stats().corrupt).toBe(1);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('unreadable records'))).toBe(
      true,
    );
    await second.append('r-4', message('r-4'));
    const third = await openOutbox();
    expect(third.pending().map((e) => e.resultId)).toEqual(['r-1', 'r-2', 'r-4']);
  });

  it('skips a record whose checksum does not match', async () => {
    const first = await openOutbox();
    await first.append('r-1', message('r-1'));
    await first.close();
    const segment = (await readdir(dir)).find((n) => n.startsWith('segment-'))!;
    const path = join(dir, segment);
    const text = await readFile(path, 'utf8');
    await rm(path);
    await appendFile(path, text.replace('task_result', 'task_resulT'));
    const second = await openOutbox();
    expect(second.pending()).toEqual([]);
    expect(second.stats().corrupt).toBe(1);
  });

  it('stays within maxBytes by dropping the oldest results, counting and logging them', async () => {
    const maxBytes = 4096;
    const outbox = await openOutbox(maxBytes, 1024);
    for (let i = 0; i < 40; i++) {
      await outbox.append(`r-${i}`, message(`r-${i}`, 200));
      expect(await segmentBytes(dir)).toBeLessThanOrEqual(maxBytes);
      expect(outbox.stats().diskBytes).toBe(await segmentBytes(dir));
    }
    const ids = outbox.pending().map((e) => e.resultId);
    expect(ids[ids.length - 1]).toBe('r-39');
    // What is left is a contiguous newest run: only the oldest went.
    const first = Number(ids[0].slice(2));
    expect(ids).toEqual(Array.from({ length: 40 - first }, (_, i) => `r-${first + i}`));
    expect(outbox.stats().dropped).toBe(first);
    const warnings = logs.filter((l) => l.message.startsWith('outbox full'));
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.reduce((n, w) => n + (w.context.droppedNow as number), 0)).toBe(first);
    expect(warnings[0].context.oldestDropped).toBe('r-0');
  });

  it('does not count acked records it deletes for room as dropped', async () => {
    const outbox = await openOutbox(4096, 1024);
    for (let i = 0; i < 40; i++) {
      await outbox.append(`r-${i}`, message(`r-${i}`, 200));
      if (i < 39) await outbox.ack(`r-${i}`);
    }
    expect(outbox.stats().dropped).toBe(0);
    expect(outbox.pending().map((e) => e.resultId)).toEqual(['r-39']);
    expect(logs.some((l) => l.message.startsWith('outbox full'))).toBe(false);
  });

  it('refuses a single result larger than the whole outbox with a clear error', async () => {
    const outbox = await openOutbox(1024);
    await expect(outbox.append('big', message('big', 2000))).rejects.toThrow(
      OutboxRecordTooLargeError,
    );
    await expect(outbox.append('big', message('big', 2000))).rejects.toThrow(
      /result big is \d+ bytes, more than the whole outbox \(1024 bytes\)/,
    );
    await outbox.append('small', message('small'));
    expect(outbox.pending().map((e) => e.resultId)).toEqual(['small']);
  });
});
