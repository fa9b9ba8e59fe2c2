/**
 * Load generator for the API latency run, in its own process (forked by latency-scenario.ts) so
 * that its requests and bookkeeping do not run on the service's event loop: C callers, each
 * sending R `PUT /crm/provision/` one after the other; every request's duration and status go
 * back over IPC.
 */

export interface LoadRequest {
  type: 'run';
  url: string;
  token: string;
  body: Record<string, unknown>;
  callers: number;
  perCaller: number;
}

export interface LoadSample {
  /** ms after the first request started. */
  startMs: number;
  ms: number;
  /** HTTP status, or 0 when the request failed (connection error). */
  status: number;
}

export interface LoadResult {
  type: 'done';
  /** Wall clock (ms since the epoch) of the first request and of the last answer. */
  startedAt: number;
  endedAt: number;
  samples: LoadSample[];
  errors: Record<string, number>;
}

async function runLoad(r: LoadRequest): Promise<LoadResult> {
  const samples: LoadSample[] = [];
  const errors: Record<string, number> = {};
  const payload = JSON.stringify(r.body);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${r.token}` };
  const t0 = performance.now();
  const startedAt = performance.timeOrigin + t0;
  const caller = async () => {
    for (let i = 0; i < r.perCaller; i++) {
      const start = performance.now();
      let status = 0;
      try {
        const response = await fetch(`${r.url}/crm/provision/`, {
          method: 'PUT',
          headers,
          body: payload,
        });
        await response.arrayBuffer();
        status = response.status;
        if (status !== 200) errors[`HTTP ${status}`] = (errors[`HTTP ${status}`] ?? 0) + 1;
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
        errors[cause] = (errors[cause] ?? 0) + 1;
      }
      samples.push({ startMs: start - t0, ms: performance.now() - start, status });
    }
  };
  await Promise.all(Array.from({ length: r.callers }, caller));
  return {
    type: 'done',
    startedAt,
    endedAt: performance.timeOrigin + performance.now(),
    samples,
    errors,
  };
}

if (require.main === module && process.send) {
  process.on('message', (message: LoadRequest) => {
    if (message.type !== 'run') return;
    void runLoad(message).then((result) => {
      process.send?.(result, () => process.exit(0));
    });
  });
  process.send({ type: 'ready' });
}
