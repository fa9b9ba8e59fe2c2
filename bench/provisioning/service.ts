/**
 * The provisioning service in process (`bootstrap` from apps/provisioning) against the real
 * broker and PostgreSQL, with the benchmark's playbooks, a catalogue of two products and one
 * customer set up through its API, and admin tokens minted as the integration test does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessTokens, hmacKeys } from '@telcomesh/auth';
import type { RunningService } from '@telcomesh/platform';
import { PROVISION_JOBS } from '../../apps/provisioning/src/jobs/provision.controller';
import type { ProvisionJobs } from '../../apps/provisioning/src/jobs/provision-jobs';
import { bootstrap } from '../../apps/provisioning/src/main';
import type { ProvisioningConfig } from '../../apps/provisioning/src/provisioning.config';
import { type PostgresTarget, postgresUrl } from '../messaging/environment';

/** The measured playbook: 5 reads of the CRM the job runs for, with the job's bearer token. */
export const FIVE_TASKS = 'bench_five_crm_reads';
/** The latency run's playbook: one debug task, no HTTP call. */
export const FAST = 'bench_fast_noop';

function crmGet(name: string, path: string): string {
  return `    - name: ${name}
      ansible.builtin.uri:
        url: '{{ crm_config.crm.base_url }}${path}'
        method: GET
        headers:
          Authorization: 'Bearer {{ access_token }}'
        return_content: true
        status_code: 200
`;
}

export const PLAYBOOKS: Record<string, string> = {
  [FIVE_TASKS]: `# Benchmark playbook: five GET calls to the CRM of the provisioning service (what the shipped
# playbooks do before they touch the OCS/HSS), authenticated with the job's token.
- name: Bench five CRM reads
  hosts: localhost
  gather_facts: false
  become: false
  tasks:
${crmGet('Get the product', '/crm/product/product_id/{{ product_id }}')}${crmGet('Get the customer', '/crm/customer/customer_id/{{ customer_id }}')}${crmGet("List the customer's services", '/crm/service/?customer_id={{ customer_id }}')}${crmGet("List the customer's transactions", '/crm/transaction/?customer_id={{ customer_id }}')}${crmGet("List the customer's inventory", '/crm/inventory/customer_id/{{ customer_id }}')}`,
  [FAST]: `# Benchmark playbook: one task, no backend.
- name: Bench fast noop
  hosts: localhost
  gather_facts: false
  become: false
  tasks:
    - name: Say hello
      ansible.builtin.debug:
        msg: 'provision {{ provision_id }}'
`,
};

/** File name, in the playbooks folder, of the sleeping stand-in for ansible-playbook. */
export const STAND_IN = 'stand-in-ansible-playbook.sh';

/**
 * A private folder holding the benchmark's playbooks (PROVISIONING_PLAYBOOKS_DIR) and, for the
 * latency diagnostic, a stand-in for ansible-playbook that only sleeps (until SIGTERM).
 */
