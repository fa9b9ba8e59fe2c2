import { Topics } from '@telcomesh/contracts';
import type { ServiceDefinition } from '@telcomesh/platform';
import { CrmAndProvisions1763800000500 } from './migrations/1763800000500-crm-and-provisions';
import { ProvisioningConfig } from './provisioning.config';
import { ProvisioningModule } from './provisioning.module';

export const provisioningService: ServiceDefinition<ProvisioningConfig> = {
  name: 'provisioning',
  title: 'TelcoMesh provisioning',
  description:
    'Product-driven provisioning jobs (seed 002): CRM catalogue and inventory, real Ansible playbooks with block/rescue rollback, per-task events, Bearer JWT / X-API-KEY / IP allow-list auth.',
  configClass: ProvisioningConfig,
  module: ProvisioningModule,
  migrations: [CrmAndProvisions1763800000500],
  topics: [Topics.ProvisioningJobs, Topics.ProvisioningTasks, Topics.ConfigChanges],
};
