import { ServiceNowSimulator } from './servicenow.simulator';

const BASIC = `Basic ${Buffer.from('agent:secret').toString('base64')}`;

describe('ServiceNowSimulator over HTTP', () => {
  let now = new Date('2025-03-01T00:00:00Z');
  const sim = new ServiceNowSimulator({
    username: 'agent',
    password: 'secret',
    oauth: { clientId: 'cid', clientSecret: 'csecret', accessTokenLifetimeSeconds: 60 },
    records: { seed: 3, incident: 45, change_request: 8 },
    filters: [
      {
        sys_id: 'f'.repeat(32),
        title: 'Open P1',
        table: 'incident',
        filter: 'active=true^priority=1',
      },
    ],
    now: () => now,
  });
  let base = '';

  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(() => sim.stop());
  afterEach(() => sim.reset());

  async function get(
    path: string,
    params: Record<string, string> = {},
    auth = BASIC,
  ): Promise<{
    status: number;
    body: { result?: Record<string, unknown>[] } & Record<string, unknown>;
    headers: Headers;
  }> {
    const response = await fetch(`${base}${path}?${new URLSearchParams(params).toString()}`, {
      headers: { authorization: auth, accept: 'application/json' },
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as { result?: Record<string, unknown>[] },
    };
  }

  it('pages with sysparm_offset/limit in a stable order, with X-Total-Count and Link', async () => {
    const query = 'stateIN6,7^ORDERBYpriority';
    const expected = sim.matching('incident', query).map((r) => r.number);
    const numbers: unknown[] = [];
    let nextLink: string | undefined;
    for (let offset = 0; offset < expected.length; offset += 10) {
      const page = await get('/api/now/table/incident', {
        sysparm_query: query,
        sysparm_limit: '10',
        sysparm_offset: String(offset),
        sysparm_fields: 'number,priority',
      });
      expect(page.headers.get('x-total-count')).toBe(String(expected.length));
      const link = page.headers.get('link') ?? '';
      expect(link).toContain('rel="first"');
      expect(link).toContain('rel="last"');
      nextLink = /<([^>]+)>;rel="next"/.exec(link)?.[1];
      if (offset + 10 < expected.length)
        expect(nextLink).toContain(`sysparm_offset=${offset + 10}`);
      numbers.push(...(page.body.result ?? []).map((r) => r.number));
    }
    expect(nextLink).toBeUndefined();
    expect(numbers).toEqual(expected);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('shows stored values, display values or both, with reference links unless excluded', async () => {
    const [record] = sim.records('incident');
    const group = sim.assignmentGroups.find((g) => g.sys_id === record.assignment_group)!;
    const fields = {
      sysparm_query: `number=${String(record.number)}`,
      sysparm_fields: 'state,assignment_group',
    };
    const raw = await get('/api/now/table/incident', fields);
    expect(raw.body.result?.[0]).toEqual({
      state: record.state,
      assignment_group: {
        link: `${base}/api/now/table/sys_user_group/${group.sys_id}`,
        value: group.sys_id,
      },
    });
    const shown = await get('/api/now/table/incident', {
      ...fields,
      sysparm_display_value: 'true',
    });
    expect(shown.body.result?.[0]).toMatchObject({ assignment_group: group.name });
    const both = await get('/api/now/table/incident', {
      ...fields,
      sysparm_display_value: 'all',
      sysparm_exclude_reference_link: 'true',
    });
    expect(both.body.result?.[0].assignment_group).toEqual({
      display_value: group.name,
      value: group.sys_id,
    });
  });

  it('serves sys_audit, sys_choice, sys_user_group and sys_filter', async () => {
    const record = sim.records('change_request')[0];
    const audit = await get('/api/now/table/sys_audit', {
      sysparm_query: `tablename=change_request^documentkey=${String(record.sys_id)}^fieldname=state^ORDERBYsys_created_on`,
    });
    const states = (audit.body.result ?? []).map((a) => a.newvalue);
    expect(states.at(-1)).toBe(record.state);
    const choices = await get('/api/now/table/sys_choice', {
      sysparm_query: 'name=change_request^element=state',
      sysparm_fields: 'value,label',
    });
    expect(choices.body.result).toContainEqual({ value: '-5', label: 'New' });
    const groups = await get('/api/now/table/sys_user_group', {
      sysparm_query: `sys_id=${sim.assignmentGroups[1].sys_id}`,
    });
    expect(groups.body.result?.[0]).toMatchObject({ name: 'NOC L2' });
    const filter = await get(`/api/now/table/sys_filter/${'f'.repeat(32)}`);
    expect(filter.body.result).toMatchObject({
      table: 'incident',
      filter: 'active=true^priority=1',
    });
  });

  it('answers bad tables and queries in ServiceNow words', async () => {
    expect(await get('/api/now/table/nope')).toMatchObject({
      status: 400,
      body: { error: { message: 'Invalid table nope' } },
    });
    expect(await get('/api/now/table/incident', { sysparm_query: 'state~1' })).toMatchObject({
      status: 400,
      body: { status: 'failure', error: { message: 'Invalid query' } },
    });
    expect((await get('/api/now/table/incident', {}, 'Basic eDp5')).status).toBe(401);
  });

  it('issues OAuth tokens by password and refresh grants; access tokens expire', async () => {
    const token = async (
      form: Record<string, string>,
      type = 'application/x-www-form-urlencoded',
    ) => {
      const response = await fetch(`${base}/oauth_token.do`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: type.includes('json') ? JSON.stringify(form) : new URLSearchParams(form).toString(),
      });
      return { status: response.status, body: (await response.json()) as Record<string, string> };
    };
    const client = { client_id: 'cid', client_secret: 'csecret' };
    expect(
      (await token({ ...client, grant_type: 'password', username: 'agent', password: 'wrong' }))
        .status,
    ).toBe(401);
    expect(
      (
        await token(
          { ...client, grant_type: 'password', username: 'agent', password: 'secret' },
          'application/json',
        )
      ).status,
    ).toBe(400);
    const first = await token({
      ...client,
      grant_type: 'password',
      username: 'agent',
      password: 'secret',
    });
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 59 });
    const bearer = `Bearer ${first.body.access_token}`;
    expect((await get('/api/now/table/incident', { sysparm_limit: '1' }, bearer)).status).toBe(200);
    now = new Date(now.getTime() + 60_000);
    expect((await get('/api/now/table/incident', { sysparm_limit: '1' }, bearer)).status).toBe(401);
    const refreshed = await token({
      ...client,
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token,
    });
    expect(refreshed.body.refresh_token).toBe(first.body.refresh_token);
    const renewed = `Bearer ${refreshed.body.access_token}`;
    expect((await get('/api/now/table/incident', { sysparm_limit: '1' }, renewed)).status).toBe(
      200,
    );
    sim.expireTokens({ refreshTokens: true });
    expect((await get('/api/now/table/incident', { sysparm_limit: '1' }, renewed)).status).toBe(
      401,
    );
    expect(
      (
        await token({
          ...client,
          grant_type: 'refresh_token',
          refresh_token: first.body.refresh_token,
        })
      ).status,
    ).toBe(401);
  });

  it('fails, stalls and garbles answers on request', async () => {
    sim.failNext(1, 429, 3);
    const limited = await get('/api/now/table/incident', { sysparm_limit: '1' });
    expect(limited).toMatchObject({
      status: 429,
      body: { error: { message: 'Rate limit exceeded' } },
    });
    expect(limited.headers.get('retry-after')).toBe('3');
    sim.malformNext(1);
    await expect(get('/api/now/table/incident', { sysparm_limit: '1' })).rejects.toThrow(/JSON/);
    sim.delayNext(1, 5_000);
    await expect(
      fetch(`${base}/api/now/table/incident?sysparm_limit=1`, {
        headers: { authorization: BASIC },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect((await get('/api/now/table/incident', { sysparm_limit: '1' })).status).toBe(200);
  });
});
