import { ScalarType } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromDate } from '@bufbuild/protobuf/wkt';
import { ContractDecodeError, ContractError, ContractKeyError, ContractTypeError } from './errors';
import { AlertSeverity, AlertState } from './gen/telcomesh/aiops/v1/alerts_pb';
import { AuditOutcome } from './gen/telcomesh/audit/v1/records_pb';
import { CallAlertSeverity, CallAlertState } from './gen/telcomesh/calls/v1/alerts_pb';
import { CallEventKind } from './gen/telcomesh/calls/v1/events_pb';
import { ConfigChangeAction } from './gen/telcomesh/config/v1/changes_pb';
import { SourceCondition } from './gen/telcomesh/ingest/v1/health_pb';
import { ProvisionJobState } from './gen/telcomesh/provisioning/v1/jobs_pb';
import { SlaEventType } from './gen/telcomesh/sla/v1/events_pb';
import {
  TicketPriority,
  TicketSeverity,
  TicketStatus,
  TicketType,
} from './gen/telcomesh/itsm/v1/tickets_pb';
import { DeliveryStatus } from './gen/telcomesh/notify/v1/deliveries_pb';
import type { NetworkEvent } from './gen/telcomesh/telemetry/v1/events_pb';
import {
  AlarmState,
  AlarmType,
  NetworkEventType,
  PerceivedSeverity,
} from './gen/telcomesh/telemetry/v1/events_pb';
import type { AnyTopicDefinition, TopicId, TopicMessage, TopicName } from './topics';
import {
  allTopics,
  APP_NAMES,
  create,
  decode,
  defineTopic,
  dlqSpecOf,
  dlqTopicOf,
  DLQ_RETENTION_MS,
  encode,
  isDlqTopic,
  keyFieldOf,
  keyOf,
  topicByName,
  Topics,
} from './topics';

const at = timestampFromDate(new Date('2024-01-15T10:30:00Z'));

