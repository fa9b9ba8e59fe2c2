// Checks docker-compose.yml beyond the Compose schema (which `docker-compose config -q` checks).
//
//   node check-compose.mjs --repo ROOT --resolved FILE
//
// FILE is the output of `docker-compose config` (anchors merged, variables interpolated) in a
// clean environment, so a secret variable that resolves to anything but empty is a literal in
// the file. The source file itself is parsed strictly too: Compose's YAML loader silently keeps
// the last of two equal keys, this check does not.
// Services of deploy/apps.json: build, port, backing services, healthcheck, restart. Outbound-only
// agents: their own Dockerfile, a profile, no port or HTTP healthcheck, SERVER at the endpoint
// of the app they dial, the shared variables equal on both sides, the outbox on a named volume.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Report,
  agentsOf,
  argValue,
  dockerfileOf,
  isAtOrBelow,
  isObject,
  loadApps,
  readYamlFile,
  servicesOf,
} from './lib.mjs';

const args = process.argv.slice(2);
const repo = argValue(args, '--repo', process.cwd());
const resolvedPath = argValue(args, '--resolved', null);
const report = new Report('docker-compose');
const apps = loadApps(repo);

const [source] = readYamlFile(join(repo, 'docker-compose.yml'), report, 'docker-compose.yml');
const [config] = resolvedPath ? readYamlFile(resolvedPath, report, 'docker-compose config') : [];
if (!report.check(isObject(config?.services), 'docker-compose config', 'no services'))
  process.exit(report.finish());
const services = config.services;

const envOf = (svc) => {
  const env = svc.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e) => [e.split('=')[0], e.includes('=') ? e.slice(e.indexOf('=') + 1) : null]),
    );
  }
  return env;
};
const hostOf = (value) => {
  try {
    return new URL(value).hostname;
  } catch {
    return null;
  }
};
const published = new Map();
// destinations of the Dockerfile's COPY instructions (single-file copies)
const dockerfile = readFileSync(join(repo, 'deploy', 'Dockerfile'), 'utf8');
const copiedIntoImage = new Set(
  [...dockerfile.matchAll(/^COPY\s+(?:--\S+\s+)*\S+\s+(\/\S+)\s*$/gm)].map((m) => m[1]),
);

/** env.settings present; env.secrets present and, in this clean environment, empty. */
function checkAppEnv(where, spec, env) {
  for (const key of spec?.settings ?? []) {
    report.check(key in env, where, `environment ${key} is missing`);
  }
  for (const key of spec?.secrets ?? []) {
    if (!report.check(key in env, where, `environment ${key} is missing (a secret)`)) continue;
    report.check(
      env[key] === null || env[key] === undefined || env[key] === '',
      where,
      `environment ${key} is a secret: take it from the shell (\${${key}:-}), never a literal or default in the file`,
    );
  }
}

for (const [app, { port, ...spec }] of servicesOf(apps)) {
  const svc = services[app];
  const where = `service ${app}`;
  if (
    !report.check(isObject(svc), where, 'missing (every app of deploy/apps.json needs a service)')
  )
    continue;
  const build = isObject(svc.build) ? svc.build : {};
  report.check(
    build.dockerfile === dockerfileOf(spec),
    where,
    `build.dockerfile must be ${dockerfileOf(spec)}, is ${build.dockerfile}`,
  );
  report.check(
    build.context === repo || build.context === '.',
    where,
    `build.context must be the repository root, is ${build.context}`,
  );
  report.check(
    build.args?.APP === app,
    where,
    `build.args.APP must be ${app}, is ${build.args?.APP}`,
  );
  const env = envOf(svc);
  report.check(
    String(env.PORT) === String(port),
    where,
    `environment PORT must be ${port}, is ${env.PORT}`,
  );
  report.check(env.NODE_ENV === 'production', where, 'NODE_ENV must be production');
  checkAppEnv(where, spec.env, env);
  for (const key of ['KAFKA_BROKERS', 'DATABASE_URL', 'REDIS_URL']) {
    report.check(
      typeof env[key] === 'string' && env[key].length > 0,
      where,
      `${key} must be set (unset selects the embedded fallback)`,
    );
  }
  const deps = svc.depends_on ?? {};
  const brokerHosts = String(env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.split(':')[0]);
  for (const host of [...brokerHosts, hostOf(env.DATABASE_URL), hostOf(env.REDIS_URL)]) {
    if (
      !report.check(
        Boolean(host) && isObject(services[host]),
        where,
        `${host} (from its environment) is not a service`,
      )
    )
      continue;
    report.check(
      deps[host]?.condition === 'service_healthy',
      where,
      `depends_on ${host} needs condition: service_healthy`,
    );
  }
  const ports = svc.ports ?? [];
  report.check(
    ports.some((p) => Number(p.target) === port),
    where,
    `does not publish container port ${port}`,
  );
  const test = [].concat(svc.healthcheck?.test ?? []).join(' ');
  report.check(
    test.includes('/health/ready'),
    where,
    `healthcheck must probe /health/ready, is "${test}"`,
  );
  // the probe script it runs must be one the image contains
  for (const script of test.match(/\/\S+\.c?js\b/g) ?? []) {
    report.check(
      copiedIntoImage.has(script),
      where,
      `healthcheck runs ${script}, which deploy/Dockerfile does not COPY into the image`,
    );
  }
  report.check(Boolean(svc.restart) && svc.restart !== 'no', where, 'needs a restart policy');
}

