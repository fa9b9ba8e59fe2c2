import { generateKeyPairSync } from 'node:crypto';
import { ConfigValidationError } from '@telcomesh/config';
import { generateApiKey, hashApiKey } from './api-keys';
import { parseAuthSettings } from './settings';

const SECRET = 's3cr3t-'.repeat(6);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: typeof rsa.publicKey, type: 'spki' | 'pkcs8') =>
  key.export({ type, format: 'pem' }).toString();
const PUBLIC_PEM = pem(rsa.publicKey, 'spki');
const PRIVATE_PEM = pem(rsa.privateKey, 'pkcs8');

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    parseAuthSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigValidationError);
    return (error as ConfigValidationError).problems;
  }
  throw new Error('expected parseAuthSettings to throw');
}

describe('parseAuthSettings', () => {
  it('reads a full HS256 configuration', () => {
    const key = generateApiKey();
    const settings = parseAuthSettings({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_ISSUER: 'telcomesh-gateway',
      AUTH_JWT_AUDIENCE: 'telcomesh',
      AUTH_JWT_CLOCK_TOLERANCE_SECONDS: '10',
      AUTH_API_KEYS: JSON.stringify([{ id: 'ops', hash: hashApiKey(key), roles: ['admin'] }]),
      AUTH_IP_ALLOWLIST: '192.168.1.0/24, 10.0.0.5,2001:db8::/32',
      AUTH_TRUSTED_PROXIES: '10.0.0.0/8',
    });
    expect(settings.jwt.keys.algorithm).toBe('HS256');
    expect(settings.jwt).toMatchObject({
      issuer: 'telcomesh-gateway',
      audience: 'telcomesh',
      clockToleranceSeconds: 10,
    });
    expect(settings.apiKeys).toHaveLength(1);
    expect(settings.ipAllowList).toEqual(['192.168.1.0/24', '10.0.0.5', '2001:db8::/32']);
    expect(settings.trustedProxies).toEqual(['10.0.0.0/8']);
    // Settings can be logged: key material sits in KeyObjects, which print none of it.
    expect(JSON.stringify(settings)).not.toContain(SECRET);
  });

  it('uses defaults and treats empty strings as unset', () => {
    const settings = parseAuthSettings({
      AUTH_JWT_SECRET: SECRET,
      AUTH_API_KEYS: '',
      AUTH_IP_ALLOWLIST: '',
    });
    expect(settings.jwt.clockToleranceSeconds).toBe(5);
    expect(settings.jwt.issuer).toBeUndefined();
    expect(settings.apiKeys).toEqual([]);
    expect(settings.ipAllowList).toEqual([]);
  });

  it('reads RS256 keys, with escaped newlines, and derives the public key from the private one', () => {
    const both = parseAuthSettings({
      AUTH_JWT_PUBLIC_KEY: PUBLIC_PEM.replace(/\n/g, '\\n'),
      AUTH_JWT_PRIVATE_KEY: PRIVATE_PEM,
    });
    expect(both.jwt.keys.algorithm).toBe('RS256');
    expect(both.jwt.keys.signKey).toBeDefined();
    const verifyOnly = parseAuthSettings({ AUTH_JWT_PUBLIC_KEY: PUBLIC_PEM });
    expect(verifyOnly.jwt.keys.signKey).toBeUndefined();
    const derived = parseAuthSettings({ AUTH_JWT_PRIVATE_KEY: PRIVATE_PEM });
    expect(derived.jwt.keys.verifyKey.asymmetricKeyType).toBe('rsa');
  });

  it('requires a JWT key', () => {
    expect(problemsOf({}).join('\n')).toMatch(/AUTH_JWT_SECRET: missing/);
  });

  it('rejects a short secret without printing it', () => {
    const problems = problemsOf({ AUTH_JWT_SECRET: 'short-secret' });
    expect(problems).toEqual([
      expect.stringMatching(/^AUTH_JWT_SECRET: must be at least 32 bytes/),
    ]);
    expect(problems.join()).not.toContain('short-secret');
  });

  it('rejects a secret together with a key pair, a mismatched pair and a private key as public', () => {
    expect(problemsOf({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_PUBLIC_KEY: PUBLIC_PEM })[0]).toMatch(
      /not both/,
    );
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(
      problemsOf({
        AUTH_JWT_PUBLIC_KEY: PUBLIC_PEM,
        AUTH_JWT_PRIVATE_KEY: pem(other.privateKey, 'pkcs8'),
      })[0],
    ).toMatch(/^AUTH_JWT_PRIVATE_KEY: does not match/);
    const leaked = problemsOf({ AUTH_JWT_PUBLIC_KEY: PRIVATE_PEM });
    expect(leaked[0]).toMatch(/^AUTH_JWT_PUBLIC_KEY: holds a private key/);
    expect(leaked.join()).not.toContain('MII');
    expect(problemsOf({ AUTH_JWT_PUBLIC_KEY: 'not a pem' })[0]).toMatch(/^AUTH_JWT_PUBLIC_KEY/);
  });

  it('rejects weak or unsupported asymmetric keys', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(problemsOf({ AUTH_JWT_PUBLIC_KEY: pem(small.publicKey, 'spki') })[0]).toMatch(/2048/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(problemsOf({ AUTH_JWT_PUBLIC_KEY: pem(p384.publicKey, 'spki') })[0]).toMatch(/P-256/);
    const ed = generateKeyPairSync('ed25519');
    expect(problemsOf({ AUTH_JWT_PUBLIC_KEY: pem(ed.publicKey, 'spki') })[0]).toMatch(
      /unsupported key type/,
    );
  });

  it('lists every bad variable at once', () => {
    const raw = generateApiKey();
    const problems = problemsOf({
      AUTH_JWT_SECRET: 'short',
      AUTH_JWT_CLOCK_TOLERANCE_SECONDS: '1000',
      AUTH_API_KEYS: JSON.stringify([{ id: 'ops', hash: raw, roles: ['admin'], role: 'x' }]),
      AUTH_IP_ALLOWLIST: '192.168.1.0/24, 300.1.1.1, 10.0.0.0/40',
      AUTH_TRUSTED_PROXIES: 'proxy.internal',
    });
    const text = problems.join('\n');
    for (const name of [
      'AUTH_JWT_SECRET',
      'AUTH_JWT_CLOCK_TOLERANCE_SECONDS',
      'AUTH_API_KEYS[0].hash',
      'AUTH_API_KEYS[0]: unknown field "role"',
      'AUTH_IP_ALLOWLIST: "300.1.1.1"',
      'AUTH_IP_ALLOWLIST: "10.0.0.0/40"',
      'AUTH_TRUSTED_PROXIES',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain(raw);
    expect(text).not.toContain('short');
  });

  it('reports invalid JSON without quoting it', () => {
    const raw = generateApiKey();
    const problems = problemsOf({
      AUTH_JWT_SECRET: SECRET,
      AUTH_API_KEYS: `[{"id": "a", "hash": ${raw}`,
    });
    expect(problems).toEqual([expect.stringMatching(/^AUTH_API_KEYS: is not valid JSON/)]);
    expect(problems.join()).not.toContain(raw);
    expect(problemsOf({ AUTH_JWT_SECRET: SECRET, AUTH_API_KEYS: '{}' })[0]).toMatch(/JSON array/);
  });

  it('rejects duplicate API key ids and hashes', () => {
    const hash = hashApiKey(generateApiKey());
    const problems = problemsOf({
      AUTH_JWT_SECRET: SECRET,
      AUTH_API_KEYS: JSON.stringify([
        { id: 'a', hash, roles: [] },
        { id: 'a', hash: hashApiKey('other'), roles: [] },
        { id: 'b', hash, roles: [] },
      ]),
    });
    expect(problems.join('\n')).toMatch(/\[1\]\.id: "a" is used twice/);
    expect(problems.join('\n')).toMatch(/\[2\]\.hash: same key as another entry/);
  });
});
