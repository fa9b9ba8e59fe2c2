import { MemoryCache } from '@telcomesh/cache';
import type { Logger } from '@telcomesh/observability';
import type { ContactCentreSink, ContactCentreSource, SourceStatus } from './contact-centre-source';
import { SourceLeases, type SourceDefinition } from './source-leases';

const silent = {
  info: () => {},
  warn: () => {},
  error: () => {},
  debug: () => {},
} as unknown as Logger;

class FakeSource implements ContactCentreSource {
  readonly kind = 'fake';
  running = false;
  constructor(readonly sourceId: string) {}
  start(_sink: ContactCentreSink): Promise<void> {
    this.running = true;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.running = false;
    return Promise.resolve();
  }
  status(): SourceStatus {
    return { state: this.running ? 'connected' : 'stopped', since: new Date(0), reconnects: 0 };
  }
}

function replica(name: string, cache: MemoryCache, sources: Map<string, FakeSource[]>) {
  const definitions: SourceDefinition[] = ['pbx-1', 'pbx-2'].map((sourceId) => ({
    sourceId,
    kind: 'fake',
    create: () => {
      const source = new FakeSource(sourceId);
      sources.set(`${name}/${sourceId}`, [...(sources.get(`${name}/${sourceId}`) ?? []), source]);
      return source;
    },
  }));
  return new SourceLeases(
    cache,
    definitions,
    { sinkFor: () => ({}) as ContactCentreSink },
    silent,
    { replicaId: name, leaseTtlMs: 3000, renewIntervalMs: 1000 },
  );
}

describe('SourceLeases', () => {
  it('gives each source to one replica, and a dead replica’s sources to another after the TTL', async () => {
    let now = 0;
    const cache = new MemoryCache(() => now);
    const sources = new Map<string, FakeSource[]>();
    const a = replica('a', cache, sources);
    const b = replica('b', cache, sources);
    await a.renewNow();
    await b.renewNow();
    for (let t = 1; t <= 5; t++) {
      now = t * 1000;
      await a.renewNow();
      await b.renewNow();
      expect(a.holds('pbx-1') && a.holds('pbx-2')).toBe(true);
      expect(b.holds('pbx-1') || b.holds('pbx-2')).toBe(false);
    }
    // a dies: it stops renewing and never releases. Until its lease runs out b waits...
    now = 7000;
    await b.renewNow();
    expect(b.holds('pbx-1')).toBe(false);
    // ...then takes both over on its next renewal.
    now = 8001;
    await b.renewNow();
    expect(b.holds('pbx-1') && b.holds('pbx-2')).toBe(true);
    expect(sources.get('b/pbx-1')?.[0]?.running).toBe(true);
  });

  it('a replica that cannot renew stops its sources at once', async () => {
    let now = 0;
    const cache = new MemoryCache(() => now);
    const sources = new Map<string, FakeSource[]>();
    const a = replica('a', cache, sources);
    await a.renewNow();
    expect(sources.get('a/pbx-1')?.[0]?.running).toBe(true);
    jest.spyOn(cache, 'acquireLease').mockRejectedValue(new Error('redis unreachable'));
    now = 1000;
    await a.renewNow();
    expect(a.holds('pbx-1')).toBe(false);
    expect(sources.get('a/pbx-1')?.[0]?.running).toBe(false);
  });

  it('a graceful stop releases the leases so another replica takes over without waiting', async () => {
    const cache = new MemoryCache(() => 0);
    const sources = new Map<string, FakeSource[]>();
    const a = replica('a', cache, sources);
    const b = replica('b', cache, sources);
    await a.renewNow();
    await a.stop();
    await b.renewNow();
    expect(b.holds('pbx-1') && b.holds('pbx-2')).toBe(true);
  });
});
