import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host:port` (0 picks a free port); rejects if the port cannot be bound. */
export function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** `http://<host>:<port>` of a listening server; throws naming `what` when it is not listening. */
export function baseUrlOf(server: Server | undefined, host: string, what: string): string {
  const address = server?.address() as AddressInfo | null | undefined;
  if (!address) throw new Error(`${what} is not listening`);
  return `http://${host}:${address.port}`;
}

/** One request as a simulator sees it: the raw body is kept so signatures can be checked. */
export interface SimulatorRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Reads a whole request; undefined (the socket destroyed) when the client went away mid-body. */
export async function readSimulatorRequest(
  req: IncomingMessage,
  res: ServerResponse,
): Promise<SimulatorRequest | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    res.destroy();
    return undefined;
  }
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}
