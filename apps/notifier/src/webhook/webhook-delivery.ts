import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { toJson } from '@bufbuild/protobuf';
import { randomUUID } from 'node:crypto';
import { redactUrl } from '@telcomesh/config';
import {
  ceSourceOf,
  create,
  DeliveryStatus,
  NetworkEventSchema,
  Topics,
  timestampFromDate,
  type NetworkEvent,
} from '@telcomesh/contracts';
import {
  EventConsumer,
  EventOutbox,
  PoisonMessageError,
  topicCodec,
  type EventHandlerContext,
} from '@telcomesh/messaging';
import { injectTraceHeaders, inSpan, SpanKind } from '@telcomesh/observability';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import type { NotifierConfig } from '../notifier.config';
import { signStandardWebhook } from '@telcomesh/notifier-integrations';

export const NOTIFIER_GROUP = 'notifier';
const INTEGRATION = 'webhook';

/** Retryable: the receiver may accept the same request later. */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Delivers every telemetry event to the configured webhook (Standard Webhooks headers, signed
 * when a secret is set). At-least-once: `webhook-id` is the event id, stable across redeliveries,
 * so a receiver drops repeats; our inbox skips events already delivered. Failures are retried with
 * backoff, then dead-lettered; a 4xx the receiver will never accept goes to the DLQ at once.
 */
@Injectable()
export class WebhookDelivery implements OnModuleInit, OnModuleDestroy {
  private consumer: EventConsumer<NetworkEvent> | undefined;
  private readonly events: EventOutbox;
  private readonly deliveries: string;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime<NotifierConfig>) {
    this.events = new EventOutbox(runtime.outbox, ceSourceOf('notifier'));
    this.deliveries = `"${(runtime.dataSource.options as { schema: string }).schema}"."deliveries"`;
  }

  async onModuleInit(): Promise<void> {
    const url = this.runtime.config.NOTIFIER_WEBHOOK_URL;
    if (!url) {
      this.runtime.logger.warn(
        'NOTIFIER_WEBHOOK_URL is not set: telemetry events are not being delivered',
      );
      return;
    }
    this.consumer = new EventConsumer({
      transport: this.runtime.transport,
      codec: topicCodec(Topics.TelemetryEvents),
      groupId: NOTIFIER_GROUP,
      maxRetries: this.runtime.config.CONSUMER_MAX_RETRIES,
      metrics: this.runtime.metrics,
      logger: this.runtime.logger,
      handle: (event, context) => this.deliver(url, event, context),
    });
    await this.consumer.start();
    this.runtime.logger.info({ target: redactUrl(url) }, 'delivering telemetry events to webhook');
  }

  async onModuleDestroy(): Promise<void> {
    await this.consumer?.stop();
  }

  private async deliver(
    url: string,
    event: NetworkEvent,
    context: EventHandlerContext,
  ): Promise<void> {
    const eventId = context.envelope.ce_id;
    if (await this.runtime.inbox.seen(NOTIFIER_GROUP, eventId)) return;
    const body = JSON.stringify({
      type: context.envelope.ce_type,
      id: eventId,
      source: context.envelope.ce_source,
      time: context.envelope.ce_time,
      tenant: context.envelope.ce_tenant ?? null,
      data: toJson(NetworkEventSchema, event),
    });
    const started = performance.now();
    const status = await inSpan(
      'webhook deliver',
      {
        kind: SpanKind.CLIENT,
        attributes: { 'server.address': new URL(url).host, 'messaging.message.id': eventId },
      },
      async () => {
        const timestamp = Math.floor(Date.now() / 1000);
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'user-agent': 'TelcoMesh-Notifier/0.1',
          'webhook-id': eventId,
          'webhook-timestamp': String(timestamp),
        };
        const secret = this.runtime.config.NOTIFIER_WEBHOOK_SECRET;
        if (secret)
          headers['webhook-signature'] = signStandardWebhook(secret, eventId, timestamp, body);
        injectTraceHeaders(headers);
        let response: Response;
        try {
          response = await fetch(url, {
            method: 'POST',
            headers,
            body,
            signal: AbortSignal.timeout(this.runtime.config.NOTIFIER_WEBHOOK_TIMEOUT_MS),
          });
          await response.arrayBuffer();
        } catch (error) {
          throw new Error(
            `webhook ${redactUrl(url)} unreachable: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        if (response.ok) return response.status;
        const message = `webhook ${redactUrl(url)} answered ${response.status}`;
        throw retryable(response.status) ? new Error(message) : new PoisonMessageError(message);
      },
    );
    const latencyMs = Math.round(performance.now() - started);
    await this.events.transaction(async (manager) => {
      if (!(await this.runtime.inbox.claim(manager, NOTIFIER_GROUP, eventId))) return;
      const deliveryId = randomUUID();
      await manager.query(
        `INSERT INTO ${this.deliveries} ("delivery_id", "event_id", "integration", "target", "status", "attempts", "http_status", "latency_ms")
         VALUES ($1, $2, $3, $4, 'DELIVERED', $5, $6, $7)`,
        [deliveryId, eventId, INTEGRATION, redactUrl(url), context.attempt, status, latencyMs],
      );
      await this.events.stage(
        manager,
        Topics.NotifyDeliveries,
        create(Topics.NotifyDeliveries, {
          deliveryId,
          eventId,
          integration: INTEGRATION,
          target: redactUrl(url),
          status: DeliveryStatus.DELIVERED,
          attempts: context.attempt,
          httpStatus: status,
          latencyMs,
          deliveredAt: timestampFromDate(new Date()),
        }),
        { tenant: context.envelope.ce_tenant },
      );
    });
  }
}
