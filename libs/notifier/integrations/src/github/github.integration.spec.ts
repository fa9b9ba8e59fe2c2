import { jsonResponse as json, scriptedHttp as fakeHttp } from '../scripted-http';
import type { Notification } from '../notification';
import { parseGitHubConfig } from './github.config';
import {
  GITHUB_BODY_MAX,
  GITHUB_SECONDARY_LIMIT_WAIT_MS,
  GITHUB_TITLE_MAX,
  GitHubIntegration,
  issueMarker,
  subjectMatches,
} from './github.integration';

const TOKEN = 'ghp_secretsecretsecret';
const NOW = Date.parse('2025-01-01T15:00:00Z');

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'evt-5:route-d:github',
    kind: 'config_change',
    subject: 'app.database.host',
    title: 'Configuration changed',
    summary: 'app.database.host changed',
    severity: 'major',
    status: 'firing',
    fields: [
      { name: 'Key', value: 'app.database.host' },
      { name: 'New Value', value: 'a|b' },
    ],
    labels: { config_key: 'app.database.host', user_id: 'admin@acme.com' },
    occurredAt: new Date('2025-01-01T14:30:00Z'),
    url: 'https://telcomesh.example/c/1',
    count: 1,
    ...overrides,
  };
}

function integration(extra: Record<string, unknown> = {}): GitHubIntegration {
  return new GitHubIntegration(
    parseGitHubConfig({
      token: TOKEN,
      organization: 'acme',
      repositories: { 'config-tracking': 'acme/config-tracking', infrastructure: 'infrastructure' },
      auto_create_issues: true,
      issue_labels: ['configuration', 'automated'],
      workflow_triggers: { deploy: '.github/workflows/deploy-config.yml' },
      workflow_repository: 'infrastructure',
      ...extra,
    }),
    () => NOW,
  );
}

