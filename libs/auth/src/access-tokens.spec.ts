import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessTokens, bearerToken } from './access-tokens';
import { AuthError } from './auth-error';
import { asymmetricKeys, hmacKeys } from './jwt-keys';
import { canActOnCustomer, JOB_PERMISSIONS, Permission } from './permissions';

const SECRET = 'x'.repeat(32) + '-test-secret';
const T0 = new Date('2030-01-01T00:00:00Z');
const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds and HMAC-signs a JWT by hand, so tests control every header and claim. */
function handMade(header: object, payload: object, secret: string | Buffer = SECRET): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

const validClaims = () => ({
  sub: 'user-1',
  kind: 'user',
  roles: ['staff'],
  exp: epoch(T0) + 600,
  iat: epoch(T0),
});

function hsTokens(extra: Partial<ConstructorParameters<typeof AccessTokens>[0]> = {}) {
  return new AccessTokens({ keys: hmacKeys(SECRET), now: () => T0, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError;
  }
  throw new Error('expected the promise to reject');
}

describe('AccessTokens (HS256)', () => {
  it('round-trips issued claims into a principal with role and explicit permissions', async () => {
    const tokens = hsTokens();
    const token = await tokens.issue(
      {
        subject: 'user-7',
        kind: 'user',
        roles: ['staff'],
        permissions: [Permission.MANAGE_INVENTORY],
      },
      900,
    );
    const principal = await tokens.verify(token);
    expect(principal.subject).toBe('user-7');
    expect(principal.kind).toBe('user');
    expect(principal.roles).toEqual(['staff']);
    expect(principal.permissions.has(Permission.CREATE_PROVISION)).toBe(true); // from staff
    expect(principal.permissions.has(Permission.MANAGE_INVENTORY)).toBe(true); // explicit
    expect(principal.permissions.has(Permission.MANAGE_CATALOGUE)).toBe(false);
    expect(principal.expiresAt).toEqual(new Date((epoch(T0) + 900) * 1000));
    expect(principal.tokenId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts a hand-made token with the right secret (the baseline of the forgeries below)', async () => {
    await expect(
      hsTokens().verify(handMade({ alg: 'HS256' }, validClaims())),
    ).resolves.toMatchObject({ subject: 'user-1' });
  });

  it('rejects a token signed with another secret', async () => {
    const forged = handMade({ alg: 'HS256' }, validClaims(), 'y'.repeat(40));
    const error = await failure(hsTokens().verify(forged));
    expect(error.reason).toBe('token_signature_invalid');
    expect(error.status).toBe(401);
    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.message).not.toContain(forged.split('.')[2]);
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const tokens = hsTokens();
    const [header, , signature] = (await tokens.issue({ subject: 'u', kind: 'user' }, 60)).split(
      '.',
    );
    const tampered = `${header}.${b64u({ ...validClaims(), roles: ['admin'] })}.${signature}`;
    expect((await failure(tokens.verify(tampered))).reason).toBe('token_signature_invalid');
  });

  it('rejects alg "none" (unsigned) tokens', async () => {
    const unsigned = `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u(validClaims())}.`;
    const error = await failure(hsTokens().verify(unsigned));
    expect(error.reason).toBe('token_algorithm_not_allowed');
    // "None" spelled otherwise, or with a signature attached, fares no better.
    const other = handMade({ alg: 'None' }, validClaims());
    expect((await failure(hsTokens().verify(other))).reason).toBe('token_algorithm_not_allowed');
  });

  it('rejects an algorithm other than the key’s (HS512 with the same secret)', async () => {
    const input = `${b64u({ alg: 'HS512' })}.${b64u(validClaims())}`;
    const token = `${input}.${createHmac('sha512', SECRET).update(input).digest('base64url')}`;
    expect((await failure(hsTokens().verify(token))).reason).toBe('token_algorithm_not_allowed');
  });

  it('rejects expired tokens, after the clock tolerance', async () => {
    const token = await hsTokens().issue({ subject: 'u', kind: 'user' }, 60);
    const at = (seconds: number) =>
      hsTokens({ now: () => new Date(T0.getTime() + seconds * 1000) });
    await expect(at(63).verify(token)).resolves.toBeDefined(); // within the default 5 s
    const error = await failure(at(66).verify(token));
    expect(error.reason).toBe('token_expired');
    expect(error.message).toBe('token has expired');
    const strict = hsTokens({
      now: () => new Date(T0.getTime() + 61_000),
      clockToleranceSeconds: 0,
    });
    expect((await failure(strict.verify(token))).reason).toBe('token_expired');
  });

  it('rejects a token that is not valid yet (nbf)', async () => {
    const token = handMade({ alg: 'HS256' }, { ...validClaims(), nbf: epoch(T0) + 300 });
    expect((await failure(hsTokens().verify(token))).reason).toBe('token_not_yet_valid');
  });

  it('requires exp', async () => {
    const { exp: _exp, ...claims } = validClaims();
    const error = await failure(hsTokens().verify(handMade({ alg: 'HS256' }, claims)));
    expect(error.reason).toBe('token_claim_missing');
    expect(error.claim).toBe('exp');
    expect(error.message).toBe('token has no "exp" claim');
  });

  it('requires sub and kind, and a known kind', async () => {
    const { sub: _sub, ...noSub } = validClaims();
    expect((await failure(hsTokens().verify(handMade({ alg: 'HS256' }, noSub)))).claim).toBe('sub');
    const { kind: _kind, ...noKind } = validClaims();
    const missing = await failure(hsTokens().verify(handMade({ alg: 'HS256' }, noKind)));
    expect([missing.reason, missing.claim]).toEqual(['token_claim_missing', 'kind']);
    const bogus = handMade({ alg: 'HS256' }, { ...validClaims(), kind: 'root' });
    const invalid = await failure(hsTokens().verify(bogus));
    expect([invalid.reason, invalid.claim]).toEqual(['token_claim_invalid', 'kind']);
  });

  it('type-checks roles, permissions and customer claims', async () => {
    const cases: [object, string][] = [
      [{ roles: 'admin' }, 'roles'],
      [{ permissions: [1] }, 'permissions'],
      [{ customer_id: { id: 1 } }, 'customer_id'],
      [{ kind: 'customer' }, 'customer_id'],
      [{ scope: { provision_id: '1', customer_id: '2' } }, 'scope'], // scope on a user token
      [{ kind: 'job', roles: [] }, 'scope'],
      [{ kind: 'job', roles: ['admin'], scope: { provision_id: 1, customer_id: 2 } }, 'roles'],
      [
        { kind: 'job', roles: [], customer_id: 3, scope: { provision_id: 1, customer_id: 2 } },
        'customer_id',
      ],
    ];
    for (const [override, claim] of cases) {
      const token = handMade({ alg: 'HS256' }, { ...validClaims(), ...override });
      const error = await failure(hsTokens().verify(token));
      expect([error.claim, error.status]).toEqual([claim, 401]);
    }
  });

  it('checks iss and aud when configured', async () => {
    const tokens = hsTokens({ issuer: 'telcomesh-gateway', audience: 'telcomesh' });
    const good = await tokens.issue({ subject: 'u', kind: 'user' }, 60);
    await expect(tokens.verify(good)).resolves.toBeDefined();

    const wrongIss = handMade(
      { alg: 'HS256' },
      { ...validClaims(), iss: 'evil', aud: 'telcomesh' },
    );
    const issError = await failure(tokens.verify(wrongIss));
    expect([issError.reason, issError.claim]).toEqual(['token_claim_invalid', 'iss']);

    const wrongAud = handMade(
      { alg: 'HS256' },
      { ...validClaims(), iss: 'telcomesh-gateway', aud: 'other-system' },
    );
    expect((await failure(tokens.verify(wrongAud))).claim).toBe('aud');

    const noIss = handMade({ alg: 'HS256' }, { ...validClaims(), aud: 'telcomesh' });
    const missing = await failure(tokens.verify(noIss));
    expect([missing.reason, missing.claim]).toEqual(['token_claim_missing', 'iss']);
  });

  it('rejects malformed input without echoing it', async () => {
    for (const junk of ['abc', 'a.b', 'a.b.c', `${'a'.repeat(9000)}.b.c`]) {
      const error = await failure(hsTokens().verify(junk));
      expect(error.reason).toBe('token_malformed');
      expect(error.message).not.toContain(junk);
    }
    expect((await failure(hsTokens().verify(''))).reason).toBe('credentials_missing');
  });

  it('consults the revocation hook and then requires jti', async () => {
    const revoked = new Set<string>();
    const tokens = hsTokens({ isRevoked: (jti) => revoked.has(jti) });
    const token = await tokens.issue({ subject: 'u', kind: 'user' }, 60);
    const principal = await tokens.verify(token);
    revoked.add(principal.tokenId ?? '');
    expect((await failure(tokens.verify(token))).reason).toBe('token_revoked');
    const noJti = handMade({ alg: 'HS256' }, validClaims());
    expect((await failure(tokens.verify(noJti))).claim).toBe('jti');
  });

  it('refuses to issue out-of-range ttls and claims verify would reject', async () => {
    const tokens = hsTokens({ maxTtlSeconds: 3600 });
    await expect(tokens.issue({ subject: 'u', kind: 'user' }, 0)).rejects.toThrow(RangeError);
    await expect(tokens.issue({ subject: 'u', kind: 'user' }, 3601)).rejects.toThrow(RangeError);
    await expect(tokens.issue({ subject: 'u', kind: 'user' }, 1.5)).rejects.toThrow(RangeError);
    await expect(tokens.issue({ subject: 'c', kind: 'customer' }, 60)).rejects.toThrow(
      /customer_id/,
    );
    await expect(tokens.issue({ subject: '', kind: 'user' }, 60)).rejects.toThrow(/sub/);
  });

  it('rejects a clock tolerance outside 0-120 s', () => {
    expect(() => hsTokens({ clockToleranceSeconds: 600 })).toThrow(RangeError);
    expect(() => hsTokens({ clockToleranceSeconds: -1 })).toThrow(RangeError);
  });
});

describe('job tokens', () => {
  it('carry the job scope, job permissions only, and live for the given ttl', async () => {
    const tokens = hsTokens();
    const token = await tokens.issueJobToken({ provisionId: 42, customerId: 7, ttlSeconds: 7200 });
    const principal = await tokens.verify(token);
    expect(principal).toMatchObject({
      subject: 'job:42',
      kind: 'job',
      roles: [],
      customerId: '7',
      scope: { provisionId: '42', customerId: '7' },
      expiresAt: new Date((epoch(T0) + 7200) * 1000),
    });
    expect([...principal.permissions].sort()).toEqual([...JOB_PERMISSIONS].sort());
    expect(principal.permissions.has(Permission.CREATE_PROVISION)).toBe(false);
    expect(canActOnCustomer(principal, 7)).toBe(true);
    expect(canActOnCustomer(principal, '8')).toBe(false);
    // The raw claims use the documented names.
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      scope: unknown;
      kind: unknown;
    };
    expect(payload.scope).toEqual({ provision_id: '42', customer_id: '7' });
    expect(payload.kind).toBe('job');
  });

  it('is still valid near the end of a long job and expired after it', async () => {
    const tokens = hsTokens();
    const token = await tokens.issueJobToken({ provisionId: 1, customerId: 2, ttlSeconds: 3600 });
    const at = (s: number) => hsTokens({ now: () => new Date(T0.getTime() + s * 1000) });
    await expect(at(3590).verify(token)).resolves.toMatchObject({ kind: 'job' });
    expect((await failure(at(3700).verify(token))).reason).toBe('token_expired');
  });
});

