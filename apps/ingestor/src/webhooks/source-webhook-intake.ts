import { Inject, Injectable } from '@nestjs/common';
import { ceSourceOf } from '@telcomesh/contracts';
import { DomainError, ErrorCode, SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import { IngestorCore } from '../ingestor-core';
import type { IngestorConfig } from '../ingestor.config';
import { pushedRowsOf } from '../push/pushed-records';
import { WebhookBodyError, WebhookMapping, parseJsonBody } from './webhook-mapping';
import { verifyWebhookSignature, type WebhookHeaders } from './webhook-signature';
import { WEBHOOK_SOURCE_TYPE, type WebhookSourceConfig } from './webhook-source-config';

/** What the sender of a delivery is answered (202). */
export interface WebhookDeliveryOutcome {
  delivery_id: string;
  /** True when this delivery id had already been accepted: nothing was published again. */
  duplicate: boolean;
  /** Records published. */
  accepted: number;
  /** Records (and unmappable items) sent to ingest.rejects.v1. */
  rejected: number;
}

/** Inbox consumer group of a source's deliveries. */
const inboxGroupOf = (sourceId: string) => `webhook:${sourceId}`;

/**
 * Deliveries to `POST /webhooks/sources/{source_id}`: the signature checked on the raw body, the
 * body mapped to records by the source's JSONata mapping, then the same pipeline as polled
 * sources (validation, enrichment, rejects). The delivery id is claimed in the inbox in the same
 * transaction as the outbox rows, so a sender's retry publishes nothing twice.
 */
@Injectable()
export class SourceWebhookIntake {
  private readonly mappings = new WeakMap<WebhookSourceConfig, WebhookMapping>();

  constructor(
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime<IngestorConfig>,
    @Inject(IngestorCore) private readonly core: IngestorCore,
  ) {}

  async receive(
    sourceId: string,
    headers: WebhookHeaders,
    raw: Uint8Array,
    now = Date.now(),
  ): Promise<WebhookDeliveryOutcome> {
    const source = await this.core.pushedSource(sourceId);
    if (!source || source.sourceType !== WEBHOOK_SOURCE_TYPE) {
      throw new DomainError(ErrorCode.NotFound, `no webhook source ${sourceId}`);
    }
    if (!source.enabled) {
      throw new DomainError(ErrorCode.Conflict, `webhook source ${sourceId} is disabled`);
    }
    const config = source.connector.config as WebhookSourceConfig;
    const verdict = verifyWebhookSignature(
      {
        scheme: config.signature_scheme,
        secret: config.hmac_secret,
        signatureHeader: config.signature_header,
        deliveryIdHeader: config.delivery_id_header,
        toleranceSeconds: config.timestamp_tolerance_seconds,
      },
      headers,
      raw,
      now,
    );
    if (!verdict.ok) {
      throw new DomainError(ErrorCode.Unauthorized, `webhook signature refused: ${verdict.reason}`);
    }

    let mapping = this.mappings.get(config);
    if (!mapping) this.mappings.set(config, (mapping = new WebhookMapping(config)));
    let mapped;
    try {
      mapped = await mapping.map(parseJsonBody(raw));
    } catch (error) {
      if (error instanceof WebhookBodyError) {
        throw new DomainError(ErrorCode.InvalidInput, error.message, { field: error.field });
      }
      throw error;
    }
    const pushed = pushedRowsOf(
      source.pipeline,
      mapped.records,
      mapped.unmapped.map((item) => ({ ...item, kind: config.record_kind })),
      source.tenantId,
      {
        sourceId,
        ceSource: ceSourceOf('ingestor'),
        receivedAt: new Date(now),
        metricBatchSize: this.core.metricBatchSize,
      },
    );

    const { dataSource, inbox, outbox } = this.runtime;
    const fresh = await dataSource.transaction(async (manager) => {
      if (!(await inbox.claim(manager, inboxGroupOf(sourceId), verdict.deliveryId))) return false;
      if (pushed.rows.length > 0) await outbox.enqueue(manager, pushed.rows);
      await this.core.store.recordPush(manager, {
        sourceId,
        replicaId: this.core.replicaId,
        receivedAt: new Date(now),
        accepted: pushed.acceptedCount,
        rejected: pushed.rejectedCount,
        qualityScore: pushed.qualityMean,
      });
      return true;
    });
    if (!fresh) {
      return { delivery_id: verdict.deliveryId, duplicate: true, accepted: 0, rejected: 0 };
    }
    outbox.notifyCommitted();
    this.core.metrics.recordPushed(sourceId, pushed.accepted, pushed.rejected);
    return {
      delivery_id: verdict.deliveryId,
      duplicate: false,
      accepted: pushed.acceptedCount,
      rejected: pushed.rejectedCount,
    };
  }
}