describe('parseGitHubConfig', () => {
  it('names every bad field and never echoes the token', () => {
    let message = '';
    try {
      parseGitHubConfig({
        token: 42,
        repositories: { a: 'not a repo', b: 'lonely' },
        auto_create_issues: 'yes',
        workflow_triggers: { deploy: 'deploy.sh' },
        workflow_inputs: Object.fromEntries(
          Array.from({ length: 11 }, (_, i) => [`in${i}`, '{id}']),
        ),
        issue_repository: 'missing',
        api_url: 'nope',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'token',
      'repositories.a',
      'repositories.b',
      'auto_create_issues',
      'workflow_triggers.deploy',
      'workflow_inputs',
      'issue_repository',
      'api_url',
    ]) {
      expect(message).toContain(field);
    }
    expect(message).not.toContain('42');
  });
});

describe('GitHubIntegration', () => {
  it('checks for the marker, opens the issue, then dispatches the workflow', async () => {
    const http = fakeHttp(
      json(200, [{ number: 3, body: 'unrelated' }]),
      json(201, { number: 4, html_url: 'https://github.com/acme/config-tracking/issues/4' }),
      json(204, undefined),
    );
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({
      result: 'delivered',
      status: 204,
      reference: 'acme/config-tracking#4,workflow:deploy@main',
    });
    const [list, create, dispatch] = http.requests;
    for (const request of http.requests) {
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${TOKEN}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      });
      expect(request.headers['user-agent']).toBeTruthy();
    }
    const listUrl = new URL(list.url);
    expect(listUrl.pathname).toBe('/repos/acme/config-tracking/issues');
    expect(listUrl.searchParams.get('state')).toBe('all');
    expect(listUrl.searchParams.get('labels')).toBe('configuration,automated');
    expect(listUrl.searchParams.get('since')).toBe('2024-12-31T14:30:00.000Z');
    expect(create.url).toBe('https://api.github.com/repos/acme/config-tracking/issues');
    const issue = JSON.parse(create.body ?? '{}') as {
      title: string;
      body: string;
      labels: string[];
    };
    expect(issue.title).toBe('[MAJOR] Configuration changed');
    expect(issue.labels).toEqual(['configuration', 'automated']);
    expect(issue.body).toContain('| Field | Value |');
    expect(issue.body).toContain('| New Value | a\\|b |');
    expect(issue.body.endsWith(issueMarker('evt-5:route-d:github'))).toBe(true);
    expect(dispatch.url).toBe(
      'https://api.github.com/repos/acme/infrastructure/actions/workflows/deploy-config.yml/dispatches',
    );
    expect(JSON.parse(dispatch.body ?? '{}')).toEqual({
      ref: 'main',
      inputs: {
        event_id: 'evt-5:route-d:github',
        kind: 'config_change',
        subject: 'app.database.host',
        severity: 'major',
        status: 'firing',
      },
    });
  });

  it('skips creating when an issue already carries the marker', async () => {
    const http = fakeHttp(
      json(200, [{ number: 9, body: `x\n\n${issueMarker('evt-5:route-d:github')}` }]),
    );
    expect(
      await integration({ workflow_triggers: {} }).deliver([notification()], http.send),
    ).toEqual({ result: 'delivered', status: 200, reference: 'acme/config-tracking#9' });
    expect(http.requests).toHaveLength(1);
  });

  it('renders configured inputs from labels and fields, and honours workflow_patterns', async () => {
    const github = integration({
      auto_create_issues: false,
      workflow_ref: 'release',
      workflow_inputs: {
        CONFIG_KEY: '{config_key}',
        CONFIG_VALUE: '{new_value}',
        USER_ID: '{user_id}',
        X: '{nope}',
      },
      workflow_patterns: ['app.database.*'],
    });
    expect(github.buildInputs(notification())).toEqual({
      CONFIG_KEY: 'app.database.host',
      CONFIG_VALUE: 'a|b',
      USER_ID: 'admin@acme.com',
      X: '',
    });
    expect(github.dispatchesWorkflows(notification())).toBe(true);
    expect(github.dispatchesWorkflows(notification({ subject: 'app.database.pool.size' }))).toBe(
      false,
    );
    expect(github.dispatchesWorkflows(notification({ subject: 'app.cache.ttl' }))).toBe(false);
    const http = fakeHttp();
    expect(await github.deliver([notification({ subject: 'app.cache.ttl' })], http.send)).toEqual({
      result: 'delivered',
      status: 200,
      reference: 'nothing to do',
    });
    expect(http.requests).toHaveLength(0);
    expect(subjectMatches(['*.database.*'], 'app.database.host')).toBe(true);
  });

  it('keeps titles and bodies within GitHub limits, marker intact', () => {
    const issue = integration().buildIssue(
      notification({ title: 'T'.repeat(1000), summary: 'S'.repeat(100_000) }),
    );
    expect(issue.title).toHaveLength(GITHUB_TITLE_MAX);
    expect(issue.body.length).toBeLessThanOrEqual(GITHUB_BODY_MAX);
    expect(issue.body.endsWith(issueMarker('evt-5:route-d:github'))).toBe(true);
  });

  it('classifies GitHub rate limits', () => {
    const gh = integration();
    expect(gh.classify(json(403, { message: 'secondary' }, { 'retry-after': '30' }))).toMatchObject(
      {
        result: 'retry',
        status: 403,
        retryAfterMs: 30_000,
      },
    );
    expect(
      gh.classify(
        json(
          403,
          { message: 'API rate limit exceeded' },
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(NOW / 1000 + 120),
          },
        ),
      ),
    ).toMatchObject({ result: 'retry', retryAfterMs: 120_000 });
    expect(
      gh.classify(json(403, { message: 'You have exceeded a secondary rate limit.' })),
    ).toMatchObject({ result: 'retry', retryAfterMs: GITHUB_SECONDARY_LIMIT_WAIT_MS });
    expect(gh.classify(json(429, {}))).toMatchObject({ result: 'retry', status: 429 });
    expect(
      gh.classify(
        json(
          403,
          { message: 'Resource not accessible by integration' },
          { 'x-ratelimit-remaining': '4000' },
        ),
      ),
    ).toMatchObject({ result: 'failed', status: 403 });
    expect(gh.classify(json(422, { message: 'Validation Failed' }))).toMatchObject({
      result: 'failed',
    });
    expect(gh.classify(json(502, {}))).toMatchObject({ result: 'retry' });
  });

  it('reports which workflow failed and never leaks the token', async () => {
    const http = fakeHttp(json(422, { message: `Unexpected inputs provided: ["kind"] ${TOKEN}` }));
    const outcome = await integration({ auto_create_issues: false }).deliver(
      [notification()],
      http.send,
    );
    expect(outcome).toMatchObject({ result: 'failed', status: 422 });
    expect(outcome.result === 'failed' && outcome.reason).toMatch(/^workflow deploy: HTTP 422/);
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('checks health on the issue repository', async () => {
    const ok = fakeHttp(json(200, { permissions: { push: true } }));
    expect(
      await integration({ api_url: 'https://ghe.acme.com/api/v3/' }).checkHealth(ok.send),
    ).toMatchObject({
      healthy: true,
    });
    expect(ok.requests[0].url).toBe('https://ghe.acme.com/api/v3/repos/acme/config-tracking');
    const readOnly = fakeHttp(json(200, { permissions: { push: false } }));
    expect((await integration().checkHealth(readOnly.send)).healthy).toBe(false);
    expect((await integration().checkHealth(fakeHttp(json(401, {})).send)).healthy).toBe(false);
  });
});
