/**
 * Entry of the SNMP benchmark: `npx node scripts/build.mjs`, then
 * `npx node dist/bench/ingestor/snmp-main.js [flags]` (`--help` lists them). Tables go to stdout,
 * progress to stderr; `--json FILE` also writes the figures.
 */
import { writeFileSync } from 'node:fs';
import { parseFlags } from '../messaging/flags';
import { SNMP_BENCH_HELP, formatSnmpBench, runSnmpBench } from './snmp';

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.has('help')) {
    process.stdout.write(SNMP_BENCH_HELP);
    return;
  }
  const result = await runSnmpBench(flags);
  process.stdout.write(formatSnmpBench(result));
  const json = flags.get('json');
  if (typeof json === 'string') writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
