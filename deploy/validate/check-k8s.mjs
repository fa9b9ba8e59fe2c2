// Validates rendered Kubernetes manifests (the output of `kubectl kustomize`).
//
//   node check-k8s.mjs --repo ROOT --tsdir DIR LABEL=rendered.yaml [LABEL=rendered.yaml ...]
//
// 1. schema: every object against the JSON schema of its apiVersion/kind, generated from the
//    Kubernetes OpenAPI spec (npm kubernetes-models) or the KEDA CRDs (@kubernetes-models/keda);
//    an apiVersion/kind without a schema is an error, never skipped.
// 2. strict fields: the same objects type-checked by TypeScript against the interfaces of those
//    packages, so unknown or misspelt fields fail (what `kubectl apply --validate=strict` does).
// 3. KEDA trigger metadata (a free-form map in the CRD) against schemas written here.
// 4. cross-references and TelcoMesh policy: selectors, ports, probes, security context,
//    ConfigMap/Secret references, one autoscaler per Deployment, consumer groups/topics, the
//    env.settings / env.secrets of deploy/apps.json (secrets from secretKeyRef only). Outbound-only
//    agents: one replica, no port, Service, probe or autoscaler, the outbox on a writable
//    PersistentVolumeClaim or emptyDir at least OUTBOX_MAX_BYTES large, SERVER at the endpoint of
//    the app they dial.
// A render deploys either every service of deploy/apps.json or outbound-only agents only (an
// agent runs in the customer's network, usually without the platform).
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import {
  Report,
  agentsOf,
  argValue,
  isAtOrBelow,
  isObject,
  loadApps,
  quantityBytes,
  readYamlFile,
  servicesOf,
} from './lib.mjs';
import { parse as parseYaml } from 'yaml';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const repo = argValue(args, '--repo', process.cwd());
const tsdir = argValue(args, '--tsdir', null);
const inputs = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const report = new Report('kubernetes');
const apps = loadApps(repo);

// ------------------------------------------------------------------ load ---
/** @type {{label: string, obj: any, id: string}[]} */
const objects = [];
const renders = new Map(); // label -> objects
for (const input of inputs) {
  const eq = input.indexOf('=');
  const label = input.slice(0, eq);
  const file = input.slice(eq + 1);
  const docs = readYamlFile(file, report, `[${label}] ${file}`);
  report.check(docs.length > 0, `[${label}]`, 'rendered nothing');
  const list = docs.map((obj) => ({
    label,
    obj,
    id: `[${label}] ${obj?.kind}/${obj?.metadata?.name}`,
  }));
  renders.set(label, list);
  objects.push(...list);
}

// Every YAML source under k8s/ must parse strictly (kustomize would reject most errors too,
// but not e.g. a file no kustomization lists yet).
const k8sRoot = join(repo, 'k8s');
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
const sources = walk(k8sRoot);
for (const f of sources) readYamlFile(f, report, relative(repo, f));

// The example Secrets (the platform's in k8s/base, the agent's in k8s/ticket-agent): validated
// like the rendered objects, but must not be deployed by kustomize.
report.check(
  existsSync(join(k8sRoot, 'base', 'secret.example.yaml')),
  'k8s/base/secret.example.yaml',
  'missing',
);
const secretExamples = []; // { obj, where }
for (const f of sources.filter((s) => s.endsWith('secret.example.yaml'))) {
  const where = relative(repo, f);
  const docs = readYamlFile(f, new Report('ignored'), where);
  report.check(
    docs.length === 1 && docs[0]?.kind === 'Secret',
    where,
    'must hold exactly one Secret',
  );
  for (const obj of docs) {
    secretExamples.push({ obj, where });
    objects.push({ label: 'example', obj, id: `[example] ${obj?.kind}/${obj?.metadata?.name}` });
    const data = { ...(obj.stringData ?? {}), ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries(data)) {
      const text = obj.data?.[k] ? Buffer.from(String(v), 'base64').toString() : String(v);
      report.check(
        /CHANGE-ME|example/i.test(text),
        where,
        `value of ${k} does not look like a placeholder (must contain CHANGE-ME or example)`,
      );
    }
  }
}
const secretExample = secretExamples.map((e) => e.obj);
for (const f of sources.filter((s) => /kustomization\.ya?ml$/.test(s))) {
  const [k] = readYamlFile(f, new Report('ignored'), f);
  const listed = ['resources', 'components', 'patchesStrategicMerge'].flatMap(
    (key) => k?.[key] ?? [],
  );
  const patched = (k?.patches ?? []).map((p) => p?.path);
  report.check(
    ![...listed, ...patched].some((r) => String(r).endsWith('secret.example.yaml')),
    relative(repo, f),
    'must not use secret.example.yaml (its placeholders would be deployed)',
  );
}

