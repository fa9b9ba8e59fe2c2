/**
 * The typed topic registry: the single source of truth for topic names, their Protobuf
 * message, Kafka key, CloudEvents type, partitions and retention, and who produces and
 * consumes them. Code never writes a topic name as a string literal: it uses `Topics.X`.
 * `scripts/gen-asyncapi.mjs` renders this registry as `docs/asyncapi.yaml`.
 */
import { create as createMessage, fromBinary, ScalarType, toBinary } from '@bufbuild/protobuf';
import type {
  DescField,
  DescMessage,
  Message,
  MessageInitShape,
  MessageShape,
} from '@bufbuild/protobuf';
import {
  ContractDecodeError,
  ContractError,
  ContractErrorCodes,
  ContractKeyError,
  ContractTypeError,
} from './errors';
import { AiopsAlertSchema } from './gen/telcomesh/aiops/v1/alerts_pb';
import { AuditRecordSchema } from './gen/telcomesh/audit/v1/records_pb';
import { ConfigChangeSchema } from './gen/telcomesh/config/v1/changes_pb';
import { CallAlertSchema } from './gen/telcomesh/calls/v1/alerts_pb';
import { CallEventSchema } from './gen/telcomesh/calls/v1/events_pb';
import { ConnectorHealthSchema } from './gen/telcomesh/ingest/v1/health_pb';
import { RejectedRecordSchema } from './gen/telcomesh/ingest/v1/rejects_pb';
import { ItsmTicketSchema } from './gen/telcomesh/itsm/v1/tickets_pb';
import { NotificationDeliverySchema } from './gen/telcomesh/notify/v1/deliveries_pb';
import { ProvisionJobSchema } from './gen/telcomesh/provisioning/v1/jobs_pb';
import { ProvisionTaskSchema } from './gen/telcomesh/provisioning/v1/tasks_pb';
import { SlaEventSchema } from './gen/telcomesh/sla/v1/events_pb';
import { NetworkEventSchema } from './gen/telcomesh/telemetry/v1/events_pb';
import { NetworkMetricBatchSchema } from './gen/telcomesh/telemetry/v1/metric_batches_pb';
import { NetworkMetricSchema } from './gen/telcomesh/telemetry/v1/metrics_pb';

/** Apps that produce or consume topics (folder names under `apps/`). */
export const APP_NAMES = [
  'gateway',
  'ingestor',
  'provisioning',
  'ticket-sla',
  'call-monitor',
  'notifier',
] as const;

export type AppName = (typeof APP_NAMES)[number];

/** `ce_source` of events produced by an app: `/telcomesh/<app>`. */
export function ceSourceOf(app: AppName): string {
  return `/telcomesh/${app}`;
}

/**
 * Names (TypeScript property names, e.g. `siteId`) of the string fields of a message:
 * the fields that can serve as its Kafka key. For an untyped `DescMessage` it is `string`.
 */
export type KeyFieldOf<Desc extends DescMessage> =
  Message extends MessageShape<Desc>
    ? string
    : {
        [K in keyof MessageShape<Desc>]-?: K extends '$typeName' | '$unknown'
          ? never
          : MessageShape<Desc>[K] extends string
            ? K
            : never;
      }[keyof MessageShape<Desc>] &
        string;

/** What every topic declares besides its message type. */
interface TopicProperties {
  /** CloudEvents `ce_type` of every record, `telcomesh.<domain>.<entity>.v<N>`. */
  readonly ceType: string;
  /** Partition count to create the topic (and its DLQ) with. */
  readonly partitions: number;
  /** `retention.ms` of the topic. */
  readonly retentionMs: number;
  /** One line for humans: what a record on this topic means. */
  readonly description: string;
  /** Apps that publish to the topic. */
  readonly producers: readonly AppName[];
  /** Apps that consume the topic (each in its own consumer group). */
  readonly consumers: readonly AppName[];
}

/**
 * One Kafka topic and its contract. `Desc` is the generated message schema (for example
 * `typeof NetworkEventSchema`), so helpers taking a topic know its message type.
 */
export interface TopicDefinition<
  Desc extends DescMessage,
  Name extends string = string,
> extends TopicProperties {
  /** Topic name, `<domain>.<entity>.v<N>`; the version changes only with a new schema. */
  readonly name: Name;
  /** Generated protobuf-es schema of the one message type every record value holds. */
  readonly schema: Desc;
  /**
   * Field of the message (TypeScript name) whose value is the Kafka key: the entity that
   * must stay ordered. The proto field name is `keyFieldOf(topic).name`.
   */
  readonly keyField: KeyFieldOf<Desc>;
}

/** Any registered topic, when the message type is not known statically (tools, DLQ replay). */
export interface AnyTopicDefinition extends TopicProperties {
  readonly name: string;
  readonly schema: DescMessage;
  readonly keyField: string;
}

