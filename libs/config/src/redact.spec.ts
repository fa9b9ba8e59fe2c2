import { REDACTED, redact, redactUrl } from './redact';

describe('redact', () => {
  it('strips credentials and secret query parameters from URLs', () => {
    const out = redactUrl('https://bob:pw@hooks.example.test/path?token=abc&x=1');
    expect(out).not.toContain('pw');
    expect(out).not.toContain('abc');
    expect(out).toContain('hooks.example.test/path');
    expect(out).toContain('x=1');
  });

  it('replaces secret-named keys at any depth', () => {
    const out = redact({
      auth: { client_secret: 's3', username: 'u' },
      list: [{ apiKey: 'k' }],
      n: 1,
    });
    expect(out).toEqual({
      auth: { client_secret: REDACTED, username: 'u' },
      list: [{ apiKey: REDACTED }],
      n: 1,
    });
  });

  it('redacts connection strings held under innocent keys', () => {
    expect(redact({ url: 'postgres://app:hunter2@db:5432/x' }).url).not.toContain('hunter2');
  });
});
