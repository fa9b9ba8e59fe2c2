import { jsonResponse as json, scriptedHttp as fakeHttp } from '../scripted-http';
import type { OutboundRequest } from '../integration';
import type { Notification } from '../notification';
import { parseZendeskConfig } from './zendesk.config';
import {
  ZENDESK_COMMENT_MAX,
  ZENDESK_SUBJECT_MAX,
  ZendeskIntegration,
  type ZendeskTicketPayload,
} from './zendesk.integration';

const TOKEN = 'zd-secret-token-123';

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'evt-1:route-a:zendesk',
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
    occurredAt: new Date('2025-01-01T14:30:00Z'),
    url: 'https://telcomesh.example/config/app.database.host',
    count: 1,
    ...overrides,
  };
}

function integration(extra: Record<string, unknown> = {}): ZendeskIntegration {
  return new ZendeskIntegration(
    parseZendeskConfig({
      subdomain: 'acme',
      email: 'admin@acme.com',
      api_token: TOKEN,
      default_assignee: 'platform-team@acme.com',
      ticket_templates: {
        config_change: {
          subject: 'Configuration Change: {config_key} ({old_value} -> {New Value}) {nope}',
          priority: 'normal',
          type: 'incident',
          tags: ['configuration', 'automated'],
        },
        config_error: {
          subject: 'Configuration Error: {config_key}',
          priority: 'high',
          type: 'problem',
          tags: ['configuration', 'error', 'urgent'],
        },
      },
      ...extra,
    }),
  );
}

function sentTicket(request: OutboundRequest): ZendeskTicketPayload {
  return (JSON.parse(request.body ?? '{}') as { ticket: ZendeskTicketPayload }).ticket;
}

