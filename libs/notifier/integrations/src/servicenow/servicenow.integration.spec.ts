import { jsonResponse as json, scriptedHttp as fakeHttp } from '../scripted-http';
import type { Notification } from '../notification';
import { parseServiceNowConfig } from './servicenow.config';
import {
  SERVICENOW_SHORT_DESCRIPTION_MAX,
  SERVICENOW_TEXT_MAX,
  ServiceNowIntegration,
  correlationId,
  type ServiceNowIncidentPayload,
} from './servicenow.integration';

const PASSWORD = 'sn-secret-password';

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'evt-3:route-c:servicenow',
    kind: 'alarm',
    subject: 'alarm.site-001.cell_down',
    title: 'Cell down at site-001',
    summary: 'Cell 3 stopped radiating',
    severity: 'critical',
    status: 'firing',
    site: 'site-001',
    fields: [{ name: 'Cell', value: '3' }],
    labels: { dedup_key: 'site-001/cell-3/cell_down' },
    occurredAt: new Date('2025-01-01T14:30:00Z'),
    url: 'https://telcomesh.example/alarms/1',
    count: 1,
    ...overrides,
  };
}

function integration(extra: Record<string, unknown> = {}): ServiceNowIntegration {
  return new ServiceNowIntegration(
    parseServiceNowConfig({
      instance_url: 'https://acme.service-now.com',
      username: 'telcomesh.integration',
      password: PASSWORD,
      assignment_group: 'Network Operations',
      caller_id: 'telcomesh.integration',
      ...extra,
    }),
  );
}

