/**
 * SNMP benchmark of the ingestor's SnmpConnector against a real snmpd (Debian package) on
 * loopback, serving this host's own IF-MIB and HOST-RESOURCES-MIB:
 *
 * 1. OIDs/s, two workloads, v2c and v3 authPriv, in the same run against the same agent with the
 *    same max-repetitions: `tables`, the connector polling ifTable, ifXTable, hrStorageTable and
 *    hrProcessorTable of one target over and over, against net-snmp's `snmpbulkwalk` walking the
 *    same four subtrees (one process per subtree, as a script would); and `mib-2`, one large walk
 *    of 1.3.6.1.2.1 (the connector with a raw OID, snmpbulkwalk in one process), where process
 *    start-up no longer counts. snmpbulkwalk is also timed on an empty subtree: its start-up cost.
 * 2. Targets per 60 s: one poll round over many targets (distinct loopback addresses of a few
 *    agents) with the connector's bounded concurrency, measuring wall time, this process's CPU
 *    time and requests per target; the capacity of one instance is extrapolated from them (see
 *    `extrapolate`).
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validateConnectionConfig } from '../../apps/ingestor/src/connectors/connection-config';
import type { ConnectorLogger } from '../../apps/ingestor/src/connectors/http/http-source-client';
import { SnmpConnectionConfig } from '../../apps/ingestor/src/connectors/snmp/snmp-config';
import { SnmpConnector } from '../../apps/ingestor/src/connectors/snmp/snmp.connector';
import { Snmpd } from '../../apps/ingestor/src/connectors/snmp/testing/snmpd';
import { intFlag, listFlag, type Flags } from '../messaging/flags';

const run = promisify(execFile);

export const SNMP_BENCH_HELP = `usage: npx node dist/bench/ingestor/snmp-main.js [flags]   (after npx node scripts/build.mjs)

  --rounds N          tables polls (connector) and walks (snmpbulkwalk) per version (default 30)
  --big-rounds N      mib-2 walks per side and version (default 5)
  --warmup N          unmeasured polls first (default 3)
  --max-repetitions N GETBULK max-repetitions, both sides (default 25)
  --versions LIST     v2c,v3 (default both)
  --targets N         targets in the capacity round (default 400)
  --agents N          snmpd processes serving them (default 2)
  --concurrency N     the connector's max_concurrent_targets (default 64)
  --interval S        polling interval the capacity is given for (default 60)
  --rtt LIST          round-trip times in ms to extrapolate the latency bound for (default 5,20,50)
  --cpu-share P       share of one core the instance may spend on polling, % (default 50)
`;

const COMMUNITY = 'bench-ro';
const USER = {
  user: 'benchv3',
  authProtocol: 'SHA-256',
  authKey: 'bench-auth-key-1',
  privProtocol: 'AES',
  privKey: 'bench-priv-key-2',
} as const;

/** What one target is polled for, as catalogue tables and as the subtrees snmpbulkwalk walks. */
const OBJECTS = [
  'IF-MIB::ifTable',
  'IF-MIB::ifXTable',
  'HOST-RESOURCES-MIB::hrStorageTable',
  'HOST-RESOURCES-MIB::hrProcessorTable',
];
const SUBTREES = [
  '1.3.6.1.2.1.2.2',
  '1.3.6.1.2.1.31.1.1',
  '1.3.6.1.2.1.25.2.3',
  '1.3.6.1.2.1.25.3.3',
];

type Version = 'v2c' | 'v3';

export interface WalkFigures {
  oidsPerPoll: number;
  seconds: number;
  oidsPerSecond: number;
  msPerPoll: number;
}

export interface ThroughputFigures {
  version: Version;
  workload: 'tables' | 'mib-2';
  rounds: number;
  connector: WalkFigures & { cpuMsPerPoll: number };
  snmpbulkwalk: WalkFigures & { processesPerPoll: number };
}

export interface CapacityFigures {
  targets: number;
  agents: number;
  concurrency: number;
  failedTargets: number;
  roundSeconds: number;
  cpuMsPerTarget: number;
  requestsPerTarget: number;
  oidsPerTarget: number;
  /** Wall time per target in the round (includes queueing at the agents here). */
  meanTargetMs: number;
  /** Wall time of one target polled alone (the tables workload): agent and poller, no network. */
  unloadedTargetMs: number;
  intervalSeconds: number;
  /** Targets one instance sustains by CPU, at the given share of one core. */
  cpuBound: number;
  cpuShare: number;
  /** Targets the concurrency sustains when every request takes `rttMs` on the network. */
  latencyBound: { rttMs: number; targets: number }[];
  /** What this box sustained: targets × interval / measured round time (loopback, agents here). */
  measuredHere: number;
}