/** A fully populated message per topic, so every field is exercised by the round trip. */
const samples: { [K in TopicId]: MessageInitShape<(typeof Topics)[K]['schema']> } = {
  TelemetryMetrics: {
    tenantId: 'tenant-a',
    sourceId: 'oss-ericsson-01',
    timestamp: at,
    dataType: 'network_metric',
    technology: '5G',
    metricName: 'throughput',
    metricValue: 150.5,
    unit: 'Mbps',
    siteId: 'site-001',
    qualityScore: 0.95,
    metadata: { endpoint: '/pm/measurements', oss_type: 'ericsson', cell_id: 'CELL-001' },
  },
  TelemetryMetricBatches: {
    tenantId: 'tenant-a',
    sourceId: 'oss-ericsson-01',
    siteId: 'site-001',
    metrics: [
      {
        tenantId: 'tenant-a',
        sourceId: 'oss-ericsson-01',
        timestamp: at,
        dataType: 'network_metric',
        technology: '4G',
        metricName: 'prb_utilization',
        metricValue: 71.25,
        unit: '%',
        siteId: 'site-001',
        qualityScore: 1,
        metadata: { cell_id: 'CELL-002' },
      },
    ],
  },
  TelemetryEvents: {
    eventId: '0b7c2f7e-1d9a-4f57-9a51-6f3e0c1d2a10',
    tenantId: 'tenant-a',
    sourceId: 'oss-ericsson-01',
    sourceSystem: 'OSS-ericsson',
    eventType: NetworkEventType.ALARM,
    severity: PerceivedSeverity.CRITICAL,
    title: 'Cell Down',
    description: 'Cell site SITE-001 is down',
    siteId: 'site-001',
    alarmId: 'ALM-001',
    state: AlarmState.RAISED,
    alarmType: AlarmType.EQUIPMENT,
    probableCause: 'Equipment Failure',
    specificProblem: 'RRU unreachable',
    managedObject: 'CELL-001',
    acknowledged: false,
    eventTime: at,
    receivedAt: at,
    metadata: { cell_id: 'CELL-001' },
  },
  ItsmTickets: {
    sysId: 'abc123def456',
    number: 'INC0012345',
    servicenowTable: 'incident',
    tenantId: 'tenant-a',
    sourceId: 'servicenow-prod',
    eventType: TicketType.INCIDENT,
    severity: TicketSeverity.CRITICAL,
    priority: TicketPriority.P1_CRITICAL,
    category: 'Network',
    title: 'Network Outage - Site 001',
    description: 'Complete network outage at site 001',
    siteCode: 'SITE-001',
    status: TicketStatus.IN_PROGRESS,
    sourceStatus: 'In Progress',
    assignmentGroup: 'Network Operations',
    assignedTo: 'John Doe',
    openedAt: at,
    updatedAt: at,
    resolvedAt: at,
    closedAt: at,
    metadata: { caller: 'noc' },
  },
  IngestHealth: {
    sourceId: 'oss-ericsson-01',
    tenantId: 'tenant-a',
    healthy: false,
    lastSync: at,
    errorCount: 3,
    lastError: 'connection_lost: connect ETIMEDOUT',
    recordsCollected: 1200,
    responseTimeMs: 340,
    checkedAt: at,
    condition: SourceCondition.CONNECTION_LOST,
  },
  IngestRejects: {
    rejectId: '5f0c6a1e-8c1b-5d2e-9f3a-7b4c1d2e3f40',
    tenantId: 'tenant-a',
    sourceId: 'oss-ericsson-01',
    targetTopic: 'telemetry.metrics.v1',
    reasonCode: 'range',
    reason: 'metric_value 140 is outside 0..100 for %',
    field: 'metric_value',
    recordKind: 'metric',
    rawInput: new TextEncoder().encode('{"metric":"cpu","value":140}'),
    rawContentType: 'application/json',
    rejectedAt: at,
  },
  AiopsAlerts: {
    alertId: 'al-1',
    tenantId: 'tenant-a',
    siteId: 'site-001',
    kpi: 'throughput',
    unit: 'Mbps',
    severity: AlertSeverity.MAJOR,
    state: AlertState.FIRING,
    score: 0.97,
    detector: 'ewma',
    summary: 'Throughput 40% below baseline',
    observedValue: 90,
    expectedValue: 150,
    baselineLower: 130,
    baselineUpper: 170,
    window: durationFromMs(15 * 60 * 1000),
    startedAt: at,
    observedAt: at,
    metadata: { technology: '5G' },
  },
  ProvisioningJobs: {
    provisionId: '4711',
    tenantId: 'tenant-a',
    state: ProvisionJobState.FAILED,
    action: 'provision',
    playbook: 'play_simple_service',
    productId: '12',
    productName: 'Mobile 10GB',
    customerId: '7',
    customerName: 'Acme Towers',
    serviceId: '',
    initiatingUser: '1',
    taskCount: 3,
    tasks: [
      {
        eventNumber: 1,
        eventName: 'Get product',
        provisioningStatus: 0,
        provisioningResultJson: '{}',
      },
      {
        eventNumber: 2,
        eventName: 'Create subscriber',
        provisioningStatus: 2,
        provisioningResultJson: '{"status":500}',
      },
    ],
    errorMessage: 'Create subscriber failed',
    createdAt: at,
    finishedAt: at,
  },
  ProvisioningTasks: {
    provisionId: '4711',
    tenantId: 'tenant-a',
    eventNumber: 2,
    eventName: 'Create account in OCS',
    provisioningStatus: 2,
    provisioningResultJson: '{"status":500}',
    rescue: false,
    taskCount: 5,
    finishedAt: at,
  },
  SlaEvents: {
    eventId: '5f0e8f7e-1d9a-4f57-9a51-6f3e0c1d2a10',
    ticketId: 'jira:NOC-1234',
    tenantId: 'tenant-a',
    ticketKey: 'NOC-1234',
    ticketSystem: 'jira',
    title: 'Site 001 down',
    priority: 'P1',
    department: 'Field Operations',
    type: SlaEventType.BREACHED,
    slaName: 'P1 resolution 4h',
    target: durationFromMs(4 * 3600_000),
    elapsed: durationFromMs(4 * 3600_000 + 60_000),
    dueAt: at,
    breachDepartment: 'Transmission',
    occurredAt: at,
  },
  CallEvents: {
    eventId: '6c1f2a0e-3b7d-4e58-9f21-0a4b5c6d7e8f',
    entityKey: 'pbx-1/call/1700000000.42',
    tenantId: 'tenant-a',
    sourceId: 'pbx-1',
    kind: CallEventKind.CALL_ENDED,
    observedAt: at,
    call: {
      callId: '1700000000.42',
      direction: 'inbound',
      state: 'ended',
      remoteNumber: '+33612345678',
      queueId: 'support',
      agentId: 'PJSIP/1001',
      waitSeconds: 12,
      disposition: 'answered',
    },
  },
  CallAlerts: {
    alertId: 'ca-1',
    queueId: 'q-support',
    tenantId: 'tenant-a',
    sourceId: 'pbx-1',
    queueName: 'Support',
    rule: 'longest_wait',
    severity: CallAlertSeverity.MAJOR,
    state: CallAlertState.FIRING,
    observedValue: 240,
    threshold: 120,
    unit: 's',
    summary: 'Longest wait 240 s (threshold 120 s)',
    observedAt: at,
  },
  NotifyDeliveries: {
    deliveryId: 'dl-1',
    tenantId: 'tenant-a',
    eventId: '0b7c2f7e-1d9a-4f57-9a51-6f3e0c1d2a10',
    eventType: 'telcomesh.telemetry.event.v1',
    integration: 'slack-noc',
    integrationType: 'slack',
    target: 'https://hooks.slack.com/services/***',
    status: DeliveryStatus.RETRYING,
    attempts: 2,
    httpStatus: 503,
    error: 'service unavailable',
    latencyMs: 120,
    deliveredAt: at,
    nextAttemptAt: at,
  },
  ConfigChanges: {
    changeId: 'ch-1',
    tenantId: 'tenant-a',
    service: 'ingestor',
    key: 'datasources.oss-ericsson-01.password',
    action: ConfigChangeAction.UPDATED,
    oldValue: '***',
    newValue: '***',
    redacted: true,
    actor: 'admin@company.com',
    reason: 'credential rotation',
    changedAt: at,
  },
  Audit: {
    id: 'au-1',
    tenantId: 'tenant-a',
    actor: 'admin@company.com',
    action: 'apikey.revoke',
    resource: 'apikey/7',
    outcome: AuditOutcome.SUCCESS,
    at,
    details: { ip: '10.0.0.1' },
  },
};

