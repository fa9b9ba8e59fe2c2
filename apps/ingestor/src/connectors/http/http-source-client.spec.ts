import { OAuth2ClientCredentialsAuth, BasicAuth } from './auth';
import type { Clock } from './clock';
import { HttpSourceClient, type HttpSourceClientOptions } from './http-source-client';
import { SecretRedactor } from './redaction';
import { RequestBudget } from './request-budget';
import { SourceError } from './source-error';

/** A clock whose sleeps return at once and are recorded. */
function manualClock(
  start = Date.parse('2024-01-15T10:00:00Z'),
): Clock & { sleeps: number[]; advance(ms: number): void } {
  let time = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: (ms) => {
      sleeps.push(ms);
      time += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      time += ms;
    },
  };
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

type Answer = Response | Error | ((call: Call) => Response | Error);

/** A fetch that answers from a script and records what it was asked; no network. */
function scriptedFetch(answers: Answer[]) {
  const calls: Call[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      url: input instanceof Request ? input.url : input.toString(),
      method: init?.method ?? 'GET',
      headers: (init?.headers ?? {}) as Record<string, string>,
      body:
        typeof init?.body === 'string' || init?.body instanceof URLSearchParams
          ? String(init.body)
          : '',
    };
    calls.push(call);
    const next = answers.shift();
    if (next === undefined)
      return Promise.reject(new Error(`unexpected call ${call.method} ${call.url}`));
    const answer = typeof next === 'function' ? next(call) : next;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

function networkError(code: string): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
}

function client(fetch: typeof globalThis.fetch, overrides: Partial<HttpSourceClientOptions> = {}) {
  const clock = manualClock();
  const redactor = overrides.redactor ?? new SecretRedactor();
  const options: HttpSourceClientOptions = {
    baseUrl: 'https://oss.example.net/enm',
    auth: new BasicAuth('aiops_user', 'hunter2-secret', redactor),
    timeoutMs: 1000,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 },
    budget: new RequestBudget(100, 60_000, () => clock.now()),
    redactor,
    clock,
    random: () => 0.5,
    fetch,
    ...overrides,
  };
  return {
    http: new HttpSourceClient(options),
    clock: (overrides.clock ?? clock) as ReturnType<typeof manualClock>,
  };
}

async function failure(promise: Promise<unknown>): Promise<SourceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SourceError) return error;
    throw error;
  }
  throw new Error('expected a SourceError');
}

