/**
 * Event renderers: each platform event the notifier consumes becomes at most ONE `Notification`,
 * which routing then hands to integrations. Pure functions: no I/O, no clock, no throwing on
 * missing optional fields, so a redelivered event renders exactly the same notification.
 */
import { isMessage, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Topics, type TopicSchemaRef } from '@telcomesh/contracts';
import type { Notification } from '@telcomesh/notifier-integrations';
import { renderAiopsAlert } from './aiops-alert';
import { renderCallAlert } from './call-alert';
import { renderConfigChange } from './config-change';
import { renderConnectorHealth } from './connector-health';
import { renderNetworkEvent } from './network-event';
import { renderProvisioningFailure } from './provisioning-failure';
import { renderSlaEvent } from './sla-event';
import type { EventEnvelope } from './render-support';

export { renderAiopsAlert } from './aiops-alert';
export { renderCallAlert } from './call-alert';
export { isSensitiveConfigKey, NOT_SET, REDACTED_VALUE, renderConfigChange } from './config-change';
export { renderConnectorHealth } from './connector-health';
export { renderNetworkEvent } from './network-event';
export { provisioningResultJson, renderProvisioningFailure } from './provisioning-failure';
export { renderSlaEvent } from './sla-event';
export type { EventEnvelope } from './render-support';

/** The topics the notifier subscribes to for notifications: exactly those `renderEvent` renders. */
export const NOTIFIABLE_TOPICS = [
  Topics.TelemetryEvents,
  Topics.AiopsAlerts,
  Topics.IngestHealth,
  Topics.ConfigChanges,
  Topics.ProvisioningJobs,
  Topics.SlaEvents,
  Topics.CallAlerts,
] as const;

/** The decoded message, checked against the topic's schema: a mismatch is a wiring bug, not data. */
function messageOf<Desc extends DescMessage>(
  topic: TopicSchemaRef<Desc>,
  message: unknown,
): MessageShape<Desc> {
  if (isMessage(message, topic.schema)) return message;
  const actual =
    typeof message === 'object' && message !== null && '$typeName' in message
      ? String(message.$typeName)
      : typeof message;
  throw new TypeError(`${topic.name} carries ${topic.schema.typeName}, not ${actual}`);
}

/**
 * The notification for one decoded record of `topicName`, or undefined when the topic is not one
 * of `NOTIFIABLE_TOPICS` or the event needs no one's attention (a provisioning job that did not
 * fail). Throws a TypeError when `message` is not the topic's message type.
 */
export function renderEvent(
  topicName: string,
  message: unknown,
  envelope: EventEnvelope,
): Notification | undefined {
  switch (topicName) {
    case Topics.TelemetryEvents.name:
      return renderNetworkEvent(messageOf(Topics.TelemetryEvents, message), envelope);
    case Topics.AiopsAlerts.name:
      return renderAiopsAlert(messageOf(Topics.AiopsAlerts, message), envelope);
    case Topics.IngestHealth.name:
      return renderConnectorHealth(messageOf(Topics.IngestHealth, message), envelope);
    case Topics.ConfigChanges.name:
      return renderConfigChange(messageOf(Topics.ConfigChanges, message), envelope);
    case Topics.ProvisioningJobs.name:
      return renderProvisioningFailure(messageOf(Topics.ProvisioningJobs, message), envelope);
    case Topics.SlaEvents.name:
      return renderSlaEvent(messageOf(Topics.SlaEvents, message), envelope);
    case Topics.CallAlerts.name:
      return renderCallAlert(messageOf(Topics.CallAlerts, message), envelope);
    default:
      return undefined;
  }
}
