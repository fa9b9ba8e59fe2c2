import type { SyncCursor, TicketRecord } from '../connector';
import {
  SN_CLIENT_ID,
  SN_CLIENT_SECRET,
  SN_PASSWORD,
  TABLES,
  keysOf,
  serviceNowHarness,
  syncToEnd,
  type ServiceNowHarness,
} from './testing/servicenow-harness';

/** A small deterministic PRNG for the randomised rounds. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function urlOf(input: string | URL | Request): string {
  return input instanceof Request ? input.url : input.toString();
}

/** Incident, request, change and problem states the simulator's tables accept. */
const OTHER_STATE: Record<string, [string, string]> = {
  incident: ['2', '3'],
  sc_request: ['2', '-5'],
  change_request: ['-1', '0'],
  problem: ['103', '104'],
};

describe('ServiceNow connector against the simulator', () => {
  let h: ServiceNowHarness;
  let baseline: string[];

  beforeEach(async () => {
    h = serviceNowHarness();
    await h.simulator.start();
    baseline = h.expectedKeys();
    expect(baseline.length).toBe(40 + 14 + 12 + 8);
  });

  afterEach(async () => {
    await h.simulator.stop();
  });

  /** Moves a record to its other working state at `at`, so its sys_updated_on becomes `at`. */
  function touch(table: string, sysId: string, at: Date): void {
    const row = h.simulator.records(table).find((r) => r.sys_id === sysId);
    const [a, b] = OTHER_STATE[table];
    h.simulator.updateRecord(table, sysId, { state: row?.state === a ? b : a }, at);
  }

  it('reads every table page by page with the watermark query and sysparm_limit/offset', async () => {
    const connector = h.connector();
    const result = await connector.fetch();
    expect(result).toMatchObject({ complete: true, stops: [], rejectedCount: 0 });
    expect(keysOf(result.records)).toEqual(baseline);
    const incidentPages = h.dataRequests().filter((r) => r.path === '/api/now/table/incident');
    // 40 incidents in pages of 7.
    expect(incidentPages.map((r) => r.query.get('sysparm_offset'))).toEqual([
      '0',
      '7',
      '14',
      '21',
      '28',
      '35',
    ]);
    expect(incidentPages[0].query.get('sysparm_limit')).toBe('7');
    expect(incidentPages[0].query.get('sysparm_display_value')).toBe('all');
    // The first sync has no watermark; the bound is TEST_NOW less settle_seconds.
    expect(incidentPages[0].query.get('sysparm_query')).toBe(
      'sys_updated_on<=2025-02-28 23:59:55^ORDERBYsys_updated_on^ORDERBYsys_id',
    );
    // What the instance shows is what the ticket says.
    const sample = h.simulator.records('incident')[3];
    const ticket = result.records.find(
      (r) => r.kind === 'ticket' && r.ticketId === sample.sys_id,
    ) as TicketRecord;
    const labels: Record<string, string> = {
      '1': 'New',
      '2': 'In Progress',
      '3': 'On Hold',
      '6': 'Resolved',
      '7': 'Closed',
      '8': 'Canceled',
    };
    expect(ticket).toMatchObject({
      number: sample.number,
      table: 'incident',
      title: sample.short_description,
      status: labels[String(sample.state)],
      priority: sample.priority,
    });
    const cursor = result.cursor.streams.incident;
    const last = h.simulator.matching('incident', 'ORDERBYsys_updated_on^ORDERBYsys_id').at(-1);
    expect(cursor).toEqual({
      since: `${String(last?.sys_updated_on).replace(' ', 'T')}.000Z`,
      position: last?.sys_id,
    });
    expect(connector.health()).toMatchObject({ healthy: true, recordsCollected: baseline.length });
  });

  it('applies table_filters as encoded queries ANDed with the watermark', async () => {
    const filters = { incident: 'priority<=2', change_request: 'state=3^ORstate=4' };
    const result = await h.connector({ table_filters: filters }).fetch();
    expect(result.complete).toBe(true);
    expect(keysOf(result.records)).toEqual(h.expectedKeys(filters));
    expect(result.records.length).toBeLessThan(baseline.length);
  });

  it('initial_lookback_days bounds the first sync; full mode rereads every pass', async () => {
    const since = 'sys_updated_on>=2025-02-19 00:00:00';
    const recent = await h.connector({ initial_lookback_days: 10 }).fetch();
    expect(keysOf(recent.records)).toEqual(
      h.expectedKeys(Object.fromEntries(TABLES.map((table) => [table, since]))),
    );
    expect(recent.records.length).toBeLessThan(baseline.length);

    const full = h.connector({ sync_mode: 'full', max_records: 30 });
    const pass = await syncToEnd(() => full, undefined);
    expect([...keysOf(pass.records)].sort()).toEqual([...baseline].sort());
    expect(pass.cursor.streams).toEqual({
      incident: {},
      sc_request: {},
      change_request: {},
      problem: {},
    });
    const again = await syncToEnd(() => full, pass.cursor);
    expect([...keysOf(again.records)].sort()).toEqual([...baseline].sort());
  });

  it('incremental: the next sync brings only what changed, once it has settled', async () => {
    const first = await h.connector().fetch();
    h.clock.advance(60_000);
    const changed = [
      { table: 'incident', sysId: String(h.simulator.records('incident')[0].sys_id) },
      { table: 'problem', sysId: String(h.simulator.records('problem')[2].sys_id) },
    ];
    for (const { table, sysId } of changed) touch(table, sysId, new Date(h.clock.now()));
    // Within settle_seconds (5 s) of the change: not yet.
    h.clock.advance(2000);
    const early = await h.connector().fetch({ cursor: first.cursor });
    expect(early).toMatchObject({ complete: true, records: [] });
    h.clock.advance(5000);
    const next = await h.connector().fetch({ cursor: early.cursor });
    expect(next.complete).toBe(true);
    const firstKeys = new Set(keysOf(first.records));
    expect(keysOf(next.records)).toEqual(h.expectedKeys().filter((key) => !firstKeys.has(key)));
    expect(next.records.map((r) => (r as TicketRecord).ticketId)).toEqual(
      changed.map((c) => c.sysId),
    );
  });

  it('many records in one second across page boundaries and restarts: each once, none missed', async () => {
    const first = await h.connector().fetch();
    h.clock.advance(3_600_000);
    const tie = new Date(h.clock.now() - 60_000);
    const tied = h.simulator
      .records('incident')
      .slice(5, 16)
      .map((r) => String(r.sys_id));
    for (const sysId of tied) touch('incident', sysId, tie);
    const firstKeys = new Set(keysOf(first.records));
    const expected = h.expectedKeys().filter((key) => !firstKeys.has(key));
    expect(expected).toHaveLength(tied.length);

    // One sync: the second's 11 records span pages of 3.
    const whole = await h.connector({ page_size: 3 }).fetch({ cursor: first.cursor });
    expect(keysOf(whole.records)).toEqual(expected);

    // Restarted after every 2 records (max_records), each time from the persisted cursor.
    const resumed = await syncToEnd(
      () => h.connector({ page_size: 3, max_records: 2 }),
      first.cursor,
      { restart: true },
    );
    expect(keysOf(resumed.records)).toEqual(expected);
    expect(resumed.syncs).toBe(6);
    // Nothing left behind: a further sync finds nothing new.
    const after = await h.connector({ page_size: 3 }).fetch({ cursor: resumed.cursor });
    expect(after.records).toEqual([]);
  });

  it('randomised rounds of tied updates, restarts and small pages: no version twice, none missed', async () => {
    const random = seeded(20250301);
    const delivered = new Set<string>();
    const latest = new Map<string, string>();
    let cursor: SyncCursor | undefined;
    const deliver = (keys: string[]) => {
      for (const key of keys) {
        expect(delivered.has(key)).toBe(false);
        delivered.add(key);
        const [table, sysId, updatedOn] = key.split('|');
        latest.set(`${table}|${sysId}`, updatedOn);
      }
    };
    for (let round = 0; round < 8; round++) {
      if (round > 0) {
        // A few seconds of activity, many records sharing each second.
        const seconds = [1, 2, 3].map((s) => new Date(h.clock.now() + s * 1000));
        for (let i = 0; i < 25; i++) {
          const table = TABLES[Math.floor(random() * TABLES.length)];
          const rows = h.simulator.records(table);
          const row = rows[Math.floor(random() * rows.length)];
          touch(table, String(row.sys_id), seconds[Math.floor(random() * seconds.length)]);
        }
        h.clock.advance(10_000);
      }
      const pageSize = 1 + Math.floor(random() * 6);
      const maxRecords = 1 + Math.floor(random() * 12);
      const result = await syncToEnd(
        () => h.connector({ page_size: pageSize, max_records: maxRecords }),
        cursor,
        { restart: true, maxSyncs: 200 },
      );
      deliver(keysOf(result.records));
      cursor = result.cursor;
      for (const table of TABLES) {
        for (const row of h.simulator.records(table)) {
          expect(latest.get(`${table}|${String(row.sys_id)}`)).toBe(String(row.sys_updated_on));
        }
      }
    }
  });

  it('a record updated while the sync pages leaves the result: the shift is read again, nothing skipped', async () => {
    let incidentPages = 0;
    const moved = h.simulator.matching('incident', 'ORDERBYsys_updated_on^ORDERBYsys_id')[1];
    const connector = h.connector(
      { tables: ['incident'] },
      {
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          // After the second page, an agent updates a record of the first one.
          if (urlOf(input).includes('/table/incident') && ++incidentPages === 2) {
            touch('incident', String(moved.sys_id), new Date(h.clock.now()));
          }
          return response;
        },
      },
    );
    const first = await connector.fetch();
    expect(first.complete).toBe(true);
    const incidents = baseline.filter((key) => key.startsWith('incident|'));
    expect(keysOf(first.records)).toEqual(incidents);
    h.clock.advance(10_000);
    const next = await connector.fetch({ cursor: first.cursor });
    const now = h.simulator.records('incident').find((r) => r.sys_id === moved.sys_id);
    expect(keysOf(next.records)).toEqual([
      `incident|${String(moved.sys_id)}|${String(now?.sys_updated_on)}`,
    ]);
  });

  it('a record it cannot read is refused once, naming table and sys_id; the rest go on', async () => {
    const bad = h.simulator.matching('incident', 'ORDERBYsys_updated_on^ORDERBYsys_id')[2];
    const corrupt = async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      if (!urlOf(input).includes('/table/incident')) return response;
      const body = (await response.json()) as { result: Record<string, unknown>[] };
      for (const row of body.result) {
        const id = row.sys_id as { value?: string };
        if (id.value === bad.sys_id) row.opened_at = { value: 'last tuesday', display_value: '' };
      }
      return new Response(JSON.stringify(body), { status: 200, headers: response.headers });
    };
    const connector = h.connector({ tables: ['incident'] }, { fetch: corrupt });
    const first = await connector.fetch();
    expect(first.complete).toBe(true);
    expect(first.rejected).toEqual([
      {
        stream: 'tickets',
        reason: `incident ${String(bad.sys_id)}: opened_at is "last tuesday", not a yyyy-MM-dd HH:mm:ss time`,
      },
    ]);
    const incidents = baseline.filter((key) => key.startsWith('incident|'));
    expect(keysOf(first.records)).toEqual(
      incidents.filter((key) => !key.includes(String(bad.sys_id))),
    );
    // Passed: the next sync does not refuse it again.
    const next = await connector.fetch({ cursor: first.cursor });
    expect(next).toMatchObject({ records: [], rejectedCount: 0 });
  });

  describe('OAuth2 refresh token', () => {
    async function oauthConfig() {
      return {
        authentication: {
          type: 'oauth2',
          client_id: SN_CLIENT_ID,
          client_secret: SN_CLIENT_SECRET,
          refresh_token: await h.refreshToken(),
        },
      };
    }

    it('tokens expiring mid-sync: renewed with the refresh token once, the sync goes on', async () => {
      const overrides = await oauthConfig();
      const before = h.simulator.requests.length;
      let pages = 0;
      const connector = h.connector(overrides, {
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (urlOf(input).includes('/api/now/table/') && ++pages === 3) {
            h.simulator.expireTokens();
          }
          return response;
        },
      });
      const result = await connector.fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      const requests = h.simulator.requests.slice(before);
      const grants = requests
        .filter((r) => r.path === '/oauth_token.do')
        .map((r) => new URLSearchParams(r.body).get('grant_type'));
      expect(grants).toEqual(['refresh_token', 'refresh_token']);
      // Exactly one page was asked twice: the one the expired token was refused on.
      const pagesAsked = requests
        .filter((r) => r.path.startsWith('/api/now/'))
        .map((r) => `${r.path}@${r.query.get('sysparm_offset')}`);
      expect(pagesAsked.length - new Set(pagesAsked).size).toBe(1);
      expect(JSON.stringify(connector.health())).not.toContain(SN_CLIENT_SECRET);
    });

    it('renews before the announced expiry, without a refused request', async () => {
      const overrides = await oauthConfig();
      const connector = h.connector(overrides);
      const before = h.simulator.requests.length;
      const first = await connector.fetch();
      const firstRequests = h.simulator.requests.length - before;
      h.clock.advance(1790_000);
      const second = await connector.fetch({ cursor: first.cursor });
      expect(second).toMatchObject({ complete: true, records: [] });
      const requests = h.simulator.requests.slice(before);
      expect(requests.filter((r) => r.path === '/oauth_token.do')).toHaveLength(2);
      // One page per table and one token request: no page was refused and asked again.
      expect(requests.length - firstRequests).toBe(TABLES.length + 1);
    });

    it('a refresh token the instance no longer knows: stage auth, no secret in the message', async () => {
      const overrides = await oauthConfig();
      h.simulator.expireTokens({ refreshTokens: true });
      const connector = h.connector(overrides);
      const result = await connector.fetch();
      expect(result.stops[0]).toMatchObject({ reason: 'error', stage: 'auth' });
      const text = JSON.stringify([result.stops, connector.health()]);
      expect(text).not.toContain(SN_CLIENT_SECRET);
      expect(text).not.toContain(overrides.authentication.refresh_token);
    });
  });

  describe('fault knobs', () => {
    it('429 with Retry-After: waits exactly that long, then reads everything', async () => {
      h.simulator.failNext(1, 429, 7);
      const result = await h.connector().fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      expect(h.clock.sleeps).toEqual([7000]);
    });

    it('503 twice: retried with growing backoff', async () => {
      h.simulator.failNext(2, 503);
      const connector = h.connector();
      const result = await connector.fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      expect(h.clock.sleeps).toEqual([375, 750]);
      expect(connector.health()).toMatchObject({ healthy: true, errors: 2 });
    });

    it('500 on every attempt: the table stops at stage request, the others go on, the next sync resumes', async () => {
      const connector = h.connector();
      h.simulator.failNext(4, 500);
      const failed = await connector.fetch();
      expect(failed.complete).toBe(false);
      expect(failed.stops).toEqual([
        expect.objectContaining({ stream: 'incident', reason: 'error', stage: 'request' }),
      ]);
      expect(failed.stops[0].message).toContain('status 500');
      expect(connector.health()).toMatchObject({ healthy: false, errorCount: 1 });
      const rest = await syncToEnd(() => h.connector(), failed.cursor);
      expect([...keysOf(failed.records), ...keysOf(rest.records)].sort()).toEqual(
        [...baseline].sort(),
      );
    });

    it('slow answer: the attempt times out and the retry reads on', async () => {
      h.simulator.delayNext(1, 2000);
      const result = await h.connector({ timeout_ms: 300 }).fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      expect(h.clock.sleeps).toHaveLength(1);
    });

    it('malformed JSON mid-sync: stage parse; the next sync resumes without gaps or repeats', async () => {
      let requests = 0;
      const connector = h.connector(
        {},
        {
          fetch: async (input, init) => {
            // The third page of incidents comes back cut in half.
            if (++requests === 3) h.simulator.malformNext(1);
            return fetch(input, init);
          },
        },
      );
      const first = await connector.fetch();
      expect(first.complete).toBe(false);
      expect(first.stops).toEqual([
        expect.objectContaining({ stream: 'incident', reason: 'error', stage: 'parse' }),
      ]);
      expect(first.stops[0].message).toContain('not valid JSON');
      expect(first.records.filter((r) => (r as TicketRecord).table === 'incident')).toHaveLength(
        14,
      );
      const rest = await syncToEnd(() => h.connector(), first.cursor);
      const all = [...keysOf(first.records), ...keysOf(rest.records)];
      expect(new Set(all).size).toBe(all.length);
      expect([...all].sort()).toEqual([...baseline].sort());
    });

    it('wrong password: the connection test and the sync say auth, without the secret', async () => {
      const connector = h.connector({
        authentication: { type: 'basic', username: 'aiops_user', password: 'not-the-password' },
      });
      const test = await connector.testConnection();
      expect(test).toMatchObject({ ok: false, stage: 'auth' });
      const result = await connector.fetch();
      expect(result.stops[0]).toMatchObject({ reason: 'error', stage: 'auth' });
      const text = JSON.stringify([test, result.stops, connector.health()]);
      expect(text).not.toContain('not-the-password');
      expect(text).not.toContain(SN_PASSWORD);
      expect(await h.connector().testConnection()).toMatchObject({ ok: true, stage: 'parse' });
    });
  });
});
