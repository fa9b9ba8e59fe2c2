import { createHash } from 'node:crypto';
import {
  AlarmState,
  AlarmType,
  buildEnvelopeHeaders,
  create,
  DlqHeaderNames,
  DlqReasonCodes,
  encode,
  formatDlqReason,
  HeaderNames,
  keyOf,
  NetworkEventType,
  PerceivedSeverity,
  timestampFromMs,
  Topics,
} from '@telcomesh/contracts';
import type { OutboundRecord } from '@telcomesh/messaging';
import type { AlarmRecord, RejectedItem, SourceRecord } from '../connectors';
import type { EnrichedRecord, RejectedRecord, RejectReason } from './record-pipeline';
import { ticketPriorityOf, ticketSeverityOf, ticketStatusOf, ticketTypeOf } from './ticket-fields';

/** Headers a reject carries besides the DLQ conventions', for filtering without parsing the reason. */
export const RejectHeaders = {
  reason: 'x-ingest-reject-reason',
  field: 'x-ingest-reject-field',
  sourceId: 'x-ingest-source-id',
} as const;

/** `x-dlq-consumer-group` of rejects: the ingestor's pipeline stage, not a consumer. */
export const REJECT_STAGE = 'ingestor-pipeline';

/** What every record of one sync shares. */
export interface OutboundContext {
  sourceId: string;
  /** `ce_source` of the ingestor. */
  ceSource: string;
  receivedAt: Date;
  traceparent?: string;
  tracestate?: string;
}

const SEVERITY: Record<AlarmRecord['severity'], PerceivedSeverity> = {
  CRITICAL: PerceivedSeverity.CRITICAL,
  MAJOR: PerceivedSeverity.MAJOR,
  MINOR: PerceivedSeverity.MINOR,
  WARNING: PerceivedSeverity.WARNING,
  INDETERMINATE: PerceivedSeverity.INDETERMINATE,
  CLEARED: PerceivedSeverity.CLEARED,
};

const STATE: Record<AlarmRecord['state'], AlarmState> = {
  raised: AlarmState.RAISED,
  changed: AlarmState.CHANGED,
  cleared: AlarmState.CLEARED,
};

const ALARM_TYPE: Record<AlarmRecord['alarmType'], AlarmType> = {
  COMMUNICATIONS: AlarmType.COMMUNICATIONS,
  QUALITY_OF_SERVICE: AlarmType.QUALITY_OF_SERVICE,
  PROCESSING_ERROR: AlarmType.PROCESSING_ERROR,
  EQUIPMENT: AlarmType.EQUIPMENT,
  ENVIRONMENTAL: AlarmType.ENVIRONMENTAL,
  UNSPECIFIED: AlarmType.UNSPECIFIED,
};

/** What identifies a record's reported state at its source (the same report twice → same key). */
export function recordIdentity(record: SourceRecord): string {
  switch (record.kind) {
    case 'metric':
      return `metric|${record.managedObject}|${record.name}|${record.timestamp.getTime()}`;
    case 'alarm':
      return `alarm|${record.alarmId}|${record.changedAt.getTime()}|${record.state}|${record.acknowledged}|${record.severity}`;
    case 'ticket':
      return `ticket|${record.ticketId}|${record.updatedAt.getTime()}`;
  }
}

/**
 * Event id (`ce_id`) derived from the source and the record's identity, shaped as a UUID: if a
 * report is ever published twice (a sync repeated after a crash), consumers see the same id and
 * drop the copy.
 */
export function recordEventId(sourceId: string, record: SourceRecord): string {
  return uuidOfDigest(
    createHash('sha256')
      .update(`${sourceId}\u0000${recordIdentity(record)}`)
      .digest('hex'),
  );
}

