import type { HttpResponse, HttpSend, OutboundRequest } from './integration';

/**
 * The production `HttpSend`: Node's fetch with a per-request timeout. Network errors and timeouts
 * throw; the delivery layer treats a throw as retryable.
 */
export function fetchHttpSend(options: { timeoutMs?: number } = {}): HttpSend {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (request: OutboundRequest): Promise<HttpResponse> => {
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
    return { status: response.status, headers, body: await response.text() };
  };
}
