import { jsonResponse as json, scriptedHttp as fakeHttp } from '../scripted-http';
import type { Notification } from '../notification';
import { parseJiraConfig } from './jira.config';
import {
  JIRA_MAX_ROWS,
  JIRA_SUMMARY_MAX,
  JiraIntegration,
  idempotencyLabel,
  type AdfNode,
  type JiraIssueFields,
} from './jira.integration';

const TOKEN = 'jira-secret-token-xyz';

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'evt-9:route-b:jira',
    kind: 'config_error',
    subject: 'app.database.host',
    title: 'Configuration rejected',
    summary: 'Schema validation failed for app.database.host',
    severity: 'major',
    status: 'firing',
    fields: [
      { name: 'Key', value: 'app.database.host' },
      { name: 'Error', value: 'must be a hostname' },
    ],
    labels: { config_key: 'app.database.host' },
    occurredAt: new Date('2025-01-01T14:30:00Z'),
    url: 'https://telcomesh.example/config/app.database.host',
    count: 1,
    ...overrides,
  };
}

function integration(extra: Record<string, unknown> = {}): JiraIntegration {
  return new JiraIntegration(
    parseJiraConfig({
      server_url: 'https://acme.atlassian.net/',
      username: 'automation@acme.com',
      api_token: TOKEN,
      default_project: 'CONFIG',
      issue_types: { config_change: 'Task', config_error: 'Bug', schema_update: 'Story' },
      ...extra,
    }),
  );
}

function texts(node: AdfNode): string[] {
  return [...(node.text !== undefined ? [node.text] : []), ...(node.content ?? []).flatMap(texts)];
}