const NONE = json(200, { result: [] });
const ACTIVE = json(200, {
  result: [{ sys_id: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', number: 'INC0010001' }],
});

describe('parseServiceNowConfig', () => {
  it('requires one way to authenticate and names every bad field', () => {
    const problems = (plain: Record<string, unknown>): string => {
      try {
        parseServiceNowConfig(plain);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const message = problems({ instance_url: 'nope', resolved_state: '5', unknown: 1 });
    for (const field of ['instance_url', 'resolved_state', 'unknown', 'username', 'password']) {
      expect(message).toContain(field);
    }
    expect(problems({ instance_url: 'https://x.service-now.com', password: PASSWORD })).toContain(
      'username: required',
    );
    expect(
      problems({
        instance_url: 'https://x.service-now.com',
        password: PASSWORD,
        username: 'u',
        oauth_token: 't',
      }),
    ).toContain('oauth_token');
    expect(problems({ instance_url: 'x', password: PASSWORD })).not.toContain(PASSWORD);
    expect(problems({ instance_url: 'https://x.service-now.com', oauth_token: 'tok' })).toBe('');
  });
});

describe('ServiceNowIntegration', () => {
  it('creates an incident when no active one shares the correlation id', async () => {
    const http = fakeHttp(
      NONE,
      json(201, { result: { sys_id: 'f'.repeat(32), number: 'INC0010002' } }),
    );
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({ result: 'delivered', status: 201, reference: 'INC0010002' });
    const [lookup, create] = http.requests;
    const url = new URL(lookup.url);
    expect(url.pathname).toBe('/api/now/table/incident');
    expect(url.searchParams.get('sysparm_query')).toBe(
      'correlation_id=site-001/cell-3/cell_down^active=true',
    );
    expect(url.searchParams.get('sysparm_limit')).toBe('1');
    expect(url.searchParams.get('sysparm_fields')).toBe('sys_id,number');
    expect(lookup.headers.accept).toBe('application/json');
    expect(lookup.headers.authorization).toBe(
      `Basic ${Buffer.from(`telcomesh.integration:${PASSWORD}`).toString('base64')}`,
    );
    expect(create.method).toBe('POST');
    expect(create.url).toMatch(/^https:\/\/acme\.service-now\.com\/api\/now\/table\/incident\?/);
    const body = JSON.parse(create.body ?? '{}') as ServiceNowIncidentPayload;
    expect(body).toMatchObject({
      short_description: '[CRITICAL] Cell down at site-001',
      urgency: '1',
      impact: '1',
      correlation_id: 'site-001/cell-3/cell_down',
      correlation_display: 'TelcoMesh',
      assignment_group: 'Network Operations',
      caller_id: 'telcomesh.integration',
    });
    expect(body.description).toContain('Cell: 3');
  });

  it('adds a work note to the active incident instead of opening a duplicate', async () => {
    const http = fakeHttp(ACTIVE, json(200, { result: {} }));
    const outcome = await integration().deliver([notification()], http.send);
    expect(outcome).toEqual({ result: 'delivered', status: 200, reference: 'INC0010001' });
    expect(http.requests[1].method).toBe('PATCH');
    expect(http.requests[1].url).toContain(
      '/api/now/table/incident/a1b2c3d4e5f60718293a4b5c6d7e8f90',
    );
    const patch = JSON.parse(http.requests[1].body ?? '{}') as Record<string, string>;
    expect(Object.keys(patch)).toEqual(['work_notes']);
    expect(patch.work_notes).toContain('Still firing');
  });

  it('resolves the active incident on a resolved notification', async () => {
    const http = fakeHttp(ACTIVE, json(200, { result: {} }));
    const outcome = await integration({ close_code: 'Solved (Permanently)' }).deliver(
      [notification({ status: 'resolved' })],
      http.send,
    );
    expect(outcome).toMatchObject({ result: 'delivered', reference: 'INC0010001' });
    expect(JSON.parse(http.requests[1].body ?? '{}')).toEqual({
      state: '6',
      close_code: 'Solved (Permanently)',
      close_notes: expect.stringContaining('Cell 3 stopped radiating') as unknown,
    });
  });

  it('treats a resolve without an active incident as done, without writing', async () => {
    const http = fakeHttp(NONE);
    expect(
      await integration().deliver([notification({ status: 'resolved' })], http.send),
    ).toMatchObject({ result: 'delivered', status: 200 });
    expect(http.requests).toHaveLength(1);
  });

  it('correlates by subject without a dedup_key, hashes long ids and escapes carets', async () => {
    expect(correlationId(notification({ labels: {} }))).toBe('alarm.site-001.cell_down');
    const long = correlationId(notification({ labels: { dedup_key: 'x'.repeat(300) } }));
    expect(long).toMatch(/^sha256:[0-9a-f]{64}$/);
    const http = fakeHttp(NONE, json(201, { result: { sys_id: '1', number: 'INC1' } }));
    await integration().deliver([notification({ labels: { dedup_key: 'a^b' } })], http.send);
    expect(new URL(http.requests[0].url).searchParams.get('sysparm_query')).toBe(
      'correlation_id=a^^b^active=true',
    );
  });

  it('maps severity to urgency/impact and respects field limits', () => {
    const minor = integration().buildIncident(notification({ severity: 'minor' }));
    expect([minor.urgency, minor.impact]).toEqual(['2', '2']);
    const info = integration().buildIncident(notification({ severity: 'info' }));
    expect([info.urgency, info.impact]).toEqual(['3', '3']);
    const long = integration().buildIncident(
      notification({ title: 'T'.repeat(500), summary: 'S'.repeat(10_000) }),
    );
    expect(long.short_description).toHaveLength(SERVICENOW_SHORT_DESCRIPTION_MAX);
    expect(long.description).toHaveLength(SERVICENOW_TEXT_MAX);
  });

  it('sends a bearer token when configured with oauth_token', async () => {
    const http = fakeHttp(json(200, { result: [{ sys_id: 'x' }] }));
    const sn = new ServiceNowIntegration(
      parseServiceNowConfig({ instance_url: 'https://acme.service-now.com', oauth_token: 'abc' }),
    );
    expect(await sn.checkHealth(http.send)).toMatchObject({ healthy: true });
    expect(http.requests[0].headers.authorization).toBe('Bearer abc');
    expect(http.requests[0].url).toMatch(/\/api\/now\/table\/sys_user\?sysparm_limit=1/);
  });

  it('classifies failures and keeps the password out of reasons', async () => {
    const denied = await integration().deliver(
      [notification()],
      fakeHttp(
        json(401, {
          error: { message: 'User Not Authenticated', detail: PASSWORD },
          status: 'failure',
        }),
      ).send,
    );
    expect(denied).toMatchObject({ result: 'failed', status: 401 });
    expect(JSON.stringify(denied)).not.toContain(PASSWORD);
    expect(
      await integration().deliver(
        [notification()],
        fakeHttp(json(429, {}, { 'retry-after': '9' })).send,
      ),
    ).toMatchObject({ result: 'retry', retryAfterMs: 9000 });
    expect(
      await integration().deliver([notification()], fakeHttp(NONE, json(503, {})).send),
    ).toMatchObject({ result: 'retry', status: 503 });
    expect((await integration().checkHealth(fakeHttp(json(401, {})).send)).healthy).toBe(false);
  });
});
