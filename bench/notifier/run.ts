/**
 * Notifier benchmark: alarms on Kafka → the notifier (in process, real PostgreSQL) → K webhook
 * integrations on a local sink, side by side with Debian's `apprise` CLI posting to the same sink.
 * Build with `npm run build`, run with `./node_modules/.bin/node dist/bench/notifier/run.js [flags]`
 * (see --help). Prints a table to stdout, progress to stderr, and writes the figures to a JSON file.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { ROOT, machineInfo, quietLog, runTag, waitForQuiet } from '../messaging/environment';
import { fmt, log, round, table } from '../messaging/stats';
import {
  APPRISE_MODES,
  type AppriseMode,
  type AppriseScenarioResult,
  runAppriseScenario,
  warmApprise,
} from './apprise-scenario';
import { type NotifierScenarioResult, runNotifierScenario } from './notifier-scenario';
import { type AppriseSample, SinkProcess } from './sink';
import { intFlag, listFlag, parseFlags } from '../messaging/flags';

const HELP = `usage: ./node_modules/.bin/node dist/bench/notifier/run.js [flags]   (after npm run build)

  --only LIST              notifier,apprise (default both)
  --alarms N               alarms published to telemetry.events.v1 (default 2000)
  --integrations K         webhook integrations, all routed every alarm (default 10) → N × K deliveries
  --publish-batch N        alarms per publish() call (default 500)
  --warmup N               warm-up alarms before the measured burst (default 5)
  --poll-ms N              NOTIFIER_POLL_INTERVAL_MS (default: the service default, 250)
  --rate N --rate-seconds S  paced latency run after the burst: N alarms/s for S s (default 10/s × 10 s;
                           --rate 0 skips it)
  --profile                time the delivery worker's rounds (claim, request, mark) during the burst
  --diag-pool-max N        DIAGNOSTIC: the notifier's pg pool holds N connections (shipped: 10)
  --diag-no-delivery-events  DIAGNOSTIC: skip the notify.deliveries.v1 outbox write per delivery
  --apprise-bin PATH       apprise CLI (default /usr/bin/apprise)
  --apprise-modes LIST     ${APPRISE_MODES.join(',')} (default all)
  --apprise-messages N     per-message mode: processes, one message each (default 200)
  --apprise-alarms N       fanout mode: processes, each posting to K URLs (default 100)
  --apprise-urls N         multi mode: URLs given to one single apprise call (default 2000)
  --apprise-concurrency N  apprise processes at a time (default 4 = the notifier's per-integration concurrency)
  --brokers LIST           Kafka bootstrap (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --pg-host H --pg-port P --pg-user U   PostgreSQL server (default 127.0.0.1 5432 postgres)
  --timeout-ms N           how long to wait for all deliveries (default 300000)
  --json FILE              result file (default bench/notifier/results/latest.json)
  --no-wait                start each measurement at once (default: wait until no bench/kafka-clients
                           process runs, the broker answers and the machine is idle)
  --min-idle PCT           idle share of all cores required before a measurement (default 80)
  --max-wait-s S           give up waiting after S s and flag the figure as disturbed (default 600)
`;

function appriseVersion(bin: string): string {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.split('\n')[0].trim() : `unavailable (${bin})`;
}

const MODE_LABEL: Record<AppriseMode, string> = {
  'per-message': 'apprise CLI, 1 process per message',
  fanout: 'apprise CLI, 1 process per alarm × K URLs',
  multi: 'apprise CLI, ONE process × many URLs',
};

interface Results {
  notifier?: NotifierScenarioResult;
  apprise: AppriseScenarioResult[];
  appriseSample?: AppriseSample | null;
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return null;
  return round(a / b, 1);
}

function report(r: Results): string {
  const out: string[] = [];
  const rows: string[][] = [];
  const n = r.notifier;
  if (n) {
    rows.push([
      `notifier, ${n.integrations} webhook integrations (in process)`,
      `${fmt(n.alarms)} alarms`,
      `${fmt(n.deliveries)}/${fmt(n.expectedDeliveries)}`,
      fmt(n.endToEndMs / 1000, 1),
      fmt(n.deliveriesPerSec),
      fmt(n.latency.p50Ms, 0),
      fmt(n.latency.p95Ms, 0),
      fmt(n.latency.p99Ms, 0),
      fmt(n.latency.maxMs, 0),
      `repeats ${n.repeats}; steady ${fmt(n.steadyDeliveriesPerSec)}/s; retries ${n.metrics.attemptsRetry}, dead ${n.metrics.attemptsDead}`,
    ]);
    if (n.paced) {
      const p = n.paced;
      rows.push([
        `notifier, paced: ${fmt(p.alarmsPerSec)} alarms/s × ${p.seconds} s (below saturation)`,
        `${fmt(p.alarms)} alarms`,
        `${fmt(p.deliveries)}/${fmt(p.expectedDeliveries)}`,
        fmt(p.seconds, 1),
        fmt(p.alarmsPerSec * n.integrations),
        fmt(p.latency.p50Ms, 0),
        fmt(p.latency.p95Ms, 0),
        fmt(p.latency.p99Ms, 0),
        fmt(p.latency.maxMs, 0),
        `offered rate; repeats ${p.repeats}`,
      ]);
    }
  }
  for (const a of r.apprise) {
    rows.push([
      `${MODE_LABEL[a.mode]}${a.mode === 'multi' ? '' : `, ${a.concurrency} at a time`}`,
      `${fmt(a.processes)} proc × ${fmt(a.urlsPerProcess)} URL`,
      `${fmt(a.deliveries)}/${fmt(a.expectedDeliveries)}`,
      fmt(a.endToEndMs / 1000, 1),
      fmt(a.deliveriesPerSec, a.deliveriesPerSec < 100 ? 1 : 0),
      fmt(a.latency.p50Ms, 0),
      fmt(a.latency.p95Ms, 0),
      fmt(a.latency.p99Ms, 0),
      fmt(a.latency.maxMs, 0),
      `${a.failedProcesses} failed proc; ${fmt(a.processMeanMs, 0)} ms per process`,
    ]);
  }
  out.push(
    table(
      [
        'scenario',
        'input',
        'deliveries',
        'wall s',
        'deliveries/s',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'notes',
      ],
      rows,
    ),
  );
  out.push(
    '',
    'Latency: notifier = publish() call of the alarm (paced: its scheduled time) → request at the sink, per delivery;',
    '         apprise  = spawn of the process → request at the sink, per request.',
  );
  if (n && r.apprise.length) {
    out.push('', 'Throughput ratio (deliveries/s, notifier ÷ apprise):');
    for (const a of r.apprise)
      out.push(
        `  vs ${MODE_LABEL[a.mode]}: ${fmt(ratio(n.deliveriesPerSec, a.deliveriesPerSec) ?? Number.NaN, 1)} ×`,
      );
  }
  if (n) {
    const diag = [
      n.diagnostics.poolMax !== undefined
        ? `pg pool max ${n.diagnostics.poolMax} (shipped: 10)`
        : '',
      n.diagnostics.noDeliveryEvents ? 'notify.deliveries.v1 events switched off' : '',
    ].filter(Boolean);
    if (diag.length) out.push('', `DIAGNOSTIC RUN, not the shipped behaviour: ${diag.join('; ')}`);
    out.push(
      '',
      'Notifier run:',
      table(
        ['figure', 'value'],
        [
          [
            'publish (all alarms, Kafka acks=all)',
            `${fmt(n.publishMs, 0)} ms, ${n.publishCalls} calls`,
          ],
          [
            'intake done (last notification queued)',
            n.intakeMs === null
              ? '-'
              : `${fmt(n.intakeMs / 1000, 1)} s after first publish (${fmt(n.intakeAlarmsPerSec ?? Number.NaN)} alarms/s)`,
          ],
          ['last delivery at the sink', `${fmt(n.endToEndMs / 1000, 1)} s after first publish`],
          [
            'first delivery of each alarm',
            `p50 ${fmt(n.firstDeliveryLatency.p50Ms, 0)} ms, p99 ${fmt(n.firstDeliveryLatency.p99Ms, 0)} ms`,
          ],
          [
            'mean request time (notifier_delivery_duration_seconds)',
            `${fmt(n.metrics.requestSecondsMean ?? Number.NaN, 2)} ms`,
          ],
          [
            'delivery attempts (delivered / retry / dead)',
            `${fmt(n.metrics.attemptsDelivered)} / ${fmt(n.metrics.attemptsRetry)} / ${fmt(n.metrics.attemptsDead)}`,
          ],
          [
            'notifications queued (notifier_notifications_total)',
            fmt(n.metrics.notificationsQueued),
          ],
          [
            'SQL statements (total, per delivery, per alarm)',
            `${fmt(n.statements.total)}, ${fmt(n.statements.perDelivery, 2)}, ${fmt(n.statements.perAlarm, 1)}`,
          ],
          [
            `pg pool (max ${n.pool.max ?? '?'}): all busy / waiting mean / peak`,
            `${fmt(n.pool.allBusyPct)} % of samples / ${fmt(n.pool.waitingMean, 1)} / ${fmt(n.pool.waitingPeak)}`,
          ],
          [
            'RSS before boot / start of burst / peak (MiB)',
            `${fmt(n.memory.rssBeforeBootMiB)} / ${fmt(n.memory.rssStartMiB)} / ${fmt(n.memory.rssPeakMiB)}`,
          ],
          ['heap used peak (MiB)', fmt(n.memory.heapUsedPeakMiB)],
          [
            'CPU, % of one core: notifier process / PostgreSQL / Kafka / sink',
            `${fmt(n.memory.processCpuPct)} / ${fmt(n.cpu.postgresPct)} / ${fmt(n.cpu.kafkaPct)} / ${fmt(n.cpu.sinkPct)}`,
          ],
          [
            'CPU ms per delivery: notifier process / PostgreSQL',
            `${fmt(n.cpuMsPerDelivery.notifier, 2)} / ${fmt(n.cpuMsPerDelivery.postgres, 2)}`,
          ],
          ['machine busy (all processes, % of all cores)', `${fmt(n.memory.machineBusyPct)} %`],
          ['queue after the run', JSON.stringify(n.queueAfter)],
        ],
      ),
      '',
      'SQL statements during the burst, by kind (top 12):',
      table(
        ['statement', 'count', 'per delivery', 'mean ms', 'max ms'],
        n.statements.byLabel
          .slice(0, 12)
          .map((s) => [
            s.statement,
            fmt(s.count),
            fmt(s.perDelivery, 3),
            fmt(s.meanMs, 2),
            fmt(s.maxMs, 1),
          ]),
      ),
      '(mean/max: call → result on an acquired connection; waiting for the pool is not included)',
      '',
      `Deliveries per second after the first publish: ${n.perSecond.join(' ')}`,
    );
    if (n.drain) {
      const d = n.drain;
      out.push(
        '',
        'Delivery worker profile (all integrations):',
        `  ${fmt(d.busyRounds)} busy rounds, ${fmt(d.meanDeliveriesPerBusyRound, 2)} deliveries each, ${fmt(d.busyRoundMeanMs, 1)} ms each`,
        `  inside a round: claimDue ${fmt(d.claimMeanMs, 1)} ms, one request (deliver) ${fmt(d.requestMeanMs, 1)} ms, markDelivered ${fmt(d.markDeliveredMeanMs, 1)} ms (means; pool waits included)`,
      );
    }
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.has('help')) {
    process.stdout.write(HELP);
    return;
  }
  const only = listFlag(flags, 'only', 'notifier,apprise');
  for (const s of only)
    if (s !== 'notifier' && s !== 'apprise') throw new Error(`unknown scenario ${s}`);
  const modes = listFlag(flags, 'apprise-modes', APPRISE_MODES.join(','));
  for (const m of modes)
    if (!(APPRISE_MODES as readonly string[]).includes(m))
      throw new Error(`unknown apprise mode ${m}; known: ${APPRISE_MODES.join(', ')}`);
  const brokers = listFlag(flags, 'brokers', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
  const integrations = intFlag(flags, 'integrations', 10, 1);
  const timeoutMs = intFlag(flags, 'timeout-ms', 300_000, 1);
  const appriseBin = String(flags.get('apprise-bin') ?? '/usr/bin/apprise');
  const quietOptions = {
    enabled: !flags.has('no-wait'),
    minIdle: intFlag(flags, 'min-idle', 80) / 100,
    maxWaitMs: intFlag(flags, 'max-wait-s', 600) * 1000,
  };
  const quiet = () => waitForQuiet(quietOptions);
  const pg = {
    host: String(flags.get('pg-host') ?? '127.0.0.1'),
    port: intFlag(flags, 'pg-port', 5432),
    user: String(flags.get('pg-user') ?? 'postgres'),
  };
  const jsonPath = resolve(ROOT, String(flags.get('json') ?? 'bench/notifier/results/latest.json'));
  const tag = runTag();
  const startedAt = new Date();
  const t0 = performance.now();

  const sink = await new SinkProcess().start();
  log(`sink: ${sink.url} (separate process; clock offset ${sink.offsetMs.toFixed(3)} ms)`);
  const results: Results = { apprise: [] };
  try {
    if (only.includes('notifier')) {
      results.notifier = await runNotifierScenario({
        brokers,
        pg,
        sink,
        alarms: intFlag(flags, 'alarms', 2000, 1),
        integrations,
        publishBatch: intFlag(flags, 'publish-batch', 500, 1),
        warmupAlarms: intFlag(flags, 'warmup', 5, 1),
        ...(flags.has('poll-ms') ? { pollIntervalMs: intFlag(flags, 'poll-ms', 250, 10) } : {}),
        tag,
        quiet,
        timeoutMs,
        profile: flags.has('profile'),
        rate: intFlag(flags, 'rate', 10),
        rateSeconds: intFlag(flags, 'rate-seconds', 10, 1),
        diagnostics: {
          ...(flags.has('diag-pool-max')
            ? { poolMax: intFlag(flags, 'diag-pool-max', 10, 1) }
            : {}),
          ...(flags.has('diag-no-delivery-events') ? { noDeliveryEvents: true } : {}),
        },
      });
    }
    if (only.includes('apprise')) {
      await warmApprise(appriseBin, sink);
      const counts: Record<AppriseMode, number> = {
        'per-message': intFlag(flags, 'apprise-messages', 200, 1),
        fanout: intFlag(flags, 'apprise-alarms', 100, 1),
        multi: intFlag(flags, 'apprise-urls', 2000, 1),
      };
      for (const mode of modes as AppriseMode[]) {
        results.apprise.push(
          await runAppriseScenario({
            bin: appriseBin,
            sink,
            mode,
            count: counts[mode],
            targets: integrations,
            concurrency: intFlag(flags, 'apprise-concurrency', 4, 1),
            quiet,
            timeoutMs,
          }),
        );
        results.appriseSample ??= await sink.appriseSample();
      }
    }
  } finally {
    await sink.stop();
  }

  const machine = machineInfo(results.notifier?.postgresVersion ?? 'not used');
  const apprise = only.includes('apprise') ? appriseVersion(appriseBin) : 'not used';
  const durationSec = round((performance.now() - t0) / 1000, 1);
  process.stdout.write(
    `\nNotifier benchmark — ${startedAt.toISOString()} — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, Kafka ${machine.kafka}, PostgreSQL ${machine.postgres}, ${apprise}; took ${durationSec} s\n\n${report(results)}\n`,
  );
  const n = results.notifier;
  const json = {
    startedAt: startedAt.toISOString(),
    durationSec,
    argv: process.argv.slice(2),
    machine: { ...machine, apprise },
    workload: {
      alarms: n?.alarms ?? null,
      integrations,
      brokers,
      sink: 'separate Node process, node:http, 204 to every POST',
    },
    quietChecks: quietLog,
    disturbed: quietLog.some((q) => q.disturbed),
    ratios: Object.fromEntries(
      results.apprise.map((a) => [
        `notifierOver_${a.mode}`,
        ratio(n?.deliveriesPerSec, a.deliveriesPerSec),
      ]),
    ),
    results,
  };
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);
  if (json.disturbed)
    process.stdout.write(
      '\nWARNING: some measurements started on a busy machine (see quietChecks in the JSON)\n',
    );
  process.stdout.write(`\nresults written to ${relative(ROOT, jsonPath)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:notifier failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
