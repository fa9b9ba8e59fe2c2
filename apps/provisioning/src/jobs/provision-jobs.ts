import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { create, ProvisionJobState, timestampFromDate, Topics } from '@telcomesh/contracts';
import type { EventOutbox } from '@telcomesh/messaging';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { DomainError, ErrorCode, type ServiceRuntime } from '@telcomesh/platform';
import { actsFor, can, type Caller, Permission } from '../auth/caller';
import type { CrmStore, Product } from '../crm/crm-store';
import {
  redactSecrets,
  secretValuesOf,
  type PlaybookRunResult,
  type RunnerEvent,
  type RunnerPool,
} from '../runner';
import { ProvisioningStatus, type ProvisionRow, type ProvisionStore } from './provision-store';

/** Mints the job-scoped token the playbook calls the CRM with (lives as long as the job). */
export interface JobTokenIssuer {
  issue(provisionId: number, customerId: number | null): Promise<string>;
}

/** What playbooks receive besides the job's own variables: where the CRM and the backends are. */
export interface PlaybookSettings {
  crmConfig: Record<string, unknown>;
}

export interface ProvisionAccepted {
  provision_id: number;
  provisioning_status: number;
  message: string;
}

/** Variables a request may not set: the system sets them (seed merge order: product, request, system). */
const SYSTEM_VARIABLES = new Set([
  'access_token',
  'refresh_token',
  'initiating_user',
  'provision_id',
  'crm_config',
]);
const VARIABLE_NAME = /^[\p{L}\p{N}_ .-]{1,100}$/u;

function invalid(message: string): DomainError {
  return new DomainError(ErrorCode.InvalidInput, message);
}

function intOf(value: unknown, field: string, required: boolean): number | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) throw invalid(`${field} is required`);
    return undefined;
  }
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw invalid(`${field} must be a positive integer`);
  return n;
}

interface PlannedJob {
  id: number;
  playbook: string;
  customerId: number | null;
  product?: Product;
  action: 'provision' | 'deprovision';
  /** The request's own variables (after validation), merged at start. */
  requestVars: Record<string, unknown>;
  inventory: Record<string, number>;
  initiatingUser: string;
  serviceId: number | null;
  chain?: { id: string; step: number; next?: PlannedJob };
}

const STATE_OF: Record<string, ProvisionJobState> = {
  queued: ProvisionJobState.QUEUED,
  running: ProvisionJobState.RUNNING,
  succeeded: ProvisionJobState.SUCCEEDED,
  failed: ProvisionJobState.FAILED,
  cancelled: ProvisionJobState.CANCELLED,
};

/**
 * Provisioning jobs as seed 002 runs them: validate, reserve inventory atomically, create the
 * Provision at status 1 and answer at once; the playbook runs in the bounded pool, each task
 * becomes a Provision_Event (and a `provisioning.tasks.v1` record) as it finishes, and the final
 * status follows the playbook's outcome (rescue + assert). Chains run their playbooks in order,
 * each its own Provision, the service created by one passed to the next.
 */
