import { generateApiKey, hashApiKey } from './api-keys';
import { AuthError } from './auth-error';
import { Authenticator } from './authenticator';
import { Permission } from './permissions';
import { parseAuthSettings } from './settings';

const API_KEY = generateApiKey();
const settings = parseAuthSettings({
  AUTH_JWT_SECRET: 'k'.repeat(40),
  AUTH_API_KEYS: JSON.stringify([{ id: 'ops', hash: hashApiKey(API_KEY), roles: ['admin'] }]),
  AUTH_IP_ALLOWLIST: '192.168.1.0/24',
  AUTH_TRUSTED_PROXIES: '10.0.0.0/8',
});
const auth = Authenticator.fromSettings(settings);

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return (error as AuthError).reason;
  }
  throw new Error('expected a rejection');
}

describe('Authenticator', () => {
  it('admits a Bearer token', async () => {
    const token = await auth.tokens.issue({ subject: '42', kind: 'user', roles: ['staff'] }, 60);
    await expect(
      auth.authenticate({ authorization: `Bearer ${token}`, remoteAddress: '203.0.113.1' }),
    ).resolves.toMatchObject({ subject: '42', kind: 'user' });
  });

  it('admits a configured API key', async () => {
    const principal = await auth.authenticate({ apiKey: API_KEY, remoteAddress: '203.0.113.1' });
    expect(principal).toMatchObject({ subject: 'api_key:ops', kind: 'api_key' });
    expect(principal.permissions.has(Permission.CREATE_PROVISION)).toBe(true);
  });

  it('admits an allow-listed IP, directly or through a trusted proxy, as admin', async () => {
    const direct = await auth.authenticate({ remoteAddress: '::ffff:192.168.1.100' });
    expect(direct).toMatchObject({ subject: 'ip:192.168.1.100', kind: 'ip', roles: ['admin'] });
    const proxied = await auth.authenticate({
      remoteAddress: '10.1.1.1',
      forwardedFor: '192.168.1.100',
    });
    expect(proxied.kind).toBe('ip');
  });

  it('does not let an outsider claim an allow-listed address via X-Forwarded-For', async () => {
    expect(
      await reason(
        auth.authenticate({ remoteAddress: '203.0.113.1', forwardedFor: '192.168.1.100' }),
      ),
    ).toBe('credentials_missing');
  });

  it('fails on a bad credential instead of falling through to the IP path', async () => {
    const fromAllowedIp = { remoteAddress: '192.168.1.100' };
    expect(
      await reason(auth.authenticate({ ...fromAllowedIp, authorization: 'Bearer a.b.c' })),
    ).toBe('token_malformed');
    expect(await reason(auth.authenticate({ ...fromAllowedIp, authorization: 'Basic eDp5' }))).toBe(
      'token_malformed',
    );
    expect(await reason(auth.authenticate({ ...fromAllowedIp, apiKey: generateApiKey() }))).toBe(
      'api_key_invalid',
    );
    expect(await reason(auth.authenticate({ ...fromAllowedIp, apiKey: [API_KEY, API_KEY] }))).toBe(
      'api_key_invalid',
    );
  });

  it('rejects a request with no credential from an unlisted address', async () => {
    expect(await reason(auth.authenticate({ remoteAddress: '203.0.113.1' }))).toBe(
      'credentials_missing',
    );
    expect(await reason(auth.authenticate({}))).toBe('credentials_missing');
  });

  it('lets the app choose the roles of IP callers', async () => {
    const narrow = Authenticator.fromSettings(settings, { ipRoles: ['staff'] });
    const principal = await narrow.authenticate({ remoteAddress: '192.168.1.5' });
    expect(principal.permissions.has(Permission.MANAGE_CATALOGUE)).toBe(false);
  });
});
