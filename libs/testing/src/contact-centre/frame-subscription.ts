import { type AmiFrame } from '../ami/ami-transcripts';

/**
 * Frames of a simulator as an async iterator: buffers what the reader has not taken yet and
 * tells a flood when the buffer is back under its high-water mark, so a slow reader slows the
 * flood instead of growing memory without bound.
 */
export class FrameSubscription implements AsyncIterableIterator<AmiFrame> {
  private buffer: AmiFrame[] = [];
  private head = 0;
  private reader: ((result: IteratorResult<AmiFrame>) => void) | undefined;
  private readonly drainWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly highWaterMark: number,
    private readonly onClose: (subscription: FrameSubscription) => void,
  ) {}

  get buffered(): number {
    return this.buffer.length - this.head;
  }

  push(frames: readonly AmiFrame[]): void {
    if (this.closed) return;
    let index = 0;
    if (this.reader && frames.length > 0) {
      const reader = this.reader;
      this.reader = undefined;
      reader({ value: frames[0], done: false });
      index = 1;
    }
    for (; index < frames.length; index += 1) this.buffer.push(frames[index]);
  }

  next(): Promise<IteratorResult<AmiFrame>> {
    if (this.buffered > 0) {
      const value = this.buffer[this.head];
      this.head += 1;
      if (this.head > 4096 && this.head * 2 > this.buffer.length) {
        this.buffer = this.buffer.slice(this.head);
        this.head = 0;
      }
      if (this.buffered <= this.highWaterMark) this.wakeDrainWaiters();
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.reader = resolve;
    });
  }

  return(): Promise<IteratorResult<AmiFrame>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<AmiFrame> {
    return this;
  }

  /** Resolves once the reader has caught up to the high-water mark (or the stream is over). */
  belowHighWaterMark(): Promise<void> {
    if (this.closed || this.buffered <= this.highWaterMark) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Ends the stream: the reader gets what is buffered, then `done`. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    if (this.reader) {
      const reader = this.reader;
      this.reader = undefined;
      reader({ value: undefined, done: true });
    }
    this.wakeDrainWaiters();
  }

  private wakeDrainWaiters(): void {
    for (const wake of this.drainWaiters.splice(0)) wake();
  }
}
