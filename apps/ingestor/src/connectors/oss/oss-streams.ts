import type { AlarmRecord, MetricRecord } from '../connector';
import { pageRequest, type PolledStream, type StreamWindow } from '../http-polling-connector';
import type { SourceRequest } from '../http/http-source-client';
import type { Paging } from '../http/pagination';
import { OssRecordFilter, type OssConnectionConfig } from './oss-config';

/** How one OSS endpoint (PM or FM) is asked for a window and read. */
export interface OssEndpoint<TRecord> {
  path: string;
  /** The endpoint's query for a window, the site filter included. */
  query(window: StreamWindow): SourceRequest['query'];
  readPage: PolledStream['readPage'];
  /** One item normalised; throws ItemError on bad data. */
  toRecord(item: unknown): TRecord;
}

/**
 * The metrics and alarms streams of an OSS that applies the site filter itself, for the endpoints
 * the config selects: metrics lag `measurement_delay_seconds` and first look back
 * `initial_lookback_minutes`; alarms stop at `max_alarms`; records are checked against the config's
 * filters again here.
 */
export function ossStreams(
  config: OssConnectionConfig,
  paging: Paging,
  metrics: OssEndpoint<MetricRecord>,
  alarms: OssEndpoint<AlarmRecord>,
): PolledStream[] {
  const filter = new OssRecordFilter(config, true);
  const streams: PolledStream[] = [];
  if (config.endpoints.includes(metrics.path)) {
    streams.push({
      name: 'metrics',
      paging,
      lagMs: config.measurement_delay_seconds * 1000,
      firstSince: (until) => until - config.initial_lookback_minutes * 60_000,
      request: (window, page) => pageRequest(metrics.path, metrics.query(window), page),
      readPage: metrics.readPage,
      toRecord: (item) => {
        const record = metrics.toRecord(item);
        return filter.metric(record) ? record : undefined;
      },
    });
  }
  if (config.endpoints.includes(alarms.path)) {
    streams.push({
      name: 'alarms',
      paging,
      lagMs: 0,
      limit: config.max_alarms,
      request: (window, page) => pageRequest(alarms.path, alarms.query(window), page),
      readPage: alarms.readPage,
      toRecord: (item) => {
        const record = alarms.toRecord(item);
        return filter.alarm(record) ? record : undefined;
      },
    });
  }
  return streams;
}
