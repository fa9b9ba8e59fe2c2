import type { SendMailOptions } from 'nodemailer';
import type { HttpSend } from '../integration';
import { sampleNotification } from '../webhook/notification.fixture';
import { EMAIL_SECRET_FIELDS, parseEmailConfig } from './email.config';
import {
  EmailIntegration,
  classifySmtpError,
  messageIdFor,
  type EmailTransport,
} from './email.integration';

const neverHttp: HttpSend = () => Promise.reject(new Error('e-mail must not use HTTP'));

function config(overrides: Record<string, unknown> = {}) {
  return parseEmailConfig({
    host: 'smtp.example.com',
    username: 'notifier',
    password: 's3cret-pass',
    from: 'TelcoMesh NOC <noc@example.com>',
    to: ['ops@example.com'],
    ...overrides,
  });
}

class FakeTransport implements EmailTransport {
  sent: SendMailOptions[] = [];
  failWith: Error | undefined;
  sendMail(mail: SendMailOptions) {
    this.sent.push(mail);
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve({ messageId: String(mail.messageId), response: '250 2.0.0 OK queued' });
  }
  verify() {
    return this.failWith === undefined ? Promise.resolve(true) : Promise.reject(this.failWith);
  }
  close() {}
}

function smtpError(message: string, props: { code?: string; responseCode?: number }) {
  return Object.assign(new Error(message), props);
}

