/**
 * Short-lived shared state: cache entries, leases (work that must run once across replicas) and
 * rate-limit counters. In-memory in embedded mode, Redis when scaled out.
 */
export interface Cache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Takes `key` for `ttlMs` if nobody holds it (or `owner` already does). True when held by `owner`. */
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(key: string, owner: string): Promise<void>;
  /** Adds `by` to a counter that expires `windowMs` after it was created; returns the new value. */
  increment(key: string, windowMs: number, by?: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
