import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  app: string;
  url: string;
  child: ChildProcess;
  /** Log lines seen so far (JSON parsed where possible). */
  logs: Record<string, unknown>[];
  /** SIGKILL: a crash, no chance to commit or flush. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
}

/**
 * Runs a built service (`dist/apps/<app>/src/main.js`) as its own process, as production does, and
 * resolves once it logs "ready" with its URL. Fails with the process's own output if it exits first.
 */
export function startServiceProcess(
  app: string,
  env: Record<string, string | undefined>,
  root = process.cwd(),
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [join(root, 'dist', 'apps', app, 'src', 'main.js')], {
    cwd: root,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return new Promise<ServiceProcess>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${app} did not become ready in 60 s:\n${stderr.join('')}`)),
      60_000,
    );
    createInterface({ input: child.stderr }).on('line', (line) => stderr.push(`${line}\n`));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line };
      }
      logs.push(parsed);
      if (parsed.msg === 'ready' && typeof parsed.url === 'string') {
        clearTimeout(timer);
        resolve({
          app,
          url: parsed.url,
          child,
          logs,
          kill: async () => {
            child.kill('SIGKILL');
            await exited;
          },
          stop: async () => {
            child.kill('SIGTERM');
            return exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with code ${code} before it was ready:\n${stderr.join('')}`));
    });
  });
}
