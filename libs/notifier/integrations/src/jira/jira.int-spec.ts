import { JiraSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import type { Notification } from '../notification';
import { parseJiraConfig } from './jira.config';
import { JiraIntegration, idempotencyLabel } from './jira.integration';

const USER = 'automation@acme.com';
const TOKEN = 'jira-int-token';

function notification(id: string, overrides: Partial<Notification> = {}): Notification {
  return {
    id,
    kind: 'config_error',
    subject: 'app.database.host',
    title: 'Configuration rejected',
    summary: 'Schema validation failed for app.database.host',
    severity: 'major',
    status: 'firing',
    fields: [{ name: 'Key', value: 'app.database.host' }],
    labels: { config_key: 'app.database.host' },
    occurredAt: new Date(),
    url: 'https://telcomesh.example/x',
    count: 1,
    ...overrides,
  };
}

describe('JiraIntegration against the Jira simulator', () => {
  const simulator = new JiraSimulator({ username: USER, apiToken: TOKEN, projects: ['CONFIG'] });
  const http = fetchHttpSend({ timeoutMs: 5000 });
  let baseUrl = '';

  function integration(overrides: Record<string, unknown> = {}): JiraIntegration {
    return new JiraIntegration(
      parseJiraConfig({
        server_url: baseUrl,
        username: USER,
        api_token: TOKEN,
        default_project: 'CONFIG',
        issue_types: { config_error: 'Bug' },
        ...overrides,
      }),
    );
  }

  beforeAll(async () => {
    baseUrl = await simulator.start();
  });
  afterAll(() => simulator.stop());

  it('creates an issue with an ADF description that Jira accepts', async () => {
    const outcome = await integration().deliver([notification('jr-1')], http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 201 });
    const issue = simulator.issues.find((i) => i.labels.includes(idempotencyLabel('jr-1')));
    expect(issue).toMatchObject({ project: 'CONFIG', issuetype: 'Bug' });
    expect(outcome.result === 'delivered' && outcome.reference).toBe(issue?.key);
  });

  it('does not create a second issue for a repeated notification id', async () => {
    const first = await integration().deliver([notification('jr-dup')], http);
    const second = await integration().deliver([notification('jr-dup')], http);
    expect(first).toMatchObject({ result: 'delivered', status: 201 });
    expect(second).toMatchObject({ result: 'delivered', status: 200 });
    expect(
      simulator.issues.filter((i) => i.labels.includes(idempotencyLabel('jr-dup'))),
    ).toHaveLength(1);
  });

  it('retries on 429 with Retry-After and on 5xx', async () => {
    simulator.failNext(1, 429, 5);
    expect(await integration().deliver([notification('jr-429')], http)).toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 5000,
    });
    simulator.failNext(1, 500);
    expect(await integration().deliver([notification('jr-429')], http)).toMatchObject({
      result: 'retry',
      status: 500,
    });
    expect(await integration().deliver([notification('jr-429')], http)).toMatchObject({
      result: 'delivered',
      status: 201,
    });
  });

  it('fails on bad auth and on a field Jira rejects', async () => {
    const denied = await integration({ api_token: 'wrong' }).deliver(
      [notification('jr-401')],
      http,
    );
    expect(denied).toMatchObject({ result: 'failed', status: 401 });
    const invalid = await integration({ issue_types: { config_error: 'NoSuchType' } }).deliver(
      [notification('jr-400')],
      http,
    );
    expect(invalid).toMatchObject({ result: 'failed', status: 400 });
    expect(invalid.result === 'failed' && invalid.reason).toContain('issuetype');
  });

  it('reports health', async () => {
    expect(await integration().checkHealth(http)).toMatchObject({ healthy: true });
    expect(await integration({ api_token: 'wrong' }).checkHealth(http)).toMatchObject({
      healthy: false,
    });
  });
});
