import { createTicketSystemAdapter } from './index';
import { parseJiraTicketAdapterConfig } from './jira-ticket.config';
import { nextLinkFromHeader } from './rest-ticket.adapter';
import { parseRestTicketAdapterConfig } from './rest-ticket.config';
import { parseServiceNowTicketAdapterConfig } from './servicenow-ticket.config';
import { TicketSystemError } from './ticket-system-error';

const restFields = {
  key: 'id',
  externalId: 'id',
  title: 'subject',
  status: 'state',
  createdAt: 'created',
};

function problem(parse: () => unknown): TicketSystemError {
  try {
    parse();
  } catch (error) {
    if (error instanceof TicketSystemError) return error;
    throw error;
  }
  throw new Error('expected a config error');
}

describe('adapter configs', () => {
  it('fill defaults for a minimal Jira config', () => {
    const config = parseJiraTicketAdapterConfig({
      type: 'jira',
      baseUrl: 'https://noc.atlassian.net',
      email: 'agent@example.com',
      apiToken: 'tok',
    });
    expect(config).toMatchObject({
      auth: 'basic',
      searchApi: 'jql',
      assignmentGroupField: 'customfield_10050',
      pageSize: 100,
      maxAttempts: 5,
      timeZone: 'UTC',
    });
  });

  it('name every bad field, and never the secret values', () => {
    const error = problem(() =>
      parseJiraTicketAdapterConfig({
        type: 'jira',
        baseUrl: 'https://agent:hunter22@noc.atlassian.net',
        auth: 'oauth2',
        clientSecret: 'hunter22',
        pageSize: 0,
        timeZone: 'Mars/Olympus',
        colour: 'red',
      }),
    );
    expect(error.code).toBe('config');
    expect(error.message).toMatch(/baseUrl: .*without credentials/);
    expect(error.message).toMatch(/pageSize: /);
    expect(error.message).toMatch(/timeZone: /);
    expect(error.message).toMatch(/property colour should not exist/);
    expect(error.message).not.toContain('hunter22');
  });

  it('check cross-field rules per auth mode', () => {
    const base = { type: 'jira', baseUrl: 'https://noc.atlassian.net' };
    expect(problem(() => parseJiraTicketAdapterConfig(base)).message).toMatch(
      /email: required.*apiToken: required/,
    );
    expect(
      problem(() => parseJiraTicketAdapterConfig({ ...base, auth: 'oauth2' })).message,
    ).toMatch(/clientId: required.*clientSecret: required.*refreshToken: required/);
    const sn = {
      type: 'servicenow',
      baseUrl: 'https://acme.service-now.com',
      auth: 'oauth2',
      clientId: 'c',
      clientSecret: 's',
    };
    expect(problem(() => parseServiceNowTicketAdapterConfig(sn)).message).toMatch(
      /refreshToken: required .* unless username and password/,
    );
    expect(parseServiceNowTicketAdapterConfig({ ...sn, username: 'u', password: 'p' }).table).toBe(
      'incident',
    );
    expect(
      problem(() =>
        parseServiceNowTicketAdapterConfig({ ...sn, refreshToken: 'r', table: 'Incident;drop' }),
      ).message,
    ).toMatch(/table must be a table name/);
  });

  it('compile the REST field expressions and report the bad one with its position', () => {
    const config = {
      type: 'rest',
      baseUrl: 'http://127.0.0.1:1',
      searchPath: '/tickets',
      paging: { kind: 'cursor' },
      fields: { ...restFields, title: 'subject +' },
    };
    const message = problem(() => parseRestTicketAdapterConfig(config)).message;
    expect(message).toMatch(/fields\.title: title is not valid JSONata at position \d+/);
    expect(message).toMatch(/paging.nextCursor: required with cursor paging/);
    expect(
      parseRestTicketAdapterConfig({ ...config, paging: { kind: 'page' }, fields: restFields })
        .paging,
    ).toMatchObject({
      kind: 'page',
      pageParam: 'page',
      firstPage: 1,
    });
  });

  it('build the adapter its type names, and refuse unknown types', () => {
    const jira = createTicketSystemAdapter({
      type: 'jira',
      baseUrl: 'https://x.atlassian.net',
      email: 'a@b.c',
      apiToken: 't',
    });
    expect(jira.system).toBe('jira');
    const rest = createTicketSystemAdapter({
      type: 'rest',
      system: 'redmine',
      baseUrl: 'http://127.0.0.1:1',
      searchPath: '/issues.json',
      paging: { kind: 'offset' },
      fields: restFields,
    });
    expect(rest.system).toBe('redmine');
    expect(problem(() => createTicketSystemAdapter({ type: 'otrs' })).message).toMatch(
      /type must be jira, servicenow or rest/,
    );
  });
});

describe('nextLinkFromHeader', () => {
  it('finds rel="next" among other relations', () => {
    expect(
      nextLinkFromHeader(
        '<https://a/x?o=0>;rel="first",<https://a/x?o=10>;rel="next",<https://a/x?o=90>;rel="last"',
      ),
    ).toBe('https://a/x?o=10');
    expect(nextLinkFromHeader('<https://a/x?page=2>; rel="prev next"')).toBe('https://a/x?page=2');
    expect(nextLinkFromHeader('<https://a/x?o=0>;rel="first"')).toBeUndefined();
    expect(nextLinkFromHeader(null)).toBeUndefined();
  });
});
