import type { OutboundRecord } from '@telcomesh/messaging';
import type { SourceRecord } from '../connectors';
import { acceptedOutboundOf } from '../pipeline/metric-batches';
import {
  JSON_CONTENT_TYPE,
  rejectOutboundOf,
  rejectRecordOf,
  targetTopicOf,
  type OutboundContext,
} from '../pipeline/outbound-records';
import type { RecordPipeline } from '../pipeline/record-pipeline';

/** An input that did not even become a record (mapping failed): it goes to the rejects as it is. */
export interface UnmappedInput {
  raw: unknown;
  field: string;
  reason: string;
  /** `metric` or `alarm`: what it was meant to be. */
  kind: string;
}

/** The outbox rows of records a source pushed, and their counts by kind and by reject reason. */
export interface PushedRows {
  rows: OutboundRecord[];
  accepted: Record<string, number>;
  rejected: Record<string, number>;
  acceptedCount: number;
  rejectedCount: number;
  /** Mean quality_score of the accepted records; undefined when none. */
  qualityMean?: number;
}

const encoder = new TextEncoder();

function jsonBytes(value: unknown): Uint8Array {
  try {
    return encoder.encode(JSON.stringify(value) ?? 'null');
  } catch {
    return encoder.encode(
      JSON.stringify({ unserialisable: Object.prototype.toString.call(value) }),
    );
  }
}

/**
 * Pushed records (webhook deliveries, SNMP traps) through the same pipeline as polled ones:
 * validation and enrichment, then published rows, and a reject on `ingest.rejects.v1` for every
 * record refused and every input that did not map. Nothing is dropped silently.
 */
export function pushedRowsOf(
  pipeline: RecordPipeline,
  records: readonly SourceRecord[],
  unmapped: readonly UnmappedInput[],
  tenantId: string,
  context: OutboundContext,
): PushedRows {
  const processed = pipeline.process(records, context.receivedAt.getTime());
  const built = acceptedOutboundOf(processed.accepted, context);
  const rows: OutboundRecord[] = built.records;
  const accepted = built.accepted;
  const rejected: Record<string, number> = {};
  const rejects = [...processed.rejected, ...built.refused];
  for (const reject of rejects) {
    rejected[reject.reason] = (rejected[reject.reason] ?? 0) + 1;
    rows.push(rejectOutboundOf(reject, tenantId, context));
  }
  unmapped.forEach((input, index) => {
    rejected.connector_rejected = (rejected.connector_rejected ?? 0) + 1;
    rows.push(
      rejectRecordOf(
        {
          reasonCode: 'connector_rejected',
          reason: input.reason,
          field: input.field,
          recordKind: input.kind,
          targetTopic: targetTopicOf(input.kind).name,
          rawInput: jsonBytes(input.raw),
          rawContentType: JSON_CONTENT_TYPE,
        },
        tenantId,
        context,
        String(index),
      ),
    );
  });
  return {
    rows,
    accepted,
    rejected,
    acceptedCount: built.acceptedCount,
    rejectedCount: Object.values(rejected).reduce((a, b) => a + b, 0),
    qualityMean:
      built.acceptedCount > 0
        ? Math.round((built.qualitySum / built.acceptedCount) * 1000) / 1000
        : undefined,
  };
}
