// `npm test`: the whole suite, in the order that fails fastest — format, lint, typecheck,
// contracts up to date, unit, integration (real Kafka, PostgreSQL, Redis) — then one summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const steps = [
  ['format', 'npx', ['prettier', '--check', '.']],
  // The module-boundary rule reads Nx's cached project graph and silently skips without one
  // (a fresh clone), so compute the graph first.
  ['lint', 'npx', ['nx', 'show', 'projects']],
  ['lint', 'npx', ['eslint', '.', '--max-warnings', '0']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['contracts', 'npx', ['nx', 'run', 'contracts:check', '--skip-nx-cache']],
  ['unit', 'npx', ['jest', '-c', 'jest.config.js', '--json', '--outputFile=reports/unit.json']],
  [
    'integration',
    'npx',
    [
      'jest',
      '-c',
      'jest.int.config.js',
      '--runInBand',
      '--json',
      '--outputFile=reports/integration.json',
    ],
  ],
];
const only = process.argv.slice(2);
rmSync('reports', { recursive: true, force: true });
mkdirSync('reports', { recursive: true });

const failedSteps = [];
for (const [name, command, args] of steps) {
  if (only.length > 0 && !only.includes(name)) continue;
  process.stdout.write(`\n=== ${name}: ${command} ${args.join(' ')}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `=== ${name}: ${result.status === 0 ? 'ok' : `FAILED (exit ${result.status})`} in ${seconds}s\n`,
  );
  if (result.status !== 0) failedSteps.push(name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const report of ['reports/unit.json', 'reports/integration.json']) {
  if (!existsSync(report)) continue;
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests;
  failed += json.numFailedTests;
  skipped += json.numPendingTests + json.numTodoTests;
}
if (failedSteps.length > 0) process.stdout.write(`\nfailed steps: ${failedSteps.join(', ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failedSteps.length > 0 || failed > 0 ? 1 : 0);
