import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { HttpSend } from '../integration';
import type { Notification } from '../notification';
import { sampleNotification } from '../webhook/notification.fixture';
import { SmtpSimulator } from '@telcomesh/testing';
import { parseEmailConfig } from './email.config';
import { EmailIntegration } from './email.integration';

const USER = 'notifier';
const PASSWORD = 'correct horse battery staple';
const neverHttp: HttpSend = () => Promise.reject(new Error('e-mail must not use HTTP'));

function integration(port: number, overrides: Record<string, unknown> = {}): EmailIntegration {
  return new EmailIntegration(
    parseEmailConfig({
      host: '127.0.0.1',
      port,
      secure: false,
      starttls: false,
      username: USER,
      password: PASSWORD,
      from: 'TelcoMesh NOC <noc@telcomesh.example>',
      to: ['ops@example.com', 'failure-list@example.com'],
      cc: ['audit@example.com'],
      timeout_ms: 5000,
      ...overrides,
    }),
  );
}

function provisioningFailure(): Notification {
  return sampleNotification({
    id: 'prov-456.route-ops.email',
    kind: 'provisioning_failure',
    subject: 'provisioning.play_psim_only.failed',
    title: 'Provisioning failed: Mobile SIM Only',
    summary: 'Create account in OCS failed',
    fields: [],
    labels: {
      customer_name: 'Jöhn <Smith> & Co',
      customer_id: '123',
      product_name: 'Mobile SIM Only',
      provisioning_result_json: JSON.stringify([
        { event_number: 1, event_name: 'Get Product information', provisioning_status: 0 },
        { event_number: 2, event_name: 'Send welcome SMS', provisioning_status: 3 },
        {
          event_number: 3,
          event_name: 'Create account in OCS',
          provisioning_status: 2,
          provisioning_result_json: '{"status":500}',
        },
      ]),
    },
  });
}

describe('EmailIntegration against the SMTP simulator (real SMTP)', () => {
  const simulator = new SmtpSimulator({ username: USER, password: PASSWORD });
  let port: number;
  let email: EmailIntegration;

  beforeAll(async () => {
    ({ port } = await simulator.start());
    email = integration(port);
  });
  afterEach(() => simulator.reset());
  afterAll(async () => {
    email.close();
    await simulator.stop();
  });

  it('delivers a multipart message that parses back intact', async () => {
    const n = provisioningFailure();
    const outcome = await email.deliver([n], neverHttp);
    expect(outcome).toEqual({
      result: 'delivered',
      status: 250,
      reference: '<prov-456.route-ops.email@telcomesh.example>',
    });
    const [mail] = await simulator.waitFor(1);
    expect(mail.user).toBe(USER);
    expect(mail.from).toBe('noc@telcomesh.example');
    expect(mail.to).toEqual(['ops@example.com', 'failure-list@example.com']);
    expect(mail.cc).toEqual(['audit@example.com']);
    expect(mail.envelope.to).toEqual([
      'ops@example.com',
      'failure-list@example.com',
      'audit@example.com',
    ]);
    expect(mail.subject).toBe('[TelcoMesh] [MAJOR] Provisioning failed: Mobile SIM Only');
    expect(mail.messageId).toBe('<prov-456.route-ops.email@telcomesh.example>');
    expect(mail.headers['x-telcomesh-notification-id']).toBe('prov-456.route-ops.email');
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative/);
    expect(mail.html).toContain('Jöhn &lt;Smith&gt; &amp; Co');
    expect(mail.html).toContain('data-task-status="failed (ignored)"');
    expect(mail.html).toContain('background:#fdecea;color:#c62828');
    expect(mail.text).toContain('Customer:');
    expect(mail.text).toContain('Jöhn <Smith> & Co');
    expect(mail.text).toMatch(/\[FAILED\] +3\. Create account in OCS/);
  });

  it('sends the same Message-ID again on a retry, so receivers can drop the repeat', async () => {
    const n = sampleNotification({ id: 'evt-7.route-1.email' });
    await email.deliver([n], neverHttp);
    await email.deliver([n], neverHttp);
    const mails = await simulator.waitFor(2);
    expect(mails.map((m) => m.messageId)).toEqual([
      '<evt-7.route-1.email@telcomesh.example>',
      '<evt-7.route-1.email@telcomesh.example>',
    ]);
  });

  it('sends a digest as one message', async () => {
    const digest = integration(port, { digest_size: 10 });
    const outcome = await digest.deliver(
      [
        sampleNotification({ id: 'd1', kind: 'alarm', title: 'Cell down', severity: 'critical' }),
        sampleNotification({ id: 'd2' }),
      ],
      neverHttp,
    );
    digest.close();
    expect(outcome.result).toBe('delivered');
    const [mail] = await simulator.waitFor(1);
    expect(simulator.received).toHaveLength(1);
    expect(mail.subject).toBe('[TelcoMesh] 2 notifications (1 critical, 1 major)');
    expect(mail.headers['x-telcomesh-notification-id']).toBe('d1, d2');
    expect(mail.messageId).toMatch(/^<digest-[0-9a-f]{40}@telcomesh\.example>$/);
  });

  it('fails permanently on a wrong password (535)', async () => {
    const wrong = integration(port, { password: 'wrong password' });
    const outcome = await wrong.deliver([sampleNotification()], neverHttp);
    const health = await wrong.checkHealth(neverHttp);
    wrong.close();
    expect(outcome).toMatchObject({ result: 'failed', status: 535 });
    expect(outcome.result === 'failed' && outcome.reason).not.toContain('wrong password');
    expect(simulator.authFailures).toBe(2);
    expect(simulator.received).toHaveLength(0);
    expect(health.healthy).toBe(false);
  });

  it('retries on 451 and then gets through', async () => {
    simulator.failNext(1, 451);
    const n = sampleNotification({ id: 'evt-451' });
    expect(await email.deliver([n], neverHttp)).toMatchObject({ result: 'retry', status: 451 });
    expect(simulator.received).toHaveLength(0);
    expect(await email.deliver([n], neverHttp)).toMatchObject({ result: 'delivered' });
    expect((await simulator.waitFor(1))[0].messageId).toBe('<evt-451@telcomesh.example>');
  });

  it('fails permanently on 550', async () => {
    simulator.failNext(1, 550, 'Mailbox unavailable');
    expect(await email.deliver([sampleNotification()], neverHttp)).toMatchObject({
      result: 'failed',
      status: 550,
    });
  });

  it('will not log in over plain text when STARTTLS is required but not offered', async () => {
    const strict = integration(port, { starttls: true });
    const outcome = await strict.deliver([sampleNotification()], neverHttp);
    strict.close();
    expect(outcome).toMatchObject({ result: 'failed' });
    expect(outcome.result === 'failed' && outcome.reason).toMatch(/STARTTLS/);
    expect(simulator.authFailures).toBe(0);
    expect(simulator.received).toHaveLength(0);
  });

  it('reports health by authenticating without sending', async () => {
    const health = await email.checkHealth(neverHttp);
    expect(health.healthy).toBe(true);
    expect(simulator.received).toHaveLength(0);
  });

  it('retries when nothing listens', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const closedPort = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const nobody = integration(closedPort);
    const outcome = await nobody.deliver([sampleNotification()], neverHttp);
    const health = await nobody.checkHealth(neverHttp);
    nobody.close();
    expect(outcome).toMatchObject({ result: 'retry' });
    expect(health.healthy).toBe(false);
  });
});
