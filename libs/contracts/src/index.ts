/**
 * @telcomesh/contracts: the event contracts of TelcoMesh.
 * - generated Protobuf message types and schemas (from `proto/`, never edited by hand);
 * - the typed topic registry (`Topics`) and codec helpers (`encode`, `decode`, `keyOf`...);
 * - the envelope header names and helpers.
 */
export * from './errors';
export * from './headers';
export * from './envelope';
export * from './topics';

// Generated code (buf generate -> src/gen). One line per .proto file.
export * from './gen/telcomesh/aiops/v1/alerts_pb';
export * from './gen/telcomesh/audit/v1/records_pb';
export * from './gen/telcomesh/calls/v1/alerts_pb';
export * from './gen/telcomesh/calls/v1/events_pb';
export * from './gen/telcomesh/config/v1/changes_pb';
export * from './gen/telcomesh/ingest/v1/health_pb';
export * from './gen/telcomesh/ingest/v1/rejects_pb';
export * from './gen/telcomesh/itsm/v1/tickets_pb';
export * from './gen/telcomesh/notify/v1/deliveries_pb';
export * from './gen/telcomesh/provisioning/v1/jobs_pb';
export * from './gen/telcomesh/provisioning/v1/tasks_pb';
export * from './gen/telcomesh/sla/v1/events_pb';
export * from './gen/telcomesh/telemetry/v1/events_pb';
export * from './gen/telcomesh/telemetry/v1/metric_batches_pb';
export * from './gen/telcomesh/telemetry/v1/metrics_pb';

// Well-known types used by the messages, and their conversion helpers.
export type { Duration, Timestamp } from '@bufbuild/protobuf/wkt';
export {
  durationFromMs,
  durationMs,
  timestampDate,
  timestampFromDate,
  timestampFromMs,
  timestampMs,
  timestampNow,
} from '@bufbuild/protobuf/wkt';
