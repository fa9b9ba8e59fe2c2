import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { SimulatorResponse } from './simulator-server';

/**
 * The slow and malformed answers a simulator can be told to give (`delayNext`, `malformNext`).
 * Delays wrap the server's request listener, as SimulatorServer answers synchronously.
 */
export class ResponseFaults {
  private readonly delays: number[] = [];
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private malformed = 0;
  private delaysInstalled = false;

  /** The next `count` requests are answered only after `ms` milliseconds. */
  delayNext(count: number, ms: number): void {
    for (let i = 0; i < count; i++) this.delays.push(ms);
  }

  /** The next `count` successful JSON answers are cut in half (malformed JSON). */
  malformNext(count: number): void {
    this.malformed += count;
  }

  /** Puts the delays in front of `server`'s request listener; once per start. */
  install(server: Server): void {
    if (this.delaysInstalled) return;
    const listeners = server.listeners('request') as ((
      req: IncomingMessage,
      res: ServerResponse,
    ) => void)[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const delay = this.delays.shift();
      if (delay === undefined) {
        for (const listener of listeners) listener(req, res);
        return;
      }
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        for (const listener of listeners) listener(req, res);
      }, delay);
      this.pendingTimers.add(timer);
    });
    this.delaysInstalled = true;
  }

  /** Drops requests still held back, as the server is stopping; the next start installs anew. */
  cancelPending(): void {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    this.delaysInstalled = false;
  }

  /** Forgets faults not yet given. */
  reset(): void {
    this.delays.length = 0;
    this.malformed = 0;
  }

  /** `reply`, cut in half when a malformed answer is due and it is a successful JSON one. */
  apply(reply: SimulatorResponse): SimulatorResponse {
    if (this.malformed > 0 && reply.status === 200 && typeof reply.body === 'object') {
      this.malformed--;
      const text = JSON.stringify(reply.body);
      return { ...reply, body: text.slice(0, Math.ceil(text.length / 2)) };
    }
    return reply;
  }
}
