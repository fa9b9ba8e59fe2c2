import { crc32 } from 'node:zlib';
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentLogger } from '../agent-logger';

/*
 * Results the agent owes the server, kept on disk until the server acks them.
 *
 * Layout of the directory:
 *   segment-<n>.log  append-only records, one line each: `<crc32 hex> <resultId> <message>\n`
 *   acks.log         one acked result id per line
 * Every write is fsynced before the call resolves. A torn last line (crash mid-write) fails its
 * checksum and is skipped on open. A segment whose records are all acked is deleted, and the ack
 * log is then rewritten to the ids still present. The segments together never exceed `maxBytes`:
 * to make room, the oldest segment is dropped whole (its records are the oldest), and the
 * unacked results in it are counted and logged.
 */

export interface ResultOutboxOptions {
  dir: string;
  /** Upper bound of the segment files' total size. */
  maxBytes: number;
  /** A segment is closed and a new one started past this size; maxBytes/8 by default. */
  segmentBytes?: number;
  logger: AgentLogger;
}

export interface OutboxEntry {
  resultId: string;
  /** Size of the record on disk. */
  bytes: number;
}

export interface OutboxStats {
  pending: number;
  pendingBytes: number;
  /** Bytes of segment files on disk (acked records included until their segment goes). */
  diskBytes: number;
  /** Unacked results dropped to stay within `maxBytes`, since this process opened the outbox. */
  dropped: number;
  /** Records skipped on open because their checksum failed (torn or corrupted writes). */
  corrupt: number;
}

interface StoredRecord {
  resultId: string;
  segment: Segment;
  offset: number;
  length: number;
  acked: boolean;
}

interface Segment {
  seq: number;
  file: string;
  bytes: number;
  records: StoredRecord[];
}

const SEGMENT_FILE = /^segment-(\d{12})\.log$/;
const ACK_LOG = 'acks.log';
const RECORD_LINE = /^([0-9a-f]{8}) (\S+) (.*)$/s;

const segmentFile = (seq: number) => `segment-${String(seq).padStart(12, '0')}.log`;
const checksum = (text: string) => crc32(Buffer.from(text, 'utf8')).toString(16).padStart(8, '0');

export class OutboxRecordTooLargeError extends Error {
  override name = 'OutboxRecordTooLargeError';
}

export class ResultOutbox {
  private readonly segments: Segment[] = [];
  /** Unacked records by result id, in append order. */
  private readonly pendingRecords = new Map<string, StoredRecord>();
  private current?: { segment: Segment; handle: FileHandle };
  private ackHandle?: FileHandle;
  private nextSeq = 1;
  private dropped = 0;
  private corrupt = 0;
  private closed = false;
  /** Serialises writes: appends, acks and deletions interleave only at record boundaries. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly segmentBytes: number;

  private constructor(private readonly options: ResultOutboxOptions) {
    this.segmentBytes =
      options.segmentBytes ?? Math.max(64 * 1024, Math.floor(options.maxBytes / 8));
  }

  /** Opens (creating if needed) the outbox in `options.dir` and loads what a previous run left. */
  static async open(options: ResultOutboxOptions): Promise<ResultOutbox> {
    const outbox = new ResultOutbox(options);
    await outbox.load();
    return outbox;
  }

  /** Unacked results, oldest first. */
  pending(): OutboxEntry[] {
    return [...this.pendingRecords.values()].map((r) => ({
      resultId: r.resultId,
      bytes: r.length,
    }));
  }

  /**
   * Live iterator over pending result ids, oldest first: it sees results appended later and skips
   * acked ones, so a sender can walk it without copying the whole list each time.
   */
  pendingIds(): IterableIterator<string> {
    return this.pendingRecords.keys();
  }

  has(resultId: string): boolean {
    return this.pendingRecords.has(resultId);
  }

  stats(): OutboxStats {
    let pendingBytes = 0;
    for (const record of this.pendingRecords.values()) pendingBytes += record.length;
    return {
      pending: this.pendingRecords.size,
      pendingBytes,
      diskBytes: this.diskBytes(),
      dropped: this.dropped,
      corrupt: this.corrupt,
    };
  }

