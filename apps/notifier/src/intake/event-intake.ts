import type { DescMessage } from '@bufbuild/protobuf';
import type { TopicDefinition } from '@telcomesh/contracts';
import type { EventOutbox } from '@telcomesh/messaging';
import {
  EventConsumer,
  PoisonMessageError,
  topicCodec,
  type EventHandlerContext,
} from '@telcomesh/messaging';
import { injectTraceHeaders } from '@telcomesh/observability';
import type { ServiceRuntime } from '@telcomesh/platform';
import { NOTIFIABLE_TOPICS, renderEvent } from '../events';
import type { NotificationPipeline } from './notification-pipeline';

/** Inbox scope of taken events (event ids are unique across topics). */
export const NOTIFIER_GROUP = 'notifier';

/**
 * One consumer group per topic: members of one group with different subscriptions rebalance each
 * other endlessly on start, and per-topic groups give per-topic lag (KEDA scales on it).
 */
export function intakeGroupOf(topic: string): string {
  return `${NOTIFIER_GROUP}.${topic}`;
}

/**
 * Consumes every notifiable platform topic. Each event is rendered to one notification and taken
 * in — inbox claim, routing, grouping, queueing — in one transaction, before the offset is
 * committed: a crash at any point redelivers the event and the inbox skips what was taken.
 */
export class EventIntake {
  private readonly consumers: EventConsumer<unknown>[] = [];

  constructor(
    private readonly runtime: ServiceRuntime,
    private readonly events: EventOutbox,
    private readonly pipeline: NotificationPipeline,
    /** Called after an event's deliveries were committed (the dispatcher looks at once). */
    private readonly queued: () => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    for (const topic of NOTIFIABLE_TOPICS) {
      const consumer = new EventConsumer<unknown>({
        transport: this.runtime.transport,
        // One consumer per topic; the union of topic types is erased to what renderEvent checks.
        codec: topicCodec(topic as unknown as TopicDefinition<DescMessage>),
        groupId: intakeGroupOf(topic.name),
        maxRetries: this.runtime.config.CONSUMER_MAX_RETRIES,
        metrics: this.runtime.metrics,
        logger: this.runtime.logger,
        handle: (message, context) => this.take(topic.name, message, context),
      });
      await consumer.start();
      this.consumers.push(consumer);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }

  private async take(topic: string, message: unknown, context: EventHandlerContext): Promise<void> {
    const { envelope } = context;
    let notification;
    try {
      notification = renderEvent(topic, message, {
        id: envelope.ce_id,
        time: new Date(envelope.ce_time),
        source: envelope.ce_source,
        ...(envelope.ce_tenant ? { tenant: envelope.ce_tenant } : {}),
      });
    } catch (error) {
      // Rendering is pure: retrying cannot help, the record goes to the DLQ with the reason.
      throw new PoisonMessageError(
        `cannot render ${topic} event ${envelope.ce_id}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!notification) return;
    const trace: Record<string, string> = {};
    injectTraceHeaders(trace);
    const n = notification;
    const outcome = await this.events.transaction(async (manager) => {
      if (!(await this.runtime.inbox.claim(manager, NOTIFIER_GROUP, envelope.ce_id))) return;
      return this.pipeline.accept(manager, n, {
        ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
      });
    });
    if (outcome?.outcome === 'queued' && outcome.deliveries > 0) this.queued();
  }
}
