import type { DataSource } from 'typeorm';
import type { Cache } from '@telcomesh/cache';
import type { ServiceConfig } from '@telcomesh/config';
import type { Inbox, MessageTransport, Outbox, OutboxRelay } from '@telcomesh/messaging';
import type { Logger, ServiceMetrics } from '@telcomesh/observability';

/** Everything the platform opened for one service; feature modules inject it. */
export interface ServiceRuntime<C extends ServiceConfig = ServiceConfig> {
  service: string;
  config: C;
  logger: Logger;
  metrics: ServiceMetrics;
  /** Already applies KAFKA_TOPIC_PREFIX to topics and groups: use registry names as they are. */
  transport: MessageTransport;
  dataSource: DataSource;
  outbox: Outbox;
  relay: OutboxRelay;
  inbox: Inbox;
  cache: Cache;
}