  /**
   * Stores a result durably (fsynced when this resolves). Ids must be unique; appending an id
   * that is still pending is a no-op. Drops the oldest segments when there is no room.
   */
  append(resultId: string, message: string): Promise<void> {
    return this.serial(async () => {
      this.assertOpen();
      if (/\s/.test(resultId) || resultId.length === 0) {
        throw new Error(
          `outbox: result id ${JSON.stringify(resultId)} must be non-empty without spaces`,
        );
      }
      if (this.pendingRecords.has(resultId)) return;
      const body = `${resultId} ${message}`;
      const line = `${checksum(body)} ${body}\n`;
      const length = Buffer.byteLength(line, 'utf8');
      if (length > this.options.maxBytes) {
        throw new OutboxRecordTooLargeError(
          `outbox: result ${resultId} is ${length} bytes, more than the whole outbox (${this.options.maxBytes} bytes)`,
        );
      }
      await this.makeRoom(length);
      const { segment, handle } = await this.writableSegment();
      const record: StoredRecord = {
        resultId,
        segment,
        offset: segment.bytes,
        length,
        acked: false,
      };
      await handle.write(line);
      await handle.sync();
      segment.bytes += length;
      segment.records.push(record);
      this.pendingRecords.set(resultId, record);
    });
  }

  /** The stored message of a pending result. */
  async read(resultId: string): Promise<string> {
    const record = this.pendingRecords.get(resultId);
    if (!record) throw new Error(`outbox: result ${resultId} is not pending`);
    const handle = await open(join(this.options.dir, record.segment.file), 'r');
    try {
      const buffer = Buffer.alloc(record.length);
      await handle.read(buffer, 0, record.length, record.offset);
      const parsed = parseRecord(buffer.toString('utf8').replace(/\n$/, ''));
      if (!parsed || parsed.resultId !== resultId) {
        throw new Error(`outbox: record of ${resultId} in ${record.segment.file} is unreadable`);
      }
      return parsed.message;
    } finally {
      await handle.close();
    }
  }

  /** Records the server's ack durably; false when the id is not pending (already acked, dropped, unknown). */
  ack(resultId: string): Promise<boolean> {
    return this.serial(async () => {
      this.assertOpen();
      const record = this.pendingRecords.get(resultId);
      if (!record) return false;
      const handle = (this.ackHandle ??= await open(join(this.options.dir, ACK_LOG), 'a'));
      await handle.write(`${resultId}\n`);
      await handle.sync();
      record.acked = true;
      this.pendingRecords.delete(resultId);
      if (record.segment !== this.current?.segment && isSettled(record.segment)) {
        await this.deleteSegments([record.segment]);
      }
      return true;
    });
  }

  /** Gives up a result the server will never accept; recorded like an ack. */
  discard(resultId: string): Promise<boolean> {
    return this.ack(resultId);
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.current?.handle.close();
      await this.ackHandle?.close();
      this.current = undefined;
      this.ackHandle = undefined;
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('outbox is closed');
  }

  private diskBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  private async load(): Promise<void> {
    const { dir, logger } = this.options;
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    for (const name of names.filter((n) => n.endsWith('.tmp'))) await unlink(join(dir, name));
    const acked = new Set(await this.readAckLog());
    const files = names
      .map((name) => ({ name, match: SEGMENT_FILE.exec(name) }))
      .filter((f): f is { name: string; match: RegExpExecArray } => f.match !== null)
      .map((f) => ({ file: f.name, seq: Number(f.match[1]) }))
      .sort((a, b) => a.seq - b.seq);
    for (const { file, seq } of files) {
      const content = await readFile(join(dir, file));
      const segment: Segment = { seq, file, bytes: content.byteLength, records: [] };
      let offset = 0;
      let corruptHere = 0;
      while (offset < content.byteLength) {
        const end = content.indexOf(0x0a, offset);
        const stop = end === -1 ? content.byteLength : end + 1;
        const parsed =
          end === -1 ? undefined : parseRecord(content.subarray(offset, end).toString('utf8'));
        if (!parsed) corruptHere++;
        else if (!this.pendingRecords.has(parsed.resultId)) {
          const record: StoredRecord = {
            resultId: parsed.resultId,
            segment,
            offset,
            length: stop - offset,
            acked: acked.has(parsed.resultId),
          };
          segment.records.push(record);
          if (!record.acked) this.pendingRecords.set(record.resultId, record);
        }
        offset = stop;
      }
      if (corruptHere > 0) {
        this.corrupt += corruptHere;
        logger.warn(
          { segment: file, records: corruptHere },
          'outbox: skipped unreadable records (torn or corrupted write)',
        );
      }
      this.segments.push(segment);
      this.nextSeq = seq + 1;
    }
    const settled = this.segments.filter(isSettled);
    if (settled.length > 0) await this.deleteSegments(settled);
    else await this.rewriteAckLog();
    const stats = this.stats();
    logger.info(
      {
        dir,
        pending: stats.pending,
        pendingBytes: stats.pendingBytes,
        diskBytes: stats.diskBytes,
        maxBytes: this.options.maxBytes,
      },
      'outbox opened',
    );
  }