export function writePlaybooks(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-provisioning-playbooks-'));
  for (const [name, text] of Object.entries(PLAYBOOKS))
    writeFileSync(join(dir, `${name}.yaml`), text);
  writeFileSync(join(dir, STAND_IN), '#!/bin/sh\nexec sleep 900\n', { mode: 0o755 });
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export type Json = Record<string, unknown>;

export interface ApiAnswer {
  status: number;
  body: Json;
}

export interface BenchService {
  service: RunningService<ProvisioningConfig>;
  url: string;
  schema: string;
  maxParallel: number;
  /** Admin (staff) bearer token: the API caller, and the bare runs' `access_token`. */
  admin: string;
  productFive: number;
  productFast: number;
  customer: number;
  call(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** The jobs' rows, timestamps as epoch ms (microsecond precision kept). */
  rows(ids: number[]): Promise<JobRow[]>;
  /** Jobs of this service by state. */
  states(): Promise<Record<string, number>>;
  /** In-process wait for a job's end (ProvisionJobs#waitFor: woken by its final transaction). */
  waitFor(id: number, timeoutMs: number): Promise<void>;
  /** The variables the service gives a job of the five-task product, for the bare runs. */
  bareVariables(provisionId: number): Json;
  close(): Promise<void>;
}

export interface JobRow {
  id: number;
  status: number;
  state: string;
  created: number;
  started: number | null;
  finished: number | null;
  events: number;
  eventsOk: number;
}

/** Marks the benchmark's own SQL so that the statement counter leaves it out. */
export const BENCH_SQL = '/* bench */';

export interface StartOptions {
  brokers: string[];
  pg: PostgresTarget;
  database: string;
  schema: string;
  topicPrefix: string;
  playbooksDir: string;
  maxParallel: number;
  /** PROVISIONING_ANSIBLE_PLAYBOOK (diagnostics only; default: ansible-playbook on PATH). */
  ansiblePlaybook?: string;
}

const SECRET = randomBytes(32).toString('base64url');
const tokens = new AccessTokens({ keys: hmacKeys(SECRET) });

export async function startProvisioning(o: StartOptions): Promise<BenchService> {
  const port = await freePort();
  const service = await bootstrap({
    NODE_ENV: 'production',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    KAFKA_BROKERS: o.brokers.join(','),
    KAFKA_TOPIC_PREFIX: o.topicPrefix,
    DATABASE_URL: postgresUrl(o.pg, o.database),
    DATABASE_SCHEMA: o.schema,
    PROVISIONING_PLAYBOOKS_DIR: o.playbooksDir,
    PROVISIONING_MAX_PARALLEL_JOBS: String(o.maxParallel),
    AUTH_JWT_SECRET: SECRET,
    ...(o.ansiblePlaybook ? { PROVISIONING_ANSIBLE_PLAYBOOK: o.ansiblePlaybook } : {}),
  });
  const url = service.url;
  const admin = await tokens.issue({ subject: '7', kind: 'user', roles: ['admin'] }, 6 * 3600);
  const call = async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };
  const created = async (path: string, body: Json, idField: string): Promise<number> => {
    const r = await call('PUT', path, body);
    const id = r.body[idField];
    if (r.status !== 200 || typeof id !== 'number')
      throw new Error(`PUT ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return id;
  };
  try {
    const productFive = await created(
      '/crm/product/',
      {
        product_slug: 'Bench-Five',
        product_name: 'Bench five CRM reads',
        provisioning_play: FIVE_TASKS,
        provisioning_json_vars: '{"bench": "five"}',
        retail_cost: 10,
      },
      'product_id',
    );
    const productFast = await created(
      '/crm/product/',
      {
        product_slug: 'Bench-Fast',
        product_name: 'Bench fast noop',
        provisioning_play: FAST,
        retail_cost: 1,
      },
      'product_id',
    );
    const customer = await created(
      '/crm/customer/',
      {
        customer_name: 'Bench Customer',
        customer_phone: '+61400000123',
        tenant_id: 'tenant-bench',
      },
      'customer_id',
    );
    const crmConfig = {
      crm: { base_url: url },
      ocs: { OCS: service.runtime.config.PROVISIONING_OCS, ocsTenant: 'telcomesh' },
    };
    return {
      service,
      url,
      schema: o.schema,
      maxParallel: o.maxParallel,
      admin,
      productFive,
      productFast,
      customer,
      call,
      bareVariables: (provisionId) => ({
        bench: 'five',
        action: 'provision',
        product_id: productFive,
        customer_id: customer,
        provision_id: provisionId,
        initiating_user: '7',
        access_token: admin,
        crm_config: crmConfig,
      }),
      rows: async (ids) => {
        const rows = await service.runtime.dataSource.query<
          {
            id: number;
            status: number;
            state: string;
            created: number;
            started: number | null;
            finished: number | null;
            events: number;
            events_ok: number;
          }[]
        >(
          `${BENCH_SQL} SELECT p."provision_id" AS id, p."provisioning_status" AS status, p."state",
                  extract(epoch FROM p."created") * 1000 AS created,
                  extract(epoch FROM p."started") * 1000 AS started,
                  extract(epoch FROM p."finished") * 1000 AS finished,
                  (SELECT count(*) FROM "${o.schema}"."provision_events" e
                    WHERE e."provision_id" = p."provision_id")::int AS events,
                  (SELECT count(*) FROM "${o.schema}"."provision_events" e
                    WHERE e."provision_id" = p."provision_id" AND e."provisioning_status" = 0)::int AS events_ok
             FROM "${o.schema}"."provisions" p WHERE p."provision_id" = ANY($1::int[])
            ORDER BY p."provision_id"`,
          [ids],
        );
        const num = (v: unknown) => (v === null ? null : Number(v));
        return rows.map((r) => ({
          id: r.id,
          status: r.status,
          state: r.state,
          created: Number(r.created),
          started: num(r.started),
          finished: num(r.finished),
          events: r.events,
          eventsOk: r.events_ok,
        }));
      },
      states: async () => {
        const rows = await service.runtime.dataSource.query<{ state: string; n: number }[]>(
          `${BENCH_SQL} SELECT "state", count(*)::int AS n FROM "${o.schema}"."provisions" GROUP BY "state"`,
        );
        return Object.fromEntries(rows.map((r) => [r.state, r.n]));
      },
      waitFor: (id, timeoutMs) =>
        service.app
          .get<symbol, ProvisionJobs>(PROVISION_JOBS, { strict: false })
          .waitFor(id, timeoutMs),
      close: () => service.close(),
    };
  } catch (error) {
    await service.close();
    throw error;
  }
}
