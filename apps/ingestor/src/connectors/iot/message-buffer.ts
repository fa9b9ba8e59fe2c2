/**
 * A bounded first-in first-out buffer that, when full, drops its oldest item to take a new one
 * and counts what it dropped: the newest readings are the ones worth keeping.
 */
export class MessageBuffer<T> {
  private readonly slots: (T | undefined)[];
  private head = 0;
  private size = 0;
  /** Items dropped since the last `drain`. */
  private droppedSinceDrain = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`buffer capacity must be a positive integer, got ${capacity}`);
    }
    this.slots = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds an item; true when the oldest had to be dropped to make room. */
  push(item: T): boolean {
    const tail = (this.head + this.size) % this.capacity;
    this.slots[tail] = item;
    if (this.size < this.capacity) {
      this.size++;
      return false;
    }
    this.head = (this.head + 1) % this.capacity;
    this.droppedSinceDrain++;
    return true;
  }

  /** Everything buffered, oldest first, and how many were dropped since the last drain. */
  drain(): { items: T[]; dropped: number } {
    const items: T[] = [];
    for (let i = 0; i < this.size; i++) {
      const index = (this.head + i) % this.capacity;
      items.push(this.slots[index] as T);
      this.slots[index] = undefined;
    }
    const dropped = this.droppedSinceDrain;
    this.head = 0;
    this.size = 0;
    this.droppedSinceDrain = 0;
    return { items, dropped };
  }
}
