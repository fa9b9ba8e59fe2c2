import { timingSafeEqual } from 'node:crypto';
import { ApiKeyRing, generateApiKey, hashApiKey, type ApiKeyConfig } from './api-keys';
import { Permission } from './permissions';

// Wrap timingSafeEqual so a test can see how the ring compares (behaviour unchanged).
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

const ADMIN_KEY = generateApiKey();
const BILLING_KEY = generateApiKey();
const CONFIGS: ApiKeyConfig[] = [
  { id: 'ops', hash: hashApiKey(ADMIN_KEY), roles: ['admin'] },
  {
    id: 'billing',
    hash: hashApiKey(BILLING_KEY),
    roles: [],
    permissions: [Permission.VIEW_OWN_PROVISION],
    customer_id: 12,
  },
];

describe('generateApiKey / hashApiKey', () => {
  it('makes prefixed 32-byte base64url keys, all different', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^tmk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    expect(generateApiKey()).not.toBe(key);
  });

  it('hashes to sha256:<hex>', () => {
    expect(hashApiKey('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('ApiKeyRing', () => {
  const ring = new ApiKeyRing(CONFIGS);

  it('returns the principal of a valid key', () => {
    const admin = ring.verify(ADMIN_KEY);
    expect(admin).toMatchObject({ subject: 'api_key:ops', kind: 'api_key', roles: ['admin'] });
    expect(admin?.permissions.has(Permission.MANAGE_CATALOGUE)).toBe(true);
    expect(admin?.customerId).toBeUndefined();

    const billing = ring.verify(BILLING_KEY);
    expect(billing).toMatchObject({ subject: 'api_key:billing', customerId: '12' });
    expect([...(billing?.permissions ?? [])]).toEqual([Permission.VIEW_OWN_PROVISION]);
  });

  it('returns undefined for an unknown key, of the same or a different length', () => {
    expect(ring.verify(generateApiKey())).toBeUndefined(); // same length
    expect(ring.verify(ADMIN_KEY.slice(0, -1))).toBeUndefined(); // a prefix of a valid key
    expect(ring.verify(`${ADMIN_KEY}x`)).toBeUndefined();
    expect(ring.verify('k')).toBeUndefined();
    expect(ring.verify('')).toBeUndefined();
    expect(ring.verify(undefined)).toBeUndefined();
    expect(ring.verify('x'.repeat(10_000))).toBeUndefined();
  });

  it('compares equal-length digests with timingSafeEqual against every entry (no early exit)', () => {
    const spy = jest.mocked(timingSafeEqual);
    for (const presented of [ADMIN_KEY, 'short', 'x'.repeat(300)]) {
      spy.mockClear();
      ring.verify(presented);
      // Every entry is compared even when the first one matched.
      expect(spy).toHaveBeenCalledTimes(CONFIGS.length);
      for (const [a, b] of spy.mock.calls) {
        expect((a as Buffer).length).toBe(32);
        expect((b as Buffer).length).toBe(32);
      }
    }
  });

  it('hands out a copy: changing a returned principal does not change the ring', () => {
    const first = ring.verify(ADMIN_KEY);
    (first?.permissions as Set<string>).clear();
    expect(ring.verify(ADMIN_KEY)?.permissions.size).toBeGreaterThan(0);
  });

  it('refuses invalid configuration without echoing hashes', () => {
    const raw = generateApiKey();
    expect(() => new ApiKeyRing([{ id: 'a', hash: raw, roles: [] }])).toThrow(
      /looks like a raw key/,
    );
    let message = '';
    try {
      new ApiKeyRing([{ id: 'a', hash: raw, roles: [] }]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain(raw);
    expect(() => new ApiKeyRing([{ id: 'a', hash: 'md5:abc', roles: [] }])).toThrow(/hash/);
    expect(() => new ApiKeyRing([{ id: 'a', hash: hashApiKey('k'), roles: ['root'] }])).toThrow(
      /unknown root/,
    );
    expect(
      () =>
        new ApiKeyRing([
          { id: 'a', hash: hashApiKey('k1'), roles: [] },
          { id: 'a', hash: hashApiKey('k2'), roles: [] },
        ]),
    ).toThrow(/used twice/);
  });
});
