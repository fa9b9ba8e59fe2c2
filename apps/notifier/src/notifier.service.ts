import { Module } from '@nestjs/common';
import { Topics } from '@telcomesh/contracts';
import {
  NotificationDeliveries1763800000300,
  NotificationDeliveryContext1763800000310,
} from '@telcomesh/notifier-delivery';
import type { ServiceDefinition } from '@telcomesh/platform';
import { NOTIFIABLE_TOPICS } from './events';
import { ApprovalsController } from './http/approvals.controller';
import { DeliveriesController } from './http/deliveries.controller';
import { IntegrationsController } from './http/integrations.controller';
import { SettingsController } from './http/settings.controller';
import { SilencesController } from './http/silences.controller';
import { Deliveries1763800000200 } from './migrations/1763800000200-deliveries';
import { NotifierControlPlane1763800000400 } from './migrations/1763800000400-control-plane';
import { defaultCatalog, NOTIFIER_CATALOG, NotifierCore } from './notifier-core';
import { NotifierConfig } from './notifier.config';

@Module({
  controllers: [
    IntegrationsController,
    SettingsController,
    SilencesController,
    DeliveriesController,
    ApprovalsController,
  ],
  providers: [NotifierCore, { provide: NOTIFIER_CATALOG, useFactory: defaultCatalog }],
})
export class NotifierModule {}

export const notifierService: ServiceDefinition<NotifierConfig> = {
  name: 'notifier',
  title: 'TelcoMesh notifier',
  description:
    'Routes platform events to people and tools (chat, e-mail, ITSM, observability, CI, webhooks) with grouping, silences, rate limits, approvals and a durable delivery queue.',
  configClass: NotifierConfig,
  module: NotifierModule,
  migrations: [
    Deliveries1763800000200,
    NotificationDeliveries1763800000300,
    NotificationDeliveryContext1763800000310,
    NotifierControlPlane1763800000400,
  ],
  topics: [...NOTIFIABLE_TOPICS, Topics.NotifyDeliveries, Topics.Audit],
};
