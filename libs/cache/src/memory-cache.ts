import type { Cache } from './cache';

interface Entry {
  value: string;
  expiresAt: number;
}

export class MemoryCache implements Cache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.live(key)?.value);
  }

  set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.entries.set(key, {
      value,
      expiresAt: ttlMs ? this.now() + ttlMs : Number.POSITIVE_INFINITY,
    });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry && entry.value !== owner) return Promise.resolve(false);
    this.entries.set(key, { value: owner, expiresAt: this.now() + ttlMs });
    return Promise.resolve(true);
  }

  releaseLease(key: string, owner: string): Promise<void> {
    if (this.live(key)?.value === owner) this.entries.delete(key);
    return Promise.resolve();
  }

  increment(key: string, windowMs: number, by = 1): Promise<number> {
    const entry = this.live(key);
    const value = Number(entry?.value ?? '0') + by;
    this.entries.set(key, {
      value: String(value),
      expiresAt: entry?.expiresAt ?? this.now() + windowMs,
    });
    return Promise.resolve(value);
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }
}
