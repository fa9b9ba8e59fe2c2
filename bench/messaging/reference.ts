/** Scenario 4: the broker's own ceiling, Kafka's ProducerPerformance (Java client) via scripts/kafka.sh. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { ROOT, type TopicJanitor } from './environment';
import { log } from './stats';

export interface ReferenceOptions {
  brokers: string[];
  messages: number;
  valueBytes: number;
  partitions: number;
  /** Extra producer properties appended to the defaults (e.g. batch.size=524288 linger.ms=10). */
  extraProps: string[];
  tag: string;
  janitor: TopicJanitor;
  quiet: () => Promise<void>;
}

export interface ReferenceResult {
  command: string;
  extraProps: string[];
  topic: string;
  records: number;
  recordsPerSec: number;
  mibPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  summaryLine: string;
}

const num = (line: string, pattern: RegExp): number => {
  const match = pattern.exec(line);
  return match ? Number(match[1]) : Number.NaN;
};

/** Parses ProducerPerformance's final summary line ("N records sent, R records/sec (M MB/sec), ..."). */
export function parseProducerPerformance(
  output: string,
): Omit<ReferenceResult, 'command' | 'topic' | 'extraProps'> {
  const summary = output
    .split('\n')
    .filter((line) => /records sent/.test(line) && /50th/.test(line))
    .pop();
  if (!summary)
    throw new Error(`no ProducerPerformance summary line in output:\n${output.slice(-2000)}`);
  return {
    records: num(summary, /^(\d+) records sent/),
    recordsPerSec: num(summary, /([\d.]+) records\/sec/),
    mibPerSec: num(summary, /\(([\d.]+) MB\/sec\)/),
    avgLatencyMs: num(summary, /([\d.]+) ms avg latency/),
    maxLatencyMs: num(summary, /([\d.]+) ms max latency/),
    p50Ms: num(summary, /([\d.]+) ms 50th/),
    p95Ms: num(summary, /([\d.]+) ms 95th/),
    p99Ms: num(summary, /([\d.]+) ms 99th/),
    p999Ms: num(summary, /([\d.]+) ms 99\.9th/),
    summaryLine: summary.trim(),
  };
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}

export async function runBrokerReference(o: ReferenceOptions): Promise<ReferenceResult> {
  const topic = o.janitor.name('reference', o.tag);
  const admin = new Admin({ clientId: 'bench-messaging-reference', bootstrapBrokers: o.brokers });
  try {
    await admin.createTopics({ topics: [topic], partitions: o.partitions, replicas: -1 });
  } finally {
    await admin.close();
  }
  const args = [
    resolve(ROOT, 'scripts/kafka.sh'),
    'perf-producer',
    '--bootstrap-server',
    o.brokers[0],
    '--topic',
    topic,
    '--num-records',
    String(o.messages),
    '--record-size',
    String(o.valueBytes),
    '--throughput',
    '-1',
    // --command-property is 4.x's name for the deprecated --producer-props.
    '--command-property',
    'acks=all',
    'enable.idempotence=true',
    ...o.extraProps,
  ];
  const command = `bash scripts/kafka.sh ${args.slice(1).join(' ')}`;
  await o.quiet();
  log(`reference: ${command}`);
  const { code, output } = await run('bash', args);
  if (code !== 0)
    throw new Error(`ProducerPerformance exited with ${code}:\n${output.slice(-2000)}`);
  const parsed = parseProducerPerformance(output);
  log(`reference: ${parsed.summaryLine}`);
  return { command, extraProps: o.extraProps, topic, ...parsed };
}