const topicIds = Object.keys(Topics) as TopicId[];

/** Bytes that no protobuf message can decode from: field 1 with the invalid wire type 7. */
const GARBAGE = new Uint8Array([0x0f, 0xff, 0xff, 0xff]);

describe('topic registry', () => {
  it('has one sample per topic (keeps this spec complete when a topic is added)', () => {
    expect(Object.keys(samples).sort()).toEqual([...topicIds].sort());
    expect(allTopics()).toHaveLength(topicIds.length);
  });

  it.each(allTopics().map((t) => [t.name, t] as const))(
    '%s has a schema, a string key field, a DLQ name and sane settings',
    (_name, topic: AnyTopicDefinition) => {
      expect(topic.schema.kind).toBe('message');
      expect(topic.schema.typeName).toMatch(/^telcomesh\.[a-z]+\.v\d+\.[A-Z]\w+$/);
      const field = keyFieldOf(topic);
      expect(field.fieldKind).toBe('scalar');
      expect(field.fieldKind === 'scalar' && field.scalar).toBe(ScalarType.STRING);
      expect(dlqTopicOf(topic)).toBe(`${topic.name}.dlq`);
      expect(dlqSpecOf(topic)).toEqual({
        name: `${topic.name}.dlq`,
        partitions: topic.partitions,
        retentionMs: DLQ_RETENTION_MS,
      });
      expect(topic.ceType).toMatch(/^telcomesh\.[a-z]+\.[a-z]+\.v\d+$/);
      expect(topic.partitions).toBeGreaterThan(0);
      expect(topic.retentionMs).toBeGreaterThan(0);
      expect(topic.description.length).toBeGreaterThan(10);
      expect(topic.producers.length).toBeGreaterThan(0);
      for (const app of [...topic.producers, ...topic.consumers]) expect(APP_NAMES).toContain(app);
      // One top-level message per .proto file: a reader of the file knows what the topic holds.
      expect(topic.schema.file.messages).toHaveLength(1);
      expect(topic.schema.file.messages[0]).toBe(topic.schema);
      expect(Object.isFrozen(topic)).toBe(true);
    },
  );

  it('has unique topic names, ce types and schemas, and the version matches the proto package', () => {
    const topics = allTopics();
    expect(new Set(topics.map((t) => t.name)).size).toBe(topics.length);
    expect(new Set(topics.map((t) => t.ceType)).size).toBe(topics.length);
    expect(new Set(topics.map((t) => t.schema.typeName)).size).toBe(topics.length);
    for (const t of topics) {
      const version = /\.(v\d+)$/.exec(t.name)?.[1];
      expect(t.schema.file.proto.package.endsWith(`.${version}`)).toBe(true);
      expect(t.ceType.endsWith(`.${version}`)).toBe(true);
    }
  });

  it('looks topics up by name', () => {
    expect(topicByName('telemetry.events.v1')).toBe(Topics.TelemetryEvents);
    expect(topicByName('telemetry.events.v1.dlq')).toBeUndefined();
    expect(topicByName('nope')).toBeUndefined();
  });

  it('names DLQ topics', () => {
    const dlq: 'itsm.tickets.v1.dlq' = dlqTopicOf(Topics.ItsmTickets);
    expect(dlq).toBe('itsm.tickets.v1.dlq');
    expect(dlqTopicOf('audit.v1')).toBe('audit.v1.dlq');
    expect(isDlqTopic(dlq)).toBe(true);
    expect(isDlqTopic(Topics.ItsmTickets.name)).toBe(false);
  });

  it('rejects a bad definition when it is declared', () => {
    const base = Topics.TelemetryEvents;
    expect(() => defineTopic({ ...base, name: 'Telemetry Events' })).toThrow(ContractError);
    expect(() => defineTopic({ ...base, name: 'telemetry.events.v1.dlq' })).toThrow(
      /must not end with .dlq/,
    );
    expect(() => defineTopic({ ...base, partitions: 0 })).toThrow(/partitions/);
    expect(() => defineTopic({ ...base, producers: [] })).toThrow(/producer/);
    // A key field that is not a string field is refused at run time too (types already refuse it).
    const bad = { ...base, keyField: 'acknowledged' } as unknown as typeof base;
    expect(() => defineTopic(bad)).toThrow(/keyField "acknowledged"/);
  });
});

