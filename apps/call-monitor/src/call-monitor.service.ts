import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@telcomesh/platform';
import { CallMonitorConfig } from './call-monitor.config';

/** Feature modules of the call-monitor land here as their issues are built. */
@Module({})
export class CallMonitorModule {}

export const callMonitorService: ServiceDefinition<CallMonitorConfig> = {
  name: 'call-monitor',
  title: 'TelcoMesh call monitor',
  description: 'Live contact-centre calls, agents and queues, with history, trends and alerts.',
  configClass: CallMonitorConfig,
  module: CallMonitorModule,
};
