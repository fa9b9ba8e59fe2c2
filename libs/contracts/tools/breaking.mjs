#!/usr/bin/env node
/**
 * `nx run contracts:breaking`: fails when proto/ changes in a way that breaks existing
 * producers or consumers (buf `FILE` rules, see buf.yaml), compared with a baseline commit.
 *
 * Baseline, in order:
 * - `CONTRACTS_BREAKING_AGAINST` if set: any buf input, used as is, e.g.
 *   `.git#ref=HEAD~3,subdir=proto` or `.git#branch=release,subdir=proto`;
 * - otherwise branch `main` (`CONTRACTS_BREAKING_BASE` to use another branch). When HEAD
 *   *is* main's last commit (CI on main, or a developer on main), comparing main with itself
 *   proves nothing, so the baseline becomes main's previous commit (`main~1`): the check
 *   then covers the last commit plus any uncommitted change.
 *
 * Skipped with exit 0 (and a message saying why) when there is nothing to compare with:
 * not a git work tree, the baseline branch or commit does not exist yet (first commit),
 * or the baseline has no proto/ yet (the commit that introduces the contracts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const buf = join(root, 'node_modules/.bin/buf');

function git(...args) {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

function skip(reason) {
  console.log(`contracts:breaking skipped: ${reason}`);
  process.exit(0);
}

let against = process.env.CONTRACTS_BREAKING_AGAINST;
if (!against) {
  if (git('rev-parse', '--is-inside-work-tree') !== 'true') skip('not inside a git work tree.');
  const branch = process.env.CONTRACTS_BREAKING_BASE || 'main';
  const baseSha = git('rev-parse', '--verify', '--quiet', `${branch}^{commit}`);
  if (!baseSha) skip(`branch ${branch} has no commit yet: no baseline to compare with.`);
  let baseRef = baseSha;
  if (git('rev-parse', '--verify', '--quiet', 'HEAD^{commit}') === baseSha) {
    const previous = git('rev-parse', '--verify', '--quiet', `${baseSha}~1^{commit}`);
    if (!previous) skip(`HEAD is ${branch}'s first commit: no earlier contracts to compare with.`);
    baseRef = previous;
    console.log(
      `contracts:breaking: HEAD is ${branch}; comparing with its previous commit ${previous.slice(0, 12)}.`,
    );
  }
  const hasProto = git('ls-tree', '-r', '--name-only', baseRef, '--', 'proto/');
  if (!hasProto || !hasProto.split('\n').some((f) => f.endsWith('.proto'))) {
    skip(`baseline ${baseRef.slice(0, 12)} has no proto/*.proto yet: nothing to break.`);
  }
  against = `.git#ref=${baseRef},subdir=proto`;
}

console.log(`contracts:breaking: buf breaking proto --against '${against}'`);
const run = spawnSync(buf, ['breaking', 'proto', '--against', against], {
  cwd: root,
  stdio: 'inherit',
});
if (run.error) throw run.error;
if (run.status !== 0) {
  console.error(
    '\ncontracts:breaking failed: this change breaks the wire or generated-code contract of a topic.\n' +
      'Make it compatible (add fields, never renumber/rename/retype; reserve removed numbers and names),\n' +
      'or publish a new version: new package telcomesh.<domain>.v<N+1> and topic <domain>.<entity>.v<N+1>.',
  );
}
process.exit(run.status ?? 1);
