import { GitLabSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import type { Notification } from '../notification';
import { parseGitLabConfig } from './gitlab.config';
import { GitLabIntegration, issueMarker } from './gitlab.integration';

const TOKEN = 'glpat-int-token';
const TRIGGER = 'glptt-int-trigger';

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

describe('GitLabIntegration against the GitLab simulator', () => {
  const simulator = new GitLabSimulator({
    token: TOKEN,
    triggerToken: TRIGGER,
    projectId: 12345,
    projectPath: 'platform/config',
    refs: ['main', 'config-deployment'],
  });
  const http = fetchHttpSend({ timeoutMs: 5000 });
  let baseUrl = '';

  function integration(overrides: Record<string, unknown> = {}): GitLabIntegration {
    return new GitLabIntegration(
      parseGitLabConfig({
        base_url: baseUrl,
        token: TOKEN,
        project_id: 12345,
        issue_labels: ['configuration', 'automated'],
        pipeline_triggers: { 'config-deploy': 'config-deployment' },
        trigger_token: TRIGGER,
        ...overrides,
      }),
    );
  }

  const issuesFor = (id: string) =>
    simulator.issues.filter((i) => i.description?.includes(issueMarker(id)));

  beforeAll(async () => {
    baseUrl = await simulator.start();
  });
  afterAll(() => simulator.stop());

  it('opens an issue and triggers the pipeline with the seed variables', async () => {
    const outcome = await integration().deliver([notification('gl-1')], http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 201 });
    expect(issuesFor('gl-1')).toHaveLength(1);
    expect(issuesFor('gl-1')[0].labels).toEqual(['configuration', 'automated']);
    expect(simulator.pipelines.at(-1)).toMatchObject({
      ref: 'config-deployment',
      variables: {
        CONFIG_KEY: 'app.database.host',
        CONFIG_VALUE: 'prod-db.internal',
        USER_ID: 'admin@acme.com',
        EVENT_ID: 'gl-1',
      },
    });
  });

  it('addresses the project by path too', async () => {
    const outcome = await integration({
      project_id: 'platform/config',
      pipeline_triggers: {},
    }).deliver([notification('gl-path')], http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 201 });
  });

  it('does not open a second issue for a repeated notification id', async () => {
    const issuesOnly = integration({ pipeline_triggers: {} });
    expect(await issuesOnly.deliver([notification('gl-dup')], http)).toMatchObject({ status: 201 });
    expect(await issuesOnly.deliver([notification('gl-dup')], http)).toMatchObject({
      result: 'delivered',
      status: 200,
    });
    expect(issuesFor('gl-dup')).toHaveLength(1);
  });

  it('retries on 429 with Retry-After and on 5xx', async () => {
    simulator.failNext(1, 429, 6);
    expect(await integration().deliver([notification('gl-429')], http)).toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 6000,
    });
    simulator.failNext(1, 502);
    expect(await integration().deliver([notification('gl-429')], http)).toMatchObject({
      result: 'retry',
      status: 502,
    });
    expect(issuesFor('gl-429')).toHaveLength(0);
  });

  it('fails on a bad access token and on a bad trigger token', async () => {
    expect(
      await integration({ token: 'wrong' }).deliver([notification('gl-401')], http),
    ).toMatchObject({
      result: 'failed',
      status: 401,
    });
    const badTrigger = await integration({
      auto_create_issues: false,
      trigger_token: 'wrong',
    }).deliver([notification('gl-404')], http);
    expect(badTrigger).toMatchObject({ result: 'failed', status: 404 });
    expect(JSON.stringify(badTrigger)).not.toContain('wrong');
    const badRef = await integration({
      auto_create_issues: false,
      pipeline_triggers: { x: 'nope' },
    }).deliver([notification('gl-400')], http);
    expect(badRef).toMatchObject({ result: 'failed', status: 400 });
  });

  it('reports health', async () => {
    expect(await integration().checkHealth(http)).toMatchObject({ healthy: true });
    expect((await integration({ token: 'wrong' }).checkHealth(http)).healthy).toBe(false);
  });
});