// Outbound-only agents: they dial a service's websocket and keep unacknowledged results in an
// outbox that must survive restarts.
const topVolumes = isObject(config.volumes) ? config.volumes : {};
const mountsOf = (svc) =>
  (svc.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return v;
    const [src, target, mode] = v.split(':');
    return target === undefined
      ? { type: 'volume', target: src }
      : {
          type: /^[./~]/.test(src) ? 'bind' : 'volume',
          source: src,
          target,
          read_only: mode === 'ro',
        };
  });
for (const [app, spec] of agentsOf(apps)) {
  const svc = services[app];
  const where = `service ${app}`;
  if (
    !report.check(isObject(svc), where, 'missing (every app of deploy/apps.json needs a service)')
  )
    continue;
  const build = isObject(svc.build) ? svc.build : {};
  report.check(
    build.dockerfile === dockerfileOf(spec),
    where,
    `build.dockerfile must be ${dockerfileOf(spec)}, is ${build.dockerfile}`,
  );
  report.check(
    build.context === repo || build.context === '.',
    where,
    `build.context must be the repository root, is ${build.context}`,
  );
  if (spec.composeProfile) {
    report.check(
      (svc.profiles ?? []).includes(spec.composeProfile),
      where,
      `must be in profile ${spec.composeProfile} (it runs in the customer's network in production; start it on request only)`,
    );
  }
  report.check(
    (svc.ports ?? []).length === 0 && (svc.expose ?? []).length === 0,
    where,
    'is outbound-only: publishes or exposes no port',
  );
  const test = [].concat(svc.healthcheck?.test ?? []).join(' ');
  report.check(
    !test || svc.healthcheck?.disable === true || !test.includes('/health'),
    where,
    `has no HTTP server: a healthcheck probing ${test} would always fail`,
  );
  report.check(Boolean(svc.restart) && svc.restart !== 'no', where, 'needs a restart policy');
  const env = envOf(svc);
  report.check(env.NODE_ENV === 'production', where, 'NODE_ENV must be production');
  checkAppEnv(where, spec.env, env);

  const serverApp = spec.server?.app;
  const serverEnv = spec.server?.env;
  if (serverApp && serverEnv) {
    let url = null;
    try {
      url = new URL(String(env[serverEnv]));
    } catch {
      url = null;
    }
    const expected = `ws://${serverApp}:${apps[serverApp]?.port}${apps[serverApp]?.agentEndpoint}`;
    report.check(
      url !== null &&
        ['ws:', 'wss:'].includes(url.protocol) &&
        url.hostname === serverApp &&
        Number(url.port || (url.protocol === 'wss:' ? 443 : 80)) === apps[serverApp]?.port &&
        url.pathname === apps[serverApp]?.agentEndpoint,
      where,
      `${serverEnv} must be the agent endpoint of service ${serverApp} (${expected}), is ${env[serverEnv]}`,
    );
    // the agent id and secret must be the same variables on both sides
    const sourceEnvOf = (name) => {
      const e = source?.services?.[name]?.environment ?? {};
      return Array.isArray(e)
        ? Object.fromEntries(e.map((x) => [x.split('=')[0], x.slice(x.indexOf('=') + 1)]))
        : e;
    };
    for (const key of spec.sharedWithServer ?? []) {
      const mine = sourceEnvOf(app)[key];
      const theirs = sourceEnvOf(serverApp)[key];
      report.check(
        mine !== undefined && mine === theirs,
        where,
        `environment ${key} must be written as in service ${serverApp} (${theirs}), is ${mine}`,
      );
    }
  }

  const outboxEnv = spec.outbox?.env;
  if (outboxEnv) {
    const dir = String(env[outboxEnv] ?? '');
    const mount = mountsOf(svc).find((m) => isAtOrBelow(dir, m.target));
    if (
      report.check(
        dir.startsWith('/') && Boolean(mount),
        where,
        `${outboxEnv} (${dir || 'unset'}) must be an absolute path on a mounted volume`,
      )
    ) {
      report.check(
        mount.type === 'volume' && Boolean(mount.source) && mount.source in topVolumes,
        where,
        `${outboxEnv} must be on a named volume declared under volumes: (unacknowledged results survive re-creating the container), is ${mount.type} ${mount.source ?? '(anonymous)'}`,
      );
      report.check(!mount.read_only, where, `the volume of ${outboxEnv} must be writable`);
    }
  }
}

