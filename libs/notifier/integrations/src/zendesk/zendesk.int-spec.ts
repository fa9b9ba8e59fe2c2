import { ZendeskSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import type { Notification } from '../notification';
import { parseZendeskConfig } from './zendesk.config';
import { ZendeskIntegration } from './zendesk.integration';

const EMAIL = 'admin@acme.com';
const TOKEN = 'zd-int-token';

function notification(id: string, overrides: Partial<Notification> = {}): Notification {
  return {
    id,
    kind: 'config_change',
    subject: 'app.database.host',
    title: 'Configuration changed',
    summary: 'app.database.host changed from localhost to prod-db.internal',
    severity: 'major',
    status: 'firing',
    fields: [
      { name: 'Key', value: 'app.database.host' },
      { name: 'Old Value', value: 'localhost' },
      { name: 'New Value', value: 'prod-db.internal' },
    ],
    labels: { config_key: 'app.database.host' },
    occurredAt: new Date(),
    count: 1,
    ...overrides,
  };
}

describe('ZendeskIntegration against the Zendesk simulator', () => {
  const simulator = new ZendeskSimulator({
    email: EMAIL,
    apiToken: TOKEN,
    agents: ['platform-team@acme.com'],
  });
  const http = fetchHttpSend({ timeoutMs: 5000 });
  let baseUrl = '';

  function integration(apiToken = TOKEN): ZendeskIntegration {
    return new ZendeskIntegration(
      parseZendeskConfig({
        subdomain: 'acme',
        email: EMAIL,
        api_token: apiToken,
        default_assignee: 'platform-team@acme.com',
        base_url: baseUrl,
        ticket_templates: {
          config_change: {
            subject: 'Configuration Change: {config_key}',
            priority: 'normal',
            type: 'incident',
            tags: ['configuration', 'automated'],
          },
        },
      }),
    );
  }

  beforeAll(async () => {
    baseUrl = await simulator.start();
  });
  afterAll(() => simulator.stop());

  it('creates a ticket from the kind template', async () => {
    const outcome = await integration().deliver([notification('zd-1')], http);
    expect(outcome).toMatchObject({ result: 'delivered', status: 201 });
    const ticket = simulator.tickets.find((t) => t.external_id === 'zd-1');
    expect(ticket).toMatchObject({
      subject: 'Configuration Change: app.database.host',
      priority: 'normal',
      type: 'incident',
      tags: ['configuration', 'automated'],
      assignee_email: 'platform-team@acme.com',
    });
    expect(outcome.result === 'delivered' && outcome.reference).toBe(String(ticket?.id));
  });

  it('does not open a second ticket for a repeated notification id', async () => {
    const first = await integration().deliver([notification('zd-dup')], http);
    const second = await integration().deliver([notification('zd-dup')], http);
    expect(first).toMatchObject({ result: 'delivered', status: 201 });
    expect(second).toMatchObject({ result: 'delivered', status: 200 });
    expect(second.result === 'delivered' && second.reference).toBe(
      first.result === 'delivered' && first.reference,
    );
    expect(simulator.tickets.filter((t) => t.external_id === 'zd-dup')).toHaveLength(1);
  });

  it('asks to retry after Retry-After on 429, and on 5xx', async () => {
    simulator.failNext(1, 429, 3);
    expect(await integration().deliver([notification('zd-429')], http)).toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 3000,
    });
    simulator.failNext(1, 503);
    expect(await integration().deliver([notification('zd-429')], http)).toMatchObject({
      result: 'retry',
      status: 503,
    });
    expect(simulator.tickets.filter((t) => t.external_id === 'zd-429')).toHaveLength(0);
    expect(await integration().deliver([notification('zd-429')], http)).toMatchObject({
      result: 'delivered',
    });
    expect(simulator.tickets.filter((t) => t.external_id === 'zd-429')).toHaveLength(1);
  });

  it('fails (no retry) on bad credentials without leaking the token', async () => {
    const outcome = await integration('wrong-token').deliver([notification('zd-auth')], http);
    expect(outcome).toMatchObject({ result: 'failed', status: 401 });
    expect(JSON.stringify(outcome)).not.toContain('wrong-token');
    expect(simulator.tickets.some((t) => t.external_id === 'zd-auth')).toBe(false);
  });

  it('fails on a ticket Zendesk rejects (422 RecordInvalid)', async () => {
    const bad = new ZendeskIntegration(
      parseZendeskConfig({
        subdomain: 'acme',
        email: EMAIL,
        api_token: TOKEN,
        default_assignee: 'stranger@acme.com',
        base_url: baseUrl,
      }),
    );
    const outcome = await bad.deliver([notification('zd-422')], http);
    expect(outcome).toMatchObject({ result: 'failed', status: 422 });
    expect(outcome.result === 'failed' && outcome.reason).toContain('RecordInvalid');
  });

  it('reports health', async () => {
    expect(await integration().checkHealth(http)).toMatchObject({ healthy: true });
    expect(await integration('wrong-token').checkHealth(http)).toMatchObject({
      healthy: false,
      detail: 'HTTP 401',
    });
  });
});
