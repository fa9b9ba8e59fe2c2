import { jsonResponse as json, scriptedHttp as fakeHttp } from '../scripted-http';
import type { HttpResponse } from '../integration';
import type { Notification } from '../notification';
import { parseJenkinsConfig } from './jenkins.config';
import {
  JENKINS_PARAMETER_MAX,
  JenkinsIntegration,
  SKIPPED_REFERENCE,
  jobPath,
} from './jenkins.integration';

const TOKEN = '11aa22bb33cc44dd55ee66ff77889900aa';

function page(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    headers,
    body: `<html><body><h2>HTTP ERROR ${status} ${text}</h2></body></html>`,
  };
}

const NO_BUILDS = json(200, { builds: [] });
const CRUMB = json(
  200,
  { crumb: 'c0ffee', crumbRequestField: 'Jenkins-Crumb' },
  { 'set-cookie': 'JSESSIONID.a1b2=node0abc; Path=/; HttpOnly' },
);
const QUEUED = page(201, '', { location: 'https://jenkins.acme.com/queue/item/42/' });

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'evt-11:route-f:jenkins',
    kind: 'config_change',
    subject: 'app.database.host',
    title: 'Configuration changed',
    summary: 'app.database.host changed',
    severity: 'major',
    status: 'firing',
    fields: [
      { name: 'Key', value: 'app.database.host' },
      { name: 'Old Value', value: 'localhost' },
      { name: 'New Value', value: 'prod-db.internal' },
      { name: 'Changed By', value: 'admin@acme.com' },
    ],
    labels: {},
    occurredAt: new Date('2025-01-01T14:30:00Z'),
    count: 1,
    ...overrides,
  };
}

function integration(extra: Record<string, unknown> = {}): JenkinsIntegration {
  return new JenkinsIntegration(
    parseJenkinsConfig({
      base_url: 'https://jenkins.acme.com/',
      username: 'automation',
      api_token: TOKEN,
      default_job: 'config-deployment',
      trigger_patterns: ['app.database.*', 'app.cache.*'],
      job_parameters: { ENVIRONMENT: 'production', NOTIFY_TEAM: 'platform' },
      ...extra,
    }),
  );
}

