// Checks deploy/Dockerfile, its .dockerignore and deploy/healthcheck.cjs without a Docker engine.
//
//   node check-dockerfile.mjs --repo ROOT
//
// 1. Dockerfile syntax and instruction arguments (npm dockerfile-utils, the linter of the
//    VS Code Docker language server); any diagnostic fails.
// 2. Structure: deps/build/prod-deps/runtime stages, Node version = .nvmrc, non-root numeric
//    USER, APP build arg, HEALTHCHECK, start command, COPY sources present and not ignored.
// 3. deploy/healthcheck.cjs run against a throw-away HTTP server on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Report, argValue, loadApps } from './lib.mjs';

const require = createRequire(import.meta.url);
const { DockerfileParser } = require('dockerfile-ast');
const { validate } = require('dockerfile-utils');

const args = process.argv.slice(2);
const repo = argValue(args, '--repo', process.cwd());
const report = new Report('dockerfile');
const apps = loadApps(repo);
const dockerfilePath = join(repo, 'deploy', 'Dockerfile');
const where = 'deploy/Dockerfile';
const text = readFileSync(dockerfilePath, 'utf8');

// ------------------------------------------------------------- 1. linter ---
const severity = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };
const diagnostics = validate(text);
report.check(true, where, '');
for (const d of diagnostics) {
  report.fail(
    `${where}:${d.range.start.line + 1}`,
    `${severity[d.severity] ?? 'problem'}: ${d.message}`,
  );
}

// ---------------------------------------------------------- 2. structure ---
const df = DockerfileParser.parse(text);
const lineOf = (i) => i.getRange().start.line + 1;
const froms = df.getFROMs();
const stages = froms.map((f, i) => {
  const start = f.getRange().start.line;
  const end = i + 1 < froms.length ? froms[i + 1].getRange().start.line : Infinity;
  const instructions = df
    .getInstructions()
    .filter((x) => x.getRange().start.line >= start && x.getRange().start.line < end);
  return { name: f.getBuildStage(), from: f, instructions };
});
const byName = new Map(stages.map((s) => [s.name, s]));
const ofKind = (stage, keyword) => stage.instructions.filter((i) => i.getKeyword() === keyword);
const argsText = (i) => i.getRawArgumentsContent() ?? '';

for (const name of ['deps', 'build', 'prod-deps', 'runtime']) {
  report.check(byName.has(name), where, `stage "${name}" is missing`);
}
const final = stages.at(-1);
report.check(
  final?.name === 'runtime',
  where,
  `the last stage (the image) must be "runtime", is "${final?.name}"`,
);