  private async readAckLog(): Promise<string[]> {
    try {
      const text = await readFile(join(this.options.dir, ACK_LOG), 'utf8');
      // A line without its newline was torn by a crash: the ack never completed, the result is re-sent.
      return text
        .split('\n')
        .slice(0, -1)
        .filter((id) => id.length > 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async writableSegment(): Promise<{ segment: Segment; handle: FileHandle }> {
    if (this.current && this.current.segment.bytes >= this.segmentBytes) {
      const full = this.current.segment;
      await this.current.handle.close();
      this.current = undefined;
      if (isSettled(full)) await this.deleteSegments([full]);
    }
    if (!this.current) {
      const segment: Segment = { seq: this.nextSeq++, file: '', bytes: 0, records: [] };
      segment.file = segmentFile(segment.seq);
      const handle = await open(join(this.options.dir, segment.file), 'a');
      await this.syncDir();
      this.segments.push(segment);
      this.current = { segment, handle };
    }
    return this.current;
  }

  /** Drops whole segments, oldest first, until `length` more bytes fit. */
  private async makeRoom(length: number): Promise<void> {
    const victims: Segment[] = [];
    let disk = this.diskBytes();
    for (const segment of this.segments) {
      if (disk + length <= this.options.maxBytes) break;
      victims.push(segment);
      disk -= segment.bytes;
    }
    if (victims.length === 0) return;
    const lost = victims.flatMap((s) => s.records.filter((r) => !r.acked));
    for (const record of lost) this.pendingRecords.delete(record.resultId);
    this.dropped += lost.length;
    if (victims.includes(this.current?.segment as Segment)) {
      await this.current?.handle.close();
      this.current = undefined;
    }
    await this.deleteSegments(victims);
    if (lost.length > 0) {
      this.options.logger.warn(
        {
          droppedNow: lost.length,
          droppedTotal: this.dropped,
          oldestDropped: lost[0].resultId,
          maxBytes: this.options.maxBytes,
        },
        'outbox full: dropped the oldest unacknowledged results (raise OUTBOX_MAX_BYTES or check the server)',
      );
    }
  }

  private async deleteSegments(victims: Segment[]): Promise<void> {
    for (const segment of victims) {
      await unlink(join(this.options.dir, segment.file));
      this.segments.splice(this.segments.indexOf(segment), 1);
    }
    await this.syncDir();
    await this.rewriteAckLog();
  }

  /** Keeps only the acks of records still on disk, so the ack log shrinks with the segments. */
  private async rewriteAckLog(): Promise<void> {
    const { dir } = this.options;
    const live = this.segments.flatMap((s) =>
      s.records.filter((r) => r.acked).map((r) => `${r.resultId}\n`),
    );
    await this.ackHandle?.close();
    this.ackHandle = undefined;
    const temp = join(dir, `${ACK_LOG}.tmp`);
    const handle = await open(temp, 'w');
    try {
      await handle.write(live.join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, ACK_LOG));
    await this.syncDir();
  }

  /** Makes file creations, renames and deletions durable, not only file contents. */
  private async syncDir(): Promise<void> {
    const handle = await open(this.options.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function isSettled(segment: Segment): boolean {
  return segment.records.every((r) => r.acked);
}

function parseRecord(line: string): { resultId: string; message: string } | undefined {
  const match = RECORD_LINE.exec(line);
  if (!match) return undefined;
  const [, crc, resultId, message] = match;
  return checksum(`${resultId} ${message}`) === crc ? { resultId, message } : undefined;
}