describe('parseJiraConfig', () => {
  it('names every bad field and never echoes the token', () => {
    let message = '';
    try {
      parseJiraConfig({
        server_url: 'not a url',
        username: '',
        api_token: 12345,
        default_project: 'lower case',
        issue_types: { config_error: '' },
        labels: ['has space'],
        extra: 1,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'server_url',
      'username',
      'api_token',
      'default_project',
      'issue_types.config_error',
      'labels',
      'extra',
    ]) {
      expect(message).toContain(field);
    }
    expect(message).not.toContain('12345');
  });
});

describe('JiraIntegration', () => {
  it('searches by the idempotency label, then creates the issue with basic auth', async () => {
    const http = fakeHttp(
      json(200, { issues: [], isLast: true }),
      json(201, { id: '10000', key: 'CONFIG-1', self: 'x' }),
    );
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({ result: 'delivered', status: 201, reference: 'CONFIG-1' });
    const [search, create] = http.requests;
    const auth = `Basic ${Buffer.from(`automation@acme.com:${TOKEN}`).toString('base64')}`;
    expect(search.headers.authorization).toBe(auth);
    expect(create.headers.authorization).toBe(auth);
    const url = new URL(search.url);
    expect(url.origin + url.pathname).toBe('https://acme.atlassian.net/rest/api/3/search/jql');
    expect(url.searchParams.get('jql')).toBe(
      `project = "CONFIG" AND labels = "${idempotencyLabel('evt-9:route-b:jira')}"`,
    );
    expect(create).toMatchObject({
      method: 'POST',
      url: 'https://acme.atlassian.net/rest/api/3/issue',
    });
    const { fields } = JSON.parse(create.body ?? '{}') as { fields: JiraIssueFields };
    expect(fields.project).toEqual({ key: 'CONFIG' });
    expect(fields.issuetype).toEqual({ name: 'Bug' });
    expect(fields.summary).toBe('[MAJOR] Configuration rejected');
    expect(fields.labels).toEqual([
      'telcomesh',
      'config_error',
      idempotencyLabel('evt-9:route-b:jira'),
    ]);
  });

  it('writes the description as an ADF doc with a field table and a link', () => {
    const { description } = integration().buildFields(notification());
    expect(description).toMatchObject({ type: 'doc', version: 1 });
    expect(description.content[0]).toEqual({
      type: 'paragraph',
      content: [{ type: 'text', text: 'Schema validation failed for app.database.host' }],
    });
    const table = description.content[1];
    expect(table.type).toBe('table');
    expect(table.content?.[0].content?.map((c) => c.type)).toEqual(['tableHeader', 'tableHeader']);
    expect(texts(table)).toEqual(expect.arrayContaining(['Error', 'must be a hostname']));
    expect(description.content[2].content?.[0].marks).toEqual([
      { type: 'link', attrs: { href: 'https://telcomesh.example/config/app.database.host' } },
    ]);
    const empty = integration().buildFields(
      notification({ fields: [{ name: 'Blank', value: '' }] }),
    ).description;
    expect(texts(empty.content[1])).not.toContain('');
  });

  it('uses Task for kinds without an issue type and adds configured labels', () => {
    const fields = integration({ labels: ['noc'] }).buildFields(
      notification({ kind: 'alarm', status: 'resolved' }),
    );
    expect(fields.issuetype.name).toBe('Task');
    expect(fields.labels.slice(0, 4)).toEqual(['noc', 'telcomesh', 'alarm', 'resolved']);
  });

  it('keeps the summary to 255 characters on one line and bounds the table', () => {
    const fields = integration().buildFields(
      notification({
        title: `line one\nline two ${'x'.repeat(600)}`,
        fields: Array.from({ length: 100 }, (_, i) => ({ name: `f${i}`, value: 'v' })),
      }),
    );
    expect(fields.summary).toHaveLength(JIRA_SUMMARY_MAX);
    expect(fields.summary).not.toMatch(/\n/);
    expect(fields.description.content[1].content).toHaveLength(JIRA_MAX_ROWS + 1);
  });

  it('does not create when the label search finds the issue', async () => {
    const http = fakeHttp(json(200, { issues: [{ id: '10007', key: 'CONFIG-7' }] }));
    expect(await integration().deliver([notification()], http.send)).toEqual({
      result: 'delivered',
      status: 200,
      reference: 'CONFIG-7',
    });
    expect(http.requests).toHaveLength(1);
  });

  it('fails on 400 field errors and 401, retries 429 (Retry-After) and 5xx', async () => {
    const invalid = fakeHttp(
      json(200, { issues: [] }),
      json(400, {
        errorMessages: [],
        errors: { summary: 'Summary must be less than 255 characters.' },
      }),
    );
    const failed = await integration().deliver([notification()], invalid.send);
    expect(failed).toMatchObject({ result: 'failed', status: 400 });
    expect(failed.result === 'failed' && failed.reason).toContain('Summary must be less');
    expect(
      await integration().deliver([notification()], fakeHttp(json(401, {})).send),
    ).toMatchObject({ result: 'failed', status: 401 });
    expect(
      await integration().deliver(
        [notification()],
        fakeHttp(json(429, {}, { 'retry-after': '30' })).send,
      ),
    ).toMatchObject({ result: 'retry', status: 429, retryAfterMs: 30_000 });
    expect(
      await integration().deliver(
        [notification()],
        fakeHttp(json(200, { issues: [] }), json(502, {})).send,
      ),
    ).toMatchObject({ result: 'retry', status: 502 });
  });

  it('never puts the token in a reason', async () => {
    const outcome = await integration().deliver(
      [notification()],
      fakeHttp(json(403, { errorMessages: [`token ${TOKEN} lacks permission`] })).send,
    );
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('checks health with GET /rest/api/3/myself', async () => {
    const ok = fakeHttp(json(200, { accountId: 'abc', displayName: 'Automation' }));
    expect(await integration().checkHealth(ok.send)).toMatchObject({
      healthy: true,
      detail: 'authenticated as Automation',
    });
    expect(ok.requests[0].url).toBe('https://acme.atlassian.net/rest/api/3/myself');
    expect((await integration().checkHealth(fakeHttp(json(401, {})).send)).healthy).toBe(false);
  });
});