describe.each(topicIds)('codec of %s', (id) => {
  const topic = Topics[id] as AnyTopicDefinition;
  const init = samples[id] as MessageInitShape<DescMessage>;

  it('round-trips encode/decode without loss', () => {
    const message = create(topic, init);
    const bytes = encode(topic, message);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBeGreaterThan(0);
    expect(decode(topic, bytes)).toEqual(message);
    // Node Buffers (what Kafka clients hand out) decode the same.
    expect(decode(topic, Buffer.from(bytes))).toEqual(message);
  });

  it('gives the key field as the Kafka key', () => {
    const message = create(topic, init);
    const expected = init[topic.keyField];
    expect(keyOf(topic, message)).toBe(expected);
  });

  it('refuses an empty key', () => {
    const message = create(topic, { ...init, [topic.keyField]: '' });
    expect(() => keyOf(topic, message)).toThrow(ContractKeyError);
  });

  it('throws ContractDecodeError naming the topic on garbage bytes', () => {
    expect.assertions(4);
    try {
      decode(topic, GARBAGE);
    } catch (error) {
      expect(error).toBeInstanceOf(ContractDecodeError);
      expect((error as ContractDecodeError).topic).toBe(topic.name);
      expect((error as ContractDecodeError).code).toBe('CONTRACT_DECODE_FAILED');
      expect((error as Error).message).toContain(`"${topic.name}"`);
    }
  });
});

describe('codec helpers', () => {
  it('carries the message type of a topic in the types', () => {
    const event: NetworkEvent = create(Topics.TelemetryEvents, { siteId: 'site-9' });
    const same: TopicMessage<typeof Topics.TelemetryEvents> = decode(
      Topics.TelemetryEvents,
      encode(Topics.TelemetryEvents, event),
    );
    expect(same.siteId).toBe('site-9');
    const name: TopicName = Topics.TelemetryEvents.name;
    expect(name).toBe('telemetry.events.v1');

    const metric = create(Topics.TelemetryMetrics, { siteId: 'site-9' });
    // @ts-expect-error a NetworkMetric cannot be encoded for telemetry.events.v1
    expect(() => encode(Topics.TelemetryEvents, metric)).toThrow(ContractTypeError);
    expect(() =>
      // @ts-expect-error keyField must be a string field of the message
      defineTopic({ ...Topics.TelemetryEvents, keyField: 'acknowledged' }),
    ).toThrow(/keyField/);
  });

  it('throws ContractTypeError on a value that is not a message', () => {
    expect(() => encode(Topics.Audit, {} as never)).toThrow(/audit.v1/);
  });

  it('throws ContractDecodeError on truncated bytes and on a non-Uint8Array value', () => {
    const bytes = encode(Topics.Audit, create(Topics.Audit, samples.Audit));
    expect(() => decode(Topics.Audit, bytes.subarray(0, bytes.length - 3))).toThrow(
      ContractDecodeError,
    );
    expect(() => decode(Topics.Audit, 'text' as unknown as Uint8Array)).toThrow(
      ContractDecodeError,
    );
  });

  it('keeps fields it does not know (a newer producer) when re-encoding', () => {
    const original = encode(Topics.Audit, create(Topics.Audit, samples.Audit));
    // Append field 99 (varint 1), as a future schema version would.
    const newer = new Uint8Array([...original, 0x98, 0x06, 0x01]);
    const decoded = decode(Topics.Audit, newer);
    expect(decoded.resource).toBe('apikey/7');
    expect(encode(Topics.Audit, decoded)).toEqual(newer);
  });

  it('tells an unset optional value from an empty one (config old/new values)', () => {
    const created = create(Topics.ConfigChanges, {
      service: 'notifier',
      action: ConfigChangeAction.CREATED,
      newValue: '',
    });
    const decoded = decode(Topics.ConfigChanges, encode(Topics.ConfigChanges, created));
    expect(decoded.oldValue).toBeUndefined();
    expect(decoded.newValue).toBe('');
  });
});
