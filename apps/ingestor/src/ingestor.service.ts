import { Module } from '@nestjs/common';
import { Topics } from '@telcomesh/contracts';
import type { ServiceDefinition } from '@telcomesh/platform';
import { IngestorConfig } from './ingestor.config';
import { WebhookReceipts1763800000100 } from './migrations/1763800000100-webhook-receipts';
import { DataSources1763800000110 } from './migrations/1763800000110-data-sources';
import { SourcesModule } from './sources/sources.module';
import { SnmpTrapsModule } from './traps/snmp-traps.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({ imports: [WebhooksModule, SourcesModule, SnmpTrapsModule] })
export class IngestorModule {}

export const ingestorService: ServiceDefinition<IngestorConfig> = {
  name: 'ingestor',
  title: 'TelcoMesh ingestor',
  description:
    'Pulls and receives network, ITSM and energy data: a registry of data sources polled by their connectors (one replica per source), validated, enriched and published through the outbox; alarm webhooks; connector health and connectivity alerts.',
  configClass: IngestorConfig,
  module: IngestorModule,
  migrations: [WebhookReceipts1763800000100, DataSources1763800000110],
  topics: [
    Topics.TelemetryEvents,
    Topics.TelemetryMetrics,
    Topics.TelemetryMetricBatches,
    Topics.ItsmTickets,
    Topics.IngestHealth,
    Topics.IngestRejects,
    Topics.ConfigChanges,
  ],
};
