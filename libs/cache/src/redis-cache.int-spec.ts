// Assertions live in the shared contract suite (cache-contract.ts), run here against this adapter.
import { randomUUID } from 'node:crypto';
import { describeCacheContract } from './cache-contract';
import { RedisCache } from './redis-cache';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
describeCacheContract('redis', () => new RedisCache(url, `test:${randomUUID()}`).connect());
