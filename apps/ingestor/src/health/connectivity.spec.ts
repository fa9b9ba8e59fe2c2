import type { StreamStop } from '../connectors';
import { classifySync, type SyncFacts } from './connectivity';

const facts = (overrides: Partial<SyncFacts>): SyncFacts => ({
  stops: [],
  accepted: 10,
  rejected: 0,
  corruptRatio: 0.5,
  ...overrides,
});

const stop = (overrides: Partial<StreamStop>): StreamStop => ({
  stream: 'metrics',
  reason: 'error',
  message: 'failed',
  ...overrides,
});

describe('classifySync', () => {
  it('is ok after a clean sync, and after one stopped only by a per-sync limit', () => {
    expect(classifySync(facts({}))).toEqual({ condition: 'ok', failed: false, message: '' });
    expect(classifySync(facts({ stops: [stop({ reason: 'limit' })] })).condition).toBe('ok');
  });

  it.each([
    ['dns', 'connection_lost'],
    ['connect', 'connection_lost'],
    ['tls', 'connection_lost'],
    ['request', 'connection_lost'],
    ['auth', 'auth_failed'],
    ['parse', 'corrupt_data'],
  ] as const)('maps a failure at stage %s to %s, counted as a failed sync', (stage, condition) => {
    expect(classifySync(facts({ stops: [stop({ stage, message: `at ${stage}` })] }))).toEqual({
      condition,
      failed: true,
      message: `at ${stage}`,
    });
  });

  it('reports quota exceeded without counting it as a failure', () => {
    expect(
      classifySync(facts({ stops: [stop({ reason: 'quota_exceeded', message: 'budget spent' })] })),
    ).toEqual({ condition: 'quota_exceeded', failed: false, message: 'budget spent' });
  });

  it('calls data corrupt when the share of rejected records reaches the threshold', () => {
    expect(classifySync(facts({ accepted: 6, rejected: 4 })).condition).toBe('ok');
    expect(classifySync(facts({ accepted: 5, rejected: 5 }))).toEqual({
      condition: 'corrupt_data',
      failed: false,
      message: '5 of 10 records rejected',
    });
  });

  it('does not judge the data on a handful of records, nor on a sync that brought none', () => {
    expect(classifySync(facts({ accepted: 0, rejected: 4 })).condition).toBe('ok');
    expect(classifySync(facts({ accepted: 0, rejected: 5 })).condition).toBe('corrupt_data');
    expect(
      classifySync(facts({ accepted: 0, rejected: 0, previous: 'corrupt_data' })).condition,
    ).toBe('corrupt_data');
    expect(
      classifySync(facts({ accepted: 1, rejected: 0, previous: 'corrupt_data' })).condition,
    ).toBe('ok');
  });

  it('puts what an operator must fix first: configuration, credentials, reachability, data, quota', () => {
    const all = [
      stop({ reason: 'quota_exceeded' }),
      stop({ stage: 'parse' }),
      stop({ stage: 'connect', message: 'refused' }),
      stop({ stage: 'auth', message: '401' }),
    ];
    expect(classifySync(facts({ stops: all })).condition).toBe('auth_failed');
    expect(classifySync(facts({ stops: all.slice(0, 3) })).condition).toBe('connection_lost');
    expect(classifySync(facts({ stops: all.slice(0, 2) })).condition).toBe('corrupt_data');
    expect(
      classifySync(
        facts({ stops: all, failure: { condition: 'misconfigured', message: 'env X unset' } }),
      ),
    ).toEqual({ condition: 'misconfigured', failed: true, message: 'env X unset' });
  });
});
