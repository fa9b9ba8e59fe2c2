import { createHash, hash } from 'node:crypto';
import {
  AlarmState,
  AlarmType,
  buildEnvelopeHeaders,
  create,
  encode,
  HeaderNames,
  keyOf,
  NetworkEventType,
  PerceivedSeverity,
  timestampFromMs,
  TicketSeverity,
  TicketStatus,
  Topics,
  type NetworkMetric,
} from '@telcomesh/contracts';
import type { OutboundRecord } from '@telcomesh/messaging';
import type { AlarmRecord, RejectedItem, SourceRecord, TicketRecord } from '../connectors';
import type {
  EnrichedMetric,
  EnrichedRecord,
  EnrichedTicket,
  RejectedRecord,
  RejectReason,
} from './record-pipeline';
import { ticketPriorityOf, ticketSeverityOf, ticketStatusOf, ticketTypeOf } from './ticket-fields';

/** Headers a reject carries besides the envelope, for filtering without decoding the value. */
export const RejectHeaders = {
  reason: 'x-ingest-reject-reason',
  field: 'x-ingest-reject-field',
  sourceId: 'x-ingest-source-id',
} as const;

/** What every record of one sync shares. */
export interface OutboundContext {
  sourceId: string;
  /** `ce_source` of the ingestor. */
  ceSource: string;
  receivedAt: Date;
  traceparent?: string;
  tracestate?: string;
  /**
   * Measurements per `telemetry.metric-batches.v1` record (INGESTOR_METRICS_FORMAT=batch); unset,
   * each measurement is its own `telemetry.metrics.v1` record.
   */
  metricBatchSize?: number;
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
  // One-shot hash(): about half the cost of createHash().update().digest() for inputs this small.
  return uuidOfDigest(hash('sha256', `${sourceId}\u0000${recordIdentity(record)}`, 'hex'));
}

