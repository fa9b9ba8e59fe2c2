import { randomBytes } from 'node:crypto';
import { REDACTED, SecretBox, SecretError } from './secret-box';

const key = randomBytes(32).toString('base64');

describe('SecretBox', () => {
  it('encrypts literal secrets, keeps other fields, and opens them again', () => {
    const box = new SecretBox(key, {});
    const sealed = box.seal({ webhook_url: 'https://hooks.example/T0/B0/xyz', channel: '#noc' }, [
      'webhook_url',
    ]);
    expect(sealed.channel).toBe('#noc');
    expect(JSON.stringify(sealed)).not.toContain('xyz');
    expect((sealed.webhook_url as { $encrypted: string }).$encrypted).toMatch(/^v1\./);
    expect(box.open(sealed, 'slack')).toEqual({
      webhook_url: 'https://hooks.example/T0/B0/xyz',
      channel: '#noc',
    });
  });

  it('stores environment references as written and resolves them when opened', () => {
    const box = new SecretBox(undefined, { ZD_TOKEN: 'tok-123' });
    const sealed = box.seal({ api_token: '${env:ZD_TOKEN}' }, ['api_token']);
    expect(sealed).toEqual({ api_token: { $env: 'ZD_TOKEN' } });
    expect(box.open(sealed, 'zendesk')).toEqual({ api_token: 'tok-123' });
    expect(SecretBox.reveal(sealed)).toEqual({ api_token: '${env:ZD_TOKEN}' });
    expect(() => new SecretBox(undefined, {}).open(sealed, 'zendesk')).toThrow(
      'zendesk.api_token: environment variable ZD_TOKEN is not set',
    );
  });

  it('refuses a literal secret without a key instead of storing it readable', () => {
    expect(() => new SecretBox(undefined, {}).seal({ token: 'ghp_x' }, ['token'])).toThrow(
      SecretError,
    );
  });

  it('masks stored secrets in answers and keeps them when the mask is sent back', () => {
    const box = new SecretBox(key, {});
    const first = box.seal({ hec_token: 'abc-123', index: 'main' }, ['hec_token']);
    expect(SecretBox.reveal(first)).toEqual({ hec_token: REDACTED, index: 'main' });
    const again = box.seal({ hec_token: REDACTED, index: 'ops' }, ['hec_token'], first);
    expect(again.hec_token).toEqual(first.hec_token);
    expect(box.open(again, 'splunk')).toEqual({ hec_token: 'abc-123', index: 'ops' });
  });

  it('seals whole objects (per-channel webhook maps, header maps)', () => {
    const box = new SecretBox(key, {});
    const sealed = box.seal({ channels: { noc: 'https://discord/api/webhooks/1/s' } }, [
      'channels',
    ]);
    expect(SecretBox.reveal(sealed).channels).toBe(REDACTED);
    expect(box.open(sealed, 'discord').channels).toEqual({
      noc: 'https://discord/api/webhooks/1/s',
    });
    expect(SecretBox.secretsOf(box.open(sealed, 'discord'), ['channels'])).toEqual([
      'https://discord/api/webhooks/1/s',
    ]);
  });

  it('rejects a wrong key size and a box sealed under another key', () => {
    expect(() => new SecretBox('c2hvcnQ=')).toThrow('32 bytes');
    const sealed = new SecretBox(key, {}).seal({ password: 'p@ss' }, ['password']);
    const other = new SecretBox(randomBytes(32).toString('base64'), {});
    expect(() => other.open(sealed, 'email')).toThrow('cannot be decrypted');
  });
});
