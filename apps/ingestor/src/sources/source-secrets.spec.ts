import { randomBytes } from 'node:crypto';
import { isSecretName, SECRET_MASK, SourceSecretBox, SourceSecretError } from './source-secrets';

const key = randomBytes(32).toString('base64');

const ericsson = {
  base_url: 'https://oss-ericsson.company.com',
  oss_type: 'ericsson',
  authentication: {
    type: 'oauth2',
    client_id: 'your_client_id',
    client_secret: 'top-secret-value',
    token_endpoint: '/auth/oauth2/token',
  },
  polling_endpoints: ['/pm/measurements'],
};

function errorOf(action: () => unknown): SourceSecretError {
  try {
    action();
  } catch (error) {
    if (error instanceof SourceSecretError) return error;
    throw error;
  }
  throw new Error('expected a SourceSecretError');
}

describe('secret field names', () => {
  it.each([
    'password',
    'client_secret',
    'api_key',
    'apiKey',
    'refresh_token',
    'community',
    'auth_key',
    'privKey',
    'auth_password',
    'priv-passphrase',
  ])('%s is a secret', (name) => expect(isSecretName(name)).toBe(true));

  it.each(['token_endpoint', 'key_header', 'username', 'client_id', 'auth_protocol', 'type'])(
    '%s is not',
    (name) => expect(isSecretName(name)).toBe(false),
  );
});

describe('SourceSecretBox', () => {
  it('encrypts secrets at any depth, keeps the rest, and opens them again', () => {
    const box = new SourceSecretBox(key, {});
    const sealed = box.seal(ericsson);
    expect(JSON.stringify(sealed)).not.toContain('top-secret-value');
    expect(sealed).toMatchObject({
      base_url: ericsson.base_url,
      authentication: {
        client_id: 'your_client_id',
        token_endpoint: '/auth/oauth2/token',
        client_secret: { $encrypted: expect.stringMatching(/^v1\./) as string },
      },
    });
    expect(box.open(sealed)).toEqual(ericsson);
    // A fresh IV each time: the same secret never seals to the same text.
    expect(JSON.stringify(box.seal(ericsson))).not.toBe(JSON.stringify(sealed));
  });

  it('masks stored secrets in answers, and a mask sent back keeps the stored value', () => {
    const box = new SourceSecretBox(key, {});
    const sealed = box.seal(ericsson);
    const masked = SourceSecretBox.mask(sealed);
    expect(masked).toEqual({
      ...ericsson,
      authentication: { ...ericsson.authentication, client_secret: SECRET_MASK },
    });
    const resealed = box.seal({ ...masked, base_url: 'https://new.example' }, sealed);
    expect(box.open(resealed)).toEqual({ ...ericsson, base_url: 'https://new.example' });
  });

  it('refuses a mask where nothing is stored, naming the field', () => {
    const box = new SourceSecretBox(key, {});
    expect(errorOf(() => box.seal({ authentication: { password: SECRET_MASK } })).message).toBe(
      'authentication.password: is the mask ******** but no secret is stored',
    );
  });

  it('stores ${env:NAME} references as written, resolves them when opened, and names unset ones', () => {
    const box = new SourceSecretBox(undefined, { SNMP_COMMUNITY: 'c0mmunity' });
    const sealed = box.seal({
      targets: [{ host: '192.168.1.100', community: '${env:SNMP_COMMUNITY}' }],
    });
    expect(sealed).toEqual({
      targets: [{ host: '192.168.1.100', community: { $env: 'SNMP_COMMUNITY' } }],
    });
    expect(SourceSecretBox.mask(sealed)).toEqual({
      targets: [{ host: '192.168.1.100', community: '${env:SNMP_COMMUNITY}' }],
    });
    expect(box.open(sealed)).toEqual({
      targets: [{ host: '192.168.1.100', community: 'c0mmunity' }],
    });
    const unset = new SourceSecretBox(undefined, {});
    expect(errorOf(() => unset.open(sealed)).message).toBe(
      'targets[0].community: environment variable SNMP_COMMUNITY is not set',
    );
    expect(() => unset.checkReferences(sealed)).toThrow(SourceSecretError);
  });

  it('refuses literal secrets without INGESTOR_SECRET_KEY, and supplied encrypted values', () => {
    expect(errorOf(() => new SourceSecretBox(undefined, {}).seal(ericsson)).path).toBe(
      'authentication.client_secret',
    );
    expect(
      errorOf(() => new SourceSecretBox(key, {}).seal({ password: { $encrypted: 'v1.a.b.c' } }))
        .message,
    ).toBe('password: an encrypted value cannot be supplied; give the secret');
  });

  it('cannot open what another key sealed, and says so without the value', () => {
    const sealed = new SourceSecretBox(key, {}).seal(ericsson);
    const other = new SourceSecretBox(randomBytes(32).toString('base64'), {});
    const error = errorOf(() => other.open(sealed));
    expect(error.message).toBe(
      'authentication.client_secret: cannot be decrypted with the current INGESTOR_SECRET_KEY',
    );
  });

  it('seals secrets at paths a connector marks, even when their names do not tell', () => {
    const box = new SourceSecretBox(key, {});
    const sealed = box.seal({ targets: [{ host: 'h', v3: { auth: 'authpass1' } }] }, undefined, [
      'targets[].v3.auth',
    ]);
    expect(JSON.stringify(sealed)).not.toContain('authpass1');
    expect(SourceSecretBox.holdsSecrets(sealed)).toBe(true);
    expect(SourceSecretBox.holdsSecrets({ a: 1 })).toBe(false);
  });

  it('lists the opened secret values, for scrubbing messages', () => {
    const box = new SourceSecretBox(key, {});
    const sealed = box.seal(ericsson);
    expect(SourceSecretBox.secretValues(sealed, box.open(sealed))).toEqual(['top-secret-value']);
  });
});