/** A SHA-256 hex digest shaped as a version-5-style UUID (what `ce_id` holds). */
export function uuidOfDigest(hex: string): string {
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Envelope templates by topic and tenant: only the id and time differ between a sync's records. */
const templates = new WeakMap<OutboundContext, Map<string, Record<string, string>>>();

export function headersFor(
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

/** The NetworkMetric of an accepted measurement (alone on its topic, or in a batch). */
export function networkMetricOf(enriched: EnrichedMetric, sourceId: string): NetworkMetric {
  const { record } = enriched;
  const metadata: Record<string, string> = {};
  let dataType = 'network_metric';
  for (const key in record.labels) {
    if (key === 'data_type') dataType = record.labels[key];
    else metadata[key] = record.labels[key];
  }
  if (record.managedObject !== '') metadata.managed_object = record.managedObject;
  // A literal rather than create(): one is built per measured value, the ingestor's hottest
  // allocation, and create() copies every field again. The type keeps it complete: a field the
  // contract gains is a compile error here until it is set.
  const metric: Required<Omit<NetworkMetric, '$unknown'>> = {
    $typeName: 'telcomesh.telemetry.v1.NetworkMetric',
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
  };
  return metric;
}

/** The record published for an accepted record: its topic's message, key and envelope. */
export function outboundOf(enriched: EnrichedRecord, context: OutboundContext): OutboundRecord {
  const { sourceId } = context;
  const eventId = recordEventId(sourceId, enriched.record);
  switch (enriched.kind) {
    case 'metric': {
      const topic = Topics.TelemetryMetrics;
      const message = networkMetricOf(enriched, sourceId);
      return {
        topic: topic.name,
        key: keyOf(topic, message),
        value: encode(topic, message),
        headers: headersFor(topic, eventId, enriched.tenantId, enriched.record.timestamp, context),
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
      const status = statusOfTicket(record);
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

/** Ticket severity → X.733 perceived severity of the incident's event. */
const INCIDENT_SEVERITY: Record<TicketSeverity, PerceivedSeverity> = {
  [TicketSeverity.CRITICAL]: PerceivedSeverity.CRITICAL,
  [TicketSeverity.HIGH]: PerceivedSeverity.MAJOR,
  [TicketSeverity.MEDIUM]: PerceivedSeverity.MINOR,
  [TicketSeverity.LOW]: PerceivedSeverity.WARNING,
  [TicketSeverity.UNSPECIFIED]: PerceivedSeverity.INDETERMINATE,
};

/** Statuses after which the incident no longer stands: its event is a clear. */
const INCIDENT_ENDED = new Set<TicketStatus>([
  TicketStatus.RESOLVED,
  TicketStatus.CLOSED,
  TicketStatus.CANCELED,
]);

/** The state's label names the status; its stored number (on its table) backs up unknown labels. */
function statusOfTicket(record: TicketRecord): TicketStatus {
  const status = ticketStatusOf(record.status, record.table);
  if (status !== TicketStatus.UNSPECIFIED || record.labels.state_value === undefined) return status;
  return ticketStatusOf(record.labels.state_value, record.table);
}

/**
 * The `telemetry.events.v1` event of an incident ticket (seed "Tickets ITSM": `data_type: event`,
 * `event_type: INCIDENT`), so event consumers see incidents beside alarms: open → RAISED with the
 * ticket's severity, resolved/closed/canceled → CLEARED; event type INCIDENT (and, for readers
 * older than that enum value, `metadata.event_type = INCIDENT`). Undefined for other tables and
 * for tickets without a site (`site_id` is the topic's key).
 */
export function incidentEventOf(
  enriched: EnrichedTicket,
  context: OutboundContext,
): OutboundRecord | undefined {
  const { record } = enriched;
  if (record.table.trim().toLowerCase() !== 'incident' || enriched.siteCode === '')
    return undefined;
  const topic = Topics.TelemetryEvents;
  // Distinct from the ticket's own ce_id, and as stable: the same ticket update, the same id.
  const eventId = uuidOfDigest(
    createHash('sha256')
      .update(`${context.sourceId}\u0000incident-event|${recordIdentity(record)}`)
      .digest('hex'),
  );
  const status = statusOfTicket(record);
  const ended = INCIDENT_ENDED.has(status);
  const metadata: Record<string, string> = {
    ...record.labels,
    data_type: 'event',
    event_type: 'INCIDENT',
    servicenow_table: record.table,
    servicenow_sys_id: record.ticketId,
    number: record.number,
    status: record.status,
    ticket_severity: record.severity,
    opened_at: record.openedAt.toISOString(),
    quality_score: String(enriched.qualityScore),
  };
  if (record.priority) metadata.priority = record.priority;
  if (record.assignedTo) metadata.assigned_to = record.assignedTo;
  const message = create(topic, {
    eventId,
    tenantId: enriched.tenantId,
    sourceId: context.sourceId,
    sourceSystem: 'ServiceNow',
    eventType: NetworkEventType.INCIDENT,
    severity: ended
      ? PerceivedSeverity.CLEARED
      : INCIDENT_SEVERITY[ticketSeverityOf(record.severity)],
    title: record.title,
    description: record.description,
    siteId: enriched.siteCode,
    // The raise and the clear share it, as an alarm's do.
    alarmId: `incident:${record.ticketId}`,
    state: ended ? AlarmState.CLEARED : AlarmState.RAISED,
    alarmType: AlarmType.UNSPECIFIED,
    eventTime: timestampFromMs(record.updatedAt.getTime()),
    receivedAt: timestampFromMs(context.receivedAt.getTime()),
    metadata,
  });
  return {
    topic: topic.name,
    key: keyOf(topic, message),
    value: encode(topic, message),
    headers: headersFor(topic, eventId, enriched.tenantId, record.updatedAt, context),
  };
}

/**
 * Every record published for an accepted record: its own (`outboundOf`), and for an incident
 * ticket its event on `telemetry.events.v1` too, so both leave in the same outbox batch.
 */
export function outboundRecordsOf(
  enriched: EnrichedRecord,
  context: OutboundContext,
): OutboundRecord[] {
  const primary = outboundOf(enriched, context);
  if (enriched.kind !== 'ticket') return [primary];
  const event = incidentEventOf(enriched, context);
  return event ? [primary, event] : [primary];
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

/** Media type of raw input the ingestor serialised itself (connector items, webhook bodies). */
export const JSON_CONTENT_TYPE = 'application/json';

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

/** Everything an `ingest.rejects.v1` record says about one refused input. */
export interface RejectFacts {
  /** `schema`, `range`, ... or, for webhooks, `mapping` / `body`. */
  reasonCode: string;
  /** One line for people; never a secret. */
  reason: string;
  field: string;
  /** `metric`, `alarm`, `ticket`, or the stream when the kind is not known. */
  recordKind: string;
  /** Topic the input would have been published on. */
  targetTopic: string;
  rawInput: Uint8Array;
  rawContentType: string;
}

/**
 * The `ingest.rejects.v1` record of one refused input, keyed by source. Its id derives from the
 * source, reason, field and raw input, so the same input refused twice carries the same `ce_id`.
 */
export function rejectRecordOf(
  facts: RejectFacts,
  tenant: string,
  context: OutboundContext,
  /** Distinguishes identical inputs that are still separate rejects (position in a batch). */
  discriminator = '',
): OutboundRecord {
  const topic = Topics.IngestRejects;
  const rejectId = uuidOfDigest(
    createHash('sha256')
      .update(`${context.sourceId}\u0000${facts.reasonCode}\u0000${facts.field}\u0000`)
      .update(discriminator)
      .update('\u0000')
      .update(facts.rawInput)
      .digest('hex'),
  );
  const message = create(topic, {
    rejectId,
    tenantId: tenant,
    sourceId: context.sourceId,
    targetTopic: facts.targetTopic,
    reasonCode: facts.reasonCode,
    reason: facts.reason,
    field: facts.field,
    recordKind: facts.recordKind,
    rawInput: facts.rawInput,
    rawContentType: facts.rawContentType,
    rejectedAt: timestampFromMs(context.receivedAt.getTime()),
  });
  return {
    topic: topic.name,
    key: keyOf(topic, message),
    value: encode(topic, message),
    headers: {
      ...headersFor(topic, rejectId, tenant, context.receivedAt, context),
      [RejectHeaders.reason]: facts.reasonCode,
      [RejectHeaders.field]: facts.field,
      [RejectHeaders.sourceId]: context.sourceId,
    },
  };
}

/** A record the pipeline refused, for `ingest.rejects.v1`, with its raw input as JSON. */
export function rejectOutboundOf(
  rejected: RejectedRecord,
  tenant: string,
  context: OutboundContext,
): OutboundRecord {
  const kind = (rejected.record as { kind?: unknown } | undefined)?.kind;
  return rejectRecordOf(
    {
      reasonCode: rejected.reason,
      reason: rejected.detail,
      field: rejected.field,
      recordKind: typeof kind === 'string' ? kind : '',
      targetTopic: targetTopicOf(typeof kind === 'string' ? kind : undefined).name,
      rawInput: rawBytes(rejected.record),
      rawContentType: JSON_CONTENT_TYPE,
    },
    tenant,
    context,
  );
}

/**
 * An item the connector could not normalise. The connector keeps only its reason (not the raw
 * item), so the raw input is that reason as JSON; the count of all of them is in the metrics.
 */
export function connectorRejectOutboundOf(
  item: RejectedItem,
  /** Position among the sync's rejected items, so two identical reasons stay two rejects. */
  index: number,
  tenant: string,
  context: OutboundContext,
): OutboundRecord {
  return rejectRecordOf(
    {
      reasonCode: 'connector_rejected' satisfies RejectReason,
      reason: item.reason,
      field: item.stream,
      recordKind: item.stream,
      targetTopic: targetTopicOf(item.stream).name,
      rawInput: encoder.encode(JSON.stringify({ stream: item.stream, reason: item.reason })),
      rawContentType: JSON_CONTENT_TYPE,
    },
    tenant,
    context,
    String(index),
  );
}
