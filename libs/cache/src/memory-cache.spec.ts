import { describeCacheContract } from './cache-contract';
import { MemoryCache } from './memory-cache';

describeCacheContract('memory', () => Promise.resolve(new MemoryCache()));
