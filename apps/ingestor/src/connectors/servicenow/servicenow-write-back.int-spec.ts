import type { TicketRecord } from '../connector';
import { validateConnectionConfig } from '../connection-config';
import { ServiceNowConfig } from './servicenow-config';
import type { ServiceNowConnector } from './servicenow.connector';
import { ServiceNowWriteBack, ServiceNowWriteBackError } from './servicenow-write-back';
import {
  SN_CLIENT_ID,
  SN_CLIENT_SECRET,
  serviceNowHarness,
  type ServiceNowHarness,
} from './testing/servicenow-harness';

describe('ServiceNow write-back against the simulator', () => {
  let h: ServiceNowHarness;
  let sysId: string;

  beforeEach(async () => {
    h = serviceNowHarness();
    await h.simulator.start();
    // An incident still being worked on.
    const incident = h.simulator.incidents.find((i) => i.state === '2' || i.state === '1');
    if (!incident) throw new Error('the seeded simulator has no open incident');
    sysId = incident.sys_id;
  });

  afterEach(async () => {
    await h.simulator.stop();
  });

  function writeBack(
    overrides: Record<string, unknown> = {},
    fetchImpl?: typeof fetch,
  ): ServiceNowWriteBack {
    const config = validateConnectionConfig(ServiceNowConfig, h.config(overrides), 'test');
    return ServiceNowWriteBack.forSource(config, {
      sourceId: 'servicenow-test',
      clock: h.clock,
      random: () => 0.5,
      fetch: fetchImpl,
    });
  }

  const notesOf = (id: string) =>
    h.simulator.incidents.find((i) => i.sys_id === id)?.work_notes.map((n) => n.value);
  const patches = () => h.simulator.requests.filter((r) => r.method === 'PATCH');

  it('adds a work note once: a second call finds it and writes nothing', async () => {
    const client = writeBack();
    const text = 'AIOps: correlated with alarm ALM-001 (Cell Down at SITE-001)';
    expect(await client.addWorkNote(sysId, text)).toEqual({ status: 'applied', attempts: 1 });
    expect(notesOf(sysId)).toEqual([text]);
    expect(await client.addWorkNote(sysId, `  ${text}\n`)).toEqual({
      status: 'already_applied',
      attempts: 1,
    });
    expect(notesOf(sysId)).toEqual([text]);
    expect(patches()).toHaveLength(1);
    expect(await client.addWorkNote(sysId, 'Second note')).toMatchObject({ status: 'applied' });
    expect(notesOf(sysId)).toEqual([text, 'Second note']);
  });

  it('resolves an incident once, and the next sync reports it Resolved', async () => {
    const client = writeBack();
    const resolution = { closeCode: 'Solved (Permanently)', closeNotes: 'Power restored at site' };
    expect(await client.resolveIncident(sysId, resolution)).toEqual({
      status: 'applied',
      attempts: 1,
    });
    const incident = h.simulator.incidents.find((i) => i.sys_id === sysId);
    expect(incident).toMatchObject({
      state: '6',
      active: false,
      close_code: 'Solved (Permanently)',
      close_notes: 'Power restored at site',
    });
    expect(incident?.resolved_at).not.toBe('');
    expect(await client.resolveIncident(sysId, resolution)).toEqual({
      status: 'already_applied',
      attempts: 1,
    });
    expect(patches()).toHaveLength(1);
    h.clock.advance(10_000);
    const result = await h.connector({ tables: ['incident'] }).fetch();
    const ticket = result.records.find(
      (r) => (r as TicketRecord).ticketId === sysId,
    ) as TicketRecord;
    expect(ticket).toMatchObject({
      status: 'Resolved',
      labels: { close_code: 'Solved (Permanently)' },
    });
  });

  it('retries transient failures (503, 429 with Retry-After) and writes once', async () => {
    const client = writeBack();
    h.simulator.failNext(1, 503);
    expect(await client.addWorkNote(sysId, 'after a 503')).toEqual({
      status: 'applied',
      attempts: 2,
    });
    h.simulator.failNext(1, 429, 9);
    expect(await client.addWorkNote(sysId, 'after a 429')).toEqual({
      status: 'applied',
      attempts: 2,
    });
    expect(h.clock.sleeps).toEqual([375, 9000]);
    expect(notesOf(sysId)).toEqual(['after a 503', 'after a 429']);
  });

  it('an answer lost after the note was written: the retry finds it and does not add it again', async () => {
    let dropped = false;
    const client = writeBack({}, async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'PATCH' && !dropped) {
        dropped = true;
        // The instance applied the PATCH; its answer never reaches us.
        throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      }
      return response;
    });
    expect(await client.addWorkNote(sysId, 'written once')).toEqual({
      status: 'applied',
      attempts: 2,
    });
    expect(notesOf(sysId)).toEqual(['written once']);
    expect(patches()).toHaveLength(1);
  });

  it('refusals are not retried and say what and where', async () => {
    const client = writeBack();
    const unknown = '0123456789abcdef0123456789abcdef';
    await expect(client.addWorkNote(unknown, 'x')).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining(unknown) as string,
    });
    await expect(client.addWorkNote('INC0010001', 'x')).rejects.toMatchObject({
      code: 'invalid',
    });
    await expect(client.addWorkNote(sysId, '  ')).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      client.resolveIncident(sysId, { closeCode: 'Solved (Permanently)', closeNotes: '' }),
    ).rejects.toMatchObject({ code: 'invalid' });
    h.simulator.updateRecord('incident', sysId, { state: '8' });
    await expect(
      client.resolveIncident(sysId, { closeCode: 'Solved (Permanently)', closeNotes: 'n' }),
    ).rejects.toEqual(
      new ServiceNowWriteBackError('conflict', `incident ${sysId} is canceled; not resolving it`),
    );
    // Close notes longer than the instance keeps: refused before any request.
    const before = h.simulator.requests.length;
    await expect(
      client.resolveIncident(sysId, { closeCode: 'c', closeNotes: 'n'.repeat(4001) }),
    ).rejects.toMatchObject({ code: 'invalid' });
    expect(h.simulator.requests.length).toBe(before);
    // The instance refusing (400 invalid, 403 ACL or data policy): reported at once, not retried.
    h.simulator.failNext(1, 400);
    await expect(client.addWorkNote(sysId, 'x')).rejects.toMatchObject({ code: 'rejected' });
    h.simulator.failNext(1, 403);
    await expect(client.addWorkNote(sysId, 'x')).rejects.toMatchObject({
      code: 'rejected',
      message: expect.stringContaining('status 403') as string,
    });
    expect(patches()).toHaveLength(0);
    expect(h.clock.sleeps).toEqual([]);
  });

  it('a connector shares its OAuth token with its write-back; expired tokens are renewed', async () => {
    const refreshToken = await h.refreshToken();
    const connector = h.connector({
      authentication: {
        type: 'oauth2',
        client_id: SN_CLIENT_ID,
        client_secret: SN_CLIENT_SECRET,
        refresh_token: refreshToken,
      },
      tables: ['incident'],
    }) as ServiceNowConnector;
    await connector.fetch();
    const tokens = () => h.tokenRequests().filter((r) => r.body.includes('refresh_token'));
    expect(tokens()).toHaveLength(1);
    const client = connector.writeBack();
    expect(await client.addWorkNote(sysId, 'via the connector')).toMatchObject({
      status: 'applied',
    });
    expect(tokens()).toHaveLength(1);
    h.simulator.expireTokens();
    expect(await client.addWorkNote(sysId, 'after expiry')).toMatchObject({ status: 'applied' });
    expect(tokens()).toHaveLength(2);
    expect(notesOf(sysId)).toEqual(['via the connector', 'after expiry']);
  });

  it('wrong credentials: an auth error without the password', async () => {
    const client = writeBack({
      authentication: { type: 'basic', username: 'aiops_user', password: 'wrong-password-123' },
    });
    const failure = await client.addWorkNote(sysId, 'x').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceNowWriteBackError);
    expect(failure).toMatchObject({ code: 'auth' });
    expect((failure as Error).message).not.toContain('wrong-password-123');
  });
});