describe('parseJenkinsConfig', () => {
  it('names every bad field without echoing the token', () => {
    let message = '';
    try {
      parseJenkinsConfig({
        base_url: 'jenkins',
        username: '',
        api_token: '',
        default_job: '/leading-slash',
        trigger_patterns: [],
        job_parameters: { ENVIRONMENT: 3 },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of [
      'base_url',
      'username',
      'api_token',
      'default_job',
      'trigger_patterns',
      'job_parameters.ENVIRONMENT',
    ]) {
      expect(message).toContain(name);
    }
  });
});

describe('JenkinsIntegration', () => {
  it('matches subjects with dotted globs', () => {
    const jenkins = integration();
    expect(jenkins.accepts(notification())).toBe(true);
    expect(jenkins.accepts(notification({ subject: 'app.cache.ttl' }))).toBe(true);
    expect(jenkins.accepts(notification({ subject: 'app.database.pool.size' }))).toBe(false);
    expect(jenkins.accepts(notification({ subject: 'app.logging.level' }))).toBe(false);
    expect(
      integration({ trigger_patterns: ['**'] }).accepts(notification({ subject: 'a.b.c' })),
    ).toBe(true);
  });

  it('acknowledges a notification outside the patterns without any request', async () => {
    const http = fakeHttp();
    expect(
      await integration().deliver([notification({ subject: 'app.logging.level' })], http.send),
    ).toEqual({ result: 'delivered', status: 200, reference: SKIPPED_REFERENCE });
    expect(http.requests).toHaveLength(0);
  });

  it('checks recent builds, fetches a crumb, then posts buildWithParameters', async () => {
    const http = fakeHttp(NO_BUILDS, CRUMB, QUEUED);
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({
      result: 'delivered',
      status: 201,
      reference: 'https://jenkins.acme.com/queue/item/42/',
    });
    const [builds, crumb, build] = http.requests;
    const auth = `Basic ${Buffer.from(`automation:${TOKEN}`).toString('base64')}`;
    for (const request of http.requests) expect(request.headers.authorization).toBe(auth);
    expect(builds.url).toMatch(
      /^https:\/\/jenkins\.acme\.com\/job\/config-deployment\/api\/json\?tree=/,
    );
    expect(decodeURIComponent(builds.url)).toContain(
      'builds[number,url,actions[parameters[name,value]]]{0,50}',
    );
    expect(crumb).toMatchObject({
      method: 'GET',
      url: 'https://jenkins.acme.com/crumbIssuer/api/json',
    });
    expect(build.method).toBe('POST');
    expect(build.url).toBe('https://jenkins.acme.com/job/config-deployment/buildWithParameters');
    expect(build.headers['jenkins-crumb']).toBe('c0ffee');
    expect(build.headers.cookie).toBe('JSESSIONID.a1b2=node0abc');
    expect(build.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(build.body))).toEqual({
      ENVIRONMENT: 'production',
      NOTIFY_TEAM: 'platform',
      CONFIG_KEY: 'app.database.host',
      CONFIG_VALUE: 'prod-db.internal',
      USER_ID: 'admin@acme.com',
      EVENT_ID: 'evt-11:route-f:jenkins',
    });
  });

  it('proceeds without a crumb when the crumb issuer answers 404 (CSRF off)', async () => {
    const http = fakeHttp(NO_BUILDS, page(404, 'Not Found'), QUEUED);
    expect(await integration().deliver([notification()], http.send)).toMatchObject({
      result: 'delivered',
      status: 201,
    });
    expect(http.requests[2].headers['jenkins-crumb']).toBeUndefined();
    expect(http.requests[2].headers.cookie).toBeUndefined();
  });

  it('does not trigger again when a recent build carries the EVENT_ID', async () => {
    const http = fakeHttp(
      json(200, {
        builds: [
          {
            number: 8,
            url: 'u8',
            actions: [{ parameters: [{ name: 'EVENT_ID', value: 'other' }] }],
          },
          {
            number: 7,
            url: 'https://jenkins.acme.com/job/config-deployment/7/',
            actions: [
              {},
              null,
              { parameters: [{ name: 'EVENT_ID', value: 'evt-11:route-f:jenkins' }] },
            ],
          },
        ],
      }),
    );
    expect(await integration().deliver([notification()], http.send)).toEqual({
      result: 'delivered',
      status: 200,
      reference: 'https://jenkins.acme.com/job/config-deployment/7/',
    });
    expect(http.requests).toHaveLength(1);
  });

  it('prefers labels for the seed parameters, encodes folder jobs, and caps values', () => {
    const jenkins = integration({ default_job: 'deploy/config deployment' });
    expect(jobPath('deploy/config deployment')).toBe('/job/deploy/job/config%20deployment');
    expect(jenkins.buildRequest(notification(), {}).url).toBe(
      'https://jenkins.acme.com/job/deploy/job/config%20deployment/buildWithParameters',
    );
    expect(
      jenkins.buildParameters(
        notification({
          labels: { config_key: 'k', config_value: 'v'.repeat(20_000), user_id: 'u' },
          fields: [],
        }),
      ),
    ).toMatchObject({ CONFIG_KEY: 'k', USER_ID: 'u', CONFIG_VALUE: expect.any(String) as unknown });
    expect(
      jenkins.buildParameters(notification({ labels: { config_value: 'v'.repeat(20_000) } }))
        .CONFIG_VALUE,
    ).toHaveLength(JENKINS_PARAMETER_MAX);
    expect(
      jenkins.buildParameters(notification({ fields: [], subject: 'app.cache.ttl' })),
    ).toMatchObject({
      CONFIG_KEY: 'app.cache.ttl',
      CONFIG_VALUE: '',
      USER_ID: '',
    });
  });

  it('classifies failures with short reasons and never leaks the token', async () => {
    const denied = await integration().deliver(
      [notification()],
      fakeHttp(page(401, `Invalid password/token for user: automation ${TOKEN}`)).send,
    );
    expect(denied).toMatchObject({ result: 'failed', status: 401 });
    expect(denied.result === 'failed' && denied.reason).not.toContain('<');
    expect(JSON.stringify(denied)).not.toContain(TOKEN);
    expect(
      await integration().deliver(
        [notification()],
        fakeHttp(NO_BUILDS, CRUMB, page(403, 'No valid crumb was included in the request')).send,
      ),
    ).toMatchObject({ result: 'failed', status: 403 });
    expect(
      await integration().deliver([notification()], fakeHttp(NO_BUILDS, page(500, 'boom')).send),
    ).toMatchObject({ result: 'retry', status: 500 });
    expect(
      await integration().deliver(
        [notification()],
        fakeHttp(
          NO_BUILDS,
          CRUMB,
          page(503, 'Jenkins is going to shut down', { 'retry-after': '20' }),
        ).send,
      ),
    ).toMatchObject({ result: 'retry', retryAfterMs: 20_000 });
    expect(
      await integration().deliver([notification()], fakeHttp(page(404, 'Not Found')).send),
    ).toMatchObject({ result: 'failed', status: 404 });
  });

  it('checks health with GET /api/json', async () => {
    const ok = fakeHttp(json(200, { mode: 'NORMAL' }, { 'x-jenkins': '2.479.3' }));
    expect(await integration().checkHealth(ok.send)).toMatchObject({
      healthy: true,
      detail: 'Jenkins 2.479.3 mode NORMAL',
    });
    expect(ok.requests[0].url).toMatch(/^https:\/\/jenkins\.acme\.com\/api\/json/);
    expect((await integration().checkHealth(fakeHttp(page(401, 'x')).send)).healthy).toBe(false);
  });
});
