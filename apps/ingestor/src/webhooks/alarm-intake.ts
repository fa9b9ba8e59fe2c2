import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { createHash, randomUUID } from 'node:crypto';
import {
  AlarmState,
  AlarmType,
  create,
  NetworkEventType,
  PerceivedSeverity,
  Topics,
  timestampFromDate,
  ceSourceOf,
} from '@telcomesh/contracts';
import { EventOutbox } from '@telcomesh/messaging';
import { DomainError, ErrorCode, SERVICE_RUNTIME, type ServiceRuntime } from '@telcomesh/platform';
import type { IngestorConfig } from '../ingestor.config';
import type { AlarmAcceptedDto, AlarmWebhookDto } from './alarm-webhook.dto';

const SEVERITY: Record<AlarmWebhookDto['severity'], PerceivedSeverity> = {
  CRITICAL: PerceivedSeverity.CRITICAL,
  MAJOR: PerceivedSeverity.MAJOR,
  MINOR: PerceivedSeverity.MINOR,
  WARNING: PerceivedSeverity.WARNING,
  INDETERMINATE: PerceivedSeverity.INDETERMINATE,
  CLEARED: PerceivedSeverity.CLEARED,
};
const STATE: Record<NonNullable<AlarmWebhookDto['state']>, AlarmState> = {
  RAISED: AlarmState.RAISED,
  CHANGED: AlarmState.CHANGED,
  CLEARED: AlarmState.CLEARED,
};
const TYPE: Record<NonNullable<AlarmWebhookDto['alarm_type']>, AlarmType> = {
  COMMUNICATIONS: AlarmType.COMMUNICATIONS,
  QUALITY_OF_SERVICE: AlarmType.QUALITY_OF_SERVICE,
  PROCESSING_ERROR: AlarmType.PROCESSING_ERROR,
  EQUIPMENT: AlarmType.EQUIPMENT,
  ENVIRONMENTAL: AlarmType.ENVIRONMENTAL,
};

/**
 * Turns a webhook alarm into a normalized `telemetry.events.v1` event. The receipt row and the
 * outbox row commit together; the same notification sent again (sender retry) is recognised by
 * its fingerprint and answered with the original event id instead of a second event.
 */
@Injectable()
export class AlarmIntake {
  private readonly events: EventOutbox;
  private readonly receipts: string;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime<IngestorConfig>) {
    this.events = new EventOutbox(runtime.outbox, ceSourceOf('ingestor'));
    this.receipts = `"${(runtime.dataSource.options as { schema: string }).schema}"."webhook_receipts"`;
  }

  async accept(
    sourceId: string,
    tenant: string | undefined,
    alarm: AlarmWebhookDto,
  ): Promise<AlarmAcceptedDto> {
    const [accepted] = await this.acceptMany(sourceId, tenant, [alarm]);
    return accepted;
  }

  /** Accepts a batch atomically: every alarm becomes an event, or none does. */
  async acceptMany(
    sourceId: string,
    tenant: string | undefined,
    alarms: AlarmWebhookDto[],
  ): Promise<AlarmAcceptedDto[]> {
    const tenantId = tenant ?? this.runtime.config.DEFAULT_TENANT;
    alarms.forEach((alarm, index) =>
      this.check(alarm, alarms.length > 1 ? `alarms[${index}].` : ''),
    );
    return this.events.transaction(async (manager) => {
      const results: AlarmAcceptedDto[] = [];
      for (const alarm of alarms)
        results.push(await this.stageOne(manager, sourceId, tenantId, alarm));
      return results;
    });
  }

  private check(alarm: AlarmWebhookDto, at: string): void {
    const eventTime = new Date(alarm.event_time);
    if (Number.isNaN(eventTime.getTime())) {
      throw new DomainError(ErrorCode.InvalidInput, `${at}event_time is not a valid date`, {
        field: `${at}event_time`,
      });
    }
    const badKey = Object.entries(alarm.metadata ?? {}).find(([, v]) => typeof v !== 'string');
    if (badKey) {
      const field = `${at}metadata.${badKey[0]}`;
      throw new DomainError(ErrorCode.InvalidInput, `${field} must be a string`, { field });
    }
  }

  private async stageOne(
    manager: EntityManager,
    sourceId: string,
    tenantId: string,
    alarm: AlarmWebhookDto,
  ): Promise<AlarmAcceptedDto> {
    const eventTime = new Date(alarm.event_time);
    const metadata = alarm.metadata ?? {};
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          tenantId,
          sourceId,
          alarm.alarm_id,
          alarm.state ?? 'RAISED',
          alarm.severity,
          alarm.event_time,
        ]),
      )
      .digest('hex');

    {
      const eventId = randomUUID();
      const inserted = await manager.query<{ event_id: string }[]>(
        `INSERT INTO ${this.receipts} ("fingerprint", "event_id", "source_id", "alarm_id", "tenant_id")
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("fingerprint") DO NOTHING RETURNING "event_id"`,
        [fingerprint, eventId, sourceId, alarm.alarm_id, tenantId],
      );
      if (inserted.length === 0) {
        const [existing] = await manager.query<{ event_id: string }[]>(
          `SELECT "event_id" FROM ${this.receipts} WHERE "fingerprint" = $1`,
          [fingerprint],
        );
        return { event_id: existing.event_id, topic: Topics.TelemetryEvents.name, created: false };
      }
      const event = create(Topics.TelemetryEvents, {
        eventId,
        tenantId,
        sourceId,
        sourceSystem: alarm.source_system,
        eventType: NetworkEventType.ALARM,
        severity: SEVERITY[alarm.severity],
        title: alarm.title,
        description: alarm.description ?? '',
        siteId: alarm.site_id,
        alarmId: alarm.alarm_id,
        state: alarm.severity === 'CLEARED' ? AlarmState.CLEARED : STATE[alarm.state ?? 'RAISED'],
        alarmType: alarm.alarm_type ? TYPE[alarm.alarm_type] : AlarmType.UNSPECIFIED,
        probableCause: alarm.probable_cause ?? '',
        managedObject: alarm.managed_object ?? '',
        acknowledged: alarm.acknowledged ?? false,
        eventTime: timestampFromDate(eventTime),
        receivedAt: timestampFromDate(new Date()),
        metadata,
      });
      await this.events.stage(manager, Topics.TelemetryEvents, event, {
        id: eventId,
        tenant: tenantId,
        time: eventTime,
      });
      return { event_id: eventId, topic: Topics.TelemetryEvents.name, created: true };
    }
  }
}
