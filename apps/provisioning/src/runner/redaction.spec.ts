import { isSecretKey, redactSecrets, redactText, secretValuesOf } from './redaction';

describe('isSecretKey', () => {
  it.each([
    'password',
    'Password',
    'db_passwd',
    'clientSecret',
    'access_token',
    'refresh_token',
    'Authorization',
    'api_key',
    'apiKey',
    'x-api-key',
    'private_key',
    'key',
    'keys',
    'ki',
    'KI',
    'sim_ki',
    'simKi',
    'opc',
    'OPc',
    'op',
    'pin1',
    'puk2',
  ])('%s holds a secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'kind',
    'skipped',
    'skip_reason',
    'monkey',
    'keyword',
    'iccid',
    'imsi',
    'msisdn',
    'topic',
    'opcode',
    'changed',
  ])('%s does not', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe('redactSecrets', () => {
  it('replaces secret keys at any depth, in objects and arrays, without touching the input', () => {
    const input = {
      customer_id: 456,
      sim_card: { iccid: '8991', ki: 'AABB', OPc: 'CCDD' },
      headers: { Authorization: 'Bearer abc' },
      services: [{ service_id: 1, access_token: 'tok' }],
      password: null,
    };
    const copy = structuredClone(input);

    expect(redactSecrets(input)).toEqual({
      customer_id: 456,
      sim_card: { iccid: '8991', ki: '[REDACTED]', OPc: '[REDACTED]' },
      headers: { Authorization: '[REDACTED]' },
      services: [{ service_id: 1, access_token: '[REDACTED]' }],
      password: null,
    });
    expect(input).toEqual(copy);
  });

  it('replaces a whole object held under a secret key', () => {
    expect(redactSecrets({ credentials: { user: 'bob', pass: 'x' } })).toEqual({
      credentials: '[REDACTED]',
    });
  });

  it('cleans strings and scrubs known secret values wherever they appear', () => {
    expect(
      redactSecrets({ msg: 'SIM Ki is 465B5CE8, token=abc', list: ['465B5CE8'] }, ['465B5CE8']),
    ).toEqual({ msg: 'SIM Ki is [REDACTED], token=[REDACTED]', list: ['[REDACTED]'] });
  });

  it('gives up on absurdly deep values rather than recursing without end', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 40; i++) deep = { next: deep };
    expect(JSON.stringify(redactSecrets(deep))).toContain('[REDACTED]');
    expect(JSON.stringify(redactSecrets(deep))).not.toContain('bottom');
  });
});

describe('redactText', () => {
  it.each([
    ['Authorization: Bearer eyJhbGciOi.payload.sig', 'Authorization: Bearer [REDACTED]'],
    ['auth Basic dXNlcjpwYXNz', 'auth Basic [REDACTED]'],
    ['http://admin:hunter2@ocs.local/jsonrpc', 'http://[REDACTED]@ocs.local/jsonrpc'],
    ['{"ki": "465B5CE8", "iccid": "8991"}', '{"ki": "[REDACTED]", "iccid": "8991"}'],
    ["{'opc': 'CD63', 'imsi': '00101'}", `{'opc': "[REDACTED]", 'imsi': '00101'}`],
    ['/x?access_token=abc123&page=2', '/x?access_token=[REDACTED]&page=2'],
    ['nothing secret here, kind=sim', 'nothing secret here, kind=sim'],
  ])('%s', (text, expected) => {
    expect(redactText(text)).toBe(expected);
  });

  it('replaces known secrets verbatim, longest first, ignoring values too short to be safe', () => {
    expect(redactText('abcdef and abcd and abc', ['abcd', 'abcdef', 'abc'])).toBe(
      '[REDACTED] and [REDACTED] and abc',
    );
  });

  it('treats known secrets as text, not as patterns', () => {
    expect(redactText('a.b*c+ here, axbbc there', ['a.b*c+'])).toBe('[REDACTED] here, axbbc there');
  });
});

describe('secretValuesOf', () => {
  it('collects the values under secret keys, at any depth, longest first', () => {
    expect(
      secretValuesOf({
        customer_id: 123456,
        access_token: 'tok-123',
        sim: { ki: '465B5CE8B199', iccid: '8991101200003204510', pin1: 1234 },
        credentials: { user: 'provisioner' },
        short: { key: 'abc' },
      }),
    ).toEqual(['465B5CE8B199', 'provisioner', 'tok-123', '1234']);
  });
});
