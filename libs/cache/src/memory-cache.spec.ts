// Assertions live in the shared contract suite (cache-contract.ts), run here against this adapter.
import { describeCacheContract } from './cache-contract';
import { MemoryCache } from './memory-cache';

describeCacheContract('memory', () => Promise.resolve(new MemoryCache()));
