/** The benchmark's side of the load generator: forks it and asks it for work over IPC. */
import { type ChildProcess, fork } from 'node:child_process';
import { resolve } from 'node:path';
import {
  type GeneratorNotice,
  type GeneratorOp,
  type GeneratorOps,
  type GeneratorReply,
} from './protocol';

export class LoadGeneratorProcess {
  private child: ChildProcess | undefined;
  private seq = 0;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private exited: Error | undefined;

  async start(): Promise<this> {
    const child = fork(resolve(__dirname, 'load-generator.js'), [], {
      execPath: process.execPath,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    await new Promise<void>((ready, fail) => {
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`load generator exited early (${code})`)));
      child.on('message', (message: GeneratorReply | { ready: true }) => {
        if ('ready' in message) {
          ready();
          return;
        }
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!waiting) return;
        if (message.ok) waiting.resolve(message.value);
        else waiting.reject(new Error(`load generator: ${message.error}`));
      });
    });
    child.removeAllListeners('exit');
    child.on('exit', (code, signal) => {
      this.exited = new Error(`load generator exited (${signal ?? code})`);
      for (const waiting of this.pending.values()) waiting.reject(this.exited);
      this.pending.clear();
    });
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  ask<K extends GeneratorOp>(
    op: K,
    request: GeneratorOps[K]['request'],
  ): Promise<GeneratorOps[K]['reply']> {
    const child = this.child;
    if (!child || this.exited) {
      return Promise.reject(this.exited ?? new Error('load generator not started'));
    }
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, op, request });
    });
  }

  /** Tells the load generator something while a request runs. */
  notify(notice: GeneratorNotice['notice']): void {
    this.child?.send({ notice } satisfies GeneratorNotice);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  }
}