export interface SnmpBenchResult {
  machine: { cpus: number; model: string; node: string; snmpd: string };
  throughput: ThroughputFigures[];
  /** One snmpbulkwalk process on an empty subtree, per version: its start-up and one exchange. */
  emptyWalkMs: Partial<Record<Version, number>>;
  capacity: CapacityFigures;
}

const silent: ConnectorLogger = { debug() {}, info() {}, warn() {}, error() {} };

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function target(agent: Snmpd, version: Version, host = '127.0.0.1') {
  return version === 'v2c'
    ? { host, port: agent.port, version, community: COMMUNITY, site_id: 'BENCH' }
    : {
        host,
        port: agent.port,
        version,
        site_id: 'BENCH',
        v3: {
          user: USER.user,
          auth_protocol: USER.authProtocol,
          auth_key: USER.authKey,
          priv_protocol: USER.privProtocol,
          priv_key: USER.privKey,
        },
      };
}

function newConnector(raw: Record<string, unknown>): SnmpConnector {
  const config = validateConnectionConfig(SnmpConnectionConfig, raw, 'snmp');
  return new SnmpConnector(config, { sourceId: 'snmp-bench', logger: silent });
}

function credentials(version: Version): string[] {
  return version === 'v2c'
    ? ['-v2c', '-c', COMMUNITY]
    : [
        '-v3',
        '-l',
        'authPriv',
        '-u',
        USER.user,
        '-a',
        USER.authProtocol,
        '-A',
        USER.authKey,
        '-x',
        USER.privProtocol,
        '-X',
        USER.privKey,
      ];
}

async function snmpbulkwalk(
  agent: Snmpd,
  version: Version,
  repetitions: number,
  subtree: string,
): Promise<number> {
  const { stdout } = await run(
    'snmpbulkwalk',
    ['-m', '', ...credentials(version), `-Cr${repetitions}`, '-On', '-Oq', agent.address, subtree],
    {
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(agent.dir, 'client'), MIBS: '' },
      maxBuffer: 64 << 20,
    },
  );
  return stdout.split('\n').filter((line) => line.startsWith('.') && !line.includes('No Such'))
    .length;
}

const WORKLOADS = {
  tables: { objects: OBJECTS, subtrees: SUBTREES },
  'mib-2': { objects: ['1.3.6.1.2.1'], subtrees: ['1.3.6.1.2.1'] },
} as const;

