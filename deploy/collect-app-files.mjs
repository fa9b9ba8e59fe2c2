// Copies what one app needs at run time, and nothing else, into a fresh directory: its compiled
// entry point, every dist/ file that entry requires (followed transitively), and the npm packages
// those files require together with the packages they depend on. deploy/ticket-agent.Dockerfile
// uses it so that the agent's image carries a dozen packages instead of the platform's whole
// production node_modules.
//
//   node collect-app-files.mjs --root DIR --entry dist/apps/<app>/src/main.js --out DIR
//
// --root holds dist/ and a production node_modules/ (npm ci --omit=dev). Exits 1 with one line
// per problem (a required file or package that is missing, a require() whose argument is not a
// string literal, which cannot be followed) and copies nothing then.
// Plain node, no dependencies: it runs in a build stage before any npm package is available to it.
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : undefined;
};
const root = resolve(option('--root') ?? process.cwd());
const entryArg = option('--entry');
const outArg = option('--out');
if (!entryArg || !outArg) {
  process.stderr.write('usage: collect-app-files.mjs --root DIR --entry FILE --out DIR\n');
  process.exit(2);
}
const out = resolve(outArg);
const builtins = new Set(builtinModules);
const problems = [];
const files = new Set(); // absolute paths of dist files
const packages = new Map(); // package dir (absolute) -> why it is needed

const isFile = (path) => existsSync(path) && statSync(path).isFile();
const packageName = (specifier) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');
const shown = (path) => relative(root, path).split(sep).join('/');

/** Node's lookup of a bare package name: node_modules of `from`, then of each parent up to root. */
function findPackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir || !dir.startsWith(root)) return null;
  }
}

function addPackage(name, from, why, required = true) {
  const dir = findPackage(name, from);
  if (!dir) {
    if (required)
      problems.push(`package ${name} (${why}) is not installed under ${shown(from) || '.'}`);
    return;
  }
  if (packages.has(dir)) return;
  packages.set(dir, why);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    problems.push(`${shown(dir)}/package.json is not valid JSON`);
    return;
  }
  const optionalPeers = manifest.peerDependenciesMeta ?? {};
  for (const dep of Object.keys(manifest.dependencies ?? {}))
    addPackage(dep, dir, `dependency of ${manifest.name}`);
  // optional dependencies are often platform-specific: present or not, both are fine
  for (const dep of Object.keys(manifest.optionalDependencies ?? {}))
    addPackage(dep, dir, `optional dependency of ${manifest.name}`, false);
  for (const dep of Object.keys(manifest.peerDependencies ?? {}))
    addPackage(dep, dir, `peer dependency of ${manifest.name}`, !optionalPeers[dep]?.optional);
}

function resolveFile(base) {
  for (const candidate of [
    base,
    `${base}.js`,
    `${base}.cjs`,
    `${base}.json`,
    join(base, 'index.js'),
  ])
    if (isFile(candidate)) return candidate;
  return null;
}

// SWC's CommonJS output keeps every import as require("..."), also inside helpers
// (_interop_require_default(require("x"))) and for dynamic import().
const REQUIRE = /\brequire\(\s*(?:(['"])([^'"\n]+)\1\s*\)|([^)\s][^)]*)\))/g;

function visit(file) {
  if (files.has(file)) return;
  files.add(file);
  if (!/\.c?js$/.test(file)) return;
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(REQUIRE)) {
    const specifier = match[2];
    if (specifier === undefined) {
      const line = text.slice(0, match.index).split('\n').length;
      problems.push(
        `${shown(file)}:${line}: require(${match[3].trim()}) is not a string literal, so what it loads cannot be collected`,
      );
      continue;
    }
    if (specifier.startsWith('node:') || builtins.has(specifier)) continue;
    if (specifier.startsWith('.') || specifier.startsWith('/')) {
      const target = resolveFile(resolve(dirname(file), specifier));
      if (target && target.startsWith(root + sep)) visit(target);
      else problems.push(`${shown(file)}: required file ${specifier} not found`);
      continue;
    }
    addPackage(packageName(specifier), root, `required by ${shown(file)}`);
  }
}

const entry = resolve(root, entryArg);
if (!isFile(entry)) problems.push(`entry ${entryArg} not found under ${root}`);
else visit(entry);

if (problems.length > 0) {
  process.stderr.write(
    `collect-app-files: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}
if (existsSync(out) && readdirSync(out).length > 0) {
  process.stderr.write(`collect-app-files: output directory ${out} is not empty\n`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
for (const file of files) {
  const target = join(out, relative(root, file));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(file, target);
}
// a package nested in another one's node_modules is copied with it; copying it again is harmless
for (const dir of packages.keys()) cpSync(dir, join(out, relative(root, dir)), { recursive: true });
process.stdout.write(
  `collect-app-files: ${entryArg}: ${files.size} files, ${packages.size} packages -> ${out}\n`,
);
