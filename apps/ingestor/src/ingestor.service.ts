import { Module } from '@nestjs/common';
import { Topics } from '@telcomesh/contracts';
import type { ServiceDefinition } from '@telcomesh/platform';
import { IngestorConfig } from './ingestor.config';
import { WebhookReceipts1763800000100 } from './migrations/1763800000100-webhook-receipts';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({ imports: [WebhooksModule] })
export class IngestorModule {}

export const ingestorService: ServiceDefinition<IngestorConfig> = {
  name: 'ingestor',
  title: 'TelcoMesh ingestor',
  description: 'Pulls and receives network, ITSM and energy data and publishes normalized events.',
  configClass: IngestorConfig,
  module: IngestorModule,
  migrations: [WebhookReceipts1763800000100],
  topics: [Topics.TelemetryEvents, Topics.TelemetryMetrics],
};
