import { jsonResponse as json, scriptedHttp as fakeHttp } from '../scripted-http';
import type { Notification } from '../notification';
import { parseGitLabConfig } from './gitlab.config';
import {
  GITLAB_DESCRIPTION_MAX,
  GITLAB_TITLE_MAX,
  GitLabIntegration,
  defaultVariables,
  issueMarker,
} from './gitlab.integration';

const TOKEN = 'glpat-secret-access-token';
const TRIGGER = 'glptt-secret-trigger-token';

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'evt-7:route-e:gitlab',
    kind: 'config_change',
    subject: 'app.database.host',
    title: 'Configuration changed',
    summary: 'app.database.host changed',
    severity: 'minor',
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

function integration(extra: Record<string, unknown> = {}): GitLabIntegration {
  return new GitLabIntegration(
    parseGitLabConfig({
      base_url: 'https://gitlab.acme.com/',
      token: TOKEN,
      project_id: 12345,
      auto_create_mrs: false,
      mr_target_branch: 'main',
      issue_labels: ['configuration', 'automated'],
      pipeline_triggers: { 'config-deploy': 'config-deployment' },
      trigger_token: TRIGGER,
      ...extra,
    }),
  );
}

describe('parseGitLabConfig', () => {
  it('names every bad field', () => {
    let message = '';
    try {
      parseGitLabConfig({
        base_url: 'gitlab',
        token: '',
        project_id: 'not a / path',
        pipeline_triggers: { deploy: '' },
        pipeline_variables: { 'bad-name': '{id}' },
        auto_create_mrs: true,
        issue_labels: 'x',
        trigger_token: 7,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'base_url',
      'token',
      'project_id',
      'pipeline_triggers.deploy',
      'pipeline_variables.bad-name',
      'auto_create_mrs',
      'issue_labels',
      'trigger_token',
    ]) {
      expect(message).toContain(field);
    }
    expect(() =>
      parseGitLabConfig({ token: 't', project_id: 1, pipeline_triggers: { a: 'main' } }),
    ).toThrow('trigger_token: required');
    expect(parseGitLabConfig({ token: 't', project_id: 'group/sub/project' }).project_id).toBe(
      'group/sub/project',
    );
  });
});

describe('GitLabIntegration', () => {
  it('searches for the marker, opens the issue with PRIVATE-TOKEN, then triggers the pipeline', async () => {
    const http = fakeHttp(
      json(200, []),
      json(201, { id: 501, iid: 1, web_url: 'x' }),
      json(201, { id: 9001, status: 'created' }),
    );
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({
      result: 'delivered',
      status: 201,
      reference: 'issue#1,pipeline:config-deploy#9001',
    });
    const [search, create, trigger] = http.requests;
    const url = new URL(search.url);
    expect(url.pathname).toBe('/api/v4/projects/12345/issues');
    expect(url.searchParams.get('search')).toBe(issueMarker('evt-7:route-e:gitlab'));
    expect(url.searchParams.get('in')).toBe('description');
    expect(search.headers['private-token']).toBe(TOKEN);
    expect(create.url).toBe('https://gitlab.acme.com/api/v4/projects/12345/issues');
    expect(create.headers['private-token']).toBe(TOKEN);
    const issue = JSON.parse(create.body ?? '{}') as Record<string, string>;
    expect(issue.title).toBe('[MINOR] Configuration changed');
    expect(issue.labels).toBe('configuration,automated');
    expect(issue.description).toContain('| Old Value | localhost |');
    expect(issue.description).toContain(issueMarker('evt-7:route-e:gitlab'));
    expect(trigger.url).toBe('https://gitlab.acme.com/api/v4/projects/12345/trigger/pipeline');
    expect(trigger.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(trigger.headers['private-token']).toBeUndefined();
    const form = new URLSearchParams(trigger.body);
    expect(form.get('token')).toBe(TRIGGER);
    expect(form.get('ref')).toBe('config-deployment');
    expect(form.get('variables[CONFIG_KEY]')).toBe('app.database.host');
    expect(form.get('variables[CONFIG_VALUE]')).toBe('prod-db.internal');
    expect(form.get('variables[USER_ID]')).toBe('admin@acme.com');
    expect(form.get('variables[EVENT_ID]')).toBe('evt-7:route-e:gitlab');
  });

  it('skips the create when an issue carries the marker', async () => {
    const http = fakeHttp(
      json(200, [{ iid: 4, description: `x <!-- ${issueMarker('evt-7:route-e:gitlab')} -->` }]),
    );
    expect(
      await integration({ pipeline_triggers: {} }).deliver([notification()], http.send),
    ).toEqual({ result: 'delivered', status: 200, reference: 'issue#4' });
    expect(http.requests).toHaveLength(1);
  });

  it('encodes path project ids, honours pipeline_patterns and custom variables', async () => {
    const gitlab = integration({
      project_id: 'platform/config',
      auto_create_issues: false,
      pipeline_patterns: ['app.cache.*'],
      pipeline_variables: { REGION: '{region}', CONFIG_KEY: 'override-{config_key}' },
    });
    expect(gitlab.triggersPipelines(notification())).toBe(false);
    const cache = notification({
      subject: 'app.cache.ttl',
      labels: { region: 'eu', config_key: 'app.cache.ttl' },
    });
    expect(gitlab.triggersPipelines(cache)).toBe(true);
    expect(gitlab.buildVariables(cache)).toMatchObject({
      REGION: 'eu',
      CONFIG_KEY: 'override-app.cache.ttl',
    });
    const http = fakeHttp(json(201, { id: 1 }));
    await gitlab.deliver([cache], http.send);
    expect(http.requests[0].url).toBe(
      'https://gitlab.acme.com/api/v4/projects/platform%2Fconfig/trigger/pipeline',
    );
    expect(defaultVariables(notification({ fields: [], subject: 'a.b' })).CONFIG_KEY).toBe('a.b');
  });

  it('keeps title and description within GitLab limits', () => {
    const issue = integration().buildIssue(
      notification({ title: `a\n${'T'.repeat(400)}`, summary: 'S'.repeat(2_000_000) }),
    );
    expect(issue.title).toHaveLength(GITLAB_TITLE_MAX);
    expect(issue.title).not.toContain('\n');
    expect(issue.description.length).toBeLessThanOrEqual(GITLAB_DESCRIPTION_MAX);
    expect(issue.description).toContain(issueMarker('evt-7:route-e:gitlab'));
  });

  it('classifies failures, names the pipeline, and never leaks tokens', async () => {
    expect(
      await integration().deliver(
        [notification()],
        fakeHttp(json(401, { message: '401 Unauthorized' })).send,
      ),
    ).toMatchObject({ result: 'failed', status: 401 });
    expect(
      await integration().deliver(
        [notification()],
        fakeHttp(json(429, {}, { 'retry-after': '12' })).send,
      ),
    ).toMatchObject({ result: 'retry', retryAfterMs: 12_000 });
    const bad = await integration({ auto_create_issues: false }).deliver(
      [notification()],
      fakeHttp(json(404, { message: `404 Not Found ${TRIGGER} ${TOKEN}` })).send,
    );
    expect(bad).toMatchObject({ result: 'failed', status: 404 });
    expect(bad.result === 'failed' && bad.reason).toMatch(/^pipeline config-deploy: HTTP 404/);
    expect(JSON.stringify(bad)).not.toContain(TRIGGER);
    expect(JSON.stringify(bad)).not.toContain(TOKEN);
    expect(
      await integration().deliver([notification()], fakeHttp(json(200, []), json(500, {})).send),
    ).toMatchObject({ result: 'retry', status: 500 });
  });

  it('checks health with GET /api/v4/projects/:id', async () => {
    const ok = fakeHttp(json(200, { path_with_namespace: 'platform/config' }));
    expect(await integration().checkHealth(ok.send)).toMatchObject({
      healthy: true,
      detail: 'project platform/config reachable',
    });
    expect(ok.requests[0].url).toBe('https://gitlab.acme.com/api/v4/projects/12345');
    expect((await integration().checkHealth(fakeHttp(json(401, {})).send)).healthy).toBe(false);
  });
});
