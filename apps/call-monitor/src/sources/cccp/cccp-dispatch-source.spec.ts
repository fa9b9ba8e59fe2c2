import {
  CccpDispatchSource,
  DEFAULT_CCCP_BACKOFF,
  cccpReconnectDelay,
} from './cccp-dispatch-source';
import { type DispatchClientFactory, DispatchClosedError } from './dispatch-client';
import { ViewFilterSyntaxError } from './view-filter';

const noClient: DispatchClientFactory = () => ({
  connect: () => Promise.reject(new DispatchClosedError('unused')),
  startView: () => Promise.reject(new DispatchClosedError('unused')),
  queryList: () => Promise.reject(new DispatchClosedError('unused')),
  close: () => Promise.resolve(),
});

describe('cccpReconnectDelay', () => {
  const options = { ...DEFAULT_CCCP_BACKOFF, jitter: 0 };

  it('grows exponentially up to the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => cccpReconnectDelay(attempt, options))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('spreads the delay by ± jitter', () => {
    const jittered = { ...DEFAULT_CCCP_BACKOFF, jitter: 0.2 };
    expect(cccpReconnectDelay(2, jittered, () => 0)).toBe(1600);
    expect(cccpReconnectDelay(2, jittered, () => 0.5)).toBe(2000);
    expect(cccpReconnectDelay(2, jittered, () => 0.999_999)).toBe(2400);
  });
});

describe('CccpDispatchSource', () => {
  it('rejects a bad view filter when made, saying where', () => {
    expect(
      () =>
        new CccpDispatchSource({
          sourceId: 'cccp-1',
          client: noClient,
          filters: { sessions: ".[profile='support'" },
        }),
    ).toThrow(ViewFilterSyntaxError);
    expect(
      () =>
        new CccpDispatchSource({
          sourceId: 'cccp-1',
          client: noClient,
          filters: { queues: ".[queue='a' or]" },
        }),
    ).toThrow(/column 15/);
  });

  it('is a cccp source that starts disconnected', () => {
    const source = new CccpDispatchSource({ sourceId: 'cccp-1', client: noClient });
    expect(source.kind).toBe('cccp');
    expect(source.sourceId).toBe('cccp-1');
    expect(source.status()).toMatchObject({ state: 'disconnected', reconnects: 0 });
  });
});
