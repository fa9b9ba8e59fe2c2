import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ceSourceOf } from '@telcomesh/contracts';
import { EventOutbox } from '@telcomesh/messaging';
import { builtInIntegrations, type IntegrationCatalog } from '@telcomesh/notifier-integrations';
import { DeliveryQueue } from '@telcomesh/notifier-delivery';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import { ChangeApprovals } from './approvals/change-approvals';
import {
  applyConfigAsCode,
  readConfigFile,
  withPlatformWebhook,
  type ConfigAsCode,
} from './control/config-as-code';
import { ControlPlane } from './control/control-plane';
import { SecretBox } from './control/secret-box';
import { NotificationDispatcher } from './delivery/notification-dispatcher';
import { AlertGroupStore } from './grouping/alert-group-store';
import { EventIntake } from './intake/event-intake';
import { NotificationPipeline } from './intake/notification-pipeline';
import type { NotifierConfig } from './notifier.config';
import { SilenceBook } from './silences/silence-book';
import { Counter } from 'prom-client';

/** Where a custom integration is registered: `NOTIFIER_CATALOG` can be replaced in a custom build. */
export const NOTIFIER_CATALOG = Symbol('NOTIFIER_CATALOG');
export const defaultCatalog = (): IntegrationCatalog => builtInIntegrations();

/**
 * The notifier, assembled: control plane (integrations, settings, approvals), intake (platform
 * topics → notifications → routes → groups/queue), dispatch (queue → products). Started after
 * the platform opened the database and the bus; stopped before they close.
 */
@Injectable()
export class NotifierCore implements OnModuleInit, OnModuleDestroy {
  readonly control: ControlPlane;
  readonly silences: SilenceBook;
  readonly queue: DeliveryQueue;
  readonly pipeline: NotificationPipeline;
  readonly approvals: ChangeApprovals;
  readonly dispatcher: NotificationDispatcher;
  private readonly intake: EventIntake;

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime<NotifierConfig>,
    @Inject(NOTIFIER_CATALOG) catalog: IntegrationCatalog,
  ) {
    const config = runtime.config;
    const schema = (runtime.dataSource.options as { schema: string }).schema;
    const events = new EventOutbox(runtime.outbox, ceSourceOf('notifier'));
    // `${env:NAME}` references resolve from the process environment, plus the notifier's own
    // settings (embedded mode passes them to the service, not to the process).
    const box = new SecretBox(config.NOTIFIER_SECRET_KEY, {
      ...process.env,
      ...(config.NOTIFIER_WEBHOOK_URL ? { NOTIFIER_WEBHOOK_URL: config.NOTIFIER_WEBHOOK_URL } : {}),
      ...(config.NOTIFIER_WEBHOOK_SECRET
        ? { NOTIFIER_WEBHOOK_SECRET: config.NOTIFIER_WEBHOOK_SECRET }
        : {}),
    });
    this.control = new ControlPlane(runtime, events, catalog, box);
    this.silences = new SilenceBook(runtime.dataSource);
    this.queue = new DeliveryQueue(runtime.dataSource);
    const groups = new AlertGroupStore(runtime.dataSource);
    const taken = new Counter({
      name: 'notifier_notifications_total',
      help: 'Notifications taken in, by kind and outcome (queued, silenced, unrouted, never_fired)',
      labelNames: ['kind', 'outcome'],
      registers: [runtime.metrics.registry],
    });
    this.pipeline = new NotificationPipeline(
      this.control,
      this.queue,
      groups,
      this.silences,
      schema,
      {
        count: (outcome, kind) => taken.inc({ outcome, kind }),
      },
    );
    this.approvals = new ChangeApprovals(this.control, events, this.pipeline, schema);
    this.dispatcher = new NotificationDispatcher(
      runtime,
      this.control,
      this.queue,
      groups,
      this.pipeline,
      this.approvals,
      events,
      config.NOTIFIER_HTTP_TIMEOUT_MS,
    );
    this.intake = new EventIntake(runtime, events, this.pipeline, () => this.dispatcher.wake());
  }

  async onModuleInit(): Promise<void> {
    const config = this.runtime.config;
    await Promise.all([this.control.load(), this.silences.load()]);
    const file: ConfigAsCode = config.NOTIFIER_CONFIG_FILE
      ? await readConfigFile(config.NOTIFIER_CONFIG_FILE)
      : { integrations: {}, silences: [] };
    await applyConfigAsCode(
      withPlatformWebhook(file, config),
      this.control,
      this.silences,
      this.runtime.logger,
    );
    this.control.watch();
    this.silences.watch();
    this.dispatcher.start(config.NOTIFIER_POLL_INTERVAL_MS);
    await this.intake.start();
    this.runtime.logger.info(
      {
        integrations: this.control.entries().map((e) => e.name),
        rules: this.control.current.rules.length,
      },
      'notifier started',
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.intake.stop();
    await this.dispatcher.stop();
    this.control.stop();
    this.silences.stop();
  }
}
