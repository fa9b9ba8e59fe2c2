import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AUTH_ENV, Authenticator, parseAuthSettings } from '@telcomesh/auth';
import { ceSourceOf } from '@telcomesh/contracts';
import { EventOutbox } from '@telcomesh/messaging';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import { ADMIN_USER_ID, AUTHENTICATOR, CrmAuthGuard, JOB_LIVENESS } from './auth/crm-auth.guard';
import {
  CRM_STORE,
  CustomerController,
  InventoryController,
  ProductController,
  ServiceController,
  TransactionController,
} from './crm/crm.controllers';
import { CrmStore } from './crm/crm-store';
import {
  PROVISION_JOBS,
  PROVISION_STORE,
  ProvisionController,
  SIMPLE_RECHARGE_WAIT_MS,
} from './jobs/provision.controller';
import { ProvisionJobs } from './jobs/provision-jobs';
import { ProvisionStore } from './jobs/provision-store';
import type { ProvisioningConfig } from './provisioning.config';
import { AnsibleRunner, defaultAnsibleDir, RunnerPool } from './runner';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

type Runtime = ServiceRuntime<ProvisioningConfig>;

function authenticatorOf(runtime: Runtime): Authenticator {
  const { config } = runtime;
  const env: Record<string, string | undefined> = {};
  for (const name of AUTH_ENV) env[name] = config[name];
  const keyless = !env.AUTH_JWT_SECRET && !env.AUTH_JWT_PUBLIC_KEY && !env.AUTH_JWT_PRIVATE_KEY;
  if (keyless && config.NODE_ENV !== 'production') {
    // A laptop or the embedded demo: job tokens still work (this process signs and checks them);
    // bearer tokens from elsewhere cannot, which is the point of the warning.
    env.AUTH_JWT_SECRET = randomBytes(32).toString('base64url');
    runtime.logger.warn(
      'AUTH_JWT_SECRET is not set: using a random key for this run (outside production only)',
    );
  }
  return Authenticator.fromSettings(parseAuthSettings(env));
}

/** What playbooks get as `crm_config` (the seed's structure: crm, ocs, hss, sms). */
function crmConfigOf(config: ProvisioningConfig): Record<string, unknown> {
  return {
    crm: { base_url: config.PROVISIONING_CRM_BASE_URL ?? `http://127.0.0.1:${config.PORT}` },
    ocs: { OCS: config.PROVISIONING_OCS, ocsTenant: config.PROVISIONING_OCS_TENANT },
    ...(config.PROVISIONING_HSS_URL ? { hss: { url: config.PROVISIONING_HSS_URL } } : {}),
    ...(config.PROVISIONING_SMS_GATEWAY_URL
      ? {
          sms: {
            url: config.PROVISIONING_SMS_GATEWAY_URL,
            api_key: config.PROVISIONING_SMS_API_KEY ?? '',
          },
        }
      : {}),
  };
}

@Module({
  controllers: [
    ProductController,
    CustomerController,
    InventoryController,
    ServiceController,
    TransactionController,
    ProvisionController,
  ],
  providers: [
    {
      provide: CRM_STORE,
      inject: [SERVICE_RUNTIME],
      useFactory: (r: Runtime) => new CrmStore(r.dataSource),
    },
    {
      provide: PROVISION_STORE,
      inject: [SERVICE_RUNTIME],
      useFactory: (r: Runtime) => new ProvisionStore(r.dataSource),
    },
    {
      provide: AUTHENTICATOR,
      inject: [SERVICE_RUNTIME],
      useFactory: (r: Runtime) => authenticatorOf(r),
    },
    { provide: JOB_LIVENESS, useExisting: PROVISION_STORE },
    {
      provide: ADMIN_USER_ID,
      inject: [SERVICE_RUNTIME],
      useFactory: (r: Runtime) => r.config.PROVISIONING_ADMIN_USER_ID,
    },
    {
      provide: SIMPLE_RECHARGE_WAIT_MS,
      inject: [SERVICE_RUNTIME],
      useFactory: (r: Runtime) => r.config.PROVISIONING_RECHARGE_WAIT_MS,
    },
    {
      provide: RunnerPool,
      inject: [SERVICE_RUNTIME],
      useFactory: (r: Runtime) =>
        new RunnerPool(
          new AnsibleRunner({
            playbooksDir:
              r.config.PROVISIONING_PLAYBOOKS_DIR ?? join(defaultAnsibleDir(), 'playbooks'),
            ansiblePlaybook: r.config.PROVISIONING_ANSIBLE_PLAYBOOK,
            cancelGraceMs: r.config.PROVISIONING_CANCEL_GRACE_MS,
          }),
          { maxParallel: r.config.PROVISIONING_MAX_PARALLEL_JOBS },
        ),
    },
    {
      provide: PROVISION_JOBS,
      inject: [SERVICE_RUNTIME, CRM_STORE, PROVISION_STORE, RunnerPool, AUTHENTICATOR],
      useFactory: (
        r: Runtime,
        crm: CrmStore,
        store: ProvisionStore,
        pool: RunnerPool,
        auth: Authenticator,
      ) =>
        new ProvisionJobs(
          r,
          crm,
          store,
          pool,
          {
            issue: (provisionId, customerId) =>
              auth.tokens.issueJobToken({
                provisionId: String(provisionId),
                customerId: customerId === null ? '' : String(customerId),
                ttlSeconds: r.config.PROVISIONING_JOB_TOKEN_TTL_SECONDS,
              }),
          },
          { crmConfig: crmConfigOf(r.config) },
          new EventOutbox(r.outbox, ceSourceOf('provisioning')),
        ),
    },
    CrmAuthGuard,
  ],
})
export class ProvisioningModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(PROVISION_JOBS) private readonly jobs: ProvisionJobs,
    @Inject(SERVICE_RUNTIME) private readonly runtime: Runtime,
  ) {}

  async onModuleInit(): Promise<void> {
    const recovered = await this.jobs.recover();
    if (recovered > 0)
      this.runtime.logger.warn(
        { recovered },
        'jobs left at status 1 by the last run ended as failed',
      );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.jobs.shutdown();
  }
}
