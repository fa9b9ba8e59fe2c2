import Redis from 'ioredis';
import type { Cache } from './cache';

// Lease renew/acquire and release must compare-and-set atomically, hence Lua.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current == false or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const INCREMENT = `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

export class RedisCache implements Cache {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;

  /** `prefix` namespaces every key (per service, and per test run). */
  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: true,
    });
  }

  async connect(): Promise<this> {
    await this.redis.connect();
    return this;
  }

  private k(key: string): string {
    return `${this.prefix}:${key}`;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.k(key))) ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs) await this.redis.set(this.k(key), value, 'PX', ttlMs);
    else await this.redis.set(this.k(key), value);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.k(key));
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.eval(ACQUIRE, 1, this.k(key), owner, String(ttlMs))) === 1;
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.k(key), owner);
  }

  async increment(key: string, windowMs: number, by = 1): Promise<number> {
    return Number(await this.redis.eval(INCREMENT, 1, this.k(key), String(by), String(windowMs)));
  }

  async ping(): Promise<void> {
    const reply = await this.redis.ping();
    if (reply !== 'PONG') throw new Error(`redis answered ${String(reply)} to PING`);
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