// -------------------------------------------------------- 1. JSON schema ---
function modelPath(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return null;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'keda.sh') return `@kubernetes-models/keda/keda.sh/${version}/${kind}`;
  return group
    ? `kubernetes-models/${group}/${version}/${kind}`
    : `kubernetes-models/${version}/${kind}`;
}

const typed = []; // objects that have a schema, for the TypeScript pass
for (const entry of objects) {
  const { obj, id } = entry;
  if (!report.check(isObject(obj), id, 'document is not a mapping')) continue;
  const path = modelPath(obj.apiVersion, obj.kind);
  let mod = null;
  try {
    mod = path ? await import(path) : null;
  } catch {
    mod = null;
  }
  const Model = mod?.[obj.kind];
  if (
    !report.check(Boolean(Model), id, `no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`)
  )
    continue;
  typed.push({ ...entry, path });
  try {
    new Model(obj).validate();
    report.check(true, id, '');
  } catch (err) {
    for (const line of String(err.message).split(/,\s*(?=data)/))
      report.fail(id, `schema: ${line}`);
  }
  report.check(Boolean(obj.metadata?.name), id, 'metadata.name is missing');
}

// ------------------------------------------------- 2. strict field check ---
if (tsdir && typed.length > 0) {
  const ts = require('typescript');
  mkdirSync(tsdir, { recursive: true });
  const file = join(tsdir, 'manifests.ts');
  const lines = ['// generated by deploy/validate/check-k8s.mjs: one typed constant per manifest'];
  const spans = [];
  typed.forEach(({ obj, id, path }, i) => {
    lines.push(`import type { I${obj.kind} as T${i} } from '${path}';`);
  });
  typed.forEach(({ obj, id }, i) => {
    const body = JSON.stringify(obj, null, 2).split('\n');
    const start = lines.length + 1;
    lines.push(`export const m${i}: T${i} = ${body[0]}`, ...body.slice(1, -1), `${body.at(-1)};`);
    spans.push({ id, start, end: lines.length });
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  report.check(true, 'typescript', '');
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.file.fileName !== file) {
      report.fail('typescript', message);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const span = spans.find((s) => line + 1 >= s.start && line + 1 <= s.end);
    const text = lines[line]?.trim() ?? '';
    report.fail(span?.id ?? `manifests.ts:${line + 1}`, `field check: ${message} (at: ${text})`);
  }
}

// ------------------------------------------- 3. KEDA trigger metadata ---
const Ajv = (await import('ajv')).default;
const ajv = new Ajv({ allErrors: true, strict: true });
// host:port list, as ServiceConfig.KAFKA_BROKERS accepts it
const BROKERS = '^[^\\s,:]+:[0-9]{1,5}(,[^\\s,:]+:[0-9]{1,5})*$';
const boolString = { type: 'string', enum: ['true', 'false'] };
const positiveIntString = { type: 'string', pattern: '^[1-9][0-9]*$' };
const validateKafka = ajv.compile({
  type: 'object',
  required: ['bootstrapServers', 'consumerGroup', 'lagThreshold'],
  additionalProperties: false,
  properties: {
    bootstrapServers: { type: 'string', pattern: BROKERS },
    consumerGroup: { type: 'string', minLength: 1 },
    topic: { type: 'string', minLength: 1 },
    lagThreshold: positiveIntString,
    activationLagThreshold: { type: 'string', pattern: '^[0-9]+$' },
    offsetResetPolicy: { type: 'string', enum: ['earliest', 'latest'] },
    allowIdleConsumers: boolString,
    excludePersistentLag: boolString,
    scaleToZeroOnInvalidOffset: boolString,
    limitToPartitionsWithLag: boolString,
    partitionLimitation: { type: 'string' },
    version: { type: 'string' },
    tls: { type: 'string', enum: ['enable', 'disable'] },
    sasl: {
      type: 'string',
      enum: ['plaintext', 'scram_sha256', 'scram_sha512', 'oauthbearer', 'gssapi', 'none'],
    },
  },
});
const validateResource = ajv.compile({
  type: 'object',
  required: ['value'],
  additionalProperties: false,
  properties: { value: positiveIntString, containerName: { type: 'string', minLength: 1 } },
});
// The shared ConfigMap against the settings of libs/config ServiceConfig: envFrom silently
// passes a misspelt key, the app would then run on a default. A new setting goes here too.
const validateSettings = ajv.compile({
  type: 'object',
  additionalProperties: false,
  properties: {
    NODE_ENV: { enum: ['development', 'production', 'test'] },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    KAFKA_BROKERS: { type: 'string', pattern: BROKERS },
    KAFKA_TOPIC_PREFIX: { type: 'string', pattern: '^[a-zA-Z0-9._-]*$' },
    DATABASE_SCHEMA: { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' },
    DATA_DIR: { type: 'string' },
    OTEL_EXPORTER_OTLP_ENDPOINT: { type: 'string', pattern: '^https?://' },
    OUTBOX_POLL_INTERVAL_MS: { type: 'string', pattern: '^[0-9]+$' },
    CONSUMER_MAX_RETRIES: { type: 'string', pattern: '^[0-9]+$' },
    NOTIFIER_WEBHOOK_URL: { type: 'string', pattern: '^https?://' },
  },
});
// ticket-sla's ticket-sla-config: the seed's task settings (TicketSlaConfig).
const validateTicketSlaSettings = ajv.compile({
  type: 'object',
  additionalProperties: false,
  properties: {
    INTERVAL: { type: 'string', pattern: '^[1-9][0-9]*$' },
    FILTER_ARREARS: { type: 'string', maxLength: 256 },
    FILTER_STOPPED: { type: 'string', maxLength: 256 },
    TICKET_SLA_FILTER_OPEN: { type: 'string', maxLength: 256 },
    TICKET_SLA_TENANT_ID: { type: 'string', pattern: '^[\\w.-]{1,128}$' },
    TICKET_SLA_ITSM_SYSTEM: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' },
  },
});
// The agent's ticket-agent-config against TicketAgentConfig of apps/ticket-agent; its secrets
// (TOKEN, KEY, PASSWORD) are not allowed here.
const validateAgentSettings = ajv.compile({
  type: 'object',
  additionalProperties: false,
  properties: {
    NODE_ENV: { enum: ['development', 'production', 'test'] },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    TICKET_SYSTEM: { enum: ['jira', 'servicenow', 'rest'] },
    URL: { type: 'string', pattern: '^https?://' },
    EMAIL: { type: 'string', minLength: 1 },
    SERVER: { type: 'string', pattern: '^wss?://' },
    OUTBOX_DIR: { type: 'string', pattern: '^/' },
    // at least 4 protocol messages of 1 MiB (the agent refuses less)
    OUTBOX_MAX_BYTES: { type: 'string', pattern: '^[0-9]+$' },
    TICKET_SYSTEM_CONFIG: { type: 'string', pattern: '^/' },
  },
});
const AGENT_ID = '^[A-Za-z0-9._:-]{1,128}$';
const exampleSchemas = {
  'telcomesh-secrets': ajv.compile({
    type: 'object',
    required: ['DATABASE_URL', 'REDIS_URL'],
    additionalProperties: false,
    properties: {
      DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
      REDIS_URL: { type: 'string', pattern: '^rediss?://' },
      NOTIFIER_WEBHOOK_URL: { type: 'string', pattern: '^https?://' },
      NOTIFIER_SECRET_KEY: { type: 'string', minLength: 1 },
      AUTH_JWT_SECRET: { type: 'string', minLength: 32 },
      AUTH_API_KEYS: { type: 'string', pattern: '^\\[' },
      TICKET_SLA_AGENT_TOKEN: { type: 'string', pattern: AGENT_ID },
      TICKET_SLA_AGENT_KEY: { type: 'string', minLength: 16 },
      // id:key[,id:key...], ids without ':'
      TICKET_SLA_AGENTS: {
        type: 'string',
        pattern: '^[A-Za-z0-9._-]+:[^,]{16,}(,[A-Za-z0-9._-]+:[^,]{16,})*$',
      },
    },
  }),
  'ticket-agent-secrets': ajv.compile({
    type: 'object',
    required: ['TOKEN', 'KEY'],
    additionalProperties: false,
    properties: {
      TOKEN: { type: 'string', pattern: AGENT_ID },
      KEY: { type: 'string', minLength: 16 },
      PASSWORD: { type: 'string', minLength: 1 },
    },
  }),
};
for (const { obj, where } of secretExamples) {
  const validateExample = exampleSchemas[obj?.metadata?.name];
  if (
    report.check(
      Boolean(validateExample),
      where,
      `no schema for Secret ${obj?.metadata?.name} (add one to exampleSchemas of deploy/validate/check-k8s.mjs)`,
    )
  ) {
    report.check(
      validateExample(obj.stringData ?? {}),
      where,
      `stringData: ${ajvErrors(validateExample.errors).join('; ')}`,
    );
  }
}

function ajvErrors(errors) {
  return (errors ?? []).map(
    (e) =>
      `${e.instancePath || '(top level)'} ${e.message}${e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ''}`,
  );
}
// --------------------------------------------------- 4. cross-references ---
const matches = (selector, labels) =>
  isObject(selector) &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

const isAgentApp = (app) => Boolean(apps[app]?.outboundOnly);
const deployedAgents = new Set();
for (const [label, list] of renders) {
  const of = (kind) => list.filter((e) => e.obj?.kind === kind);
  const deployments = of('Deployment');
  const configMaps = new Map(of('ConfigMap').map((e) => [e.obj.metadata?.name, e.obj]));
  const secrets = new Map(
    [...of('Secret'), ...secretExample.map((obj) => ({ obj }))].map((e) => [
      e.obj.metadata?.name,
      e.obj,
    ]),
  );
  const claims = new Map(of('PersistentVolumeClaim').map((e) => [e.obj.metadata?.name, e.obj]));
  const where = `[${label}]`;
  // bases leave image tags to the overlays
  const isBase = !label.startsWith('overlays/');

  // unique names per kind and namespace
  const seen = new Set();
  for (const { obj, id } of list) {
    const key = `${obj?.kind}/${obj?.metadata?.namespace ?? ''}/${obj?.metadata?.name}`;
    report.check(!seen.has(key), id, 'defined twice');
    seen.add(key);
  }

  // a render deploys every service of deploy/apps.json, or outbound-only agents only
  const names = deployments.map((e) => e.obj.metadata?.labels?.['app.kubernetes.io/name']);
  const platform = names.length === 0 || names.some((n) => !isAgentApp(n));
  if (platform) {
    for (const [app] of servicesOf(apps))
      report.check(
        names.includes(app),
        where,
        `no Deployment labelled app.kubernetes.io/name=${app}`,
      );
  }
  for (const n of names) if (isAgentApp(n)) deployedAgents.add(n);

  for (const { obj, id } of list) {
    const labels = obj?.metadata?.labels ?? {};
    report.check(
      labels['app.kubernetes.io/part-of'] === 'telcomesh' || obj?.kind === 'Namespace',
      id,
      'label app.kubernetes.io/part-of=telcomesh missing',
    );
    if (!['ConfigMap', 'Namespace', 'Secret'].includes(obj?.kind)) {
      report.check(
        Boolean(labels['app.kubernetes.io/name']),
        id,
        'label app.kubernetes.io/name missing',
      );
    }
  }

  const autoscalers = new Map(); // deployment name -> [ids]
  const addScaler = (ref, id) => {
    const target = deployments.find((d) => d.obj.metadata?.name === ref?.name);
    report.check(
      (ref?.kind ?? 'Deployment') === 'Deployment' &&
        (ref?.apiVersion ?? 'apps/v1') === 'apps/v1' &&
        Boolean(target),
      id,
      `scaleTargetRef ${ref?.apiVersion ?? ''} ${ref?.kind ?? ''}/${ref?.name} is not a Deployment of this render`,
    );
    if (target) autoscalers.set(ref.name, [...(autoscalers.get(ref.name) ?? []), id]);
    return target;
  };

  for (const { obj, id } of deployments) {
    const app = obj.metadata?.labels?.['app.kubernetes.io/name'];
    const spec = obj.spec ?? {};
    const pod = spec.template?.spec ?? {};
    const tlabels = spec.template?.metadata?.labels ?? {};
    const agent = isAgentApp(app);
    report.check(Boolean(apps[app]), id, `app ${app} is not in deploy/apps.json`);
    report.check(
      matches(spec.selector?.matchLabels, tlabels),
      id,
      'spec.selector.matchLabels does not match the pod template labels',
    );
    if (agent) {
      // one connection per agent id, one outbox directory
      report.check(
        spec.replicas === 1,
        id,
        `spec.replicas must be 1 for ${app} (one connection per agent id, one outbox), is ${spec.replicas}`,
      );
    } else {
      report.check(
        spec.replicas === undefined,
        id,
        'spec.replicas is set, but an autoscaler owns the replica count (each apply would reset it)',
      );
    }
    report.check(
      pod.securityContext?.runAsNonRoot === true,
      id,
      'pod securityContext.runAsNonRoot must be true',
    );
    report.check(
      Number.isInteger(pod.securityContext?.runAsUser) && pod.securityContext.runAsUser > 0,
      id,
      'pod securityContext.runAsUser must be a non-zero uid',
    );
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    const containers = pod.containers ?? [];
    report.check(containers.length === 1, id, `expected one container, found ${containers.length}`);
    for (const c of containers) {
      const cid = `${id} container ${c.name}`;
      const ports = c.ports ?? [];
      const env = new Map((c.env ?? []).map((e) => [e.name, e]));
      const fromConfig = (c.envFrom ?? []).map(
        (ef) => configMaps.get(ef.configMapRef?.name)?.data ?? {},
      );
      const setting = (k) => {
        const e = env.get(k);
        if (e?.value !== undefined) return e.value;
        const cmRef = e?.valueFrom?.configMapKeyRef;
        if (cmRef) return configMaps.get(cmRef.name)?.data?.[cmRef.key];
        return fromConfig.find((d) => d[k] !== undefined)?.[k];
      };

      // env.settings of deploy/apps.json reach the container; env.secrets only from a Secret
      for (const k of apps[app]?.env?.settings ?? []) {
        report.check(
          env.has(k) || fromConfig.some((d) => d[k] !== undefined),
          cid,
          `env ${k} is not set (neither env nor an envFrom ConfigMap of this render)`,
        );
      }
      for (const k of apps[app]?.env?.secrets ?? []) {
        report.check(
          Boolean(env.get(k)?.valueFrom?.secretKeyRef) && env.get(k)?.value === undefined,
          cid,
          `env ${k} is a secret: it must come from a Secret (secretKeyRef)`,
        );
        report.check(
          !fromConfig.some((d) => d[k] !== undefined),
          cid,
          `env ${k} is a secret, but an envFrom ConfigMap holds it`,
        );
      }

      if (agent) {
        report.check(
          ports.length === 0,
          cid,
          `${app} is outbound-only: it has no container ports (found ${ports.map((p) => p.containerPort).join(', ')})`,
        );
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
          report.check(
            !c[probe]?.httpGet && !c[probe]?.tcpSocket && !c[probe]?.grpc,
            cid,
            `${probe}: ${app} serves nothing, so a network probe would always fail`,
          );
        }
        const server = apps[app]?.server;
        if (server) {
          let url = null;
          try {
            url = new URL(String(setting(server.env)));
          } catch {
            url = null;
          }
          const path = apps[server.app]?.agentEndpoint;
          report.check(
            url !== null && ['ws:', 'wss:'].includes(url.protocol) && url.pathname === path,
            cid,
            `${server.env} must be the ws:// or wss:// URL of ${server.app}'s ${path}, is ${setting(server.env)}`,
          );
        }
        const outbox = apps[app]?.outbox;
        if (outbox) {
          const dir = String(setting(outbox.env) ?? '');
          const maxBytes = Number(setting(outbox.maxBytesEnv));
          const mount = (c.volumeMounts ?? []).find((m) => isAtOrBelow(dir, m.mountPath));
          const volume = volumes.get(mount?.name);
          if (
            report.check(
              dir.startsWith('/') && Boolean(volume),
              cid,
              `${outbox.env} (${dir || 'unset'}) must be an absolute path on a mounted volume (the root filesystem is read-only)`,
            )
          ) {
            report.check(!mount.readOnly, cid, `the volume of ${outbox.env} is mounted read-only`);
            report.check(
              Number.isInteger(maxBytes) && maxBytes > 0,
              cid,
              `${outbox.maxBytesEnv} must be set to a number of bytes, is ${setting(outbox.maxBytesEnv)}`,
            );
            const claimName = volume.persistentVolumeClaim?.claimName;
            if (claimName !== undefined) {
              const claim = claims.get(claimName);
              const size = quantityBytes(claim?.spec?.resources?.requests?.storage);
              if (
                report.check(
                  Boolean(claim),
                  cid,
                  `volume ${volume.name}: PersistentVolumeClaim ${claimName} is not in this render`,
                )
              ) {
                report.check(
                  size !== null && size >= maxBytes,
                  cid,
                  `PersistentVolumeClaim ${claimName} requests ${claim.spec?.resources?.requests?.storage}, less than ${outbox.maxBytesEnv}=${maxBytes}`,
                );
                report.check(
                  spec.strategy?.type === 'Recreate',
                  id,
                  'strategy must be Recreate: with a ReadWriteOnce claim the new pod cannot start while the old one holds it',
                );
              }
            } else if (volume.emptyDir) {
              const size = quantityBytes(volume.emptyDir.sizeLimit);
              report.check(
                size !== null && size >= maxBytes,
                cid,
                `emptyDir ${volume.name} needs a sizeLimit of at least ${outbox.maxBytesEnv}=${maxBytes}, has ${volume.emptyDir.sizeLimit ?? 'none'}`,
              );
            } else {
              report.fail(
                cid,
                `${outbox.env} must be on a PersistentVolumeClaim or an emptyDir volume, ${volume.name} is neither`,
              );
            }
          }
        }
      } else {
        const expected = apps[app]?.port;
        const portOk = (p) =>
          typeof p === 'string'
            ? ports.some((x) => x.name === p)
            : ports.some((x) => x.containerPort === p);
        report.check(
          ports.some((p) => p.name === 'http' && p.containerPort === expected),
          cid,
          `needs a port named http = ${expected}`,
        );
        report.check(
          env.get('PORT')?.value === String(expected),
          cid,
          `env PORT must be "${expected}", is ${JSON.stringify(env.get('PORT')?.value)}`,
        );
        for (const [probe, path] of [
          ['startupProbe', '/health/live'],
          ['livenessProbe', '/health/live'],
          ['readinessProbe', '/health/ready'],
        ]) {
          const get = c[probe]?.httpGet;
          if (report.check(Boolean(get), cid, `${probe} with httpGet is missing`)) {
            report.check(get.path === path, cid, `${probe} path must be ${path}, is ${get.path}`);
            report.check(
              portOk(get.port),
              cid,
              `${probe} port ${get.port} is not a port of the container`,
            );
          }
        }
        for (const name of ['DATABASE_URL', 'REDIS_URL']) {
          report.check(
            Boolean(env.get(name)?.valueFrom?.secretKeyRef),
            cid,
            `${name} must come from a Secret (secretKeyRef)`,
          );
        }
        report.check(
          Boolean(setting('KAFKA_BROKERS')),
          cid,
          'KAFKA_BROKERS is not set (the app would fall back to its embedded bus)',
        );
      }

      for (const r of ['cpu', 'memory']) {
        report.check(
          c.resources?.requests?.[r] !== undefined,
          cid,
          `resources.requests.${r} missing`,
        );
        report.check(c.resources?.limits?.[r] !== undefined, cid, `resources.limits.${r} missing`);
      }
      const sc = c.securityContext ?? {};
      report.check(
        sc.readOnlyRootFilesystem === true,
        cid,
        'securityContext.readOnlyRootFilesystem must be true',
      );
      report.check(
        sc.allowPrivilegeEscalation === false,
        cid,
        'securityContext.allowPrivilegeEscalation must be false',
      );
      report.check(
        (sc.capabilities?.drop ?? []).includes('ALL'),
        cid,
        'securityContext.capabilities.drop must include ALL',
      );
      report.check(
        sc.runAsUser === undefined || sc.runAsUser > 0,
        cid,
        'securityContext.runAsUser must not be 0',
      );
      for (const m of c.volumeMounts ?? [])
        report.check(volumes.has(m.name), cid, `volumeMount ${m.name} has no volume`);
      const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === '/tmp');
      report.check(
        Boolean(tmp && volumes.get(tmp.name)?.emptyDir),
        cid,
        '/tmp must be mounted from an emptyDir volume (read-only root filesystem)',
      );
      report.check(
        Boolean(c.image) && !/:latest$/.test(c.image) && (isBase || c.image.includes(':')),
        cid,
        `image ${c.image} needs an explicit tag other than latest`,
      );
      for (const ef of c.envFrom ?? []) {
        if (ef.configMapRef)
          report.check(
            configMaps.has(ef.configMapRef.name) || ef.configMapRef.optional,
            cid,
            `envFrom ConfigMap ${ef.configMapRef.name} is not in the render`,
          );
        if (ef.secretRef)
          report.check(
            secrets.has(ef.secretRef.name) || ef.secretRef.optional,
            cid,
            `envFrom Secret ${ef.secretRef.name} is unknown`,
          );
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
          // optional keys too: a misspelt optional key silently leaves the variable unset
          const s = secrets.get(ref.name);
          const keys = { ...(s?.data ?? {}), ...(s?.stringData ?? {}) };
          report.check(
            Boolean(s) && ref.key in keys,
            cid,
            `env ${e.name}: Secret ${ref.name} key ${ref.key} is neither rendered nor in a secret.example.yaml`,
          );
        }
        const cmRef = e.valueFrom?.configMapKeyRef;
        if (cmRef && !cmRef.optional)
          report.check(
            configMaps.get(cmRef.name)?.data?.[cmRef.key] !== undefined,
            cid,
            `env ${e.name}: ConfigMap ${cmRef.name} key ${cmRef.key} not found`,
          );
      }
      for (const v of volumes.values()) {
        if (v.configMap?.name)
          report.check(
            configMaps.has(v.configMap.name) || v.configMap.optional,
            cid,
            `volume ${v.name}: ConfigMap ${v.configMap.name} is not in the render`,
          );
      }
      report.check(setting('NODE_ENV') === 'production', cid, 'NODE_ENV must be production');
    }
  }

  for (const { obj, id } of of('Service')) {
    const target = deployments.filter((d) =>
      matches(obj.spec?.selector, d.obj.spec?.template?.metadata?.labels),
    );
    const agentTarget = target.find((d) =>
      isAgentApp(d.obj.metadata?.labels?.['app.kubernetes.io/name']),
    );
    report.check(
      !agentTarget,
      id,
      `selects ${agentTarget?.obj.metadata?.name}, which is outbound-only: nothing connects to it, so no Service`,
    );
    if (
      report.check(
        target.length === 1,
        id,
        `selector matches ${target.length} Deployments, expected 1`,
      )
    ) {
      const ports = (target[0].obj.spec.template.spec.containers ?? []).flatMap(
        (c) => c.ports ?? [],
      );
      for (const p of obj.spec.ports ?? []) {
        const t = p.targetPort ?? p.port;
        report.check(
          ports.some((x) => (typeof t === 'string' ? x.name === t : x.containerPort === t)),
          id,
          `targetPort ${t} is not a container port of ${target[0].obj.metadata.name}`,
        );
      }
    }
  }

  for (const { obj, id } of of('PodDisruptionBudget')) {
    const target = deployments.filter((d) =>
      matches(obj.spec?.selector?.matchLabels, d.obj.spec?.template?.metadata?.labels),
    );
    report.check(
      target.length === 1,
      id,
      `selector matches ${target.length} Deployments, expected 1`,
    );
    const agentTarget = target.find((d) =>
      isAgentApp(d.obj.metadata?.labels?.['app.kubernetes.io/name']),
    );
    report.check(
      !agentTarget,
      id,
      `selects ${agentTarget?.obj.metadata?.name}, which runs one replica with Recreate: a PodDisruptionBudget would either block node drains or do nothing`,
    );
  }

  for (const { obj, id } of of('HorizontalPodAutoscaler')) {
    addScaler(obj.spec?.scaleTargetRef, id);
    report.check(
      obj.spec?.minReplicas === undefined || obj.spec.minReplicas <= obj.spec.maxReplicas,
      id,
      'minReplicas > maxReplicas',
    );
  }

  for (const [name, cm] of configMaps) {
    if (name?.startsWith('notifier-config')) {
      // A mounted file, not env settings: the notifier's configuration-as-code.
      let doc;
      try {
        doc = parseYaml(cm.data?.['notifier.yaml'] ?? '');
      } catch (error) {
        doc = error;
      }
      const keys = isObject(doc) ? Object.keys(doc) : [];
      report.check(
        isObject(doc) && keys.every((k) => k === 'integrations' || k === 'silences'),
        `[${label}] ConfigMap/${name}`,
        'notifier.yaml must be a YAML mapping with only integrations and silences',
      );
      continue;
    }
    if (name?.startsWith('ticket-agent-system')) {
      // A mounted file: the agent's adapter settings (TICKET_SYSTEM_CONFIG), one mapping.
      const files = Object.entries(cm.data ?? {});
      report.check(files.length === 1, `[${label}] ConfigMap/${name}`, 'must hold one file');
      for (const [file, text] of files) {
        let doc;
        try {
          doc = parseYaml(text);
        } catch (error) {
          doc = error;
        }
        report.check(
          isObject(doc),
          `[${label}] ConfigMap/${name}`,
          `${file} must be a YAML/JSON mapping (an empty one is {}), the agent refuses anything else`,
        );
      }
      continue;
    }
    const settingsSchema = name?.startsWith('ticket-agent-config')
      ? validateAgentSettings
      : name?.startsWith('ticket-sla-config')
        ? validateTicketSlaSettings
        : null;
    if (settingsSchema) {
      report.check(
        settingsSchema(cm.data ?? {}),
        `[${label}] ConfigMap/${name}`,
        ajvErrors(settingsSchema.errors).join('; '),
      );
      continue;
    }
    report.check(
      validateSettings(cm.data ?? {}),
      `[${label}] ConfigMap/${name}`,
      ajvErrors(validateSettings.errors).join('; ') +
        (validateSettings.errors?.some((e) => e.keyword === 'additionalProperties')
          ? ' (misspelt? a new setting of the apps belongs in validateSettings of deploy/validate/check-k8s.mjs)'
          : ''),
    );
  }
  const brokers = [...configMaps.values()].map((cm) => cm.data?.KAFKA_BROKERS).filter(Boolean);
  const prefix =
    [...configMaps.values()].map((cm) => cm.data?.KAFKA_TOPIC_PREFIX).find(Boolean) ?? '';
  const seenKafka = new Set();
  for (const { obj, id } of of('ScaledObject')) {
    const target = addScaler(obj.spec?.scaleTargetRef, id);
    const app = target?.obj.metadata?.labels?.['app.kubernetes.io/name'];
    const consumer = apps[app]?.consumer;
    report.check(
      Boolean(consumer),
      id,
      `${app} is not a Kafka consumer in deploy/apps.json: use a HorizontalPodAutoscaler`,
    );
    report.check(
      (obj.spec?.minReplicaCount ?? 0) <= (obj.spec?.maxReplicaCount ?? 100),
      id,
      'minReplicaCount > maxReplicaCount',
    );
    for (const [i, t] of (obj.spec?.triggers ?? []).entries()) {
      const tid = `${id} trigger ${i} (${t.type})`;
      if (t.type === 'kafka') {
        seenKafka.add(app);
        if (
          !report.check(
            validateKafka(t.metadata ?? {}),
            tid,
            ajvErrors(validateKafka.errors).join('; '),
          )
        )
          continue;
        const m = t.metadata;
        report.check(
          brokers.includes(m.bootstrapServers),
          tid,
          `bootstrapServers ${m.bootstrapServers} differs from KAFKA_BROKERS of the ConfigMap (${brokers.join(', ') || 'none'})`,
        );
        if (consumer) {
          report.check(
            m.consumerGroup === prefix + consumer.group,
            tid,
            `consumerGroup ${m.consumerGroup}, but ${app} consumes as ${prefix + consumer.group}`,
          );
          if (consumer.topics.length > 0) {
            report.check(
              consumer.topics.map((x) => prefix + x).includes(m.topic),
              tid,
              `topic ${m.topic} is not one of ${consumer.topics.join(', ')}`,
            );
          } else {
            report.check(
              m.topic === undefined,
              tid,
              `${app} reads several topics: leave topic out so KEDA sums the lag of the whole group`,
            );
          }
        }
        for (const host of m.bootstrapServers.split(',').map((b) => b.split(':')[0])) {
          report.check(
            host.includes('.'),
            tid,
            `bootstrapServers host ${host} is not namespace-qualified: the KEDA operator resolves it from its own namespace (use e.g. kafka.kafka.svc)`,
          );
        }
        if (m.sasl && m.sasl !== 'none')
          report.check(Boolean(t.authenticationRef?.name), tid, 'sasl needs an authenticationRef');
      } else if (t.type === 'cpu' || t.type === 'memory') {
        report.check(
          validateResource(t.metadata ?? {}),
          tid,
          ajvErrors(validateResource.errors).join('; '),
        );
        report.check(
          ['Utilization', 'AverageValue'].includes(t.metricType),
          tid,
          'metricType must be Utilization or AverageValue',
        );
        const c = target?.obj.spec.template.spec.containers ?? [];
        report.check(
          c.every((x) => x.resources?.requests?.[t.type] !== undefined),
          tid,
          `${t.type} trigger needs resources.requests.${t.type} on every container`,
        );
      } else {
        report.fail(tid, `trigger type ${t.type} has no schema here`);
      }
    }
  }
  for (const [app, consumer] of platform ? servicesOf(apps) : []) {
    if (consumer.consumer)
      report.check(
        seenKafka.has(app),
        where,
        `${app} consumes Kafka but has no ScaledObject with a kafka trigger`,
      );
  }
  for (const { obj, id } of deployments) {
    const scalers = autoscalers.get(obj.metadata?.name) ?? [];
    if (isAgentApp(obj.metadata?.labels?.['app.kubernetes.io/name'])) {
      report.check(
        scalers.length === 0,
        id,
        `is outbound-only with one replica, but targeted by ${scalers.join(', ')}`,
      );
      continue;
    }
    report.check(
      scalers.length === 1,
      id,
      scalers.length === 0
        ? 'no HorizontalPodAutoscaler or ScaledObject targets it'
        : `targeted by ${scalers.length} autoscalers (${scalers.join(', ')}); KEDA and an HPA must not share a Deployment`,
    );
  }
}

for (const [app] of agentsOf(apps)) {
  report.check(
    deployedAgents.has(app),
    'k8s',
    `no render deploys ${app} (expected in k8s/${app} and an overlay)`,
  );
}

process.exit(report.finish());
