// Shared helpers of the deploy validators (run by scripts/validate-deploy.sh from its tool
// directory, where their npm dependencies are installed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Collects problems; every check reports through one of these. */
export class Report {
  constructor(title) {
    this.title = title;
    this.errors = [];
    this.checks = 0;
  }

  /** Records one check: `ok` false adds `message` (prefixed by `where`) to the errors. */
  check(ok, where, message) {
    this.checks += 1;
    if (!ok) this.errors.push(`${where}: ${message}`);
    return ok;
  }

  fail(where, message) {
    return this.check(false, where, message);
  }

  /** Prints the result and returns the process exit code. */
  finish() {
    if (this.errors.length === 0) {
      console.log(`${this.title}: OK (${this.checks} checks)`);
      return 0;
    }
    console.log(`${this.title}: ${this.errors.length} problem(s) in ${this.checks} checks`);
    for (const e of this.errors) console.log(`  - ${e}`);
    return 1;
  }
}

/** Parses every YAML document of a file; duplicate keys and syntax errors are problems. */
export function parseYamlStrict(text, where, report) {
  const docs = [];
  for (const doc of parseAllDocuments(text, {
    uniqueKeys: true,
    prettyErrors: true,
    merge: true,
  })) {
    for (const err of doc.errors) report.fail(where, `YAML: ${err.message.split('\n')[0]}`);
    for (const warn of doc.warnings) report.fail(where, `YAML: ${warn.message.split('\n')[0]}`);
    if (doc.errors.length === 0) {
      const value = doc.toJS({ maxAliasCount: 1000 });
      if (value !== null && value !== undefined) docs.push(value);
    }
  }
  return docs;
}

export function readYamlFile(path, report, label = path) {
  return parseYamlStrict(readFileSync(path, 'utf8'), label, report);
}

export function loadApps(repo) {
  return JSON.parse(readFileSync(join(repo, 'deploy', 'apps.json'), 'utf8')).apps;
}

export function argValue(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

export const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Apps that serve HTTP on a port (the platform's services). */
export const servicesOf = (apps) => Object.entries(apps).filter(([, a]) => !a.outboundOnly);

/** Outbound-only apps (the ticket agent): no port, no Service, no autoscaler. */
export const agentsOf = (apps) => Object.entries(apps).filter(([, a]) => a.outboundOnly);

/** The Dockerfile an app is built from. */
export const dockerfileOf = (app) => app.dockerfile ?? 'deploy/Dockerfile';

const QUANTITY_FACTORS = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Bytes of a Kubernetes quantity ("512Mi", "1G", "300000000"); null when it is not one. */
export function quantityBytes(value) {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(value ?? ''));
  return m ? Number(m[1]) * QUANTITY_FACTORS[m[2] ?? ''] : null;
}

/** True when `path` is `mount` or lies below it (POSIX paths). */
export const isAtOrBelow = (path, mount) => {
  const m = String(mount).replace(/\/+$/, '');
  return path === m || String(path).startsWith(`${m}/`);
};
