import { JenkinsSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import type { Notification } from '../notification';
import { parseJenkinsConfig } from './jenkins.config';
import { JenkinsIntegration, SKIPPED_REFERENCE } from './jenkins.integration';

const USER = 'automation';
const TOKEN = 'jenkins-int-api-token';
const PARAMETERS = [
  'CONFIG_KEY',
  'CONFIG_VALUE',
  'USER_ID',
  'EVENT_ID',
  'ENVIRONMENT',
  'NOTIFY_TEAM',
];

function notification(id: string, overrides: Partial<Notification> = {}): Notification {
  return {
    id,
    kind: 'config_change',
    subject: 'app.database.host',
    title: 'Configuration changed',
    summary: 'app.database.host changed',
    severity: 'major',
    status: 'firing',
    fields: [
      { name: 'Key', value: 'app.database.host' },
      { name: 'New Value', value: 'prod-db.internal' },
      { name: 'Changed By', value: 'admin@acme.com' },
    ],
    labels: {},
    occurredAt: new Date(),
    count: 1,
    ...overrides,
  };
}

describe.each([
  { csrf: true, label: 'with CSRF crumbs' },
  { csrf: false, label: 'with CSRF off (crumb issuer 404)' },
])('JenkinsIntegration against the Jenkins simulator $label', ({ csrf }) => {
  const simulator = new JenkinsSimulator({
    username: USER,
    apiToken: TOKEN,
    csrf,
    jobs: {
      'config-deployment': { parameters: PARAMETERS },
      'deploy/config': { parameters: PARAMETERS },
    },
  });
  const http = fetchHttpSend({ timeoutMs: 5000 });
  let baseUrl = '';

  function integration(overrides: Record<string, unknown> = {}): JenkinsIntegration {
    return new JenkinsIntegration(
      parseJenkinsConfig({
        base_url: baseUrl,
        username: USER,
        api_token: TOKEN,
        default_job: 'config-deployment',
        trigger_patterns: ['app.database.*', 'app.cache.*'],
        job_parameters: { ENVIRONMENT: 'production', NOTIFY_TEAM: 'platform' },
        ...overrides,
      }),
    );
  }

  const triggered = (id: string) =>
    [...simulator.queue, ...simulator.builds].filter((x) => x.parameters.EVENT_ID === id);

  beforeAll(async () => {
    baseUrl = await simulator.start();
  });
  afterAll(() => simulator.stop());

  it('queues a parameterized build for a matching subject', async () => {
    const outcome = await integration().deliver([notification('jk-1')], http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 201 });
    expect(outcome.result === 'delivered' && outcome.reference).toMatch(/\/queue\/item\/\d+\/$/);
    expect(triggered('jk-1')[0].parameters).toEqual({
      CONFIG_KEY: 'app.database.host',
      CONFIG_VALUE: 'prod-db.internal',
      USER_ID: 'admin@acme.com',
      EVENT_ID: 'jk-1',
      ENVIRONMENT: 'production',
      NOTIFY_TEAM: 'platform',
    });
  });

  it('triggers jobs inside folders', async () => {
    await integration({ default_job: 'deploy/config' }).deliver([notification('jk-folder')], http);
    expect(triggered('jk-folder')[0]).toMatchObject({ job: 'deploy/config' });
  });

  it('skips subjects outside trigger_patterns', async () => {
    const before = simulator.requests.length;
    expect(
      await integration().deliver(
        [notification('jk-skip', { subject: 'app.logging.level' })],
        http,
      ),
    ).toEqual({ result: 'delivered', status: 200, reference: SKIPPED_REFERENCE });
    expect(simulator.requests.length).toBe(before);
  });

  it('does not start a second build for a repeated notification id, queued or started', async () => {
    await integration().deliver([notification('jk-dup')], http);
    await integration().deliver([notification('jk-dup')], http);
    expect(triggered('jk-dup')).toHaveLength(1);
    simulator.startQueued();
    const again = await integration().deliver([notification('jk-dup')], http);
    expect(again).toMatchObject({ result: 'delivered', status: 200 });
    expect(again.result === 'delivered' && again.reference).toMatch(
      /\/job\/config-deployment\/\d+\/$/,
    );
    expect(triggered('jk-dup')).toHaveLength(1);
  });

  it('retries on 429 with Retry-After and on 5xx', async () => {
    simulator.failNext(1, 429, 8);
    expect(await integration().deliver([notification('jk-429')], http)).toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 8000,
    });
    simulator.failNext(1, 503);
    expect(await integration().deliver([notification('jk-429')], http)).toMatchObject({
      result: 'retry',
      status: 503,
    });
    expect(triggered('jk-429')).toHaveLength(0);
  });

  it('fails on bad credentials without leaking them', async () => {
    const outcome = await integration({ api_token: 'wrong-token' }).deliver(
      [notification('jk-401')],
      http,
    );
    expect(outcome).toMatchObject({ result: 'failed', status: 401 });
    expect(JSON.stringify(outcome)).not.toContain('wrong-token');
  });

  it('reports health', async () => {
    expect(await integration().checkHealth(http)).toMatchObject({ healthy: true });
    expect((await integration({ api_token: 'wrong' }).checkHealth(http)).healthy).toBe(false);
  });
});