export class ProvisionJobs {
  private readonly chains = new Map<number, PlannedJob>();
  private readonly waiters = new Map<number, (() => void)[]>();
  private readonly active = new Map<number, Promise<void>>();

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly crm: CrmStore,
    private readonly store: ProvisionStore,
    private readonly pool: RunnerPool,
    private readonly tokens: JobTokenIssuer,
    private readonly settings: PlaybookSettings,
    private readonly events: EventOutbox,
  ) {}

  /** `PUT /crm/provision/`: provision a product for a customer, or deprovision a service. */
  async submit(body: Record<string, unknown>, caller: Caller): Promise<ProvisionAccepted> {
    const [job] = await this.plan([body], caller, undefined);
    this.launch(job);
    return {
      provision_id: job.id,
      provisioning_status: ProvisioningStatus.Running,
      message: 'Provisioning job created',
    };
  }

  /** A chain: each step its own Provision, run in order; a failed step stops the rest. */
  async submitChain(
    shared: Record<string, unknown>,
    steps: Record<string, unknown>[],
    caller: Caller,
  ): Promise<{ chain_id: string; provisions: ProvisionAccepted[] }> {
    if (steps.length < 2 || steps.length > 10) throw invalid('steps must hold 2 to 10 playbooks');
    const chainId = randomUUID();
    const jobs = await this.plan(
      steps.map((step) => ({ ...shared, ...step })),
      caller,
      chainId,
    );
    for (let i = 0; i < jobs.length - 1; i++)
      jobs[i].chain = { id: chainId, step: i + 1, next: jobs[i + 1] };
    jobs[jobs.length - 1].chain = { id: chainId, step: jobs.length };
    this.launch(jobs[0]);
    return {
      chain_id: chainId,
      provisions: jobs.map((j) => ({
        provision_id: j.id,
        provisioning_status: ProvisioningStatus.Running,
        message:
          j === jobs[0]
            ? 'Provisioning job created'
            : 'Queued behind the previous step of the chain',
      })),
    };
  }

  /** The simple endpoints (OCS ActionPlan callbacks): an addon or recharge product on a service. */
  async submitSimple(
    serviceId: number,
    productId: number,
    caller: Caller,
  ): Promise<ProvisionAccepted> {
    const service = await this.crm.service(serviceId);
    return this.submit(
      {
        product_id: productId,
        customer_id: service.customer_id,
        service_id: service.service_id,
        service_uuid: service.service_uuid,
      },
      caller,
    );
  }

  /** Resolves when the job has ended, or after `timeoutMs` (whichever first). */
  async waitFor(id: number, timeoutMs: number): Promise<void> {
    if (!(await this.store.isRunning(id))) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const list = this.waiters.get(id) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.waiters.set(id, list);
    });
  }

  async get(
    id: number,
    caller: Caller,
  ): Promise<ProvisionRow & { provisioning_result_json: unknown[] }> {
    const row = await this.store.get(id);
    this.checkView(caller, row);
    return { ...row, provisioning_result_json: await this.store.eventsOf(id) };
  }

  checkView(caller: Caller, row: ProvisionRow): void {
    const staff =
      can(caller, Permission.VIEW_PROVISION) || can(caller, Permission.CREATE_PROVISION);
    const own = can(caller, Permission.VIEW_OWN_PROVISION) && actsFor(caller, row.customer_id);
    if (
      (caller.kind === 'customer' || caller.kind === 'job') &&
      !actsFor(caller, row.customer_id)
    ) {
      throw new DomainError(ErrorCode.NotFound, `provision ${row.provision_id} does not exist`);
    }
    if (!staff && !own)
      throw new DomainError(ErrorCode.NotFound, `provision ${row.provision_id} does not exist`);
  }

  /** Cancels a queued or running job: its process group is stopped, its rescue still runs. */
  async cancel(id: number, caller: Caller): Promise<ProvisionRow> {
    const row = await this.store.get(id);
    this.checkView(caller, row);
    if (
      !can(caller, Permission.CREATE_PROVISION) &&
      !(caller.kind === 'customer' && actsFor(caller, row.customer_id))
    ) {
      throw new DomainError(ErrorCode.Forbidden, 'needs CREATE_PROVISION to cancel a job');
    }
    if (row.provisioning_status !== ProvisioningStatus.Running) {
      throw new DomainError(
        ErrorCode.Conflict,
        `provision ${id} has already ended (status ${row.provisioning_status})`,
      );
    }
    if (!this.pool.cancel(String(id))) {
      // Planned behind a chain step: it never starts.
      await this.end(id, {
        status: 2,
        state: 'cancelled',
        reason: `Cancelled by ${caller.userId} before it started`,
      });
    }
    return this.store.get(id);
  }

  /**
   * After a restart no playbook of ours is running: every job still at status 1 ends failed, with
   * a reason, its reservations released and its failure published (nothing is left "in progress").
   */
  async recover(): Promise<number> {
    const unfinished = await this.store.unfinished();
    for (const row of unfinished) {
      const reason = row.started
        ? 'Interrupted: the provisioning service stopped while the playbook was running; check the backends and provision again'
        : 'Interrupted: the provisioning service stopped before the playbook started; provision again';
      await this.end(row.provision_id, { status: 2, state: 'failed', reason });
    }
    return unfinished.length;
  }

  // --- planning -----------------------------------------------------------------------------

  private async plan(
    bodies: Record<string, unknown>[],
    caller: Caller,
    chainId: string | undefined,
  ): Promise<PlannedJob[]> {
    const drafts = await Promise.all(bodies.map((body) => this.validate(body, caller)));
    return this.events.transaction(async (m) => {
      const jobs: PlannedJob[] = [];
      for (const [index, draft] of drafts.entries()) {
        const id = await this.store.insert(m, {
          customer_id: draft.customerId,
          product_id: draft.product?.product_id ?? null,
          service_id: draft.serviceId,
          action: draft.action,
          provisioning_play: draft.playbook,
          initiating_user: caller.userId,
          description: draft.product
            ? `${draft.action === 'deprovision' ? 'Deprovision' : 'Provision'} ${draft.product.product_name}`
            : `${draft.action === 'deprovision' ? 'Deprovision' : 'Provision'} with ${draft.playbook}`,
          chain_id: chainId ?? null,
          chain_step: chainId ? index + 1 : null,
        });
        const inventory: Record<string, number> = {};
        for (const [type, wanted] of Object.entries(draft.inventory)) {
          inventory[type] = (await this.crm.reserve(m, type, wanted, id)).inventory_id;
        }
        const job: PlannedJob = { ...draft, id, inventory, initiatingUser: caller.userId };
        await this.store.setVariables(m, id, redactSecrets(this.variables(job, '[job token]')));
        await this.publishJob(m, id, 'queued');
        jobs.push(job);
      }
      return jobs;
    });
  }

  private async validate(
    body: Record<string, unknown>,
    caller: Caller,
  ): Promise<Omit<PlannedJob, 'id' | 'initiatingUser'>> {
    for (const key of Object.keys(body)) {
      if (!VARIABLE_NAME.test(key))
        throw invalid(`variable name ${JSON.stringify(key.slice(0, 40))} is not allowed`);
      if (SYSTEM_VARIABLES.has(key))
        throw invalid(`${key} is set by the system and cannot be given`);
    }
    const action = body.action ?? 'provision';
    if (action !== 'provision' && action !== 'deprovision')
      throw invalid('action must be "provision" or "deprovision"');
    if (action === 'deprovision') return this.validateDeprovision(body, caller);

    const productId = intOf(body.product_id, 'product_id', true) as number;
    const customerId = intOf(body.customer_id, 'customer_id', true) as number;
    this.checkCreate(caller, customerId);
    const product = await this.crm.product(productId).catch(() => {
      throw invalid(`product_id ${productId} does not exist`);
    });
    if (!product.enabled) throw invalid(`product ${productId} is disabled`);
    await this.crm.customer(customerId).catch(() => {
      throw invalid(`customer_id ${customerId} does not exist`);
    });
    const inventory: Record<string, number | undefined> = {};
    for (const type of product.inventory_items_list)
      inventory[type] = intOf(body[type], `"${type}"`, false);
    const serviceId = intOf(body.service_id, 'service_id', false) ?? null;
    if (serviceId !== null) {
      const service = await this.crm.service(serviceId);
      if (service.customer_id !== customerId)
        throw invalid(`service ${serviceId} does not belong to customer ${customerId}`);
    }
    const requestVars = { ...body };
    for (const type of product.inventory_items_list) delete requestVars[type];
    return {
      playbook: product.provisioning_play,
      customerId,
      product,
      action,
      requestVars,
      inventory: inventory as Record<string, number>,
      serviceId,
    };
  }

  private async validateDeprovision(
    body: Record<string, unknown>,
    caller: Caller,
  ): Promise<Omit<PlannedJob, 'id' | 'initiatingUser'>> {
    const serviceId = intOf(body.service_id, 'service_id', false);
    const uuid = typeof body.service_uuid === 'string' ? body.service_uuid : undefined;
    if (serviceId === undefined && !uuid)
      throw invalid('deprovision needs service_id or service_uuid');
    const service =
      serviceId !== undefined
        ? await this.crm.service(serviceId)
        : await this.crm.serviceByUuid(uuid as string);
    this.checkCreate(caller, service.customer_id);
    const product =
      service.product_id !== null ? await this.crm.product(service.product_id) : undefined;
    const play =
      typeof body.provisioning_play === 'string'
        ? body.provisioning_play
        : product?.provisioning_play;
    if (!play)
      throw invalid('provisioning_play is required: the service has no product to take it from');
    return {
      playbook: play,
      customerId: service.customer_id,
      ...(product ? { product } : {}),
      action: 'deprovision',
      requestVars: { ...body, service_id: service.service_id, service_uuid: service.service_uuid },
      inventory: {},
      serviceId: service.service_id,
    };
  }

  private checkCreate(caller: Caller, customerId: number): void {
    if (caller.kind === 'customer' || caller.kind === 'job') {
      if (!actsFor(caller, customerId))
        throw new DomainError(
          ErrorCode.Forbidden,
          'a customer can provision only for its own account',
        );
      if (
        !can(caller, Permission.VIEW_OWN_PROVISION) &&
        !can(caller, Permission.CREATE_PROVISION)
      ) {
        throw new DomainError(
          ErrorCode.Forbidden,
          'needs permission CREATE_PROVISION or VIEW_OWN_PROVISION',
        );
      }
      return;
    }
    if (!can(caller, Permission.CREATE_PROVISION))
      throw new DomainError(ErrorCode.Forbidden, 'needs permission CREATE_PROVISION');
  }

  /** Seed order: product JSON vars, then the request (overrides), then the system's own. */
  private variables(job: PlannedJob, accessToken: string): Record<string, unknown> {
    return {
      ...(job.product?.provisioning_json_vars ?? {}),
      ...job.requestVars,
      ...job.inventory,
      action: job.action,
      ...(job.product ? { product_id: job.product.product_id } : {}),
      ...(job.customerId !== null ? { customer_id: job.customerId } : {}),
      ...(job.serviceId !== null ? { service_id: job.serviceId } : {}),
      provision_id: job.id,
      initiating_user: job.initiatingUser,
      access_token: accessToken,
      crm_config: this.settings.crmConfig,
    };
  }

  // --- running ------------------------------------------------------------------------------

  /**
   * Graceful stop: running jobs are cancelled (their rescue runs, within the cancel grace) and end
   * `cancelled`; a job still planned behind a chain step is failed by `recover` at the next start.
   */
  async shutdown(): Promise<void> {
    for (const id of this.active.keys()) this.pool.cancel(String(id));
    await Promise.all(this.active.values());
  }

  private launch(job: PlannedJob): void {
    const running = this.run(job).catch((error: unknown) => {
      this.runtime.logger.error(
        { err: error, provision_id: job.id },
        'provisioning job could not run',
      );
      return this.end(job.id, {
        status: 2,
        state: 'failed',
        reason: `The job could not run: ${(error as Error).message}`,
      });
    });
    this.active.set(job.id, running);
    void running.finally(() => this.active.delete(job.id));
  }

  private async run(job: PlannedJob): Promise<void> {
    const token = await this.tokens.issue(job.id, job.customerId);
    const variables = this.variables(job, token);
    const secrets = secretValuesOf(variables);
    let eventNumber = 0;
    const queued = this.pool.submit(
      {
        playbook: job.playbook,
        extraVars: variables,
        inventory: 'localhost,',
        connection: 'local',
        onEvent: async (event: RunnerEvent) => {
          if (event.type === 'task') eventNumber = Math.max(eventNumber, event.eventNumber);
          await this.record(job, event, secrets, eventNumber);
        },
      },
      String(job.id),
    );
    if (job.chain?.next) this.chains.set(job.id, job.chain.next);
    const result = await queued.done;
    await this.complete(job, result);
  }

  private async record(
    job: PlannedJob,
    event: RunnerEvent,
    secrets: string[],
    lastTask: number,
  ): Promise<void> {
    if (event.type === 'playbook_start') {
      await this.store.started(job.id, event.taskCount, event.plays.map((p) => p.name).join(', '));
      await this.events.transaction((m) => this.publishJob(m, job.id, 'running'));
      return;
    }
    if (event.type === 'task') {
      const result = redactSecrets(event.result, secrets);
      await this.events.transaction(async (m) => {
        await this.store.addEvent(m, job.id, {
          event_number: event.eventNumber,
          event_name: event.taskName,
          provisioning_status: event.status,
          provisioning_result_json: result,
          rescue: event.inRescue,
        });
        const row = await this.store.get(job.id, m);
        await this.events.stage(
          m,
          Topics.ProvisioningTasks,
          create(Topics.ProvisioningTasks, {
            provisionId: String(job.id),
            eventNumber: event.eventNumber,
            eventName: event.taskName,
            provisioningStatus: event.status,
            provisioningResultJson: JSON.stringify(result),
            rescue: event.inRescue,
            taskCount: row.task_count,
            finishedAt: timestampFromDate(new Date(event.timestamp)),
          }),
        );
      });
      return;
    }
    if (event.type === 'error') {
      // Seed 002's special error event: everything needed to debug a run that could not proceed.
      await this.events.transaction((m) =>
        this.store.addEvent(m, job.id, {
          event_number: lastTask + 1,
          event_name: `Fatal error: ${event.message}`,
          provisioning_status: ProvisioningStatus.Failed,
          provisioning_result_json: redactSecrets(
            {
              exit_code: event.exitCode,
              signal: event.signal,
              stdout: event.stdout,
              stderr: event.stderr,
              likely_causes: event.likelyCauses,
              variables: event.variables,
            },
            secrets,
          ),
          rescue: false,
        }),
      );
    }
  }

  private async complete(job: PlannedJob, result: PlaybookRunResult): Promise<void> {
    const status = result.status === 0 ? 0 : 2;
    const state = result.cancelled ? 'cancelled' : status === 0 ? 'succeeded' : 'failed';
    const created =
      job.action === 'provision' ? await this.crm.serviceCreatedBy(job.id) : undefined;
    await this.end(job.id, {
      status,
      state,
      reason: result.reason,
      serviceId: created?.service_id ?? job.serviceId,
    });
    const next = this.chains.get(job.id);
    this.chains.delete(job.id);
    if (!next) return;
    if (status === 0) {
      // The service the first playbook created goes to the next one (seed: chains).
      const serviceId = created?.service_id ?? job.serviceId;
      if (serviceId !== null) {
        next.serviceId = serviceId;
        next.requestVars = {
          ...next.requestVars,
          service_id: serviceId,
          ...(created ? { service_uuid: created.service_uuid } : {}),
        };
      }
      this.launch(next);
    } else {
      for (let step: PlannedJob | undefined = next; step; step = step.chain?.next) {
        await this.end(step.id, {
          status: 2,
          state: 'failed',
          reason: `Not run: step ${job.chain?.step} of the chain (provision ${job.id}) failed`,
        });
      }
    }
  }

  /** Final status, reservations settled, finished event published: once per job. */
  private async end(
    id: number,
    outcome: {
      status: 0 | 2;
      state: 'succeeded' | 'failed' | 'cancelled';
      reason: string;
      serviceId?: number | null;
    },
  ): Promise<void> {
    const ended = await this.events.transaction(async (m) => {
      if (
        !(await this.store.finish(
          m,
          id,
          outcome.status,
          outcome.state,
          outcome.reason,
          outcome.serviceId ?? null,
        ))
      )
        return false;
      await this.publishJob(m, id, outcome.state);
      return true;
    });
    if (!ended) return;
    for (const wake of this.waiters.get(id) ?? []) wake();
    this.waiters.delete(id);
    const row = await this.store.get(id);
    await this.crm.settleReservations(id, outcome.status === 0, row.customer_id);
    if (row.action === 'deprovision' && outcome.status === 0 && row.service_id !== null) {
      await this.crm.setServiceStatus(row.service_id, 'Deactivated');
    }
  }

  /** `provisioning.jobs.v1`: the job's state with its task results (the failure e-mail needs them). */
  private async publishJob(
    m: EntityManager,
    id: number,
    state: keyof typeof STATE_OF,
  ): Promise<void> {
    const row = await this.store.get(id, m);
    const tasks =
      state === 'failed' || state === 'succeeded' || state === 'cancelled'
        ? await this.eventsIn(m, id)
        : [];
    const fatal = tasks.find((t) => t.event_name.startsWith('Fatal error: '));
    const fatalResult = (fatal?.provisioning_result_json ?? {}) as Record<string, unknown>;
    const customer =
      row.customer_id !== null
        ? await this.crm.customer(row.customer_id, m).catch(() => undefined)
        : undefined;
    const product =
      row.product_id !== null
        ? await this.crm.product(row.product_id, m).catch(() => undefined)
        : undefined;
    const message: MessageInitShape<typeof Topics.ProvisioningJobs.schema> = {
      provisionId: String(id),
      tenantId: customer?.tenant_id ?? '',
      state: STATE_OF[state],
      action: row.action,
      playbook: row.provisioning_play,
      productId: row.product_id !== null ? String(row.product_id) : '',
      productName: product?.product_name ?? '',
      customerId: row.customer_id !== null ? String(row.customer_id) : '',
      customerName: customer?.customer_name ?? '',
      serviceId: row.service_id !== null ? String(row.service_id) : '',
      initiatingUser: row.initiating_user,
      taskCount: row.task_count,
      tasks: tasks
        .filter((t) => t !== fatal)
        .map((t) => ({
          eventNumber: t.event_number,
          eventName: t.event_name,
          provisioningStatus: t.provisioning_status,
          provisioningResultJson: JSON.stringify(t.provisioning_result_json),
        })),
      errorMessage: state === 'failed' || state === 'cancelled' ? (row.status_reason ?? '') : '',
      ...(fatal
        ? {
            fatalError: {
              exitCode: typeof fatalResult.exit_code === 'number' ? fatalResult.exit_code : -1,
              stdout: (typeof fatalResult.stdout === 'string' ? fatalResult.stdout : '').slice(
                -4000,
              ),
              stderr: (typeof fatalResult.stderr === 'string' ? fatalResult.stderr : '').slice(
                -4000,
              ),
              likelyCauses: Array.isArray(fatalResult.likely_causes)
                ? fatalResult.likely_causes.map(String)
                : [],
            },
          }
        : {}),
      createdAt: timestampFromDate(new Date(row.created)),
      ...(row.finished ? { finishedAt: timestampFromDate(new Date(row.finished)) } : {}),
    };
    await this.events.stage(m, Topics.ProvisioningJobs, create(Topics.ProvisioningJobs, message), {
      ...(customer?.tenant_id ? { tenant: customer.tenant_id } : {}),
    });
  }

  private async eventsIn(m: EntityManager, id: number) {
    const rows = await m.query<
      {
        event_number: number;
        event_name: string;
        provisioning_status: number;
        provisioning_result_json: unknown;
      }[]
    >(
      `SELECT "event_number", "event_name", "provisioning_status", "provisioning_result_json"
         FROM "${(this.runtime.dataSource.options as { schema: string }).schema}"."provision_events"
        WHERE "provision_id" = $1 ORDER BY "event_number"`,
      [id],
    );
    return rows;
  }
}
