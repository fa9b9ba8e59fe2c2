// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import {
  ArrayMinSize,
  ArrayUnique,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { HttpConnectionConfig } from '../connection-config';
import type { ConnectorDeps, MetricRecord } from '../connector';
import {
  HttpPollingConnector,
  pageRequest,
  unexpectedShape,
  type PolledStream,
} from '../http-polling-connector';
import { offsetPaging } from '../http/pagination';
import { asItem, dateField, optionalText, textField } from '../item-fields';
import { SENSOR_TYPES, energyMetric, type SensorType } from './energy-readings';

export const IOT_REST_SOURCE_TYPE = 'energy_iot';

/**
 * Seed "IoT Energy Systems" connection_config: `base_url`, `authentication` (an API key in
 * `key_header`), `sensor_types`, `batch_size`; `polling_interval` is accepted because the seed
 * writes it here, but the schedule comes from the data source's own `polling_interval`.
 */
export class IotRestConfig extends HttpConnectionConfig {
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SENSOR_TYPES, { each: true })
  sensor_types: SensorType[] = [...SENSOR_TYPES];

  /** Readings per page (`limit`). */
  @IsInt()
  @Min(1)
  @Max(1000)
  batch_size = 100;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  polling_interval?: number;

  @Matches(/^\/[^\s?#]*$/, { message: 'readings_path must be a path such as /api/v1/readings' })
  readings_path = '/api/v1/readings';

  /** How far back the first sync reaches. */
  @IsInt()
  @Min(1)
  @Max(60 * 24 * 31)
  initial_lookback_minutes = 60;

  /**
   * Readings reach the platform late (buffered sensors, clock skew); each window ends this long
   * before now so none lands in a window already read.
   */
  @IsInt()
  @Min(0)
  @Max(3600)
  receive_delay_seconds = 5;

  /** Most readings per sync; the rest come with the next one. */
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  max_readings = 100_000;
}

/**
 * One reading of the platform's REST API:
 * `{reading_id, site_id, sensor_id, sensor_type, value, unit, measured_at, received_at, status}`.
 */
export function restReadingMetric(value: unknown): MetricRecord {
  const item = asItem(value);
  const readingId = optionalText(item, 'reading_id');
  return energyMetric({
    siteId: textField(item, 'site_id'),
    sensorId: textField(item, 'sensor_id'),
    sensorType: textField(item, 'sensor_type'),
    value: item.value,
    unit: optionalText(item, 'unit'),
    timestamp: dateField(item, 'measured_at'),
    suspect: optionalText(item, 'status') === 'suspect',
    labels: readingId === undefined ? undefined : { reading_id: readingId },
    raw: value,
  });
}

/**
 * IoT energy platform over REST (seed "Energy_IoTConnector"): `GET <readings_path>` with the API
 * key header, `sensor_types`, the window on the platform's receive time (`received_after`
 * exclusive, `received_until` inclusive, ISO 8601) and `offset`/`limit` paging of `batch_size`;
 * it answers `{readings: [...], total}`. Windows follow receive time, not measurement time, so a
 * reading that arrives late still falls in a window not yet read.
 */
export class IotRestConnector extends HttpPollingConnector<IotRestConfig> {
  readonly sourceType = IOT_REST_SOURCE_TYPE;

  constructor(config: IotRestConfig, deps: ConnectorDeps) {
    super(IotRestConfig, config, deps);
  }

  protected createStreams(): PolledStream[] {
    const config = this.config;
    const wanted = new Set<string>(config.sensor_types);
    return [
      {
        name: 'metrics',
        paging: offsetPaging({ limit: config.batch_size }),
        lagMs: config.receive_delay_seconds * 1000,
        limit: config.max_readings,
        firstSince: (untilMs) => untilMs - config.initial_lookback_minutes * 60_000,
        request: ({ since, until }, page) =>
          pageRequest(
            config.readings_path,
            {
              sensor_types: config.sensor_types.join(','),
              received_after: since?.toISOString(),
              received_until: until.toISOString(),
            },
            page,
          ),
        readPage: (body, response) => {
          const readings =
            typeof body === 'object' && body !== null
              ? (body as { readings?: unknown }).readings
              : undefined;
          if (!Array.isArray(readings)) {
            throw unexpectedShape(response, '{ "readings": [...], "total": n }');
          }
          const total = (body as { total?: unknown }).total;
          return {
            items: readings as unknown[],
            info: {
              count: readings.length,
              total: typeof total === 'number' && Number.isFinite(total) ? total : undefined,
            },
          };
        },
        // The platform filters by sensor type too; this keeps a platform that ignores it honest.
        toRecord: (item) => {
          const metric = restReadingMetric(item);
          return wanted.has(metric.name) ? metric : undefined;
        },
      },
    ];
  }
}
