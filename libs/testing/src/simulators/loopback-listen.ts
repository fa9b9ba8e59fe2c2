import type { Server } from 'node:http';
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
