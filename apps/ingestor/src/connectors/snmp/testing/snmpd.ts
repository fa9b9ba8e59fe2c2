/**
 * A real net-snmp agent (the Debian `snmpd`) for tests and benchmarks: started on a free loopback
 * UDP port with its own config and persistent directory in a temp dir, stopped after. Values a
 * test must control (counters, UPS-MIB) are served from a data file through a `pass` script.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import * as snmp from 'net-snmp';
import { compareOids } from '../oid-catalogue';

const run = promisify(execFile);

/** A v3 user the agent knows (net-snmp `createUser` spelling). */
export interface SnmpdUser {
  user: string;
  authProtocol: 'SHA' | 'SHA-256' | 'SHA-512' | 'MD5';
  authKey: string;
  privProtocol: 'AES' | 'DES';
  privKey: string;
}

/** `pass` script types: integer, gauge, counter, counter64, timeticks, string, objectid... */
export type PassValue = [type: string, value: string | number | bigint];

export interface SnmpdOptions {
  communities?: string[];
  users?: SnmpdUser[];
  /** Subtrees served from the data file (see `setValues`). */
  passRoots?: string[];
  /** MIB modules not to load (`-I -ifXTable`), so a pass root can stand in for them. */
  withoutModules?: string[];
  /** More snmpd.conf lines. */
  config?: string[];
  /** Loopback addresses to answer on (127.0.0.1 when omitted), all on the same port. */
  listen?: string[];
}

function binary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return name;
}

/** A UDP port nothing listens on right now (bound, read, released). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

// Finds the first data line at (-g) or after (-n) the requested OID; the data file is sorted.
const PASS_SCRIPT = (dataFile: string) => `#!/bin/sh
exec awk -v mode="$1" -v req="\${2#.}" '
function cmp(a, b,   x, y, n, m, i) {
  n = split(a, x, "."); m = split(b, y, ".")
  for (i = 1; i <= n && i <= m; i++) { if (x[i] + 0 < y[i] + 0) return -1; if (x[i] + 0 > y[i] + 0) return 1 }
  return n < m ? -1 : (n > m ? 1 : 0)
}
{
  oid = $1; type = $2; value = $0; sub(/^[^ ]+ [^ ]+ /, "", value)
  if (mode == "-g" && cmp(oid, req) == 0) { print "." oid; print type; print value; exit }
  if (mode == "-n" && cmp(oid, req) > 0) { print "." oid; print type; print value; exit }
}' '${dataFile}'
`;

/**
 * Runs net-snmp's `snmptrap` with `args` after the common flags (no MIBs: numeric OIDs only;
 * 2 s timeout, 1 retry for informs); `stateDir` keeps its persistent files out of /var/lib.
 * Rejects when it fails, e.g. an inform nobody acknowledged.
 */
export async function snmptrap(args: string[], stateDir: string): Promise<void> {
  await run(binary('snmptrap'), ['-m', '', '-t', '2', '-r', '1', ...args], {
    env: { ...process.env, SNMP_PERSISTENT_DIR: stateDir, MIBS: '' },
  });
}

export class Snmpd {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly options: SnmpdOptions,
  ) {}

  /** Starts an agent and waits until it answers. */
  static async start(options: SnmpdOptions = {}): Promise<Snmpd> {
    const dir = await mkdtemp(join(tmpdir(), 'telcomesh-snmpd-'));
    for (let attempt = 1; ; attempt++) {
      const agent = new Snmpd(dir, await freeUdpPort(), options);
      await agent.writeConfig();
      try {
        await agent.launch();
        return agent;
      } catch (error) {
        await agent.kill();
        // Another process may have taken the port between its release and snmpd's bind.
        if (attempt >= 3) {
          await rm(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** What snmpd wrote to stdout/stderr, for failed tests. */
  get log(): string {
    return this.output;
  }

  /** Replaces every value served by the pass roots. */
  async setValues(values: Record<string, PassValue>): Promise<void> {
    const lines = Object.entries(values)
      .map(([oid, [type, value]]) => [oid.replace(/^\./, ''), type, String(value)] as const)
      .sort(([a], [b]) => compareOids(a, b))
      .map(([oid, type, value]) => `${oid} ${type} ${value}\n`);
    const file = join(this.dir, 'pass-data.txt');
    await writeFile(`${file}.tmp`, lines.join(''));
    await rename(`${file}.tmp`, file);
  }

  /** Stops and starts the agent on the same port: sysUpTime and its counters start over. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async writeConfig(): Promise<void> {
    const { communities = ['public'], users = [], passRoots = [], config = [] } = this.options;
    const script = join(this.dir, 'pass.sh');
    await writeFile(script, PASS_SCRIPT(join(this.dir, 'pass-data.txt')));
    await chmod(script, 0o755);
    await writeFile(join(this.dir, 'pass-data.txt'), '');
    const lines = [
      ...communities.map((community) => `rocommunity ${community} 127.0.0.0/8`),
      ...users.flatMap((u) => [
        `createUser ${u.user} ${u.authProtocol} "${u.authKey}" ${u.privProtocol} "${u.privKey}"`,
        `rouser ${u.user} priv`,
      ]),
      ...passRoots.map((root) => `pass ${root} ${script}`),
      ...config,
    ];
    await writeFile(join(this.dir, 'snmpd.conf'), `${lines.join('\n')}\n`);
  }

  private async launch(): Promise<void> {
    const args = [
      '-f',
      '-Lo',
      '-C',
      '-c',
      join(this.dir, 'snmpd.conf'),
      '-p',
      join(this.dir, 'snmpd.pid'),
      `--persistentDir=${join(this.dir, 'persist')}`,
      // No SMUX: it binds TCP 199, which a second agent could not have.
      '-I',
      `-${['smux', ...(this.options.withoutModules ?? [])].join(',')}`,
      (this.options.listen ?? ['127.0.0.1']).map((ip) => `udp:${ip}:${this.port}`).join(','),
    ];
    const child = spawn(binary('snmpd'), args, {
      env: { ...process.env, MIBS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const exited = new Promise<never>((_resolve, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`snmpd exited with ${String(code)} before answering:\n${this.output}`)),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([this.waitUntilAnswering(), exited]);
  }

  private async waitUntilAnswering(): Promise<void> {
    const community = this.options.communities?.[0];
    for (let i = 0; i < 100; i++) {
      if (this.process?.exitCode !== null) return; // the exit handler reports it
      const answered = community
        ? await new Promise<boolean>((resolve) => {
            const session = snmp.createSession(this.options.listen?.[0] ?? '127.0.0.1', community, {
              port: this.port,
              timeout: 200,
              retries: 0,
              version: snmp.Version2c,
            });
            session.on('error', () => undefined);
            session.get(['1.3.6.1.2.1.1.3.0'], (error) => {
              session.close();
              resolve(!error);
            });
          })
        : true;
      if (answered) return;
      await delay(100);
    }
    throw new Error(`snmpd did not answer on ${this.address}:\n${this.output}`);
  }

  private async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const patience = new AbortController();
    const forced = delay(5_000, undefined, { signal: patience.signal }).then(
      () => child.kill('SIGKILL'),
      () => undefined, // exited in time
    );
    await exited;
    patience.abort();
    await forced;
  }
}