describe('parseEmailConfig', () => {
  it('applies defaults', () => {
    const parsed = config();
    expect(parsed).toMatchObject({
      port: 587,
      secure: false,
      starttls: true,
      cc: [],
      subject_prefix: '[TelcoMesh]',
      digest_size: 1,
    });
    expect(EMAIL_SECRET_FIELDS).toEqual(['password']);
  });

  it('names every bad field and never echoes the password', () => {
    let message = '';
    try {
      parseEmailConfig({
        host: 'smtp://x:25',
        port: 70000,
        secure: 'yes',
        username: 'u',
        password: 42,
        from: 'nobody',
        to: [],
        cc: ['not-an-address'],
        subject_prefix: 'a\nb',
        digest_size: 0,
        hots: 'typo',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'host',
      'port',
      'secure',
      'password',
      'from',
      'to',
      'cc',
      'subject_prefix',
      'digest_size',
      'hots',
    ]) {
      expect(message).toMatch(new RegExp(`(^|, |: )${field}: `));
    }
    expect(message).toContain('(value redacted)');
    expect(message).not.toContain('42');
  });

  it('wants a username and password together', () => {
    expect(() => config({ username: undefined })).toThrow(/username is required/);
    expect(() => config({ password: undefined })).toThrow(/password: [^,]*password is required/);
    expect(() => config({ password: '' })).toThrow(/password is required.*\(value redacted\)/);
    const open = config({ username: undefined, password: undefined });
    expect(open.username).toBeUndefined();
  });
});

describe('classifySmtpError', () => {
  it.each([
    [{ code: 'EMESSAGE', responseCode: 451 }, 'retry', 451],
    [{ code: 'EENVELOPE', responseCode: 452 }, 'retry', 452],
    [{ code: 'EMESSAGE', responseCode: 550 }, 'failed', 550],
    [{ code: 'EAUTH', responseCode: 535 }, 'failed', 535],
    [{ code: 'EMESSAGE', responseCode: 554 }, 'failed', 554],
    [{ code: 'ECONNECTION' }, 'retry', undefined],
    [{ code: 'ETIMEDOUT' }, 'retry', undefined],
    [{ code: 'ESOCKET' }, 'retry', undefined],
    [{ code: 'ECONNREFUSED' }, 'retry', undefined],
    [{ code: 'EAUTH' }, 'failed', undefined],
    [{ code: 'ECONFIG' }, 'failed', undefined],
    [{}, 'retry', undefined],
  ])('%p → %s', (props, result, status) => {
    const outcome = classifySmtpError(smtpError('boom', props));
    expect(outcome.result).toBe(result);
    expect(outcome.status).toBe(status);
  });

  it('masks secrets in the reason', () => {
    const outcome = classifySmtpError(smtpError('bad pass s3cret-pass', { code: 'EAUTH' }), [
      's3cret-pass',
    ]);
    expect(outcome).toEqual({ result: 'failed', reason: 'Error: bad pass ***' });
  });
});

describe('messageIdFor', () => {
  it('derives a stable Message-ID from the notification id', () => {
    const n = sampleNotification({ id: 'evt-1.route-1.email' });
    expect(messageIdFor([n], 'NOC <noc@Example.com>')).toBe('<evt-1.route-1.email@example.com>');
    const odd = sampleNotification({ id: 'evt 1:<x>' });
    expect(messageIdFor([odd], 'noc@example.com')).toMatch(/^<n-[0-9a-f]{40}@example\.com>$/);
    expect(messageIdFor([odd], 'noc@example.com')).toBe(messageIdFor([odd], 'noc@example.com'));
    const a = sampleNotification({ id: 'a' });
    const b = sampleNotification({ id: 'b' });
    expect(messageIdFor([a, b], 'noc@example.com')).toMatch(/^<digest-[0-9a-f]{40}@example\.com>$/);
    expect(messageIdFor([a, b], 'x@example.com')).not.toBe(messageIdFor([b, a], 'x@example.com'));
  });
});

describe('EmailIntegration (fake transport)', () => {
  it('sends one multipart message with the idempotency headers', async () => {
    const transport = new FakeTransport();
    const email = new EmailIntegration(config({ cc: ['boss@example.com'] }), transport);
    expect(email.type).toBe('email');
    expect(email.maxBatchSize).toBe(1);
    const outcome = await email.deliver([sampleNotification({ id: 'evt-9' })], neverHttp);
    expect(outcome).toEqual({ result: 'delivered', status: 250, reference: '<evt-9@example.com>' });
    const [mail] = transport.sent;
    expect(mail).toMatchObject({
      from: 'TelcoMesh NOC <noc@example.com>',
      to: ['ops@example.com'],
      cc: ['boss@example.com'],
      messageId: '<evt-9@example.com>',
      subject: '[TelcoMesh] [MAJOR] Configuration Changed',
    });
    expect(mail.headers).toMatchObject({ 'X-TelcoMesh-Notification-Id': 'evt-9' });
    expect(mail.html).toContain('Configuration Changed');
    expect(mail.text).toContain('Configuration Changed');
  });

  it('sends a digest of a batch, up to digest_size', async () => {
    const transport = new FakeTransport();
    const email = new EmailIntegration(config({ digest_size: 20 }), transport);
    expect(email.maxBatchSize).toBe(20);
    const batch = [sampleNotification({ id: 'a' }), sampleNotification({ id: 'b' })];
    const outcome = await email.deliver(batch, neverHttp);
    expect(outcome.result).toBe('delivered');
    expect(transport.sent).toHaveLength(1);
    expect(transport.sent[0].headers).toMatchObject({ 'X-TelcoMesh-Notification-Id': 'a, b' });
    expect(transport.sent[0].subject).toBe('[TelcoMesh] 2 notifications (2 major)');
  });

  it('classifies send errors and reports health', async () => {
    const transport = new FakeTransport();
    const email = new EmailIntegration(config(), transport);
    expect((await email.checkHealth(neverHttp)).healthy).toBe(true);
    transport.failWith = smtpError('Invalid login: 535 s3cret-pass', {
      code: 'EAUTH',
      responseCode: 535,
    });
    expect(await email.deliver([sampleNotification()], neverHttp)).toEqual({
      result: 'failed',
      status: 535,
      reason: 'Error: Invalid login: 535 ***',
    });
    const health = await email.checkHealth(neverHttp);
    expect(health.healthy).toBe(false);
    expect(health.detail).not.toContain('s3cret-pass');
    expect(await email.deliver([], neverHttp)).toMatchObject({ result: 'failed' });
  });
});