const nvmrc = readFileSync(join(repo, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
const nodeArg = df.getInitialARGs().find((a) => a.getProperty()?.getName() === 'NODE_VERSION');
report.check(
  nodeArg?.getProperty()?.getValue() === nvmrc,
  where,
  `ARG NODE_VERSION default must equal .nvmrc (${nvmrc}), is ${nodeArg?.getProperty()?.getValue()}`,
);
for (const s of stages) {
  const image = s.from.getImage() ?? '';
  const internal = byName.has(image);
  report.check(
    internal || /^node:\$\{NODE_VERSION\}/.test(image),
    `${where}:${lineOf(s.from)}`,
    `stage ${s.name} must build FROM node:\${NODE_VERSION}-... or an earlier stage, not ${image}`,
  );
}

const runs = (stage) => (stage ? ofKind(stage, 'RUN').map(argsText).join('\n') : '');
report.check(/\bnpm ci\b/.test(runs(byName.get('deps'))), where, 'stage deps must run npm ci');
report.check(
  /\bnpm run build\b/.test(runs(byName.get('build'))),
  where,
  'stage build must run npm run build',
);
report.check(
  /npm (ci|prune)\b[^\n]*--omit=dev/.test(
    runs(byName.get('prod-deps')) + runs(byName.get('build')),
  ),
  where,
  'production dependencies must be installed or pruned with --omit=dev',
);

if (final) {
  const finalArgs = ofKind(final, 'ARG').map(argsText);
  report.check(
    finalArgs.some((a) => /^APP(=|$)/.test(a)),
    where,
    'the runtime stage must declare ARG APP',
  );
  const envText =
    ofKind(final, 'ENV').map(argsText).join(' ') +
    ' ' +
    ofKind(byName.get('base') ?? final, 'ENV')
      .map(argsText)
      .join(' ');
  report.check(
    /NODE_ENV=production\b/.test(envText),
    where,
    'the runtime stage must set ENV NODE_ENV=production',
  );
  const users = ofKind(final, 'USER');
  const user = users.length ? argsText(users.at(-1)).trim() : '';
  report.check(
    /^[1-9][0-9]*(:[1-9][0-9]*)?$/.test(user),
    where,
    `the runtime stage must end as a numeric non-root USER (Kubernetes runAsNonRoot verifies uids only), is "${user || 'root'}"`,
  );
  const health = ofKind(final, 'HEALTHCHECK');
  const healthText = health.map(argsText).join(' ');
  report.check(
    health.length === 1 && /\bnode\b/.test(healthText) && healthText.includes('/health/live'),
    where,
    'the runtime stage needs one HEALTHCHECK that runs node against /health/live',
  );
  const start = [...ofKind(final, 'ENTRYPOINT'), ...ofKind(final, 'CMD')].map(argsText).join(' ');
  report.check(
    /dist\/apps\/\$\{?APP\}?\/src\/main\.js/.test(start),
    where,
    'ENTRYPOINT/CMD must start node dist/apps/${APP}/src/main.js',
  );
  report.check(
    /\bexec node\b|^\s*\[\s*"node"/.test(start),
    where,
    'the start command must exec node (signals must reach the app)',
  );
}

// COPY sources from the build context exist and are not excluded by the .dockerignore.
const ignorePath = join(repo, 'deploy', 'Dockerfile.dockerignore');
const ignore = existsSync(ignorePath)
  ? readFileSync(ignorePath, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
  : [];
report.check(ignore.length > 0, 'deploy/Dockerfile.dockerignore', 'missing or empty');
// .dockerignore patterns (Go filepath.Match plus **), as a regular expression; a pattern also
// excludes everything below a matching directory.
const toRegex = (pattern) => {
  const body = pattern
    .replace(/^\/+|\/+$/g, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) =>
      part === '**/'
        ? '(?:.*/)?'
        : part === '**'
          ? '.*'
          : part === '*'
            ? '[^/]*'
            : part === '?'
              ? '[^/]'
              : part.replace(/[.+^$()|[\]{}\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}(?:/.*)?$`);
};
const ignored = (path) => {
  let result = false;
  for (const p of ignore) {
    const negate = p.startsWith('!');
    if (toRegex(negate ? p.slice(1) : p).test(path)) result = !negate;
  }
  return result;
};
for (const required of ['node_modules', 'dist', '.data', '.cache', '.git', '.env']) {
  report.check(ignored(required), 'deploy/Dockerfile.dockerignore', `must exclude ${required}`);
}
for (const s of stages) {
  for (const copy of [...ofKind(s, 'COPY'), ...ofKind(s, 'ADD')]) {
    if (copy.getFlags().some((f) => f.getName() === 'from')) continue;
    const parts = copy.getArguments().map((a) => a.getValue());
    for (const src of parts.slice(0, -1)) {
      const at = `${where}:${lineOf(copy)}`;
      if (src === '.') continue;
      report.check(existsSync(join(repo, src)), at, `COPY source ${src} does not exist`);
      report.check(
        !ignored(src),
        at,
        `COPY source ${src} is excluded by deploy/Dockerfile.dockerignore`,
      );
    }
  }
}

// ---------------------------------------------------- 3. healthcheck.cjs ---
const probe = join(repo, 'deploy', 'healthcheck.cjs');
const probeText = readFileSync(probe, 'utf8');
const block = /DEFAULT_PORTS\s*=\s*\{([^}]*)\}/.exec(probeText)?.[1] ?? '';
const probePorts = Object.fromEntries(
  [...block.matchAll(/['"]?([a-z-]+)['"]?\s*:\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]),
);
const appPorts = Object.fromEntries(Object.entries(apps).map(([a, v]) => [a, v.port]));
report.check(
  JSON.stringify(probePorts, Object.keys(appPorts).sort()) ===
    JSON.stringify(appPorts, Object.keys(appPorts).sort()) &&
    Object.keys(probePorts).length === Object.keys(appPorts).length,
  'deploy/healthcheck.cjs',
  `DEFAULT_PORTS ${JSON.stringify(probePorts)} differ from deploy/apps.json ${JSON.stringify(appPorts)}`,
);

const server = createServer((req, res) => {
  if (req.url === '/health/live') res.writeHead(200).end('ok');
  else if (req.url === '/health/ready') res.writeHead(503).end('not ready');
  else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('late'), 3000);
  else res.writeHead(404).end();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const closed = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const runProbe = (env, path) =>
  new Promise((resolve) => {
    // asynchronous: the server above must keep answering while the probe runs
    const child = spawn(process.execPath, [probe, path], {
      env: { PATH: process.env.PATH, ...env },
      stdio: 'ignore',
    });
    child.on('exit', (code) => resolve(code));
  });
const cases = [
  [{ PORT: String(port) }, '/health/live', 0, '200 answer'],
  [{ PORT: String(port) }, '/health/ready', 1, '503 answer'],
  [{ PORT: String(port) }, '/missing', 1, '404 answer'],
  [
    { PORT: String(port), HEALTHCHECK_TIMEOUT_MS: '500' },
    '/slow',
    1,
    'answer slower than the timeout',
  ],
  [{ PORT: String(closed) }, '/health/live', 1, 'closed port'],
  [{ APP: 'no-such-app' }, '/health/live', 1, 'no PORT and an unknown APP'],
];
for (const [env, path, expected, what] of cases) {
  const code = await runProbe(env, path);
  report.check(
    code === expected,
    'deploy/healthcheck.cjs',
    `${what}: exit ${code}, expected ${expected}`,
  );
}
server.close();

process.exit(report.finish());