for (const [name, svc] of Object.entries(services)) {
  const where = `service ${name}`;
  for (const [dep, d] of Object.entries(svc.depends_on ?? {})) {
    if (d?.condition === 'service_healthy') {
      report.check(
        Boolean(services[dep]?.healthcheck?.test) && !services[dep]?.healthcheck?.disable,
        where,
        `depends on ${dep} being healthy, but ${dep} has no healthcheck`,
      );
    }
  }
  for (const p of svc.ports ?? []) {
    if (p.published === undefined) continue;
    const key = `${p.host_ip ?? ''}:${p.published}/${p.protocol ?? 'tcp'}`;
    report.check(
      !published.has(key),
      where,
      `host port ${key} is also published by ${published.get(key)}`,
    );
    published.set(key, name);
  }
  if (!apps[name])
    report.check(
      Boolean(svc.healthcheck?.test),
      where,
      'infrastructure service without healthcheck',
    );
}

// Kafka: single KRaft node whose advertised listener the apps can reach.
const kafka = services.kafka;
if (report.check(isObject(kafka), 'service kafka', 'missing')) {
  const env = envOf(kafka);
  report.check(
    /^apache\/kafka:4\./.test(kafka.image ?? ''),
    'service kafka',
    `image must be apache/kafka 4.x, is ${kafka.image}`,
  );
  report.check(
    /broker/.test(env.KAFKA_PROCESS_ROLES ?? '') &&
      /controller/.test(env.KAFKA_PROCESS_ROLES ?? ''),
    'service kafka',
    'KAFKA_PROCESS_ROLES must be broker,controller (KRaft combined node)',
  );
  const advertised = String(env.KAFKA_ADVERTISED_LISTENERS ?? '');
  const listenerNames = String(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP ?? '')
    .split(',')
    .map((x) => x.split(':')[0]);
  for (const l of String(env.KAFKA_LISTENERS ?? '')
    .split(',')
    .filter(Boolean)) {
    report.check(
      listenerNames.includes(l.split(':')[0]),
      'service kafka',
      `listener ${l} has no entry in KAFKA_LISTENER_SECURITY_PROTOCOL_MAP`,
    );
  }
  for (const [app] of servicesOf(apps)) {
    for (const broker of String(envOf(services[app] ?? {}).KAFKA_BROKERS ?? '')
      .split(',')
      .filter(Boolean)) {
      report.check(
        advertised.includes(`//${broker}`),
        `service ${app}`,
        `KAFKA_BROKERS ${broker} is not an advertised listener of kafka (${advertised})`,
      );
    }
  }
  const test = [].concat(kafka.healthcheck?.test ?? []).join(' ');
  report.check(
    test.includes('kafka-broker-api-versions.sh'),
    'service kafka',
    'healthcheck must use kafka-broker-api-versions.sh',
  );
}
const pg = services.postgres;
if (report.check(isObject(pg), 'service postgres', 'missing')) {
  report.check(
    /^postgres:17/.test(pg.image ?? ''),
    'service postgres',
    `image must be postgres:17, is ${pg.image}`,
  );
  report.check(
    []
      .concat(pg.healthcheck?.test ?? [])
      .join(' ')
      .includes('pg_isready'),
    'service postgres',
    'healthcheck must use pg_isready',
  );
  const env = envOf(pg);
  for (const [app] of servicesOf(apps)) {
    const url = envOf(services[app] ?? {}).DATABASE_URL;
    let u = null;
    try {
      u = new URL(url);
    } catch {
      /* reported above */
    }
    if (!u) continue;
    report.check(
      decodeURIComponent(u.username) === env.POSTGRES_USER &&
        decodeURIComponent(u.password) === env.POSTGRES_PASSWORD &&
        u.pathname === `/${env.POSTGRES_DB}`,
      `service ${app}`,
      'DATABASE_URL user/password/database differ from POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB',
    );
  }
}
const redis = services.redis;
if (report.check(isObject(redis), 'service redis', 'missing')) {
  report.check(
    /^redis:7/.test(redis.image ?? ''),
    'service redis',
    `image must be redis:7, is ${redis.image}`,
  );
  report.check(
    []
      .concat(redis.healthcheck?.test ?? [])
      .join(' ')
      .includes('redis-cli ping'),
    'service redis',
    'healthcheck must use redis-cli ping',
  );
}

process.exit(report.finish());
