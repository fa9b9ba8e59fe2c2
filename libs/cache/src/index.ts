export type { Cache } from './cache';
export { MemoryCache } from './memory-cache';
export { RedisCache } from './redis-cache';
