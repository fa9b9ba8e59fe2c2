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

function setup(sources: SchedulableSource[], isPolled?: (source: SchedulableSource) => boolean) {
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
    new MemoryCache(),
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
    { replicaId: 'r1', leaseTtlMs: 10_000, renewIntervalMs: 60_000, isPolled },
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
});
