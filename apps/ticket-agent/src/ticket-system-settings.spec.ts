import { loadTicketAgentConfig } from './ticket-agent.config';
import { ticketSystemAdapterSettings } from './ticket-system-settings';

const base = {
  URL: 'https://tickets.example.test',
  EMAIL: 'noc-bot@example.test',
  PASSWORD: 'api-token-value',
  TOKEN: 'agent-1',
  KEY: 'sixteen-chars-or-more-secret',
  SERVER: 'ws://127.0.0.1:8090',
};

describe('ticketSystemAdapterSettings', () => {
  it('maps the seed variables onto Jira basic auth, keeping file settings', () => {
    const config = loadTicketAgentConfig({ ...base, TICKET_SYSTEM: 'jira' });
    expect(
      ticketSystemAdapterSettings(config, {
        assignmentGroupField: 'customfield_10077',
        type: 'rest',
      }),
    ).toEqual({
      type: 'jira',
      baseUrl: 'https://tickets.example.test',
      email: 'noc-bot@example.test',
      apiToken: 'api-token-value',
      assignmentGroupField: 'customfield_10077',
    });
  });

  it('maps them onto ServiceNow user and password', () => {
    const config = loadTicketAgentConfig({ ...base, TICKET_SYSTEM: 'servicenow' });
    expect(
      ticketSystemAdapterSettings(config, { table: 'incident', baseUrl: 'https://other' }),
    ).toEqual({
      type: 'servicenow',
      baseUrl: 'https://tickets.example.test',
      username: 'noc-bot@example.test',
      password: 'api-token-value',
      table: 'incident',
    });
  });

  it('uses basic auth for rest only when credentials are given and the file names no scheme', () => {
    const withUser = loadTicketAgentConfig({ ...base, TICKET_SYSTEM: 'rest' });
    expect(ticketSystemAdapterSettings(withUser, { searchPath: '/api/tickets' })).toMatchObject({
      type: 'rest',
      auth: 'basic',
      username: 'noc-bot@example.test',
    });
    expect(ticketSystemAdapterSettings(withUser, { auth: 'bearer' }).auth).toBe('bearer');
    const anonymous = loadTicketAgentConfig({
      ...base,
      TICKET_SYSTEM: 'rest',
      EMAIL: '',
      PASSWORD: '',
    });
    expect(ticketSystemAdapterSettings(anonymous, { searchPath: '/api/tickets' })).toEqual({
      type: 'rest',
      baseUrl: 'https://tickets.example.test',
      searchPath: '/api/tickets',
    });
  });
});
