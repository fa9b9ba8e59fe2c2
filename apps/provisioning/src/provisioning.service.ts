import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@telcomesh/platform';
import { ProvisioningConfig } from './provisioning.config';

/** Feature modules of the provisioning land here as their issues are built. */
@Module({})
export class ProvisioningModule {}

export const provisioningService: ServiceDefinition<ProvisioningConfig> = {
  name: 'provisioning',
  title: 'TelcoMesh provisioning',
  description:
    'Product-driven provisioning jobs that run Ansible playbooks with rollback, per-task events and inventory.',
  configClass: ProvisioningConfig,
  module: ProvisioningModule,
};