/** A SHA-256 hex digest shaped as a version-5-style UUID (what `ce_id` holds). */
function uuidOfDigest(hex: string): string {
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Id of a reject: the same bad input refused for the same reason twice gets the same id. */
function rejectId(sourceId: string, reason: string, field: string, value: Uint8Array): string {
  return uuidOfDigest(
    createHash('sha256')
      .update(`${sourceId}\u0000${reason}\u0000${field}\u0000`)
      .update(value)
      .digest('hex'),
  );
}

/** Envelope templates by topic and tenant: only the id and time differ between a sync's records. */
const templates = new WeakMap<OutboundContext, Map<string, Record<string, string>>>();

function headersFor(
  topic: { name: string; ceType: string },
  id: string,
  tenant: string,
  time: Date,
  context: OutboundContext,
): Record<string, string> {
  let byTopic = templates.get(context);
  if (!byTopic) templates.set(context, (byTopic = new Map<string, Record<string, string>>()));
  const key = `${topic.name}\u0000${tenant}`;
  let template = byTopic.get(key);
  if (!template) {
    // Built (and checked) once through the contracts helper; copies vary only id and time.
    template = buildEnvelopeHeaders(topic, {
      id,
      source: context.ceSource,
      tenant,
      time,
      traceparent: context.traceparent,
      tracestate: context.tracestate,
    });
    byTopic.set(key, template);
  }
  const headers = { ...template };
  headers[HeaderNames.CeId] = id;
  headers[HeaderNames.CeTime] = Number.isNaN(time.getTime())
    ? context.receivedAt.toISOString()
    : time.toISOString();
  return headers;
}

/** The record published for an accepted record: its topic's message, key and envelope. */
export function outboundOf(enriched: EnrichedRecord, context: OutboundContext): OutboundRecord {
  const { sourceId } = context;
  const eventId = recordEventId(sourceId, enriched.record);
  switch (enriched.kind) {
    case 'metric': {
      const { record } = enriched;
      const topic = Topics.TelemetryMetrics;
      const metadata: Record<string, string> = { ...record.labels };
      const dataType = metadata.data_type ?? 'network_metric';
      delete metadata.data_type;
      if (record.managedObject !== '') metadata.managed_object = record.managedObject;
      const message = create(topic, {
        tenantId: enriched.tenantId,
        sourceId,
        timestamp: timestampFromMs(record.timestamp.getTime()),
        dataType,
        technology: record.technology,
        metricName: record.name,
        metricValue: enriched.value,
        unit: enriched.unit,
        siteId: enriched.siteId,
        qualityScore: enriched.qualityScore,
        metadata,
      });
      return {
        topic: topic.name,
        key: keyOf(topic, message),
        value: encode(topic, message),
        headers: headersFor(topic, eventId, enriched.tenantId, record.timestamp, context),
      };
    }
    case 'alarm': {
      const { record } = enriched;
      const topic = Topics.TelemetryEvents;
      const metadata: Record<string, string> = {
        ...record.labels,
        quality_score: String(enriched.qualityScore),
        raised_at: record.raisedAt.toISOString(),
      };
      if (record.technology) metadata.technology = record.technology;
      if (record.clearedAt) metadata.cleared_at = record.clearedAt.toISOString();
      if (record.acknowledgedAt) metadata.acknowledged_at = record.acknowledgedAt.toISOString();
      if (enriched.siteId !== record.siteId) metadata.source_site_id = record.siteId;
      const message = create(topic, {
        eventId,
        tenantId: enriched.tenantId,
        sourceId,
        sourceSystem: record.sourceSystem,
        eventType: NetworkEventType.ALARM,
        severity: SEVERITY[record.severity],
        title: record.title,
        description: record.description,
        siteId: enriched.siteId,
        alarmId: record.alarmId,
        state: STATE[record.state],
        alarmType: ALARM_TYPE[record.alarmType] ?? AlarmType.UNSPECIFIED,
        probableCause: record.probableCause,
        specificProblem: record.specificProblem,
        managedObject: record.managedObject,
        acknowledged: record.acknowledged,
        eventTime: timestampFromMs(record.eventTime.getTime()),
        receivedAt: timestampFromMs(context.receivedAt.getTime()),
        metadata,
      });
      return {
        topic: topic.name,
        key: keyOf(topic, message),
        value: encode(topic, message),
        headers: headersFor(topic, eventId, enriched.tenantId, record.eventTime, context),
      };
    }
    case 'ticket': {
      const { record } = enriched;
      const topic = Topics.ItsmTickets;
      const { category, assignment_group: assignmentGroup, ...labels } = record.labels;
      const status = ticketStatusOf(record.status);
      const message = create(topic, {
        sysId: record.ticketId,
        number: record.number,
        servicenowTable: record.table,
        tenantId: enriched.tenantId,
        sourceId,
        eventType: ticketTypeOf(record.table),
        severity: ticketSeverityOf(record.severity),
        priority: ticketPriorityOf(record.priority),
        category: category ?? '',
        title: record.title,
        description: record.description,
        siteCode: enriched.siteCode,
        status,
        sourceStatus: record.status,
        assignmentGroup: assignmentGroup ?? '',
        assignedTo: record.assignedTo ?? '',
        openedAt: timestampFromMs(record.openedAt.getTime()),
        updatedAt: timestampFromMs(record.updatedAt.getTime()),
        metadata: { ...labels, quality_score: String(enriched.qualityScore) },
      });
      return {
        topic: topic.name,
        key: keyOf(topic, message),
        value: encode(topic, message),
        headers: headersFor(topic, eventId, enriched.tenantId, record.updatedAt, context),
      };
    }
  }
}

/** The topic a record of this kind would have been published on. */
export function targetTopicOf(kind: string | undefined): {
  name: string;
  ceType: string;
} {
  switch (kind ?? '') {
    case 'metric':
    case 'metrics':
      return Topics.TelemetryMetrics;
    case 'ticket':
    case 'tickets':
      return Topics.ItsmTickets;
    default:
      return Topics.TelemetryEvents;
  }
}

const encoder = new TextEncoder();

/** The source's item as it came, as JSON (the record itself, minus nothing, when it has none). */
function rawBytes(record: SourceRecord): Uint8Array {
  const raw = record.raw === undefined ? { ...record, raw: undefined } : record.raw;
  try {
    return encoder.encode(JSON.stringify(raw) ?? 'null');
  } catch {
    // Circular or BigInt-holding input: keep what can be said about it.
    return encoder.encode(JSON.stringify({ unserialisable: Object.prototype.toString.call(raw) }));
  }
}

function rejectHeaders(
  topic: { name: string; ceType: string },
  reason: RejectReason,
  field: string,
  detail: string,
  tenant: string,
  context: OutboundContext,
  id: string,
): Record<string, string> {
  return {
    ...headersFor(topic, id, tenant, context.receivedAt, context),
    // The value is the raw input, not the topic's Protobuf message.
    'content-type': 'application/json',
    [DlqHeaderNames.Reason]: formatDlqReason(DlqReasonCodes.NonRetryable, `${reason}: ${detail}`),
    [DlqHeaderNames.OriginalTopic]: topic.name,
    [DlqHeaderNames.OriginalPartition]: '-1',
    [DlqHeaderNames.OriginalOffset]: '-1',
    [DlqHeaderNames.FailedAt]: context.receivedAt.toISOString(),
    [DlqHeaderNames.ConsumerGroup]: REJECT_STAGE,
    [RejectHeaders.reason]: reason,
    [RejectHeaders.field]: field,
    [RejectHeaders.sourceId]: context.sourceId,
  };
}

/**
 * A record the pipeline refused, for `<target topic>.dlq`: the raw input as the value, the reason
 * in `x-dlq-reason` (`NON_RETRYABLE: range: ...`) and `x-ingest-reject-reason`. Keyed by source.
 */
export function rejectOutboundOf(
  rejected: RejectedRecord,
  tenant: string,
  context: OutboundContext,
): OutboundRecord {
  const topic = targetTopicOf(rejected.record?.kind);
  const value = rawBytes(rejected.record);
  const id = rejectId(context.sourceId, rejected.reason, rejected.field, value);
  return {
    topic: `${topic.name}.dlq`,
    key: context.sourceId,
    value,
    headers: rejectHeaders(
      topic,
      rejected.reason,
      rejected.field,
      rejected.detail,
      tenant,
      context,
      id,
    ),
  };
}

/**
 * An item the connector could not normalise. The connector keeps only its reason (not the raw
 * item), so the value is that reason as JSON; the count of all of them is in the metrics.
 */
export function connectorRejectOutboundOf(
  item: RejectedItem,
  /** Position among the sync's rejected items, so two identical reasons stay two rejects. */
  index: number,
  tenant: string,
  context: OutboundContext,
): OutboundRecord {
  const topic = targetTopicOf(item.stream);
  const value = encoder.encode(JSON.stringify({ stream: item.stream, reason: item.reason, index }));
  return {
    topic: `${topic.name}.dlq`,
    key: context.sourceId,
    value,
    headers: rejectHeaders(
      topic,
      'connector_rejected',
      item.stream,
      item.reason,
      tenant,
      context,
      rejectId(context.sourceId, 'connector_rejected', item.stream, value),
    ),
  };
}
