import type { HttpResponse, HttpSend, OutboundRequest } from './integration';

/**
 * For unit specs: an `HttpSend` that answers with the given responses in order, records every
 * request, and fails loudly on a request nobody expected. Not exported from the lib's index.
 */
export function scriptedHttp(...responses: HttpResponse[]): {
  send: HttpSend;
  requests: OutboundRequest[];
} {
  const requests: OutboundRequest[] = [];
  const send: HttpSend = (request) => {
    requests.push(request);
    const response = responses.shift();
    return response
      ? Promise.resolve(response)
      : Promise.reject(new Error(`unexpected request ${request.method} ${request.url}`));
  };
  return { send, requests };
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return { status, headers, body: JSON.stringify(body) };
}
