/*
 * The provisioning service in process against real PostgreSQL and Kafka, running REAL
 * ansible-playbook on the shipped playbooks; the OCS (CGRateS JSON-RPC), HSS and SMS gateway are
 * simulators on loopback. Auth goes through the seed's three methods.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { AccessTokens, generateApiKey, hashApiKey, hmacKeys } from '@telcomesh/auth';
import { decode, ProvisionJobState, Topics, type ProvisionJob } from '@telcomesh/contracts';
import type { RunningService } from '@telcomesh/platform';
import {
  CgratesSimulator,
  HssSimulator,
  SmsGatewaySimulator,
  startServiceProcess,
} from '@telcomesh/testing';
import { bootstrap } from './main';
import type { ProvisioningConfig } from './provisioning.config';
import { defaultAnsibleDir } from './runner';

const RUN = randomBytes(3).toString('hex');
const SECRET = randomBytes(32).toString('base64url');
const API_KEY = generateApiKey();
const KI = '0123456789abcdef0123456789abcdef';
const OPC = 'fedcba9876543210fedcba9876543210';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Json = Record<string, unknown>;

describe('provisioning (real ansible-playbook, PostgreSQL, Kafka; simulated OCS/HSS/SMS)', () => {
  const ocs = new CgratesSimulator();
  const hss = new HssSimulator();
  const sms = new SmsGatewaySimulator({ apiKey: 'sms-key-123' });
  const tokens = new AccessTokens({ keys: hmacKeys(SECRET) });
  const jobEvents: ProvisionJob[] = [];
  let service: RunningService<ProvisioningConfig>;
  let url: string;
  let env: Record<string, string | undefined>;
  let admin: string;
  const ids: Record<string, number> = {};

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${admin}` },
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Json) : {} };
  };

  const finished = (id: number, headers?: Record<string, string>) =>
    until(async () => {
      const r = await call('GET', `/crm/provision/provision_id/${id}`, undefined, headers);
      return r.body.provisioning_status === 1 ? undefined : r.body;
    }, `provision ${id} to finish`);

  beforeAll(async () => {
    const playbooks = mkdtempSync(join(tmpdir(), 'playbooks-'));
    cpSync(join(defaultAnsibleDir(), 'playbooks'), playbooks, { recursive: true });
    writeFileSync(
      join(playbooks, 'play_broken_yaml.yaml'),
      '- name: broken\n  hosts: localhost\n  tasks:\n    - debug: msg="unclosed\n   - [\n',
    );
    writeFileSync(
      join(playbooks, 'play_undefined_var.yaml'),
      '- name: undefined\n  hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n        msg: "{{ no_such_variable.field }}"\n',
    );
    writeFileSync(
      join(playbooks, 'play_noop.yaml'),
      '- name: Noop\n  hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: Say hello\n      ansible.builtin.debug:\n        msg: "provision {{ provision_id }}"\n',
    );
    const [ocsUrl, hssUrl, smsUrl] = await Promise.all([ocs.start(), hss.start(), sms.start()]);
    const port = await freePort();
    env = {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      DATABASE_SCHEMA: `provisioning_it_${RUN}`,
      KAFKA_TOPIC_PREFIX: `${process.env.KAFKA_TOPIC_PREFIX}-prov-${RUN}`,
      OUTBOX_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'warn',
      PROVISIONING_PLAYBOOKS_DIR: playbooks,
      PROVISIONING_OCS: new URL(ocsUrl).host,
      PROVISIONING_HSS_URL: hssUrl,
      PROVISIONING_SMS_GATEWAY_URL: smsUrl,
      PROVISIONING_SMS_API_KEY: 'sms-key-123',
      PROVISIONING_MAX_PARALLEL_JOBS: '4',
      PROVISIONING_ADMIN_USER_ID: '1',
      AUTH_JWT_SECRET: SECRET,
      AUTH_API_KEYS: JSON.stringify([
        { id: 'ocs-callbacks', hash: hashApiKey(API_KEY), roles: ['admin'] },
      ]),
      AUTH_IP_ALLOWLIST: '10.9.8.7/32',
      AUTH_TRUSTED_PROXIES: '127.0.0.1/32',
    };
    service = await bootstrap(env);
    url = service.url;
    admin = await tokens.issue({ subject: '7', kind: 'user', roles: ['admin'] }, 3600);
    await service.runtime.transport.subscribe({
      groupId: `it-${RUN}`,
      topics: [Topics.ProvisioningJobs.name],
      handler: (record) => {
        jobEvents.push(decode(Topics.ProvisioningJobs, record.value));
        return Promise.resolve();
      },
    });

    const product = async (body: Json) =>
      (await call('PUT', '/crm/product/', body)).body.product_id as number;
    ids.psim = await product({
      product_slug: 'Mobile-SIM',
      product_name: 'Mobile SIM Only',
      provisioning_play: 'play_psim_only',
      provisioning_json_vars: '{"iccid": "", "msisdn": ""}',
      inventory_items_list: "['SIM Card', 'Mobile Number']",
      retail_cost: 30,
      retail_setup_cost: 10,
      wholesale_cost: 3,
      wholesale_setup_cost: 1,
    });
    ids.topup = await product({
      product_slug: 'Topup-20',
      product_name: 'Top-up 20',
      provisioning_play: 'play_topup_monetary',
      retail_cost: 20,
    });
    ids.noop = await product({
      product_slug: 'Sim-Noop',
      product_name: 'SIM (no backend)',
      provisioning_play: 'play_noop',
      inventory_items_list: ['eSIM Profile'],
    });
    ids.broken = await product({
      product_slug: 'Broken',
      product_name: 'Broken YAML',
      provisioning_play: 'play_broken_yaml',
    });
    ids.undefinedVar = await product({
      product_slug: 'Undefined',
      product_name: 'Undefined var',
      provisioning_play: 'play_undefined_var',
    });
    const customer = async (name: string) =>
      (
        await call('PUT', '/crm/customer/', {
          customer_name: name,
          customer_phone: '+61400000099',
          tenant_id: 'tenant-a',
        })
      ).body.customer_id as number;
    ids.alice = await customer('Alice');
    ids.bob = await customer('Bob');
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await Promise.all([ocs.stop(), hss.stop(), sms.stop()]);
  });

  const addSimAndNumber = async (n: number) => {
    const r = await call('PUT', '/crm/inventory/', {
      items: [
        {
          item_type: 'SIM Card',
          iccid: `89911012000032045${String(n).padStart(2, '0')}`,
          imsi: `0010100000000${String(n).padStart(2, '0')}`,
          ki: KI,
          opc: OPC,
        },
        { item_type: 'Mobile Number', msisdn: `614000000${String(n).padStart(2, '0')}` },
      ],
    });
    const [sim, number] = r.body as unknown as { inventory_id: number; ki: string }[];
    return { sim: sim.inventory_id, number: number.inventory_id, shownKi: sim.ki };
  };

  it('provisions a SIM-only service: service, transaction, inventory assigned, OCS/HSS/SMS, one event per task in order', async () => {
    const { sim, number, shownKi } = await addSimAndNumber(1);
    expect(shownKi).toBe('[redacted]');
    const accepted = await call('PUT', '/crm/provision/', {
      product_id: ids.psim,
      customer_id: ids.alice,
      'SIM Card': sim,
      'Mobile Number': number,
    });
    expect(accepted).toEqual({
      status: 200,
      body: {
        provision_id: expect.any(Number) as number,
        provisioning_status: 1,
        message: 'Provisioning job created',
      },
    });
    const job = await finished(accepted.body.provision_id as number);
    const events = job.provisioning_result_json as {
      event_number: number;
      event_name: string;
      provisioning_status: number;
    }[];
    expect(job).toMatchObject({
      provisioning_status: 0,
      state: 'succeeded',
      initiating_user: '7',
      customer_id: ids.alice,
    });
    expect(job.task_count).toBeGreaterThanOrEqual(events.length);
    expect(events.map((e) => e.event_number)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.provisioning_status === 0)).toBe(true);
    expect(events.map((e) => e.event_name)).toEqual(
      expect.arrayContaining([
        'Get Product information from CRM API',
        'Create account in OCS',
        'Provision subscriber on HSS',
        'Create service record',
      ]),
    );
    // Ki/OPc reached the HSS but no event, variable or answer.
    expect(hss.subscribers()).toEqual([
      expect.objectContaining({ imsi: '001010000000001', ki: KI, opc: OPC, msisdn: '61400000001' }),
    ]);
    expect(JSON.stringify(job)).not.toContain(KI);
    expect(JSON.stringify(job)).not.toContain(OPC);
    expect(JSON.stringify(job.provisioning_json_vars)).not.toContain(SECRET.slice(0, 10));

    const services = (await call('GET', `/crm/service/?customer_id=${ids.alice}`))
      .body as unknown as Json[];
    expect(services).toEqual([
      expect.objectContaining({
        service_status: 'Active',
        retail_cost: 30,
        customer_id: ids.alice,
      }),
    ]);
    const serviceId = services[0].service_id as number;
    expect(ocs.account('telcomesh', services[0].service_uuid as string)).toBeDefined();
    const transactions = (await call('GET', `/crm/transaction/?customer_id=${ids.alice}`))
      .body as unknown as Json[];
    expect(transactions).toEqual([
      expect.objectContaining({
        title: 'Mobile SIM Only - Setup Costs',
        retail_cost: 10,
        service_id: serviceId,
      }),
    ]);
    const simRow = (await call('GET', `/crm/inventory/inventory_id/${sim}`)).body;
    expect(simRow).toMatchObject({
      item_state: 'Assigned',
      customer_id: ids.alice,
      service_id: serviceId,
      ki: '[redacted]',
    });
    expect(sms.messages()).toEqual([
      expect.objectContaining({ message_body: 'Welcome! Your number 61400000001 is active.' }),
    ]);
    ids.aliceService = serviceId;
    ids.aliceJob = accepted.body.provision_id as number;
  }, 180_000);

  it('rolls back a provisioning that fails half-way: OCS account removed, inventory back in the pool, status 2, failure published', async () => {
    const { sim, number } = await addSimAndNumber(2);
    hss.failNext(1, 500);
    const accepted = await call('PUT', '/crm/provision/', {
      product_id: ids.psim,
      customer_id: ids.bob,
      'SIM Card': sim,
      'Mobile Number': number,
    });
    const id = accepted.body.provision_id as number;
    const job = await finished(id);
    const events = job.provisioning_result_json as {
      event_name: string;
      provisioning_status: number;
      rescue: boolean;
    }[];
    expect(job).toMatchObject({ provisioning_status: 2, state: 'failed' });
    expect(events.find((e) => e.event_name === 'Provision subscriber on HSS')).toMatchObject({
      provisioning_status: 2,
      rescue: false,
    });
    expect(events.filter((e) => e.rescue).map((e) => e.event_name)).toEqual(
      expect.arrayContaining([
        'Delete Account from Charging',
        'Set status to "Success" if Manual deprovision / Fail if failed provision',
      ]),
    );
    const created = ocs.calls.find(
      (c) =>
        c.method === 'ApierV2.SetAccount' &&
        ocs.calls.some((r) => r.method === 'ApierV1.RemoveAccount'),
    );
    expect(created).toBeDefined();
    expect(ocs.accounts('telcomesh').filter((a) => a.Account.includes(`Service_${id}_`))).toEqual(
      [],
    );
    for (const item of [sim, number]) {
      expect((await call('GET', `/crm/inventory/inventory_id/${item}`)).body).toMatchObject({
        item_state: 'Available',
        customer_id: null,
        reserved_by: null,
      });
    }
    const failure = await until(
      () =>
        Promise.resolve(
          jobEvents.find(
            (e) => e.provisionId === String(id) && e.state === ProvisionJobState.FAILED,
          ),
        ),
      'the failure event on provisioning.jobs.v1',
    );
    expect(failure).toMatchObject({
      customerName: 'Bob',
      productName: 'Mobile SIM Only',
      playbook: 'play_psim_only',
    });
    expect(
      failure.tasks.some(
        (t) => t.eventName === 'Provision subscriber on HSS' && t.provisioningStatus === 2,
      ),
    ).toBe(true);
    expect(failure.errorMessage).not.toBe('');
  }, 180_000);

  it('deprovisions through the rescue path: status 0, OCS account removed, SIM retired as Used, service deactivated', async () => {
    const service = (await call('GET', `/crm/service/service_id/${ids.aliceService}`)).body;
    const accepted = await call('PUT', '/crm/provision/', {
      action: 'deprovision',
      service_id: ids.aliceService,
    });
    const job = await finished(accepted.body.provision_id as number);
    expect(job).toMatchObject({ provisioning_status: 0, action: 'deprovision' });
    expect(ocs.account('telcomesh', service.service_uuid as string)).toBeUndefined();
    expect((await call('GET', `/crm/service/service_id/${ids.aliceService}`)).body).toMatchObject({
      service_status: 'Deactivated',
    });
    const inventory = (await call('GET', `/crm/inventory/?item_type=SIM%20Card&item_state=Used`))
      .body as unknown as Json[];
    expect(inventory.map((i) => i.iccid)).toContain('8991101200003204501');
  }, 180_000);

  it('marks a task that failed with ignore_errors as status 3 and still succeeds', async () => {
    const service = (
      await call('PUT', '/crm/service/', {
        customer_id: ids.bob,
        service_name: 'Prepaid',
        service_uuid: `Service_topup_${RUN}`,
      })
    ).body;
    await fetch(`http://${env.PROVISIONING_OCS}/jsonrpc`, {
      method: 'POST',
      body: JSON.stringify({
        method: 'ApierV2.SetAccount',
        params: [{ Tenant: 'telcomesh', Account: service.service_uuid }],
        id: 1,
      }),
    });
    sms.failNext(1, 503);
    const accepted = await call('PUT', '/crm/provision/', {
      product_id: ids.topup,
      customer_id: ids.bob,
      service_id: service.service_id,
    });
    const job = await finished(accepted.body.provision_id as number);
    const events = job.provisioning_result_json as {
      event_name: string;
      provisioning_status: number;
    }[];
    expect(job.provisioning_status).toBe(0);
    expect(events.find((e) => e.event_name === 'Send Notification SMS')).toMatchObject({
      provisioning_status: 3,
    });
    expect(
      ocs.account('telcomesh', service.service_uuid as string)?.BalanceMap['*monetary']?.[0]?.Value,
    ).toBe(2000);
  }, 180_000);

  it.each([
    ['broken', /syntax|YAML/i],
    ['undefinedVar', /undefined/i],
  ])(
    'gives the seed error event for a fatal error (%s)',
    async (product, cause) => {
      const accepted = await call('PUT', '/crm/provision/', {
        product_id: ids[product],
        customer_id: ids.bob,
      });
      const job = await finished(accepted.body.provision_id as number);
      expect(job.provisioning_status).toBe(2);
      const events = job.provisioning_result_json as {
        event_name: string;
        provisioning_status: number;
        provisioning_result_json: Json;
      }[];
      const fatal = events.find((e) => e.event_name.startsWith('Fatal error: '));
      expect(fatal).toBeDefined();
      expect(fatal?.provisioning_result_json).toMatchObject({
        exit_code: expect.any(Number) as number,
        likely_causes: expect.any(Array) as unknown[],
      });
      expect(JSON.stringify(fatal?.provisioning_result_json.likely_causes)).toMatch(cause);
      expect(JSON.stringify(fatal?.provisioning_result_json.variables)).not.toContain(
        SECRET.slice(0, 10),
      );
    },
    120_000,
  );

  it('gives 10 SIM cards to exactly 10 of 50 concurrent jobs; the rest are refused with "no inventory"', async () => {
    await call('PUT', '/crm/inventory/', {
      items: Array.from({ length: 10 }, (_, i) => ({
        item_type: 'eSIM Profile',
        iccid: `8991101200009${String(i).padStart(6, '0')}`,
        imsi: `00101999${String(i).padStart(7, '0')}`,
        ki: KI,
        opc: OPC,
      })),
    });
    const pool = (
      await call('GET', '/crm/inventory/?item_type=eSIM%20Profile&item_state=Available&limit=1000')
    ).body as unknown as Json[];
    expect(pool).toHaveLength(10);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        call('PUT', '/crm/provision/', { product_id: ids.noop, customer_id: ids.bob }),
      ),
    );
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused)
      expect(r).toMatchObject({
        status: 409,
        body: { message: 'no inventory: no eSIM Profile is Available' },
      });
    const jobs = await Promise.all(accepted.map((a) => finished(a.body.provision_id as number)));
    expect(jobs.every((j) => j.provisioning_status === 0)).toBe(true);
    const sims = jobs.map((j) => (j.provisioning_json_vars as Json)['eSIM Profile']);
    expect(new Set(sims).size).toBe(10);
    const assigned = (
      await call('GET', '/crm/inventory/?item_type=eSIM%20Profile&item_state=Assigned&limit=1000')
    ).body as unknown as Json[];
    expect(assigned.filter((i) => sims.includes(i.inventory_id))).toHaveLength(10);
  }, 300_000);

  it('rejects forged, expired and alg:none tokens; a customer sees only its own jobs', async () => {
    const forged = await new AccessTokens({
      keys: hmacKeys(randomBytes(32).toString('base64url')),
    }).issue({ subject: '7', kind: 'user', roles: ['admin'] }, 600);
    const expired = await new AccessTokens({
      keys: hmacKeys(SECRET),
      now: () => new Date(Date.now() - 3_600_000),
    }).issue({ subject: '7', kind: 'user', roles: ['admin'] }, 60);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: '7', kind: 'user', roles: ['admin'], exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.`;
    for (const token of [forged, expired, none, 'garbage']) {
      const r = await call('GET', '/crm/product/', undefined, { authorization: `Bearer ${token}` });
      expect(r.status).toBe(401);
      expect(JSON.stringify(r.body)).not.toContain(token.slice(0, 20));
    }
    expect((await call('GET', '/crm/product/', undefined, {})).status).toBe(401);

    const bob = await tokens.issue(
      { subject: 'bob', kind: 'customer', roles: ['customer'], customerId: ids.bob },
      600,
    );
    const asBob = { authorization: `Bearer ${bob}` };
    expect(
      (await call('GET', `/crm/provision/provision_id/${ids.aliceJob}`, undefined, asBob)).status,
    ).toBe(404);
    const own = await call('GET', '/crm/provision/?per_page=200', undefined, asBob);
    expect(own.status).toBe(200);
    expect((own.body.data as Json[]).every((j) => j.customer_id === ids.bob)).toBe(true);
    const forAlice = await call(
      'PUT',
      '/crm/provision/',
      { product_id: ids.topup, customer_id: ids.alice },
      asBob,
    );
    expect(forAlice.status).toBe(403);
  });

  it('accepts an admin API key (initiating_user = first admin) and an allow-listed IP behind a trusted proxy', async () => {
    const byKey = await call(
      'PUT',
      '/crm/provision/',
      { product_id: ids.undefinedVar, customer_id: ids.bob },
      { 'x-api-key': API_KEY },
    );
    expect(byKey.status).toBe(200);
    const job = await finished(byKey.body.provision_id as number);
    expect(job.initiating_user).toBe('1');
    expect(
      (await call('GET', '/crm/product/', undefined, { 'x-api-key': `${API_KEY}x` })).status,
    ).toBe(401);
    expect(
      (await call('GET', '/crm/product/', undefined, { 'x-forwarded-for': '10.9.8.7' })).status,
    ).toBe(200);
    expect(
      (await call('GET', '/crm/product/', undefined, { 'x-forwarded-for': '10.9.8.8' })).status,
    ).toBe(401);
  }, 120_000);

  it('pages, sorts, filters and searches jobs as the seed describes', async () => {
    const failed = await call(
      'GET',
      `/crm/provision/?filters=${encodeURIComponent('{"provisioning_status":[2]}')}&sort=provision_id&order=asc&per_page=2&page=1`,
    );
    expect(failed.body).toMatchObject({ page: 1, per_page: 2 });
    expect((failed.body.data as Json[]).every((j) => j.provisioning_status === 2)).toBe(true);
    expect(failed.body.total as number).toBeGreaterThanOrEqual(3);
    const ids2 = (failed.body.data as Json[]).map((j) => j.provision_id as number);
    expect(ids2).toEqual([...ids2].sort((a, b) => a - b));
    const search = await call('GET', '/crm/provision/?search=Mobile');
    expect(
      (search.body.data as Json[]).every((j) =>
        `${String(j.description)} ${String(j.playbook_description)}`.includes('Mobile'),
      ),
    ).toBe(true);
    expect((await call('GET', '/crm/provision/?filters=nope')).status).toBe(400);
  });

  it('runs a chain: each step its own Provision, the service created by the first given to the next', async () => {
    const simple = (
      await call('PUT', '/crm/product/', {
        product_slug: 'Internet-Base',
        product_name: 'Internet Base',
        provisioning_play: 'play_simple_service',
        retail_cost: 50,
        retail_setup_cost: 5,
      })
    ).body.product_id as number;
    ids.dataAddon = (
      await call('PUT', '/crm/product/', {
        product_slug: 'Data-10GB',
        product_name: 'Extra 10GB Data',
        provisioning_play: 'play_local_data_addon',
        provisioning_json_vars: { data_gb: 10 },
        retail_cost: 15,
      })
    ).body.product_id as number;
    const chain = await call('PUT', '/crm/provision/chain', {
      customer_id: ids.alice,
      steps: [{ product_id: simple }, { product_id: ids.dataAddon }],
    });
    expect(chain.status).toBe(200);
    const [first, second] = chain.body.provisions as { provision_id: number }[];
    const one = await finished(first.provision_id);
    const two = await finished(second.provision_id);
    expect(one).toMatchObject({
      provisioning_status: 0,
      chain_step: 1,
      chain_id: chain.body.chain_id,
    });
    expect(two).toMatchObject({
      provisioning_status: 0,
      chain_step: 2,
      service_id: one.service_id,
    });
    const created = (await call('GET', `/crm/service/service_id/${one.service_id as number}`)).body;
    const account = ocs.account('telcomesh', created.service_uuid as string);
    expect(account?.BalanceMap['*data']?.[0]?.Value).toBe(10 * 1024 ** 3);
    ids.chainService = one.service_id as number;
  }, 180_000);

  it('serves the simple endpoints to automated callers: addon queued, recharge answered when done', async () => {
    const asOcs = { 'x-api-key': API_KEY };
    const addon = await call(
      'POST',
      `/crm/provision/simple_provision_addon/service_id/${ids.chainService}/product_id/${ids.dataAddon}`,
      undefined,
      asOcs,
    );
    expect(addon.body).toMatchObject({ provisioning_status: 1 });
    expect(await finished(addon.body.provision_id as number)).toMatchObject({
      provisioning_status: 0,
    });
    const recharge = await call(
      'POST',
      `/crm/provision/simple_provision_addon_recharge/service_id/${ids.chainService}/product_id/${ids.topup}`,
      undefined,
      asOcs,
    );
    expect(recharge.status).toBe(200);
    expect(recharge.body).toMatchObject({ provisioning_status: 0, initiating_user: '1' });
    const bob = await tokens.issue(
      { subject: 'bob', kind: 'customer', roles: ['customer'], customerId: ids.bob },
      600,
    );
    const refused = await call(
      'POST',
      `/crm/provision/simple_provision_addon/service_id/${ids.chainService}/product_id/${ids.dataAddon}`,
      undefined,
      { authorization: `Bearer ${bob}` },
    );
    expect(refused.status).toBe(403);
  }, 180_000);

  it('cancels a running job: its process stops, its rescue still runs, status 2 cancelled', async () => {
    writeFileSync(
      join(env.PROVISIONING_PLAYBOOKS_DIR as string, 'play_long.yaml'),
      [
        '- name: Long',
        '  hosts: localhost',
        '  gather_facts: false',
        '  tasks:',
        '    - name: Main block',
        '      block:',
        '        - name: Work for a long time',
        '          ansible.builtin.command: sleep 60',
        '      rescue:',
        '        - name: Roll back',
        '          ansible.builtin.debug:',
        '            msg: rolled back',
        '        - name: Fail unless deprovisioning',
        '          ansible.builtin.assert:',
        '            that:',
        '              - action == "deprovision"',
        '',
      ].join('\n'),
    );
    const long = (
      await call('PUT', '/crm/product/', {
        product_slug: 'Long',
        product_name: 'Long',
        provisioning_play: 'play_long',
      })
    ).body.product_id as number;
    const accepted = await call('PUT', '/crm/provision/', {
      product_id: long,
      customer_id: ids.bob,
    });
    const id = accepted.body.provision_id as number;
    await until(
      async () =>
        (await call('GET', `/crm/provision/provision_id/${id}`)).body.state === 'running'
          ? true
          : undefined,
      'the job to run',
    );
    const cancelled = await call('POST', `/crm/provision/provision_id/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    const job = await finished(id);
    const events = job.provisioning_result_json as { event_name: string; rescue: boolean }[];
    expect(job).toMatchObject({ provisioning_status: 2, state: 'cancelled' });
    expect(events.filter((e) => e.rescue).map((e) => e.event_name)).toContain('Roll back');
    expect((await call('POST', `/crm/provision/provision_id/${id}/cancel`)).status).toBe(409);
  }, 120_000);

  it('never leaves a job at status 1 after the service was killed while it ran', async () => {
    writeFileSync(
      join(env.PROVISIONING_PLAYBOOKS_DIR as string, 'play_slow.yaml'),
      '- name: Slow\n  hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: Wait\n      ansible.builtin.pause:\n        seconds: 20\n',
    );
    const slow = (
      await call('PUT', '/crm/product/', {
        product_slug: 'Slow',
        product_name: 'Slow',
        provisioning_play: 'play_slow',
      })
    ).body.product_id as number;
    await service.close();
    const child = await startServiceProcess('provisioning', {
      ...env,
      PORT: String(new URL(url).port),
      LOG_LEVEL: 'info',
    });
    const accepted = await call('PUT', '/crm/provision/', {
      product_id: slow,
      customer_id: ids.bob,
    });
    const id = accepted.body.provision_id as number;
    await until(
      async () =>
        (await call('GET', `/crm/provision/provision_id/${id}`)).body.state === 'running'
          ? true
          : undefined,
      'the job to run',
    );
    await child.kill();
    service = await bootstrap(env);
    const job = (await call('GET', `/crm/provision/provision_id/${id}`)).body;
    expect(job).toMatchObject({ provisioning_status: 2, state: 'failed' });
    expect(job.status_reason).toMatch(
      /Interrupted: the provisioning service stopped while the playbook was running/,
    );
  }, 180_000);
});
