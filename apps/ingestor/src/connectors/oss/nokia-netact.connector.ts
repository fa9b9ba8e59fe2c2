import type { AlarmRecord, ConnectorDeps, MetricRecord } from '../connector';
import {
  HttpPollingConnector,
  unexpectedShape,
  type PolledStream,
} from '../http-polling-connector';
import type { SourceResponse } from '../http/http-source-client';
import { nextLinkPaging } from '../http/pagination';
import {
  alarmTypeOf,
  asItem,
  dateField,
  ItemError,
  normaliseTechnology,
  numberField,
  optionalDate,
  optionalText,
  severityField,
  textField,
} from '../item-fields';
import { lastRdnValue, technologyOfObject } from './managed-object-names';
import { OssConnectionConfig, type OssVendor } from './oss-config';
import { ossStreams } from './oss-streams';
import { siteFilterValues } from './site-filter';

export const NETACT_PM_ENDPOINT = '/rest/api/v1/measurements';
export const NETACT_FM_ENDPOINT = '/rest/api/v1/alarms';

/** Seed "Nokia NetAct": basic authentication. */
export class NokiaNetActConfig extends OssConnectionConfig {
  static override readonly vendor: OssVendor = {
    ossType: 'nokia',
    endpoints: [NETACT_PM_ENDPOINT, NETACT_FM_ENDPOINT],
    authentication: ['basic'],
  };
}

/** NetAct names radio technologies the 3GPP way. */
const NETACT_TECHNOLOGY: Record<string, string> = {
  '2G': 'GSM',
  '3G': 'WCDMA',
  '4G': 'LTE',
  '5G': 'NR',
};

/** One `/rest/api/v1/measurements` item; the period end is start + duration (minutes). */
export function netActMeasurement(value: unknown): MetricRecord {
  const item = asItem(value);
  const dn = textField(item, 'dn');
  const durationMinutes = numberField(item, 'periodDuration');
  const start = dateField(item, 'periodStartTime');
  const region = optionalText(item, 'region');
  const labels: Record<string, string> = {
    cell_id: lastRdnValue(dn, '/'),
    granularity_seconds: String(durationMinutes * 60),
  };
  if (region !== undefined) labels.region = region;
  return {
    kind: 'metric',
    siteId: textField(item, 'siteId'),
    managedObject: dn,
    name: textField(item, 'kpiId'),
    value: numberField(item, 'value'),
    unit: optionalText(item, 'unit') ?? '',
    timestamp: new Date(start.getTime() + durationMinutes * 60_000),
    technology: normaliseTechnology(textField(item, 'technology')),
    quality: 1,
    labels,
    raw: value,
  };
}

/** One `/rest/api/v1/alarms` item; a cancelled alarm is a cleared one. */
export function netActAlarm(value: unknown): AlarmRecord {
  const item = asItem(value);
  const status = textField(item, 'alarmStatus');
  if (status !== 'ACTIVE' && status !== 'CANCELLED') {
    throw new ItemError(`alarmStatus is "${status}", not ACTIVE or CANCELLED`);
  }
  const cleared = status === 'CANCELLED';
  const dn = textField(item, 'dn');
  const raisedAt = dateField(item, 'alarmTime');
  const clearedAt = optionalDate(item, 'cancelTime');
  const text = textField(item, 'alarmText');
  const region = optionalText(item, 'region');
  const labels: Record<string, string> = { alarm_number: textField(item, 'alarmNumber') };
  if (region !== undefined) labels.region = region;
  return {
    kind: 'alarm',
    alarmId: textField(item, 'alarmId'),
    severity: cleared ? 'CLEARED' : severityField(item, 'severity'),
    alarmType: alarmTypeOf(optionalText(item, 'eventType')),
    probableCause: optionalText(item, 'probableCause') ?? '',
    specificProblem: text,
    managedObject: dn,
    title: text,
    description: optionalText(item, 'supplementaryInfo') ?? '',
    siteId: textField(item, 'siteId'),
    technology: technologyOfObject(dn),
    state: cleared ? 'cleared' : 'raised',
    acknowledged: textField(item, 'ackStatus') === 'ACK',
    eventTime: cleared ? (clearedAt ?? raisedAt) : raisedAt,
    raisedAt,
    clearedAt,
    acknowledgedAt: optionalDate(item, 'ackTime'),
    changedAt: optionalDate(item, 'lastChangeTime') ?? clearedAt ?? raisedAt,
    sourceSystem: 'OSS-nokia',
    labels,
    raw: value,
  };
}

/**
 * Nokia NetAct REST: basic authentication, `items` pages chained by HAL `_links.next.href`,
 * windows as `startTime`/`endTime` (PM) and `changedAfter`/`changedBefore` (FM), technologies in
 * NetAct's words (LTE, NR), the site filter applied by NetAct and checked again here.
 */
export class NokiaNetActConnector extends HttpPollingConnector<NokiaNetActConfig> {
  readonly sourceType = 'oss_network';

  constructor(config: NokiaNetActConfig, deps: ConnectorDeps) {
    super(NokiaNetActConfig, config, deps);
  }

  protected createStreams(): PolledStream[] {
    const config = this.config;
    const paging = nextLinkPaging({ size: config.page_size, sizeParam: 'pageSize' });
    const sites = {
      region: siteFilterValues(config.site_filter, 'region'),
      siteId: siteFilterValues(config.site_filter, 'site'),
    };
    const readPage = (body: unknown, response: SourceResponse) => {
      const page = body as { items?: unknown; _links?: { next?: { href?: unknown } } } | null;
      const items = page?.items;
      if (!Array.isArray(items)) throw unexpectedShape(response, 'an object with an "items" array');
      const next = page?._links?.next?.href;
      return {
        items,
        info: { count: items.length, nextLink: typeof next === 'string' ? next : undefined },
      };
    };
    return ossStreams(
      config,
      paging,
      {
        path: NETACT_PM_ENDPOINT,
        query: ({ since, until }) => ({
          startTime: since?.toISOString(),
          endTime: until.toISOString(),
          ...sites,
          technology: config.technologies?.map((t) => NETACT_TECHNOLOGY[t] ?? t).join(','),
          kpi: config.measurement_types?.join(','),
        }),
        readPage,
        toRecord: netActMeasurement,
      },
      {
        path: NETACT_FM_ENDPOINT,
        query: ({ since, until }) => ({
          changedAfter: since?.toISOString(),
          changedBefore: until.toISOString(),
          ...sites,
        }),
        readPage,
        toRecord: netActAlarm,
      },
    );
  }
}