describe('parseZendeskConfig', () => {
  it('accepts the documented keys', () => {
    const config = parseZendeskConfig({ subdomain: 'acme', email: 'a@acme.com', api_token: 't' });
    expect(config.subdomain).toBe('acme');
    expect(config.ticket_templates).toEqual({});
  });

  it('names every bad field, nested template fields included, and never echoes the token', () => {
    let message = '';
    try {
      parseZendeskConfig({
        subdomain: 'not a subdomain!',
        email: 'nope',
        api_token: '',
        default_assignee: 'also nope',
        ticket_templates: {
          config_error: { subject: 'x', priority: 'asap', type: 'bug', tags: 'one' },
          broken: 'not an object',
        },
        surprise: true,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'subdomain',
      'email',
      'api_token',
      'default_assignee',
      'ticket_templates.config_error.priority',
      'ticket_templates.config_error.type',
      'ticket_templates.config_error.tags',
      'ticket_templates.broken',
      'surprise',
    ]) {
      expect(message).toContain(field);
    }
    expect(
      parseSecretLeak({ subdomain: 'x', email: 'bad', api_token: 'hunter2-secret' }),
    ).not.toContain('hunter2-secret');
  });

  function parseSecretLeak(plain: Record<string, unknown>): string {
    try {
      parseZendeskConfig({ ...plain, api_token: 42 });
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }
});

describe('ZendeskIntegration', () => {
  it('looks the ticket up by external_id, then creates it with API-token basic auth', async () => {
    const http = fakeHttp(
      json(200, { tickets: [], count: 0 }),
      json(
        201,
        { ticket: { id: 35436 } },
        { location: 'https://acme.zendesk.com/api/v2/tickets/35436.json' },
      ),
    );
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({ result: 'delivered', status: 201, reference: '35436' });
    const [lookup, create] = http.requests;
    expect(lookup.method).toBe('GET');
    expect(lookup.url).toBe(
      'https://acme.zendesk.com/api/v2/tickets.json?external_id=evt-1%3Aroute-a%3Azendesk',
    );
    expect(create.method).toBe('POST');
    expect(create.url).toBe('https://acme.zendesk.com/api/v2/tickets.json');
    expect(create.headers['content-type']).toBe('application/json');
    const expectedAuth = `Basic ${Buffer.from(`admin@acme.com/token:${TOKEN}`).toString('base64')}`;
    expect(lookup.headers.authorization).toBe(expectedAuth);
    expect(sentTicket(create).external_id).toBe('evt-1:route-a:zendesk');
    expect(create.headers.authorization).toBe(expectedAuth);
  });

  it('fills the kind template: placeholders from labels, fields and snake_case field names', async () => {
    const ticket = integration().buildTicket(notification());
    expect(ticket).toMatchObject({
      subject: 'Configuration Change: app.database.host (localhost -> prod-db.internal) {nope}',
      priority: 'normal',
      type: 'incident',
      tags: ['configuration', 'automated'],
      external_id: 'evt-1:route-a:zendesk',
      assignee_email: 'platform-team@acme.com',
    });
    expect(ticket.comment.body).toContain('Old Value: localhost');
    expect(ticket.comment.body).toContain('https://telcomesh.example/config/app.database.host');
    const error = integration().buildTicket(notification({ kind: 'config_error' }));
    expect(error).toMatchObject({
      subject: 'Configuration Error: app.database.host',
      priority: 'high',
      type: 'problem',
      tags: ['configuration', 'error', 'urgent'],
    });
  });

  it('falls back to defaults for kinds without a template (priority from severity)', () => {
    const ticket = integration({ requester_email: 'noc@acme.com' }).buildTicket(
      notification({ kind: 'alarm', severity: 'critical', title: 'Cell down', status: 'resolved' }),
    );
    expect(ticket).toMatchObject({
      subject: '[CRITICAL] Cell down',
      priority: 'urgent',
      type: 'incident',
      tags: ['telcomesh', 'alarm', 'resolved'],
      requester: { email: 'noc@acme.com' },
    });
    expect(integration().buildTicket(notification({ kind: 'x', severity: 'info' })).priority).toBe(
      'low',
    );
  });

  it('keeps the subject and comment within limits', () => {
    const ticket = integration().buildTicket(
      notification({ kind: 'other', title: 'T'.repeat(1000), summary: 'S'.repeat(100_000) }),
    );
    expect(ticket.subject).toHaveLength(ZENDESK_SUBJECT_MAX);
    expect(ticket.subject.endsWith('…')).toBe(true);
    expect(ticket.comment.body).toHaveLength(ZENDESK_COMMENT_MAX);
  });

  it('does not create a second ticket when one already carries the notification id', async () => {
    const http = fakeHttp(
      json(200, { tickets: [{ id: 7, external_id: 'evt-1:route-a:zendesk' }], count: 1 }),
    );
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({ result: 'delivered', status: 200, reference: '7' });
    expect(http.requests).toHaveLength(1);
  });

  it('honours base_url', async () => {
    const http = fakeHttp(json(200, { tickets: [] }), json(201, { ticket: { id: 1 } }));
    await integration({ base_url: 'http://127.0.0.1:9999/' }).deliver([notification()], http.send);
    expect(http.requests[1].url).toBe('http://127.0.0.1:9999/api/v2/tickets.json');
  });

  it('classifies 422 RecordInvalid as failed, 429 and 5xx as retry, 401 as failed', async () => {
    const invalid = fakeHttp(
      json(200, { tickets: [] }),
      json(422, { error: 'RecordInvalid', details: { base: [{ description: 'bad' }] } }),
    );
    const failed = await integration().deliver([notification()], invalid.send);
    expect(failed).toMatchObject({ result: 'failed', status: 422 });
    expect(failed.result === 'failed' && failed.reason).toContain('RecordInvalid');

    const limited = fakeHttp(json(429, { error: 'APIRateLimitExceeded' }, { 'retry-after': '17' }));
    expect(await integration().deliver([notification()], limited.send)).toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 17_000,
    });

    const down = fakeHttp(json(200, { tickets: [] }), json(503, {}));
    expect(await integration().deliver([notification()], down.send)).toMatchObject({
      result: 'retry',
      status: 503,
    });

    const denied = fakeHttp(json(401, { error: "Couldn't authenticate you" }));
    expect(await integration().deliver([notification()], denied.send)).toMatchObject({
      result: 'failed',
      status: 401,
    });
    expect(denied.requests).toHaveLength(1);
  });

  it('never puts the API token in a failure reason', async () => {
    const echo = fakeHttp(json(200, { tickets: [] }), json(400, { error: `bad token ${TOKEN}` }));
    const outcome = await integration().deliver([notification()], echo.send);
    expect(outcome.result).toBe('failed');
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('checks health with GET /api/v2/users/me.json and rejects the anonymous user', async () => {
    const ok = fakeHttp(json(200, { user: { id: 1, role: 'admin' } }));
    const health = await integration().checkHealth(ok.send);
    expect(health.healthy).toBe(true);
    expect(ok.requests[0]).toMatchObject({
      method: 'GET',
      url: 'https://acme.zendesk.com/api/v2/users/me.json',
    });
    const anonymous = fakeHttp(json(200, { user: { id: null, role: 'end-user' } }));
    expect((await integration().checkHealth(anonymous.send)).healthy).toBe(false);
    const denied = fakeHttp(json(401, {}));
    expect(await integration().checkHealth(denied.send)).toMatchObject({
      healthy: false,
      detail: 'HTTP 401',
    });
  });
});