async function measureThroughput(
  agent: Snmpd,
  version: Version,
  workload: keyof typeof WORKLOADS,
  rounds: number,
  warmup: number,
  repetitions: number,
): Promise<ThroughputFigures> {
  const { objects, subtrees } = WORKLOADS[workload];
  const connector = newConnector({
    targets: [target(agent, version)],
    objects,
    max_repetitions: repetitions,
    timeout_ms: 5_000,
    target_timeout_ms: 60_000,
  });
  for (let i = 0; i < warmup; i++) await connector.fetch();
  const before = connector.pollStats();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const result = await connector.fetch();
    if (result.stops.length > 0)
      throw new Error(`connector poll failed: ${result.stops[0].message}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = cpuMs(cpu);
  const oids = connector.pollStats().varbinds - before.varbinds;
  await connector.close();

  for (let i = 0; i < warmup; i++) await snmpbulkwalk(agent, version, repetitions, subtrees[0]);
  let walked = 0;
  const walkStarted = performance.now();
  for (let i = 0; i < rounds; i++) {
    for (const subtree of subtrees)
      walked += await snmpbulkwalk(agent, version, repetitions, subtree);
  }
  const walkSeconds = (performance.now() - walkStarted) / 1000;
  const figures = (count: number, elapsed: number): WalkFigures => ({
    oidsPerPoll: Math.round(count / rounds),
    seconds: round(elapsed, 3),
    oidsPerSecond: Math.round(count / elapsed),
    msPerPoll: round((elapsed * 1000) / rounds, 2),
  });
  return {
    version,
    workload,
    rounds,
    connector: { ...figures(oids, seconds), cpuMsPerPoll: round(cpuUsed / rounds, 2) },
    snmpbulkwalk: { ...figures(walked, walkSeconds), processesPerPoll: subtrees.length },
  };
}

async function emptyWalkMs(agent: Snmpd, version: Version, rounds: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await snmpbulkwalk(agent, version, 25, '1.3.6.1.4.1.99999.42');
  return round((performance.now() - started) / rounds, 2);
}

/**
 * Capacity of one instance at an interval, from one measured round:
 * - CPU bound: interval × cpu share / CPU time per target (this process's user + system time over
 *   the round, divided by the targets) — what the connector itself can afford.
 * - Latency bound: concurrency × interval / time one target takes on a network where every request
 *   waits `rtt`: requests per target × rtt + the time one target takes polled alone here (agent
 *   and poller, no network). Requests of one target go one after the other; targets run
 *   `concurrency` at a time.
 * The instance sustains the smaller of the two. `measuredHere` is what the round itself showed on
 * this box, where the agents share the CPU with the poller (a lower bound).
 */
export function extrapolate(
  measured: Omit<CapacityFigures, 'cpuBound' | 'latencyBound' | 'measuredHere'>,
  rtts: number[],
): CapacityFigures {
  const intervalMs = measured.intervalSeconds * 1000;
  return {
    ...measured,
    cpuBound: Math.floor((intervalMs * (measured.cpuShare / 100)) / measured.cpuMsPerTarget),
    latencyBound: rtts.map((rttMs) => ({
      rttMs,
      targets: Math.floor(
        (measured.concurrency * intervalMs) /
          (measured.requestsPerTarget * rttMs + measured.unloadedTargetMs),
      ),
    })),
    measuredHere: Math.floor((measured.targets * measured.intervalSeconds) / measured.roundSeconds),
  };
}

async function measureCapacity(flags: Flags, unloadedTargetMs: number): Promise<CapacityFigures> {
  const targets = intFlag(flags, 'targets', 400, 1);
  const agentCount = intFlag(flags, 'agents', 2, 1);
  const concurrency = intFlag(flags, 'concurrency', 64, 1);
  const perAgent = Math.ceil(targets / agentCount);
  const addresses = Array.from(
    { length: perAgent },
    (_, i) => `127.0.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`,
  );
  progress(`capacity: starting ${agentCount} snmpd, each on ${perAgent} loopback addresses`);
  const agents: Snmpd[] = [];
  try {
    for (let i = 0; i < agentCount; i++)
      agents.push(
        await Snmpd.start({ communities: [COMMUNITY], users: [USER], listen: addresses }),
      );
    const list = Array.from({ length: targets }, (_, i) => ({
      ...target(agents[i % agentCount], 'v2c', addresses[Math.floor(i / agentCount)]),
      name: `device-${i}`,
    }));
    const connector = newConnector({
      targets: list,
      objects: OBJECTS,
      max_concurrent_targets: concurrency,
      timeout_ms: 5_000,
      retries: 1,
      target_timeout_ms: 60_000,
    });
    await connector.fetch(); // warm-up: sessions, JIT, agent caches
    const before = connector.pollStats();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = await connector.fetch();
    const roundSeconds = (performance.now() - started) / 1000;
    const cpuUsed = cpuMs(cpu);
    const after = connector.pollStats();
    const durations = connector.targetHealth().map((t) => t.lastDurationMs ?? 0);
    await connector.close();
    return extrapolate(
      {
        targets,
        agents: agentCount,
        concurrency,
        failedTargets: result.stops.length,
        roundSeconds: round(roundSeconds, 3),
        cpuMsPerTarget: round(cpuUsed / targets, 3),
        requestsPerTarget: round((after.responses - before.responses) / targets, 1),
        oidsPerTarget: round((after.varbinds - before.varbinds) / targets, 1),
        meanTargetMs: round(durations.reduce((a, b) => a + b, 0) / targets, 1),
        unloadedTargetMs,
        intervalSeconds: intFlag(flags, 'interval', 60, 1),
        cpuShare: intFlag(flags, 'cpu-share', 50, 1),
      },
      listFlag(flags, 'rtt', '5,20,50').map(Number),
    );
  } finally {
    for (const agent of agents) await agent.stop();
  }
}

export async function runSnmpBench(flags: Flags): Promise<SnmpBenchResult> {
  const rounds = intFlag(flags, 'rounds', 30, 1);
  const bigRounds = intFlag(flags, 'big-rounds', 5, 1);
  const warmup = intFlag(flags, 'warmup', 3, 0);
  const repetitions = intFlag(flags, 'max-repetitions', 25, 1);
  const versions = listFlag(flags, 'versions', 'v2c,v3').filter(
    (v): v is Version => v === 'v2c' || v === 'v3',
  );
  const { stdout: snmpdVersion } = await run('snmpd', ['-v']).catch(() => ({ stdout: '' }));
  const agent = await Snmpd.start({ communities: [COMMUNITY], users: [USER] });
  const throughput: ThroughputFigures[] = [];
  const emptyWalk: Partial<Record<Version, number>> = {};
  try {
    for (const version of versions) {
      progress(`throughput ${version}: tables × ${rounds}, mib-2 × ${bigRounds}, each side`);
      throughput.push(
        await measureThroughput(agent, version, 'tables', rounds, warmup, repetitions),
      );
      throughput.push(await measureThroughput(agent, version, 'mib-2', bigRounds, 1, repetitions));
      emptyWalk[version] = await emptyWalkMs(agent, version, rounds);
    }
  } finally {
    await agent.stop();
  }
  const alone = throughput.find((t) => t.workload === 'tables')?.connector.msPerPoll ?? 0;
  const capacity = await measureCapacity(flags, alone);
  return {
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      snmpd: /NET-SNMP version:\s*(\S+)/.exec(snmpdVersion)?.[1] ?? 'unknown',
    },
    throughput,
    emptyWalkMs: emptyWalk,
    capacity,
  };
}

/** The figures as a few plain-text tables. */
export function formatSnmpBench(result: SnmpBenchResult): string {
  const cell = (value: string | number, width: number) => String(value).padStart(width);
  const lines = [
    `machine: ${result.machine.cpus} × ${result.machine.model}, node ${result.machine.node}, snmpd ${result.machine.snmpd}`,
    'tables = ifTable + ifXTable + hrStorageTable + hrProcessorTable (snmpbulkwalk: 4 processes a poll);',
    'mib-2 = one walk of 1.3.6.1.2.1 (snmpbulkwalk: 1 process a poll)',
    '',
    'version  workload  side          OIDs/poll   OIDs/s   ms/poll  CPU ms/poll',
  ];
  for (const t of result.throughput) {
    const head = `${t.version.padEnd(8)} ${t.workload.padEnd(9)}`;
    lines.push(
      `${head} connector     ${cell(t.connector.oidsPerPoll, 9)} ${cell(t.connector.oidsPerSecond, 8)} ${cell(t.connector.msPerPoll, 9)} ${cell(t.connector.cpuMsPerPoll, 12)}`,
      `${head} snmpbulkwalk  ${cell(t.snmpbulkwalk.oidsPerPoll, 9)} ${cell(t.snmpbulkwalk.oidsPerSecond, 8)} ${cell(t.snmpbulkwalk.msPerPoll, 9)} ${cell('-', 12)}`,
    );
  }
  const empty = Object.entries(result.emptyWalkMs).map(([v, ms]) => `${v} ${ms} ms`);
  lines.push(`snmpbulkwalk start-up (one process, empty subtree): ${empty.join(', ')}`);
  const c = result.capacity;
  lines.push(
    '',
    `capacity round: ${c.targets} targets (tables) on ${c.agents} agents, concurrency ${c.concurrency}: ${c.roundSeconds} s, ${c.failedTargets} failed`,
    `  per target: ${c.cpuMsPerTarget} ms CPU, ${c.requestsPerTarget} requests, ${c.oidsPerTarget} OIDs; ${c.unloadedTargetMs} ms alone, ${c.meanTargetMs} ms in the round`,
    `  at ${c.intervalSeconds} s: CPU bound ${c.cpuBound} targets (${c.cpuShare}% of one core); sustained on this box ${c.measuredHere}`,
    ...c.latencyBound.map(
      (l) =>
        `  with ${l.rttMs} ms RTT per request: latency bound ${l.targets} → one instance sustains ${Math.min(l.targets, c.cpuBound)}`,
    ),
  );
  return `${lines.join('\n')}\n`;
}
