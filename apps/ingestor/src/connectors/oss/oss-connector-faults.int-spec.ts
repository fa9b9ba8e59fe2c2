import { createServer } from 'node:net';
import { HARNESSES, keysOf, syncToEnd, type OssHarness } from './testing/oss-harness';

/** A port on 127.0.0.1 where nothing listens (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(HARNESSES.map((make) => [make().name, make] as const))(
  '%s connector against its simulator: fault knobs',
  (_name, make) => {
    let h: OssHarness;
    let baseline: string[];

    beforeEach(async () => {
      h = make();
      await h.simulator.start();
      // The same source read with no fault: what every faulty sync must still end up with.
      const clean = h.connector();
      const result = await clean.fetch();
      expect(result.complete).toBe(true);
      baseline = keysOf(result.records);
      expect(baseline.length).toBeGreaterThan(h.hasMetrics ? 100 : 10);
      h.simulator.reset();
      h.clock.sleeps.length = 0;
    });

    afterEach(async () => {
      await h.simulator.stop();
    });

    it('429 with Retry-After: waits exactly that long, then reads everything', async () => {
      h.simulator.failNext(1, 429, 7);
      const result = await h.connector().fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      expect(h.clock.sleeps).toEqual([7000]);
      expect(h.simulator.dataRequests()[0].status).toBe(429);
    });

    it('500: retried with growing backoff, then reads everything', async () => {
      h.simulator.failNext(2, 500);
      const connector = h.connector();
      const result = await connector.fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      // random pinned at 0.5: 3/4 of the 500 ms and 1 s ceilings.
      expect(h.clock.sleeps).toEqual([375, 750]);
      expect(connector.health()).toMatchObject({ healthy: true, errorCount: 0, errors: 2 });
    });

    it('500 on every attempt: the stream stops with stage request and resumes later', async () => {
      h.simulator.failNext(4, 500);
      const connector = h.connector();
      const failed = await connector.fetch();
      expect(failed.complete).toBe(false);
      expect(failed.stops[0]).toMatchObject({ reason: 'error', stage: 'request' });
      expect(failed.stops[0].message).toContain('status 500');
      expect(connector.health()).toMatchObject({ healthy: false, errorCount: 1 });
      const resumed = await syncToEnd(connector, h.clock, failed.cursor);
      expect(keysOf([...failed.records, ...resumed.records])).toEqual(baseline);
      expect(connector.health()).toMatchObject({ healthy: true, errorCount: 0 });
    });

    it('slow answer: the attempt times out and the retry reads everything', async () => {
      h.simulator.slowNext(1, 3000);
      const result = await h.connector({ timeout_ms: 250 }).fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      expect(h.clock.sleeps).toHaveLength(1);
      expect(h.simulator.dataRequests()[0].status).toBeUndefined();
    });

    it('malformed JSON: the stream stops at stage parse; the next sync resumes without gaps or repeats', async () => {
      h.simulator.malformedNext(1);
      const connector = h.connector();
      const first = await connector.fetch();
      expect(first.complete).toBe(false);
      expect(first.stops).toHaveLength(1);
      expect(first.stops[0]).toMatchObject({ reason: 'error', stage: 'parse' });
      expect(first.stops[0].message).toContain('not valid JSON');
      const rest = await syncToEnd(connector, h.clock, first.cursor);
      expect(keysOf([...first.records, ...rest.records])).toEqual(baseline);
    });

    it('connection dropped without an answer: retried, reads everything', async () => {
      h.simulator.dropNext(1);
      const result = await h.connector().fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      expect(h.clock.sleeps).toHaveLength(1);
    });

    it('request budget: stops with quota_exceeded without calling the source again, resumes when it refills', async () => {
      const connector = h.connector({
        page_size: 5,
        request_budget: { max_requests: 3, per_seconds: 60 },
      });
      const first = await connector.fetch();
      expect(first.complete).toBe(false);
      expect(first.stops).toEqual([
        expect.objectContaining({ reason: 'quota_exceeded', retryAt: expect.any(Date) as Date }),
      ]);
      expect(h.simulator.requests).toHaveLength(3);
      const again = await connector.fetch({ cursor: first.cursor });
      expect(again.stops[0].reason).toBe('quota_exceeded');
      expect(again.records).toHaveLength(0);
      expect(h.simulator.requests).toHaveLength(3);
      expect(connector.health()).toMatchObject({ quotaExceeded: 2, healthy: true });
      const rest = await syncToEnd(connector, h.clock, first.cursor, {
        maxSyncs: 100,
        waitMs: 60_000,
      });
      expect(keysOf([...first.records, ...rest.records])).toEqual(baseline);
    });

    it('credentials expiring mid-sync: renewed once, the sync goes on', async () => {
      if (!h.issuesCredentials) return;
      h.simulator.expireCredentialsAfter(1);
      const result = await h.connector({ page_size: 20 }).fetch();
      expect(result.complete).toBe(true);
      expect(keysOf(result.records)).toEqual(baseline);
      expect(h.simulator.credentialRequests()).toHaveLength(2);
      expect(h.simulator.dataRequests().filter((r) => r.status === 401)).toHaveLength(1);
    });

    it('wrong credentials: the connection test and the sync say auth, without the secret', async () => {
      const wrong = h.wrongCredentials;
      const connector = h.connector(wrong);
      const test = await connector.testConnection();
      expect(test).toMatchObject({ ok: false, stage: 'auth' });
      const result = await connector.fetch();
      expect(result.stops[0]).toMatchObject({ reason: 'error', stage: 'auth' });
      const secrets =
        JSON.stringify(wrong.authentication).match(
          /"(?:password|client_secret|api_key|refresh_token)":"([^"]+)"/g,
        ) ?? [];
      expect(secrets.length).toBeGreaterThan(0);
      for (const secret of secrets.map((s) => s.split(':"')[1].slice(0, -1))) {
        expect(test.message).not.toContain(secret);
        expect(result.stops[0].message).not.toContain(secret);
        expect(connector.health().lastError ?? '').not.toContain(secret);
      }
    });

    it('connection test: ok against the simulator, stage connect where nothing listens', async () => {
      const ok = await h.connector().testConnection();
      expect(ok).toMatchObject({ ok: true, stage: 'parse' });
      const port = await closedPort();
      const refused = await h.connector({ base_url: `http://127.0.0.1:${port}` }).testConnection();
      expect(refused).toMatchObject({ ok: false, stage: 'connect' });
      expect(refused.message).toContain('ECONNREFUSED');
    });
  },
);
