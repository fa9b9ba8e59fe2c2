#!/usr/bin/env node
/**
 * `nx run contracts:check`: fails when the committed generated files are not what the
 * sources produce, i.e. someone edited proto/ or the topic registry without running
 * `nx run contracts:generate`, or hand-edited generated code.
 *
 * It regenerates into a temporary directory (buf generate -o <tmp>, then
 * scripts/gen-asyncapi.mjs --out <tmp>/docs/asyncapi.yaml) and compares with
 * libs/contracts/src/gen/ and docs/asyncapi.yaml byte for byte. It never writes to the work
 * tree, so it works on an uncommitted tree and needs no git.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const GENERATED = ['libs/contracts/src/gen', 'docs/asyncapi.yaml'];

const tmp = mkdtempSync(join(tmpdir(), 'telcomesh-contracts-check-'));
let problems = [];
try {
  execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '-o', tmp], {
    cwd: root,
    stdio: 'inherit',
  });
  execFileSync(
    process.execPath,
    ['scripts/gen-asyncapi.mjs', '--out', join(tmp, 'docs/asyncapi.yaml')],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (const path of GENERATED) problems.push(...compare(join(root, path), join(tmp, path), path));

  if (problems.length > 0) {
    console.error(`contracts:check failed: generated files are out of date (${problems.length}):`);
    for (const p of problems) console.error(`  - ${p}`);
    const diff = spawnSync(
      'diff',
      ['-ru', join(root, 'libs/contracts/src/gen'), join(tmp, 'libs/contracts/src/gen')],
      { encoding: 'utf8' },
    );
    const docDiff = spawnSync(
      'diff',
      ['-u', join(root, 'docs/asyncapi.yaml'), join(tmp, 'docs/asyncapi.yaml')],
      { encoding: 'utf8' },
    );
    const text = `${diff.stdout ?? ''}${docDiff.stdout ?? ''}`.split(tmp).join('<regenerated>');
    if (text)
      console.error(
        `\n${text.length > 6000 ? `${text.slice(0, 6000)}\n... (diff truncated)` : text}`,
      );
    console.error(
      '\nRun `npx nx run contracts:generate` (or `npm run contracts:generate`) and commit the result.',
    );
    process.exitCode = 1;
  } else {
    console.log(`contracts:check: ${GENERATED.join(' and ')} are up to date.`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

/** Lists differences between a committed path (file or directory) and its regenerated twin. */
function compare(committed, fresh, label) {
  if (!existsSync(committed)) return [`${label} is missing`];
  if (!existsSync(fresh)) return [`${label} is no longer generated (delete it)`];
  const committedFiles = files(committed);
  const freshFiles = files(fresh);
  if (committedFiles === null || freshFiles === null) {
    return readFileSync(committed).equals(readFileSync(fresh)) ? [] : [`${label} differs`];
  }
  const out = [];
  for (const f of freshFiles) {
    if (!committedFiles.includes(f)) out.push(`${join(label, f)} is missing`);
    else if (!readFileSync(join(committed, f)).equals(readFileSync(join(fresh, f))))
      out.push(`${join(label, f)} differs`);
  }
  for (const f of committedFiles)
    if (!freshFiles.includes(f)) out.push(`${join(label, f)} is stale (no longer generated)`);
  return out;
}

/** Relative paths of the files under dir, or null when dir is a file. */
function files(dir) {
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : [],
    );
  try {
    return walk(dir)
      .map((f) => relative(dir, f))
      .sort();
  } catch {
    return null;
  }
}
