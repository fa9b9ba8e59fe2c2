import { hash } from 'node:crypto';
import { create, encode, keyOf, Topics, type NetworkMetric } from '@telcomesh/contracts';
import type { OutboundRecord } from '@telcomesh/messaging';
import {
  headersFor,
  networkMetricOf,
  outboundRecordsOf,
  recordIdentity,
  uuidOfDigest,
  type OutboundContext,
} from './outbound-records';
import type { EnrichedMetric, EnrichedRecord, RejectedRecord } from './record-pipeline';

interface OpenBatch {
  tenantId: string;
  siteId: string;
  metrics: NetworkMetric[];
  /** Each metric's identity, in order: with the source, they make the batch's event id. */
  identities: string[];
  latestMs: number;
}

/**
 * Groups one sync's accepted measurements into `telemetry.metric-batches.v1` records: one per
 * tenant and site, in the order the source reported them, split every `maxMetrics`. Per-value
 * costs that dominate one-record-per-value publishing (event id digest, seven envelope headers,
 * Kafka record framing) are paid once per batch. The event id derives from the source and the
 * identities of the batch's metrics, so the same sync fetched again yields the same ids.
 */
export class MetricBatches {
  private readonly open = new Map<string, OpenBatch>();
  private readonly done: OutboundRecord[] = [];

  constructor(
    private readonly context: OutboundContext,
    private readonly maxMetrics: number,
  ) {
    if (!Number.isInteger(maxMetrics) || maxMetrics < 1)
      throw new RangeError(`maxMetrics must be a whole number ≥ 1, got ${maxMetrics}`);
  }

  /** Adds a measurement; throws (touching no batch) when the contract refuses it alone. */
  add(enriched: EnrichedMetric): void {
    const metric = networkMetricOf(enriched, this.context.sourceId);
    // Checked per measurement, as telemetry.metrics.v1 would: one bad value must not sink a batch.
    keyOf(Topics.TelemetryMetrics, metric);
    const slot = `${enriched.tenantId}\u0000${enriched.siteId}`;
    let batch = this.open.get(slot);
    if (!batch) {
      batch = {
        tenantId: enriched.tenantId,
        siteId: enriched.siteId,
        metrics: [],
        identities: [],
        latestMs: Number.NEGATIVE_INFINITY,
      };
      this.open.set(slot, batch);
    }
    batch.metrics.push(metric);
    batch.identities.push(recordIdentity(enriched.record));
    batch.latestMs = Math.max(batch.latestMs, enriched.record.timestamp.getTime());
    if (batch.metrics.length >= this.maxMetrics) {
      this.done.push(this.recordOf(batch));
      this.open.delete(slot);
    }
  }

  /** Every batch, full ones first in the order they filled, then the rest by first metric. */
  finish(): OutboundRecord[] {
    for (const batch of this.open.values()) this.done.push(this.recordOf(batch));
    this.open.clear();
    return this.done.splice(0);
  }

  private recordOf(batch: OpenBatch): OutboundRecord {
    const topic = Topics.TelemetryMetricBatches;
    const message = create(topic, {
      tenantId: batch.tenantId,
      sourceId: this.context.sourceId,
      siteId: batch.siteId,
      metrics: batch.metrics,
    });
    return {
      topic: topic.name,
      key: keyOf(topic, message),
      value: encode(topic, message),
      headers: headersFor(
        topic,
        // One native call per batch; hashing per value cost more than the rest of the batch.
        uuidOfDigest(
          hash('sha256', `${this.context.sourceId}\u0000${batch.identities.join('\u0000')}`, 'hex'),
        ),
        batch.tenantId,
        new Date(batch.latestMs),
        this.context,
      ),
    };
  }
}

/** The records of a sync's (or a push's) accepted records, with what went into them. */
export interface AcceptedOutbound {
  records: OutboundRecord[];
  /** Accepted records by kind (an incident ticket counts once though published twice). */
  accepted: Record<string, number>;
  acceptedCount: number;
  qualitySum: number;
  /** Records the contract refused while being built: rejects, with the reason. */
  refused: RejectedRecord[];
}

/**
 * Every record published for a batch of accepted records: one per record (an incident ticket
 * also on `telemetry.events.v1`), measurements batched per site when the context asks for it.
 */
export function acceptedOutboundOf(
  accepted: readonly EnrichedRecord[],
  context: OutboundContext,
): AcceptedOutbound {
  const out: AcceptedOutbound = {
    records: [],
    accepted: {},
    acceptedCount: 0,
    qualitySum: 0,
    refused: [],
  };
  const batches =
    context.metricBatchSize === undefined
      ? undefined
      : new MetricBatches(context, context.metricBatchSize);
  for (const enriched of accepted) {
    try {
      if (batches && enriched.kind === 'metric') batches.add(enriched);
      else out.records.push(...outboundRecordsOf(enriched, context));
      out.accepted[enriched.kind] = (out.accepted[enriched.kind] ?? 0) + 1;
      out.acceptedCount++;
      out.qualitySum += enriched.qualityScore;
    } catch (error) {
      out.refused.push({
        record: enriched.record,
        reason: 'schema',
        field: 'record',
        detail: error instanceof Error ? error.message : String(error),
      });
    }
  }
  if (batches) out.records.push(...batches.finish());
  return out;
}
