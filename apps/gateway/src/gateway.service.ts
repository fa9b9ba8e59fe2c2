import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@telcomesh/platform';
import { GatewayConfig } from './gateway.config';

/** Feature modules of the gateway land here as their issues are built. */
@Module({})
export class GatewayModule {}

export const gatewayService: ServiceDefinition<GatewayConfig> = {
  name: 'gateway',
  title: 'TelcoMesh gateway',
  description:
    'The one authenticated entry point: JWT, API keys, IP allow-lists, RBAC, rate limits and live feeds.',
  configClass: GatewayConfig,
  module: GatewayModule,
};
