import { GitHubSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import type { Notification } from '../notification';
import { parseGitHubConfig } from './github.config';
import { GitHubIntegration } from './github.integration';

const TOKEN = 'ghp_int_token';

function notification(id: string, overrides: Partial<Notification> = {}): Notification {
  return {
    id,
    kind: 'config_change',
    subject: 'app.database.host',
    title: 'Configuration changed',
    summary: 'app.database.host changed',
    severity: 'major',
    status: 'firing',
    fields: [{ name: 'New Value', value: 'prod-db.internal' }],
    labels: { config_key: 'app.database.host' },
    occurredAt: new Date(),
    count: 1,
    ...overrides,
  };
}

describe('GitHubIntegration against the GitHub simulator', () => {
  const simulator = new GitHubSimulator({
    token: TOKEN,
    repositories: {
      'acme/config-tracking': {},
      'acme/infrastructure': {
        'deploy-config.yml': {
          inputs: ['event_id', 'kind', 'subject', 'severity', 'status'],
          required: ['event_id'],
        },
      },
    },
  });
  const http = fetchHttpSend({ timeoutMs: 5000 });
  let baseUrl = '';

  function integration(overrides: Record<string, unknown> = {}): GitHubIntegration {
    return new GitHubIntegration(
      parseGitHubConfig({
        token: TOKEN,
        organization: 'acme',
        repositories: {
          'config-tracking': 'config-tracking',
          infrastructure: 'acme/infrastructure',
        },
        auto_create_issues: true,
        issue_labels: ['configuration', 'automated'],
        workflow_triggers: { deploy: '.github/workflows/deploy-config.yml' },
        workflow_repository: 'infrastructure',
        api_url: baseUrl,
        ...overrides,
      }),
    );
  }

  const issuesFor = (id: string) => simulator.issues.filter((i) => i.body?.includes(id));

  beforeAll(async () => {
    baseUrl = await simulator.start();
  });
  afterAll(() => simulator.stop());

  it('opens an issue and dispatches the workflow', async () => {
    const outcome = await integration().deliver([notification('gh-1')], http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 204 });
    expect(issuesFor('gh-1')).toHaveLength(1);
    expect(issuesFor('gh-1')[0].labels.map((l) => l.name)).toEqual(['configuration', 'automated']);
    expect(simulator.dispatches.at(-1)).toMatchObject({
      repository: 'acme/infrastructure',
      workflow: 'deploy-config.yml',
      ref: 'main',
      inputs: { event_id: 'gh-1', subject: 'app.database.host' },
    });
  });

  it('does not open a second issue for a repeated notification id', async () => {
    const issuesOnly = integration({ workflow_triggers: {} });
    const first = await issuesOnly.deliver([notification('gh-dup')], http);
    const second = await issuesOnly.deliver([notification('gh-dup')], http);
    expect(first).toMatchObject({ result: 'delivered', status: 201 });
    expect(second).toMatchObject({ result: 'delivered', status: 200 });
    expect(second.result === 'delivered' && second.reference).toBe(
      first.result === 'delivered' && first.reference,
    );
    expect(issuesFor('gh-dup')).toHaveLength(1);
  });

  it('retries on 429 Retry-After, an exhausted rate limit and 5xx', async () => {
    simulator.failNext(1, 429, 7);
    expect(await integration().deliver([notification('gh-429')], http)).toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 7000,
    });
    simulator.exhaustRateLimit(1, 300);
    const limited = await integration().deliver([notification('gh-429')], http);
    expect(limited).toMatchObject({ result: 'retry', status: 403 });
    expect(limited.result === 'retry' && limited.retryAfterMs).toBeGreaterThan(290_000);
    simulator.failNext(1, 502);
    expect(await integration().deliver([notification('gh-429')], http)).toMatchObject({
      result: 'retry',
      status: 502,
    });
    expect(issuesFor('gh-429')).toHaveLength(0);
  });

  it('fails on bad credentials and on inputs the workflow does not declare', async () => {
    expect(
      await integration({ token: 'wrong' }).deliver([notification('gh-401')], http),
    ).toMatchObject({
      result: 'failed',
      status: 401,
    });
    const undeclared = await integration({
      auto_create_issues: false,
      workflow_inputs: { event_id: '{id}', surprise: '{kind}' },
    }).deliver([notification('gh-422')], http);
    expect(undeclared).toMatchObject({ result: 'failed', status: 422 });
    expect(undeclared.result === 'failed' && undeclared.reason).toContain('Unexpected inputs');
  });

  it('reports health', async () => {
    expect(await integration().checkHealth(http)).toMatchObject({ healthy: true });
    expect((await integration({ token: 'wrong' }).checkHealth(http)).healthy).toBe(false);
  });
});