/** The minimum the codec helpers need from a topic. */
export interface TopicSchemaRef<Desc extends DescMessage> {
  readonly name: string;
  readonly schema: Desc;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Suffix of dead-letter topics: `<topic>.dlq`. */
export const DLQ_SUFFIX = '.dlq';

/** `retention.ms` of every `<topic>.dlq`: long enough to investigate and replay. */
export const DLQ_RETENTION_MS = 14 * DAY_MS;

const TOPIC_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*\.v[1-9][0-9]*$/;
const CE_TYPE = /^telcomesh(\.[a-z][a-z0-9-]*)+\.v[1-9][0-9]*$/;

/**
 * Declares a topic. Checks the definition when the module loads, so a registry entry with
 * a bad name, a key field that is not a string field of its message, or no partitions
 * fails every test and every service start, not a later publish.
 */
export function defineTopic<Desc extends DescMessage, const Name extends string>(
  definition: TopicDefinition<Desc, Name>,
): TopicDefinition<Desc, Name> {
  const problems: string[] = [];
  const { name, schema, keyField, ceType, partitions, retentionMs } = definition;
  if (!TOPIC_NAME.test(name)) problems.push(`name must look like <domain>.<entity>.v<N>`);
  if (name.endsWith(DLQ_SUFFIX)) problems.push(`name must not end with ${DLQ_SUFFIX}`);
  const field = schema.fields.find((f) => f.localName === keyField);
  if (field?.fieldKind !== 'scalar' || field.scalar !== ScalarType.STRING) {
    problems.push(`keyField "${keyField}" must be a string field of ${schema.typeName}`);
  }
  if (!CE_TYPE.test(ceType))
    problems.push(`ceType must look like telcomesh.<domain>.<entity>.v<N>`);
  if (!Number.isInteger(partitions) || partitions < 1) problems.push('partitions must be >= 1');
  if (!Number.isInteger(retentionMs) || retentionMs < 1) problems.push('retentionMs must be >= 1');
  if (definition.producers.length === 0) problems.push('at least one producer is required');
  if (problems.length > 0) {
    throw new ContractError(
      ContractErrorCodes.InvalidTopicDefinition,
      name,
      `invalid topic definition "${name}": ${problems.join('; ')}`,
    );
  }
  return Object.freeze({
    ...definition,
    producers: Object.freeze([...definition.producers]),
    consumers: Object.freeze([...definition.consumers]),
  });
}

/** Every topic of the platform. Add a topic here (and its .proto), then regenerate. */
export const Topics = {
  TelemetryMetrics: defineTopic({
    name: 'telemetry.metrics.v1',
    schema: NetworkMetricSchema,
    keyField: 'siteId',
    ceType: 'telcomesh.telemetry.metric.v1',
    partitions: 12,
    retentionMs: 3 * DAY_MS,
    description:
      'Network and energy performance measurements collected by the ingestor connectors, one value of one metric at one site.',
    producers: ['ingestor'],
    consumers: ['gateway'],
  }),
  TelemetryMetricBatches: defineTopic({
    name: 'telemetry.metric-batches.v1',
    schema: NetworkMetricBatchSchema,
    keyField: 'siteId',
    ceType: 'telcomesh.telemetry.metricbatch.v1',
    partitions: 12,
    retentionMs: 3 * DAY_MS,
    description:
      'The same measurements as telemetry.metrics.v1 in batches, one record per site and poll: the ingestor publishes here instead when INGESTOR_METRICS_FORMAT=batch (high volume).',
    producers: ['ingestor'],
    consumers: ['gateway'],
  }),
  TelemetryEvents: defineTopic({
    name: 'telemetry.events.v1',
    schema: NetworkEventSchema,
    keyField: 'siteId',
    ceType: 'telcomesh.telemetry.event.v1',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    description:
      'Network events and X.733 alarm notifications (raised, changed, cleared) collected from OSS/NMS, SNMP and IoT sources.',
    producers: ['ingestor'],
    consumers: ['gateway', 'notifier'],
  }),
  ItsmTickets: defineTopic({
    name: 'itsm.tickets.v1',
    schema: ItsmTicketSchema,
    keyField: 'sysId',
    ceType: 'telcomesh.itsm.ticket.v1',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    description:
      'Full current state of an ITSM ticket (incident, request, change, problem) after each create or update at the source.',
    producers: ['ingestor'],
    consumers: ['ticket-sla', 'gateway', 'notifier'],
  }),
  IngestHealth: defineTopic({
    name: 'ingest.health.v1',
    schema: ConnectorHealthSchema,
    keyField: 'sourceId',
    ceType: 'telcomesh.ingest.health.v1',
    partitions: 3,
    retentionMs: 1 * DAY_MS,
    description:
      'Health report of one data-source connector after each sync attempt: healthy, last sync, errors, volume, latency.',
    producers: ['ingestor'],
    consumers: ['gateway', 'notifier'],
  }),
  IngestRejects: defineTopic({
    name: 'ingest.rejects.v1',
    schema: RejectedRecordSchema,
    keyField: 'sourceId',
    ceType: 'telcomesh.ingest.reject.v1',
    partitions: 3,
    retentionMs: 14 * DAY_MS,
    description:
      'A record the ingestor refused (validation, mapping, connector), with the reason, the field and the raw input as it came.',
    producers: ['ingestor'],
    consumers: [],
  }),
  AiopsAlerts: defineTopic({
    name: 'aiops.alerts.v1',
    schema: AiopsAlertSchema,
    keyField: 'siteId',
    ceType: 'telcomesh.aiops.alert.v1',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    description:
      'Anomaly alert on a site KPI (observed value against its baseline), FIRING then RESOLVED.',
    producers: ['ingestor'],
    consumers: ['gateway', 'notifier'],
  }),
  ProvisioningJobs: defineTopic({
    name: 'provisioning.jobs.v1',
    schema: ProvisionJobSchema,
    keyField: 'provisionId',
    ceType: 'telcomesh.provisioning.job.v1',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    description:
      'State of a provisioning job (queued, running, succeeded, failed, cancelled) with its Ansible task results.',
    producers: ['provisioning'],
    consumers: ['notifier', 'gateway'],
  }),
  ProvisioningTasks: defineTopic({
    name: 'provisioning.tasks.v1',
    schema: ProvisionTaskSchema,
    keyField: 'provisionId',
    ceType: 'telcomesh.provisioning.task.v1',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    description:
      'One finished Ansible task of a provisioning job (seed Provision_Event): name, status 0/2/3, redacted result.',
    producers: ['provisioning'],
    consumers: ['gateway'],
  }),
  SlaEvents: defineTopic({
    name: 'sla.events.v1',
    schema: SlaEventSchema,
    keyField: 'ticketId',
    ceType: 'telcomesh.sla.event.v1',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    description:
      'SLA clock event of a trouble ticket: at risk, breached (with the department the time went to), paused, resumed, met.',
    producers: ['ticket-sla'],
    consumers: ['notifier', 'gateway'],
  }),
  CallEvents: defineTopic({
    name: 'calls.events.v1',
    schema: CallEventSchema,
    keyField: 'entityKey',
    ceType: 'telcomesh.calls.event.v1',
    partitions: 6,
    retentionMs: 1 * DAY_MS,
    description:
      'Live contact-centre change: a call, agent, queue or dispatch task as the call monitor now sees it (call ended once per call).',
    producers: ['call-monitor'],
    consumers: ['gateway'],
  }),
  CallAlerts: defineTopic({
    name: 'calls.alerts.v1',
    schema: CallAlertSchema,
    keyField: 'queueId',
    ceType: 'telcomesh.calls.alert.v1',
    partitions: 3,
    retentionMs: 7 * DAY_MS,
    description:
      'Contact-centre alert on a queue metric (waiting calls, longest wait, abandonment, agents available), FIRING then RESOLVED.',
    producers: ['call-monitor'],
    consumers: ['notifier', 'gateway'],
  }),
  NotifyDeliveries: defineTopic({
    name: 'notify.deliveries.v1',
    schema: NotificationDeliverySchema,
    keyField: 'deliveryId',
    ceType: 'telcomesh.notify.delivery.v1',
    partitions: 6,
    retentionMs: 7 * DAY_MS,
    description:
      'Outcome of each attempt to deliver an event to an integration (DELIVERED, RETRYING, FAILED).',
    producers: ['notifier'],
    consumers: ['gateway'],
  }),
  ConfigChanges: defineTopic({
    name: 'config.changes.v1',
    schema: ConfigChangeSchema,
    keyField: 'service',
    ceType: 'telcomesh.config.change.v1',
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    description:
      'A configuration change in any service: who changed which key, old and new value (secrets redacted), and why.',
    producers: ['gateway', 'ingestor', 'provisioning', 'ticket-sla', 'call-monitor', 'notifier'],
    consumers: ['notifier', 'gateway'],
  }),
  Audit: defineTopic({
    name: 'audit.v1',
    schema: AuditRecordSchema,
    keyField: 'resource',
    ceType: 'telcomesh.audit.record.v1',
    partitions: 3,
    retentionMs: 30 * DAY_MS,
    description:
      'Security-relevant action (login, grant, API key use...) with its actor, resource and outcome.',
    producers: ['gateway', 'notifier'],
    consumers: [],
  }),
} as const;

/** Registry key of a topic, e.g. `'TelemetryEvents'`. */
export type TopicId = keyof typeof Topics;

/** Union of every registered topic name, e.g. `'telemetry.events.v1' | ...`. */
export type TopicName = (typeof Topics)[TopicId]['name'];

/** Union of every registered topic definition. */
export type RegisteredTopic = (typeof Topics)[TopicId];

/** Message type carried by a topic: `TopicMessage<typeof Topics.TelemetryEvents>` is `NetworkEvent`. */
export type TopicMessage<T> = T extends TopicSchemaRef<infer Desc> ? MessageShape<Desc> : never;

const registry: readonly AnyTopicDefinition[] = Object.freeze(Object.values(Topics));
const byName: ReadonlyMap<string, AnyTopicDefinition> = new Map(registry.map((t) => [t.name, t]));

/** Every registered topic, in registry order (DLQ topics are not included: see `dlqTopicOf`). */
export function allTopics(): readonly AnyTopicDefinition[] {
  return registry;
}

/**
 * Looks a topic up by name, for tools that receive a name at run time (DLQ replay reads
 * `x-dlq-original-topic`). Returns undefined for an unknown name. Handlers use `Topics.X`.
 */
export function topicByName(name: string): AnyTopicDefinition | undefined {
  return byName.get(name);
}

/** Dead-letter topic of a topic: `<topic>.dlq`. */
export function dlqTopicOf<const N extends string>(topic: N | { readonly name: N }): `${N}.dlq` {
  const name = typeof topic === 'string' ? topic : topic.name;
  return `${name}${DLQ_SUFFIX}`;
}

/** True for a `<topic>.dlq` name. */
export function isDlqTopic(name: string): boolean {
  return name.endsWith(DLQ_SUFFIX);
}

/** What to create for a topic's DLQ: same partition count (keys keep their partition), longer retention. */
export function dlqSpecOf(topic: AnyTopicDefinition): {
  readonly name: string;
  readonly partitions: number;
  readonly retentionMs: number;
} {
  return {
    name: dlqTopicOf(topic.name),
    partitions: topic.partitions,
    retentionMs: DLQ_RETENTION_MS,
  };
}

/** The proto descriptor of a topic's key field (`.name` is the proto name, e.g. `site_id`). */
export function keyFieldOf(topic: AnyTopicDefinition): DescField {
  const field = topic.schema.fields.find((f) => f.localName === topic.keyField);
  if (field === undefined) {
    throw new ContractError(
      ContractErrorCodes.InvalidTopicDefinition,
      topic.name,
      `key field "${topic.keyField}" is not a field of ${topic.schema.typeName}`,
    );
  }
  return field;
}

/** Creates a message of the topic's type; unset fields get their proto3 defaults. */
export function create<Desc extends DescMessage>(
  topic: TopicSchemaRef<Desc>,
  init?: MessageInitShape<Desc>,
): MessageShape<Desc> {
  return createMessage(topic.schema, init);
}

/** Encodes a message for the topic (Protobuf binary, the record value). */
export function encode<Desc extends DescMessage>(
  topic: TopicSchemaRef<Desc>,
  message: MessageShape<Desc>,
): Uint8Array {
  const actual = (message as Partial<Message> | null | undefined)?.$typeName;
  if (actual !== topic.schema.typeName) {
    throw new ContractTypeError(topic.name, topic.schema.typeName, String(actual ?? ''));
  }
  return toBinary(topic.schema, message);
}

/**
 * Decodes a record value of the topic. Unknown fields (from a newer producer) are kept,
 * so a message that is decoded and re-encoded loses nothing.
 * @throws ContractDecodeError (naming the topic) when the bytes are not a valid message.
 */
export function decode<Desc extends DescMessage>(
  topic: TopicSchemaRef<Desc>,
  bytes: Uint8Array,
): MessageShape<Desc> {
  if (!(bytes instanceof Uint8Array)) {
    throw new ContractDecodeError(topic.name, topic.schema.typeName, 'value is not a Uint8Array');
  }
  try {
    return fromBinary(topic.schema, bytes);
  } catch (cause) {
    throw new ContractDecodeError(topic.name, topic.schema.typeName, cause);
  }
}

/**
 * The Kafka key of a message: the value of the topic's key field.
 * @throws ContractKeyError when it is empty (the record would lose per-entity ordering).
 */
export function keyOf<Desc extends DescMessage>(
  topic: TopicSchemaRef<Desc> & { readonly keyField: string },
  message: MessageShape<Desc>,
): string {
  const value: unknown = (message as Record<string, unknown>)[topic.keyField];
  if (typeof value !== 'string' || value === '') {
    throw new ContractKeyError(topic.name, topic.keyField);
  }
  return value;
}
