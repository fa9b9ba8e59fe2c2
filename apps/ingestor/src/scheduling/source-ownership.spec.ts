import { MemoryCache } from '@telcomesh/cache';
import type { Logger } from '@telcomesh/observability';
import type { DataSourceStore, SchedulableSource } from '../sources/data-source-store';
import type { HeldSource } from '../sync/source-sync';
import { PollScheduler } from './poll-scheduler';
import { SourceOwnership } from './source-ownership';

const silent = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

function setup(
  sources: SchedulableSource[],
  isPolled?: (source: SchedulableSource) => boolean,
  cache = new MemoryCache(),
  replicaId = 'r1',
) {
  let listings = 0;
  const store = {
    enabledSources: async () => {
      listings++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return sources;
    },
  } as unknown as DataSourceStore;
  const scheduler = new PollScheduler(async () => ({}), {
    maxConcurrent: 1,
    jitter: 0,
    onError: () => undefined,
  });
  const ownership = new SourceOwnership(
    cache,
    store,
    scheduler,
    {
      hold: async (sourceId) => ({
        held: {
          sourceId,
          tenantId: 't',
          intervalMs: 3_600_000,
          updatedAt: 0,
          redact: (text: string) => text,
        } as unknown as HeldSource,
        notBefore: Date.now() + 3_600_000,
      }),
      release: async () => undefined,
    },
    silent,
    { replicaId, leaseTtlMs: 10_000, renewIntervalMs: 60_000, isPolled },
  );
  return { ownership, scheduler, listings: () => listings };
}

describe('SourceOwnership', () => {
  it('folds refresh requests made while a round waits into that round', async () => {
    const sources = Array.from({ length: 50 }, (_, i) => ({
      sourceId: `s-${i}`,
      sourceType: 'oss_network',
      connectorClass: 'OSS_NetworkConnector',
      pollingInterval: 3600,
      updatedAt: new Date(0),
    }));
    const { ownership, scheduler, listings } = setup(sources);
    // A burst, as when a thousand sources are registered one after the other.
    const rounds = Array.from({ length: 200 }, () => ownership.refresh());
    await Promise.all(rounds);
    // None had started when the others came: all 200 share one round.
    expect(listings()).toBe(1);
    expect(ownership.heldIds()).toHaveLength(50);
    // A request made while a round runs gets a round of its own after it (it may add sources).
    const running = ownership.refresh();
    await new Promise((resolve) => setTimeout(resolve, 1));
    const after = ownership.refresh();
    expect(after).not.toBe(running);
    await Promise.all([running, after]);
    expect(listings()).toBe(3);
    await ownership.stop();
    await scheduler.stop();
  });

  it('leaves sources that are not polled (push-only) unleased and unscheduled', async () => {
    const source = (sourceId: string, sourceType: string): SchedulableSource => ({
      sourceId,
      sourceType,
      connectorClass: '',
      pollingInterval: 60,
      updatedAt: new Date(0),
    });
    const { ownership, scheduler } = setup(
      [source('oss-1', 'oss_network'), source('hooks-1', 'webhook')],
      (s) => s.sourceType !== 'webhook',
    );
    await ownership.refresh();
    expect(ownership.heldIds()).toEqual(['oss-1']);
    expect(scheduler.sources()).toEqual(['oss-1']);
    await ownership.stop();
    await scheduler.stop();
  });

  it('shares the sources evenly between live replicas, and takes them all back when one leaves', async () => {
    const sources = ['a', 'b', 'c', 'd', 'e'].map((id) => ({
      sourceId: id,
      sourceType: 'snmp',
      connectorClass: '',
      pollingInterval: 60,
      updatedAt: new Date(0),
    }));
    const cache = new MemoryCache();
    const r1 = setup(sources, undefined, cache, 'r1');
    const r2 = setup(sources, undefined, cache, 'r2');
    await r1.ownership.refresh();
    expect(r1.ownership.heldIds()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // r2 joins: everything is held, so it only takes its replica slot.
    await r2.ownership.refresh();
    expect(r2.ownership.heldIds()).toEqual([]);
    // r1 sees two replicas: its share is ceil(5 / 2) = 3, the last two by id go.
    await r1.ownership.refresh();
    expect(r1.ownership.heldIds()).toEqual(['a', 'b', 'c']);
    await r2.ownership.refresh();
    expect(r2.ownership.heldIds()).toEqual(['d', 'e']);
    // Stable from then on: nobody sheds or takes.
    await r1.ownership.refresh();
    await r2.ownership.refresh();
    expect([r1.ownership.heldIds(), r2.ownership.heldIds()]).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect(r2.scheduler.sources().sort()).toEqual(['d', 'e']);
    // r2 shuts down (lets go of its slot and sources): r1's share is everything again.
    await r2.ownership.stop();
    await r2.scheduler.stop();
    await r1.ownership.refresh();
    expect(r1.ownership.heldIds()).toEqual(['a', 'b', 'c', 'd', 'e']);
    await r1.ownership.stop();
    await r1.scheduler.stop();
  });
});
