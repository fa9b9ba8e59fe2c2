// Checks the Dockerfiles (deploy/Dockerfile for the services, the own Dockerfile of each
// outbound-only agent of deploy/apps.json), their .dockerignore files, deploy/collect-app-files.mjs
// and deploy/healthcheck.cjs, without a Docker engine.
//
//   node check-dockerfile.mjs --repo ROOT
//
// 1. Dockerfile syntax and instruction arguments (npm dockerfile-utils, the linter of the
//    VS Code Docker language server); any diagnostic fails.
// 2. Structure: deps/build/prod-deps/runtime stages, Node version = .nvmrc, non-root numeric
//    USER, start command, COPY sources present and not ignored. deploy/Dockerfile: APP build
//    arg and an HTTP HEALTHCHECK. Agents: HEALTHCHECK NONE (no HTTP server), no EXPOSE, the
//    outbox directory on a VOLUME owned by the app user, only the collected packages.
// 3. deploy/collect-app-files.mjs run against a throw-away dist/ + node_modules/ tree.
// 4. deploy/healthcheck.cjs run against a throw-away HTTP server on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import {
  Report,
  agentsOf,
  argValue,
  dockerfileOf,
  isAtOrBelow,
  loadApps,
  servicesOf,
} from './lib.mjs';

const require = createRequire(import.meta.url);
const { DockerfileParser } = require('dockerfile-ast');
const { validate } = require('dockerfile-utils');

const args = process.argv.slice(2);
const repo = argValue(args, '--repo', process.cwd());
const report = new Report('dockerfile');
const apps = loadApps(repo);
const nvmrc = readFileSync(join(repo, '.nvmrc'), 'utf8').trim().replace(/^v/, '');
const severity = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };

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

/**
 * Checks one Dockerfile. `agent` is null for deploy/Dockerfile (all services, build arg APP),
 * or [name, entry of apps.json] for an outbound-only agent's own Dockerfile.
 */
