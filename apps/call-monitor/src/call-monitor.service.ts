import {
  Inject,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Topics } from '@telcomesh/contracts';
import { SERVICE_RUNTIME, type ServiceDefinition, type ServiceRuntime } from '@telcomesh/platform';
import type { Server } from 'node:http';
import { CallMonitorConfig } from './call-monitor.config';
import { CallMonitorCore } from './call-monitor-core';
import { AlertsController } from './http/alerts.controller';
import { HistoryController } from './http/history.controller';
import { LiveController } from './http/live.controller';
import { CallRecords1763800000600 } from './migrations/1763800000600-call-records';

@Module({
  controllers: [LiveController, HistoryController, AlertsController],
  providers: [
    {
      provide: CallMonitorCore,
      inject: [SERVICE_RUNTIME],
      useFactory: (runtime: ServiceRuntime<CallMonitorConfig>) => new CallMonitorCore(runtime),
    },
  ],
})
export class CallMonitorModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(CallMonitorCore) private readonly core: CallMonitorCore,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.core.start(this.http.httpAdapter.getHttpServer() as Server);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.core.stop();
  }
}

export const callMonitorService: ServiceDefinition<CallMonitorConfig> = {
  name: 'call-monitor',
  title: 'TelcoMesh call monitor',
  description:
    'Live contact-centre calls, agents, queues and tasks (seed 003) from Asterisk AMI and view-based dispatch servers: filters, websocket feed (/live), call history, trends, CSV export and alerts.',
  configClass: CallMonitorConfig,
  module: CallMonitorModule,
  migrations: [CallRecords1763800000600],
  topics: [Topics.CallEvents, Topics.CallAlerts],
};
