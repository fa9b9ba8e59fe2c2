import { JiraSimulator } from './jira.simulator';

const EMAIL = 'agent@example.com';
const TOKEN = 'jira-api-token';
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;

describe('JiraSimulator over HTTP', () => {
  let now = new Date('2025-03-01T00:00:00Z');
  const sim = new JiraSimulator({
    username: EMAIL,
    apiToken: TOKEN,
    projects: ['NOC', 'OPS'],
    tickets: { count: 90, seed: 11 },
    inlineChangelogLimit: 5,
    maxResultsLimit: 20,
    filters: { '10042': { name: 'NOC open', jql: 'project = NOC AND status != Closed' } },
    oauth: {
      clientId: 'cid',
      clientSecret: 'csecret',
      refreshToken: 'r0',
      accessTokenLifetimeSeconds: 60,
    },
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
    auth = BASIC,
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const response = await fetch(`${base}${path}`, { headers: { authorization: auth } });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: JSON.parse(text) as unknown,
    };
  }

  it('refuses requests without the e-mail and API token, and after the token is revoked', async () => {
    expect((await get('/rest/api/3/myself', 'Basic bm9ib2R5Om5vcGU=')).status).toBe(401);
    expect((await get('/rest/api/3/myself')).status).toBe(200);
    sim.revokeApiToken();
    const refused = await get('/rest/api/3/myself');
    expect(refused).toMatchObject({
      status: 401,
      body: { errorMessages: ['Client must be authenticated to access this resource.'] },
    });
    sim.restoreApiToken();
    expect((await get('/rest/api/3/myself')).status).toBe(200);
  });

  it('pages /search/jql with nextPageToken, capping maxResults, until isLast', async () => {
    const jql = 'project = NOC ORDER BY created ASC';
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const params = new URLSearchParams({ jql, maxResults: '500', fields: 'summary,status' });
      if (token) params.set('nextPageToken', token);
      const { status, body } = await get(`/rest/api/3/search/jql?${params.toString()}`);
      expect(status).toBe(200);
      const page = body as {
        issues: { key: string; fields: Record<string, unknown> }[];
        nextPageToken?: string;
        isLast: boolean;
      };
      expect(page.issues.length).toBeLessThanOrEqual(20);
      expect(Object.keys(page.issues[0].fields).sort()).toEqual(['status', 'summary']);
      keys.push(...page.issues.map((i) => i.key));
      pages++;
      if (page.isLast) {
        expect(page.nextPageToken).toBeUndefined();
        break;
      }
      token = page.nextPageToken;
    }
    expect(keys).toEqual(sim.matching(jql).map((i) => i.key));
    expect(pages).toBe(Math.ceil(keys.length / 20));
  });

  it('answers only ids by default, and refuses unbounded JQL, bad JQL and foreign tokens', async () => {
    const ids = await get(
      `/rest/api/3/search/jql?jql=${encodeURIComponent('project = OPS')}&maxResults=1`,
    );
    expect(Object.keys((ids.body as { issues: { fields: object }[] }).issues[0].fields)).toEqual(
      [],
    );
    const unbounded = await get(`/rest/api/3/search/jql?jql=${encodeURIComponent('ORDER BY key')}`);
    expect(unbounded).toMatchObject({
      status: 400,
      body: { errorMessages: [expect.stringMatching(/Unbounded JQL/)] },
    });
    const bad = await get(`/rest/api/3/search/jql?jql=${encodeURIComponent('colour = red')}`);
    expect(bad).toMatchObject({
      status: 400,
      body: { errorMessages: [expect.stringMatching(/Field 'colour'/)] },
    });
    const first = await get(
      `/rest/api/3/search/jql?jql=${encodeURIComponent('project = NOC')}&maxResults=2`,
    );
    const token = (first.body as { nextPageToken: string }).nextPageToken;
    const foreign = await get(
      `/rest/api/3/search/jql?jql=${encodeURIComponent('project = OPS')}&nextPageToken=${token}`,
    );
    expect(foreign.status).toBe(400);
  });

  it('pages the older /search with startAt and total, by GET and POST', async () => {
    const jql = 'project = OPS AND status = Closed';
    const expected = sim.matching(jql).map((i) => i.key);
    const second = await get(
      `/rest/api/3/search?jql=${encodeURIComponent(jql)}&startAt=20&maxResults=20`,
    );
    expect(second.body).toMatchObject({ startAt: 20, maxResults: 20, total: expected.length });
    expect((second.body as { issues: { key: string }[] }).issues.map((i) => i.key)).toEqual(
      expected.slice(20, 40),
    );
    const posted = await fetch(`${base}/rest/api/3/search`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({ jql, startAt: 0, maxResults: 3, fields: ['status'] }),
    });
    const body = (await posted.json()) as {
      issues: { key: string; fields: { status: { name: string } } }[];
    };
    expect(body.issues.map((i) => i.key)).toEqual(expected.slice(0, 3));
    expect(body.issues.every((i) => i.fields.status.name === 'Closed')).toBe(true);
  });

  it('inlines the newest histories with expand=changelog and pages the full changelog', async () => {
    const issue = sim.issues.find((i) => i.histories.length > 12)!;
    const single = await get(`/rest/api/3/issue/${issue.key}?expand=changelog&fields=status`);
    const changelog = (single.body as { changelog: { total: number; histories: { id: string }[] } })
      .changelog;
    expect(changelog.total).toBe(issue.histories.length);
    expect(changelog.histories.map((h) => h.id)).toEqual(
      issue.histories
        .slice(-5)
        .map((h) => h.id)
        .reverse(),
    );

    const ids: string[] = [];
    for (let startAt = 0; ;) {
      const { body } = await get(
        `/rest/api/3/issue/${issue.id}/changelog?startAt=${startAt}&maxResults=4`,
      );
      const page = body as {
        values: { id: string; created: string }[];
        isLast: boolean;
        total: number;
      };
      ids.push(...page.values.map((v) => v.id));
      expect(page.values[0]?.created ?? '+0000').toMatch(/\+0000$/);
      if (page.isLast) break;
      startAt += page.values.length;
    }
    expect(ids).toEqual(issue.histories.map((h) => h.id));
  });

  it('answers saved filters with their JQL, and 400 for unknown ones', async () => {
    expect((await get('/rest/api/3/filter/10042')).body).toMatchObject({
      id: '10042',
      jql: 'project = NOC AND status != Closed',
    });
    expect((await get('/rest/api/3/filter/99')).status).toBe(400);
  });

  it('issues rotating OAuth tokens that expire with the clock or on request', async () => {
    const exchange = async (
      refreshToken: string,
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const response = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'refresh_token',
          client_id: 'cid',
          client_secret: 'csecret',
          refresh_token: refreshToken,
        }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const first = await exchange('r0');
    expect(first).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 60 } });
    expect(sim.currentRefreshToken).toBe(first.body.refresh_token);
    expect((await exchange('r0')).status).toBe(403);
    const bearer = `Bearer ${String(first.body.access_token)}`;
    expect((await get('/rest/api/3/myself', bearer)).status).toBe(200);
    now = new Date(now.getTime() + 61_000);
    expect((await get('/rest/api/3/myself', bearer)).status).toBe(401);
    const second = await exchange(String(first.body.refresh_token));
    const renewed = `Bearer ${String(second.body.access_token)}`;
    expect((await get('/rest/api/3/myself', renewed)).status).toBe(200);
    sim.expireTokens();
    expect((await get('/rest/api/3/myself', renewed)).status).toBe(401);
  });

  it('fails, stalls and garbles answers on request', async () => {
    sim.failNext(1, 429, 9);
    const limited = await get('/rest/api/3/myself');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('9');
    sim.malformNext(1);
    const garbled = await fetch(`${base}/rest/api/3/myself`, { headers: { authorization: BASIC } });
    expect(garbled.status).toBe(200);
    await expect(garbled.json()).rejects.toThrow(/JSON/);
    sim.delayNext(1, 5_000);
    await expect(
      fetch(`${base}/rest/api/3/myself`, {
        headers: { authorization: BASIC },
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow();
    expect((await get('/rest/api/3/myself')).status).toBe(200);
  });
});
