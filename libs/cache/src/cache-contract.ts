/* Behaviour both cache adapters must share; run by the memory spec and the Redis int-spec. */
import type { Cache } from './cache';

export function describeCacheContract(name: string, make: () => Promise<Cache>): void {
  describe(`${name}: cache contract`, () => {
    let cache: Cache;
    beforeEach(async () => {
      cache = await make();
    });
    afterEach(async () => cache.close());

    it('stores, expires and deletes values', async () => {
      await cache.set('a', '1');
      await cache.set('b', '2', 30);
      expect(await cache.get('a')).toBe('1');
      await new Promise((r) => setTimeout(r, 80));
      expect(await cache.get('b')).toBeUndefined();
      await cache.delete('a');
      expect(await cache.get('a')).toBeUndefined();
    });

    it('gives a lease to one owner until it is released or expires', async () => {
      expect(await cache.acquireLease('poll:site-1', 'replica-a', 60_000)).toBe(true);
      expect(await cache.acquireLease('poll:site-1', 'replica-b', 60_000)).toBe(false);
      expect(await cache.acquireLease('poll:site-1', 'replica-a', 60_000)).toBe(true);
      await cache.releaseLease('poll:site-1', 'replica-b');
      expect(await cache.acquireLease('poll:site-1', 'replica-b', 60_000)).toBe(false);
      await cache.releaseLease('poll:site-1', 'replica-a');
      expect(await cache.acquireLease('poll:site-1', 'replica-b', 50)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      expect(await cache.acquireLease('poll:site-1', 'replica-a', 60_000)).toBe(true);
    });

    it('counts within a window', async () => {
      expect(await cache.increment('rl', 50)).toBe(1);
      expect(await cache.increment('rl', 50, 2)).toBe(3);
      await new Promise((r) => setTimeout(r, 100));
      expect(await cache.increment('rl', 50)).toBe(1);
    });
  });
}
