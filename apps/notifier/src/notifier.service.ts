import { Module } from '@nestjs/common';
import { Topics } from '@telcomesh/contracts';
import type { ServiceDefinition } from '@telcomesh/platform';
import { Deliveries1763800000200 } from './migrations/1763800000200-deliveries';
import { NotifierConfig } from './notifier.config';
import { WebhookModule } from './webhook/webhook.module';

@Module({ imports: [WebhookModule] })
export class NotifierModule {}

export const notifierService: ServiceDefinition<NotifierConfig> = {
  name: 'notifier',
  title: 'TelcoMesh notifier',
  description: 'Routes platform events to people and tools: webhooks, chat, ITSM, observability.',
  configClass: NotifierConfig,
  module: NotifierModule,
  migrations: [Deliveries1763800000200],
  topics: [Topics.TelemetryEvents, Topics.NotifyDeliveries],
};