describe('HttpSourceClient', () => {
  it('joins paths under the base URL prefix and sends the query', async () => {
    const { fetch, calls } = scriptedFetch([json(200, {})]);
    await client(fetch).http.send({
      path: '/fm/alarms',
      query: { from: '2024', skipped: undefined, limit: 5 },
    });
    expect(calls[0].url).toBe('https://oss.example.net/enm/fm/alarms?from=2024&limit=5');
  });

  it('retries 5xx with growing backoff, then returns the answer', async () => {
    const { fetch, calls } = scriptedFetch([json(500, {}), json(502, {}), json(200, { ok: true })]);
    const { http, clock } = client(fetch);
    const response = await http.send({ path: '/x' });
    expect(response.json()).toEqual({ ok: true });
    expect(calls).toHaveLength(3);
    expect(clock.sleeps).toEqual([75, 150]);
    expect(http.stats).toMatchObject({ requests: 3, errors: 2 });
  });

  it('gives up after maxAttempts with the status in the message', async () => {
    const { fetch, calls } = scriptedFetch([
      json(500, {}),
      json(500, {}),
      json(503, { detail: 'down' }),
    ]);
    const error = await failure(client(fetch).http.send({ path: '/x' }));
    expect(calls).toHaveLength(3);
    expect(error).toMatchObject({ kind: 'http', stage: 'request', status: 503 });
    expect(error.message).toBe('GET /enm/x: status 503 ({"detail":"down"})');
  });

  it('honours Retry-After on 429 (seconds) and 503 (HTTP-date) instead of its own backoff', async () => {
    const { fetch } = scriptedFetch([
      json(429, {}, { 'retry-after': '7' }),
      json(503, {}, { 'retry-after': 'Mon, 15 Jan 2024 10:00:37 GMT' }),
      json(200, {}),
    ]);
    const { http, clock } = client(fetch);
    await http.send({ path: '/x' });
    expect(clock.sleeps).toEqual([7000, 30_000]);
  });

  it('a Retry-After beyond what it may wait ends the request as rate_limited with the time to return', async () => {
    const { fetch, calls } = scriptedFetch([json(429, {}, { 'retry-after': '3600' })]);
    const { http, clock } = client(fetch);
    const error = await failure(http.send({ path: '/x' }));
    expect(calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(error).toMatchObject({
      kind: 'rate_limited',
      stage: 'request',
      retryAtMs: clock.now() + 3_600_000,
    });
  });

  it('does not retry other 4xx', async () => {
    const { fetch, calls } = scriptedFetch([json(404, {})]);
    expect(await failure(client(fetch).http.send({ path: '/x' }))).toMatchObject({
      kind: 'http',
      status: 404,
    });
    expect(calls).toHaveLength(1);
  });

  it('with an exhausted budget, does not call the source and says quota_exceeded', async () => {
    const { fetch, calls } = scriptedFetch([json(200, {}), json(200, {})]);
    const clock = manualClock();
    const budget = new RequestBudget(2, 60_000, () => clock.now());
    const { http } = client(fetch, { budget, clock });
    await http.send({ path: '/a' });
    await http.send({ path: '/b' });
    const error = await failure(http.send({ path: '/c' }));
    expect(calls).toHaveLength(2);
    expect(error).toMatchObject({
      kind: 'quota_exceeded',
      stage: 'request',
      retryAtMs: clock.now() + 30_000,
    });
    expect(http.stats.requests).toBe(2);
  });

  it('a retry counts against the budget too', async () => {
    const { fetch, calls } = scriptedFetch([json(500, {}), json(200, {})]);
    const clock = manualClock();
    const { http } = client(fetch, {
      budget: new RequestBudget(1, 60_000, () => clock.now()),
      clock,
    });
    expect(await failure(http.send({ path: '/x' }))).toMatchObject({ kind: 'quota_exceeded' });
    expect(calls).toHaveLength(1);
  });

  describe('OAuth2', () => {
    function oauthClient(fetch: typeof globalThis.fetch) {
      const clock = manualClock();
      const redactor = new SecretRedactor();
      const auth = new OAuth2ClientCredentialsAuth(
        { tokenPath: '/auth/oauth2/token', clientId: 'aiops', clientSecret: 's3cr3t-value' },
        clock,
        redactor,
      );
      return { ...client(fetch, { auth, clock, redactor }), clock };
    }

    it('gets a token once, caches it, sends it as Bearer', async () => {
      const { fetch, calls } = scriptedFetch([
        json(200, { access_token: 'tok-1', expires_in: 3600 }),
        json(200, {}),
        json(200, {}),
      ]);
      const { http } = oauthClient(fetch);
      await http.send({ path: '/a' });
      await http.send({ path: '/b' });
      expect(calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
        'POST /enm/auth/oauth2/token',
        'GET /enm/a',
        'GET /enm/b',
      ]);
      expect(calls[0].body).toBe('grant_type=client_credentials');
      expect(calls[0].headers.authorization).toBe(
        `Basic ${Buffer.from('aiops:s3cr3t-value').toString('base64')}`,
      );
      expect(calls[1].headers.authorization).toBe('Bearer tok-1');
    });

    it('on a 401 renews the token and retries once; a second 401 is an auth error', async () => {
      const { fetch, calls } = scriptedFetch([
        json(200, { access_token: 'tok-1', expires_in: 3600 }),
        json(401, {}),
        json(200, { access_token: 'tok-2', expires_in: 3600 }),
        json(200, { fine: true }),
        json(401, {}),
        json(200, { access_token: 'tok-3', expires_in: 3600 }),
        json(401, { error: 'still no' }),
      ]);
      const { http } = oauthClient(fetch);
      expect((await http.send({ path: '/a' })).json()).toEqual({ fine: true });
      expect(calls[3].headers.authorization).toBe('Bearer tok-2');
      const error = await failure(http.send({ path: '/b' }));
      expect(error).toMatchObject({ kind: 'auth', stage: 'auth', status: 401 });
      expect(calls).toHaveLength(7);
    });

    it('renews the token ahead of its expiry', async () => {
      const { fetch, calls } = scriptedFetch([
        json(200, { access_token: 'tok-1', expires_in: 300 }),
        json(200, {}),
        json(200, {}),
        json(200, { access_token: 'tok-2', expires_in: 300 }),
        json(200, {}),
      ]);
      const { http, clock } = oauthClient(fetch);
      await http.send({ path: '/a' });
      clock.advance(239_000);
      await http.send({ path: '/b' });
      clock.advance(2000);
      await http.send({ path: '/c' });
      expect(calls[4].headers.authorization).toBe('Bearer tok-2');
    });

    it('concurrent requests share one token request', async () => {
      const { fetch, calls } = scriptedFetch([
        json(200, { access_token: 'tok-1', expires_in: 3600 }),
        json(200, {}),
        json(200, {}),
        json(200, {}),
      ]);
      const { http } = oauthClient(fetch);
      await Promise.all([
        http.send({ path: '/a' }),
        http.send({ path: '/b' }),
        http.send({ path: '/c' }),
      ]);
      expect(calls.filter((c) => c.url.endsWith('/token'))).toHaveLength(1);
    });

    it('a refused client is an auth error that does not show the secret', async () => {
      const { fetch } = scriptedFetch([
        json(401, {
          error: 'invalid_client',
          error_description: 'bad secret s3cr3t-value for aiops',
        }),
      ]);
      const error = await failure(oauthClient(fetch).http.send({ path: '/a' }));
      expect(error).toMatchObject({ kind: 'auth', stage: 'auth' });
      expect(error.message).toContain('invalid_client');
      expect(error.message).not.toContain('s3cr3t-value');
    });

    it('a 400 invalid_grant from the token endpoint is an auth error too', async () => {
      const { fetch } = scriptedFetch([json(400, { error: 'invalid_grant' })]);
      expect(await failure(oauthClient(fetch).http.send({ path: '/a' }))).toMatchObject({
        kind: 'auth',
        stage: 'auth',
      });
    });
  });

  it('basic auth: a 401 is not retried (new credentials would be the same)', async () => {
    const { fetch, calls } = scriptedFetch([json(401, {})]);
    expect(await failure(client(fetch).http.send({ path: '/x' }))).toMatchObject({
      kind: 'auth',
      stage: 'auth',
    });
    expect(calls).toHaveLength(1);
  });

  it('redacts secrets the source echoes back in an error body', async () => {
    const { fetch } = scriptedFetch([
      json(400, { message: 'user aiops_user password hunter2-secret rejected' }),
    ]);
    const error = await failure(client(fetch).http.send({ path: '/x' }));
    expect(error.message).toContain('[REDACTED]');
    expect(error.message).not.toContain('hunter2-secret');
  });

  it.each([
    ['ENOTFOUND', 'dns', 'dns'],
    ['EAI_AGAIN', 'dns', 'dns'],
    ['ECONNREFUSED', 'connect', 'connect'],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect', 'connect'],
    ['CERT_HAS_EXPIRED', 'tls', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', 'tls'],
    ['UND_ERR_SOCKET', 'http', 'request'],
  ])('network error %s is kind %s at stage %s', async (code, kind, stage) => {
    const { fetch } = scriptedFetch([networkError(code)]);
    const error = await failure(client(fetch).http.send({ path: '/x', retry: false }));
    expect(error).toMatchObject({ kind, stage });
    expect(error.message).toContain(code);
  });

  it('a timeout is retried; DNS and TLS failures are not', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const first = scriptedFetch([timeout, json(200, {})]);
    await client(first.fetch).http.send({ path: '/x' });
    expect(first.calls).toHaveLength(2);
    for (const code of ['ENOTFOUND', 'CERT_HAS_EXPIRED']) {
      const { fetch, calls } = scriptedFetch([networkError(code), json(200, {})]);
      await failure(client(fetch).http.send({ path: '/x' }));
      expect(calls).toHaveLength(1);
    }
  });

  it('follows a same-origin link but refuses one to another origin', async () => {
    const { fetch, calls } = scriptedFetch([json(200, {})]);
    const { http } = client(fetch);
    await http.send({ url: '/enm/items?cursor=2' });
    expect(calls[0].url).toBe('https://oss.example.net/enm/items?cursor=2');
    const error = await failure(http.send({ url: 'https://elsewhere.example.com/items?cursor=3' }));
    expect(error.message).toContain('refusing to follow a link to https://elsewhere.example.com');
    expect(calls).toHaveLength(1);
  });

  it('json() of a body that does not parse is a parse-stage error', async () => {
    const { fetch } = scriptedFetch([new Response('{"items": [', { status: 200 })]);
    const response = await client(fetch).http.send({ path: '/x' });
    expect(() => response.json()).toThrow(
      expect.objectContaining({ kind: 'parse', stage: 'parse' }) as Error,
    );
  });
});
