import { ServiceNowSimulator } from '@telcomesh/testing';
import { fetchHttpSend } from '../fetch-http';
import type { Notification } from '../notification';
import { parseServiceNowConfig } from './servicenow.config';
import { ServiceNowIntegration } from './servicenow.integration';

const USER = 'telcomesh.integration';
const PASSWORD = 'sn-int-password';

function notification(
  id: string,
  dedupKey: string,
  overrides: Partial<Notification> = {},
): Notification {
  return {
    id,
    kind: 'alarm',
    subject: 'alarm.site-001.cell_down',
    title: 'Cell down at site-001',
    summary: 'Cell 3 stopped radiating',
    severity: 'critical',
    status: 'firing',
    fields: [{ name: 'Cell', value: '3' }],
    labels: { dedup_key: dedupKey },
    occurredAt: new Date(),
    count: 1,
    ...overrides,
  };
}

describe('ServiceNowIntegration against the ServiceNow simulator', () => {
  const simulator = new ServiceNowSimulator({ username: USER, password: PASSWORD });
  const http = fetchHttpSend({ timeoutMs: 5000 });
  let baseUrl = '';

  function integration(password = PASSWORD): ServiceNowIntegration {
    return new ServiceNowIntegration(
      parseServiceNowConfig({
        instance_url: baseUrl,
        username: USER,
        password,
        assignment_group: 'Network Operations',
        caller_id: USER,
      }),
    );
  }

  const incidentsFor = (key: string) => simulator.incidents.filter((i) => i.correlation_id === key);

  beforeAll(async () => {
    baseUrl = await simulator.start();
  });
  afterAll(() => simulator.stop());

  it('opens, updates, then resolves one incident per condition', async () => {
    const opened = await integration().deliver([notification('sn-1', 'cond-1')], http);
    expect(opened).toMatchObject({ result: 'delivered', status: 201 });
    expect(incidentsFor('cond-1')).toHaveLength(1);
    const [incident] = incidentsFor('cond-1');
    expect(incident).toMatchObject({
      active: true,
      urgency: '1',
      impact: '1',
      priority: '1',
      correlation_display: 'TelcoMesh',
      assignment_group: 'Network Operations',
    });
    expect(opened.result === 'delivered' && opened.reference).toBe(incident.number);

    const again = await integration().deliver([notification('sn-2', 'cond-1')], http);
    expect(again).toMatchObject({ result: 'delivered', status: 200, reference: incident.number });
    expect(incidentsFor('cond-1')).toHaveLength(1);
    expect(incident.work_notes).toHaveLength(1);

    const resolved = await integration().deliver(
      [notification('sn-3', 'cond-1', { status: 'resolved' })],
      http,
    );
    expect(resolved).toMatchObject({ result: 'delivered', status: 200 });
    expect(incident).toMatchObject({ state: '6', active: false, close_code: 'Resolved by caller' });

    const reopened = await integration().deliver([notification('sn-4', 'cond-1')], http);
    expect(reopened).toMatchObject({ result: 'delivered', status: 201 });
    expect(incidentsFor('cond-1')).toHaveLength(2);
  });

  it('does not open a second incident when the same notification is delivered twice', async () => {
    await integration().deliver([notification('sn-dup', 'cond-dup')], http);
    await integration().deliver([notification('sn-dup', 'cond-dup')], http);
    expect(incidentsFor('cond-dup')).toHaveLength(1);
  });

  it('retries on 429 with Retry-After and on 5xx', async () => {
    simulator.failNext(1, 429, 4);
    expect(await integration().deliver([notification('sn-429', 'cond-429')], http)).toMatchObject({
      result: 'retry',
      status: 429,
      retryAfterMs: 4000,
    });
    simulator.failNext(1, 503);
    expect(await integration().deliver([notification('sn-429', 'cond-429')], http)).toMatchObject({
      result: 'retry',
      status: 503,
    });
    expect(incidentsFor('cond-429')).toHaveLength(0);
  });

  it('fails on bad credentials without leaking them', async () => {
    const outcome = await integration('wrong-password').deliver(
      [notification('sn-401', 'cond-401')],
      http,
    );
    expect(outcome).toMatchObject({ result: 'failed', status: 401 });
    expect(JSON.stringify(outcome)).not.toContain('wrong-password');
  });

  it('reports health', async () => {
    expect(await integration().checkHealth(http)).toMatchObject({ healthy: true });
    expect((await integration('wrong').checkHealth(http)).healthy).toBe(false);
  });
});