function checkDockerfile(where, agent) {
  const dockerfilePath = join(repo, where);
  if (!report.check(existsSync(dockerfilePath), where, 'missing')) return;
  const text = readFileSync(dockerfilePath, 'utf8');

  // ----------------------------------------------------------- 1. linter ---
  report.check(true, where, '');
  for (const d of validate(text)) {
    report.fail(
      `${where}:${d.range.start.line + 1}`,
      `${severity[d.severity] ?? 'problem'}: ${d.message}`,
    );
  }

  // -------------------------------------------------------- 2. structure ---
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
  const flagOf = (i, name) =>
    i
      .getFlags()
      .find((f) => f.getName() === name)
      ?.getValue();

  for (const name of ['deps', 'build', 'prod-deps', 'runtime']) {
    report.check(byName.has(name), where, `stage "${name}" is missing`);
  }
  const final = stages.at(-1);
  report.check(
    final?.name === 'runtime',
    where,
    `the last stage (the image) must be "runtime", is "${final?.name}"`,
  );

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
    const start = [...ofKind(final, 'ENTRYPOINT'), ...ofKind(final, 'CMD')].map(argsText).join(' ');
    report.check(
      /\bexec node\b|\[\s*"node"/.test(start),
      where,
      'the start command must exec node (signals must reach the app)',
    );
    if (!agent) {
      const finalArgs = ofKind(final, 'ARG').map(argsText);
      report.check(
        finalArgs.some((a) => /^APP(=|$)/.test(a)),
        where,
        'the runtime stage must declare ARG APP',
      );
      report.check(
        health.length === 1 && /\bnode\b/.test(healthText) && healthText.includes('/health/live'),
        where,
        'the runtime stage needs one HEALTHCHECK that runs node against /health/live',
      );
      report.check(
        /dist\/apps\/\$\{?APP\}?\/src\/main\.js/.test(start),
        where,
        'ENTRYPOINT/CMD must start node dist/apps/${APP}/src/main.js',
      );
    } else {
      const [name, app] = agent;
      const entry = `dist/apps/${name}/src/main.js`;
      report.check(
        health.length === 1 && healthText.trim() === 'NONE',
        where,
        `${name} serves no HTTP: the runtime stage needs HEALTHCHECK NONE (an HTTP probe would always fail), has "${healthText.trim() || 'nothing'}"`,
      );
      report.check(start.includes(entry), where, `ENTRYPOINT/CMD must start node ${entry}`);
      report.check(
        ofKind(final, 'EXPOSE').length === 0,
        where,
        `${name} is outbound-only: the runtime stage must not EXPOSE a port`,
      );
      // only the collected packages: the platform's production node_modules must stay out
      for (const copy of ofKind(final, 'COPY')) {
        const from = flagOf(copy, 'from');
        const src = copy
          .getArguments()
          .slice(0, -1)
          .map((a) => a.getValue());
        report.check(
          !(from && src.some((x) => x.includes('node_modules'))),
          `${where}:${lineOf(copy)}`,
          `the runtime stage copies node_modules from stage ${from}: copy the output of deploy/collect-app-files.mjs instead`,
        );
      }
      const collector = stages.find((s) =>
        ofKind(s, 'RUN').some(
          (r) =>
            argsText(r).includes('collect-app-files.mjs') &&
            argsText(r).includes(`--entry ${entry}`),
        ),
      );
      report.check(
        Boolean(collector) &&
          ofKind(final, 'COPY').some((c) => flagOf(c, 'from') === collector.name),
        where,
        `a stage must run deploy/collect-app-files.mjs --entry ${entry} and the runtime stage must COPY from it`,
      );
      // the outbox: a default path, on a VOLUME, owned by the app user before the VOLUME line
      const outboxEnv = app.outbox?.env;
      const envProps = ofKind(final, 'ENV').flatMap((e) => e.getProperties());
      const outboxDir = envProps.find((p) => p.getName() === outboxEnv)?.getValue();
      if (
        report.check(
          typeof outboxDir === 'string' && outboxDir.startsWith('/'),
          where,
          `the runtime stage must set ENV ${outboxEnv} to an absolute path (the outbox volume)`,
        )
      ) {
        const volumes = ofKind(final, 'VOLUME');
        const paths = volumes.flatMap((v) => {
          const raw = argsText(v).trim();
          try {
            return [].concat(JSON.parse(raw));
          } catch {
            return raw.split(/\s+/);
          }
        });
        const volumePath = paths.find((p) => isAtOrBelow(outboxDir, p));
        if (
          report.check(
            Boolean(volumePath),
            where,
            `${outboxEnv}=${outboxDir} must lie on a VOLUME (results not yet acknowledged must survive restarts), VOLUMEs: ${paths.join(', ') || 'none'}`,
          )
        ) {
          const uid = user.split(':')[0];
          const volumeLine = Math.min(...volumes.map(lineOf));
          report.check(
            ofKind(final, 'RUN').some(
              (r) =>
                lineOf(r) < volumeLine &&
                new RegExp(`\\bchown\\b[^\\n]*\\b${uid}\\b`).test(argsText(r)) &&
                argsText(r).includes(volumePath),
            ),
            where,
            `the runtime stage must chown ${volumePath} to uid ${uid} before VOLUME (a fresh volume takes the image directory's owner; changes after VOLUME are discarded)`,
          );
        }
      }
    }
  }

  // COPY sources from the build context exist and are not excluded by the .dockerignore.
  const ignoreWhere = `${where}.dockerignore`;
  const ignorePath = join(repo, ignoreWhere);
  const ignore = existsSync(ignorePath)
    ? readFileSync(ignorePath, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  report.check(ignore.length > 0, ignoreWhere, 'missing or empty');
  const ignored = (path) => {
    let result = false;
    for (const p of ignore) {
      const negate = p.startsWith('!');
      if (toRegex(negate ? p.slice(1) : p).test(path)) result = !negate;
    }
    return result;
  };
  for (const required of ['node_modules', 'dist', '.data', '.cache', '.git', '.env']) {
    report.check(ignored(required), ignoreWhere, `must exclude ${required}`);
  }
  for (const s of stages) {
    for (const copy of [...ofKind(s, 'COPY'), ...ofKind(s, 'ADD')]) {
      if (copy.getFlags().some((f) => f.getName() === 'from')) continue;
      const parts = copy.getArguments().map((a) => a.getValue());
      for (const src of parts.slice(0, -1)) {
        const at = `${where}:${lineOf(copy)}`;
        if (src === '.') continue;
        report.check(existsSync(join(repo, src)), at, `COPY source ${src} does not exist`);
        report.check(!ignored(src), at, `COPY source ${src} is excluded by ${ignoreWhere}`);
      }
    }
  }
}

checkDockerfile('deploy/Dockerfile', null);
for (const [name, app] of agentsOf(apps)) {
  const dockerfile = dockerfileOf(app);
  if (
    report.check(
      dockerfile !== 'deploy/Dockerfile',
      `deploy/apps.json ${name}`,
      'an outbound-only app needs its own dockerfile (deploy/Dockerfile adds an HTTP HEALTHCHECK)',
    )
  )
    checkDockerfile(dockerfile, [name, app]);
}

// ---------------------------------------------- 3. collect-app-files.mjs ---
// A small dist/ + node_modules/ tree with everything the collector must follow or leave out.
{
  const at = 'deploy/collect-app-files.mjs';
  const collector = join(repo, 'deploy', 'collect-app-files.mjs');
  const fixture = mkdtempSync(join(tmpdir(), 'collect-app-files-'));
  const put = (path, content) => {
    const file = join(fixture, 'root', path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  };
  const pkg = (dir, manifest) =>
    put(`${dir}/package.json`, { version: '1.0.0', main: 'index.js', ...manifest });
  put(
    'dist/apps/demo/src/main.js',
    [
      '"use strict";',
      'const util = require("./util");',
      'const lib = require("../../../libs/shared/src/index");',
      'const a = _interop_require_default(require("pkg-a"));',
      'const s = require("@scope/pkg-s/sub/path");',
      'require("node:fs"); require("path");',
      'Promise.resolve().then(() => _interop_require_wildcard(require("pkg-lazy")));',
    ].join('\n'),
  );
  put('dist/apps/demo/src/util.js', 'module.exports = require("./data.json");');
  put('dist/apps/demo/src/data.json', '{}');
  put('dist/libs/shared/src/index.js', 'exports.x = 1;');
  put('dist/apps/other/src/main.js', 'require("pkg-dev");');
  pkg('node_modules/pkg-a', {
    name: 'pkg-a',
    dependencies: { 'pkg-b': '^1' },
    optionalDependencies: { 'pkg-not-for-this-platform': '*' },
    peerDependencies: { 'pkg-peer': '*', 'pkg-peer-optional': '*' },
    peerDependenciesMeta: { 'pkg-peer-optional': { optional: true } },
  });
  pkg('node_modules/pkg-a/node_modules/pkg-b', { name: 'pkg-b', dependencies: { 'pkg-c': '*' } });
  pkg('node_modules/pkg-b', { name: 'pkg-b', version: '2.0.0' });
  pkg('node_modules/pkg-c', { name: 'pkg-c' });
  pkg('node_modules/pkg-peer', { name: 'pkg-peer' });
  pkg('node_modules/pkg-lazy', { name: 'pkg-lazy' });
  pkg('node_modules/@scope/pkg-s', { name: '@scope/pkg-s' });
  pkg('node_modules/pkg-dev', { name: 'pkg-dev' });
  const collect = (entry, out) =>
    spawnSync(
      process.execPath,
      [collector, '--root', join(fixture, 'root'), '--entry', entry, '--out', join(fixture, out)],
      { encoding: 'utf8' },
    );
  const listed = (dir) => {
    const walk = (d) =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [relative(dir, join(d, e.name))],
      );
    return existsSync(dir) ? walk(dir).sort() : [];
  };

  const ok = collect('dist/apps/demo/src/main.js', 'out');
  report.check(ok.status === 0, at, `fixture: exit ${ok.status}, expected 0: ${ok.stderr.trim()}`);
  const got = listed(join(fixture, 'out'));
  const expected = [
    'dist/apps/demo/src/data.json',
    'dist/apps/demo/src/main.js',
    'dist/apps/demo/src/util.js',
    'dist/libs/shared/src/index.js',
    'node_modules/@scope/pkg-s/package.json',
    'node_modules/pkg-a/node_modules/pkg-b/package.json',
    'node_modules/pkg-a/package.json',
    'node_modules/pkg-c/package.json',
    'node_modules/pkg-lazy/package.json',
    'node_modules/pkg-peer/package.json',
  ];
  report.check(
    JSON.stringify(got) === JSON.stringify(expected),
    at,
    `fixture: collected ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`,
  );

  const failures = [
    ['missing package', 'dist/apps/bad1/src/main.js', 'require("pkg-nowhere");', /pkg-nowhere/],
    [
      'missing peer',
      'dist/apps/bad2/src/main.js',
      'require("pkg-needs-peer");',
      /pkg-missing-peer \(peer dependency of pkg-needs-peer\)/,
    ],
    [
      'require of a variable',
      'dist/apps/bad3/src/main.js',
      'const name = "x";\nrequire(name);',
      /main\.js:2: require\(name\) is not a string literal/,
    ],
    ['missing dist file', 'dist/apps/bad4/src/main.js', 'require("./gone");', /\.\/gone not found/],
  ];
  pkg('node_modules/pkg-needs-peer', {
    name: 'pkg-needs-peer',
    peerDependencies: { 'pkg-missing-peer': '*' },
  });
  for (const [what, entry, content, message] of failures) {
    put(entry, content);
    const r = collect(entry, `out-${what.replace(/\W+/g, '-')}`);
    report.check(
      r.status === 1 && message.test(r.stderr),
      at,
      `fixture, ${what}: exit ${r.status}, expected 1 with ${message}: ${r.stderr.trim()}`,
    );
    report.check(
      listed(join(fixture, `out-${what.replace(/\W+/g, '-')}`)).length === 0,
      at,
      `fixture, ${what}: files were copied although collecting failed`,
    );
  }
  rmSync(fixture, { recursive: true, force: true });
}

// ---------------------------------------------------- 4. healthcheck.cjs ---
const probe = join(repo, 'deploy', 'healthcheck.cjs');
const probeText = readFileSync(probe, 'utf8');
const block = /DEFAULT_PORTS\s*=\s*\{([^}]*)\}/.exec(probeText)?.[1] ?? '';
const probePorts = Object.fromEntries(
  [...block.matchAll(/['"]?([a-z-]+)['"]?\s*:\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]),
);
const appPorts = Object.fromEntries(servicesOf(apps).map(([a, v]) => [a, v.port]));
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