describe('AccessTokens (RS256 / ES256)', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pemOf = (key: KeyObject, type: 'spki' | 'pkcs8') =>
    key.export({ type, format: 'pem' }).toString();
  const rsaPublicPem = pemOf(rsa.publicKey, 'spki');

  it('signs with the private key and verifies with the public key', async () => {
    const signer = new AccessTokens({
      keys: asymmetricKeys({ privateKeyPem: pemOf(rsa.privateKey, 'pkcs8') }),
    });
    const verifier = new AccessTokens({ keys: asymmetricKeys({ publicKeyPem: rsaPublicPem }) });
    expect(verifier.algorithm).toBe('RS256');
    expect(verifier.canIssue).toBe(false);
    const token = await signer.issue({ subject: 'u', kind: 'user', roles: ['admin'] }, 60);
    await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'u' });
    await expect(verifier.issue({ subject: 'u', kind: 'user' }, 60)).rejects.toThrow(
      /no signing key/,
    );
  });

  it('rejects an HS256 token signed with the RSA public key as the secret (alg confusion)', async () => {
    const verifier = new AccessTokens({ keys: asymmetricKeys({ publicKeyPem: rsaPublicPem }) });
    const confused = handMade({ alg: 'HS256' }, validClaims(), Buffer.from(rsaPublicPem));
    expect((await failure(verifier.verify(confused))).reason).toBe('token_algorithm_not_allowed');
    const viaJose = await new SignJWT(validClaims())
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(rsaPublicPem));
    expect((await failure(verifier.verify(viaJose))).reason).toBe('token_algorithm_not_allowed');
  });

  it('rejects an RS256 token signed by another key pair', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const attacker = new AccessTokens({
      keys: asymmetricKeys({ privateKeyPem: pemOf(other.privateKey, 'pkcs8') }),
    });
    const verifier = new AccessTokens({ keys: asymmetricKeys({ publicKeyPem: rsaPublicPem }) });
    const token = await attacker.issue({ subject: 'u', kind: 'user', roles: ['admin'] }, 60);
    expect((await failure(verifier.verify(token))).reason).toBe('token_signature_invalid');
  });

  it('works with an EC P-256 key (ES256) and refuses RS256 tokens then', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keys = asymmetricKeys({
      publicKeyPem: pemOf(ec.publicKey, 'spki'),
      privateKeyPem: pemOf(ec.privateKey, 'pkcs8'),
    });
    expect(keys.algorithm).toBe('ES256');
    const tokens = new AccessTokens({ keys });
    const token = await tokens.issueJobToken({ provisionId: 'p', customerId: 'c', ttlSeconds: 60 });
    await expect(tokens.verify(token)).resolves.toMatchObject({ kind: 'job' });
    const rsSigner = new AccessTokens({
      keys: asymmetricKeys({ privateKeyPem: pemOf(rsa.privateKey, 'pkcs8') }),
    });
    const rsToken = await rsSigner.issue({ subject: 'u', kind: 'user' }, 60);
    expect((await failure(tokens.verify(rsToken))).reason).toBe('token_algorithm_not_allowed');
  });
});

describe('bearerToken', () => {
  it('extracts the token of a Bearer header only', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def-_~+/=')).toBe('abc.def-_~+/=');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken(['Bearer a', 'Bearer b'])).toBeUndefined();
  });
});
