import type { AlarmRecord, ConnectorDeps, MetricRecord } from '../connector';
import {
  HttpPollingConnector,
  pageRequest,
  unexpectedShape,
  type PolledStream,
  type StreamWindow,
} from '../http-polling-connector';
import type { SourceResponse } from '../http/http-source-client';
import { cursorPaging, singlePage } from '../http/pagination';
import {
  alarmTypeOf,
  asItem,
  dateField,
  ItemError,
  optionalDate,
  optionalText,
  severityField,
  textField,
  type Item,
} from '../item-fields';
import { lastRdnValue, rdnValue, technologyOfObject } from './managed-object-names';
import { OssConnectionConfig, OssRecordFilter, type OssVendor } from './oss-config';

/** 3GPP TS 28.532 Fault Supervision MnS, alarm list resource (MnS version 17.0.0). */
export const ZTE_FM_ENDPOINT = '/FaultSupervisionMnS/v1700/alarms';
/** Measurement results in the TS 32.435 measCollec structure, as JSON. */
export const ZTE_PM_ENDPOINT = '/PerfMnS/v1/measurementResults';

/** ZTE UME / ElementCare northbound: an API key header (`X-API-Key` unless `key_header` says otherwise). */
export class ZteConfig extends OssConnectionConfig {
  static override readonly vendor: OssVendor = {
    ossType: 'zte',
    endpoints: [ZTE_PM_ENDPOINT, ZTE_FM_ENDPOINT],
    authentication: ['api_key', 'basic'],
  };
}

/** ZTE measurement type names → normalised metric names, and their units (32.435 carries none). */
const MEAS_TYPES: Record<string, { name: string; unit: string }> = {
  'CellAvail.Rate': { name: 'availability', unit: '%' },
  'RRC.SuccConnEstab.Rate': { name: 'rrc_success_rate', unit: '%' },
  'DRB.UEThpDl': { name: 'throughput', unit: 'Mbps' },
  'DRB.Latency.Avg': { name: 'latency', unit: 'ms' },
  'RRU.PrbUsedDl.Rate': { name: 'prb_utilization', unit: '%' },
};

/** One value of a measInfo block, flattened so paging and rejection work per value. */
export interface ZteMeasValue {
  measObjLdn: string;
  measType: string;
  value: unknown;
  endTime: string;
  granularitySeconds: number;
  suspect: boolean;
}

/** ISO 8601 duration of whole seconds (`PT900S`, `PT15M`) as seconds. */
function durationSeconds(text: string): number {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(text);
  if (!match) throw new ItemError(`granPeriod.duration is "${text}", not an ISO 8601 duration`);
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/** Flattens `measData[].measInfo[].measValues[].measResults[]` into one item per value. */
export function flattenMeasCollec(body: unknown, response: SourceResponse): ZteMeasValue[] {
  const measData = (body as { measData?: unknown } | null)?.measData;
  if (!Array.isArray(measData))
    throw unexpectedShape(response, 'an object with a "measData" array');
  const values: ZteMeasValue[] = [];
  for (const element of measData as Item[]) {
    for (const info of (element?.measInfo ?? []) as Item[]) {
      const period = (info?.granPeriod ?? {}) as Item;
      const measTypes = (info?.measTypes ?? []) as string[];
      let granularitySeconds = 0;
      try {
        granularitySeconds = durationSeconds(
          typeof period.duration === 'string' ? period.duration : '',
        );
      } catch {
        // Left at 0: the value is rejected below with the reason, the others of the page go on.
      }
      for (const measValue of (info?.measValues ?? []) as Item[]) {
        const results = (measValue?.measResults ?? []) as unknown[];
        for (let i = 0; i < measTypes.length; i++) {
          values.push({
            measObjLdn: typeof measValue?.measObjLdn === 'string' ? measValue.measObjLdn : '',
            measType: measTypes[i],
            value: results[i],
            endTime: typeof period.endTime === 'string' ? period.endTime : '',
            granularitySeconds,
            suspect: measValue?.suspect === true,
          });
        }
      }
    }
  }
  return values;
}

export function zteMeasurement(value: ZteMeasValue): MetricRecord {
  const ldn = value.measObjLdn;
  const siteId = rdnValue(ldn, 'ManagedElement');
  if (!siteId) throw new ItemError(`measObjLdn "${ldn}" names no ManagedElement`);
  if (value.granularitySeconds <= 0)
    throw new ItemError('granPeriod.duration is missing or invalid');
  if (typeof value.value !== 'number' || !Number.isFinite(value.value)) {
    throw new ItemError(`measResults value for ${value.measType} is not a number`);
  }
  const known = MEAS_TYPES[value.measType];
  const timestamp = new Date(value.endTime);
  if (Number.isNaN(timestamp.getTime()))
    throw new ItemError(`granPeriod.endTime "${value.endTime}" is not a date`);
  const labels: Record<string, string> = {
    cell_id: lastRdnValue(ldn),
    granularity_seconds: String(value.granularitySeconds),
  };
  const region = rdnValue(ldn, 'SubNetwork');
  if (region !== undefined) labels.region = region;
  return {
    kind: 'metric',
    siteId,
    managedObject: ldn,
    name: known?.name ?? value.measType,
    value: value.value,
    unit: known?.unit ?? '',
    timestamp,
    technology: technologyOfObject(ldn) ?? '',
    quality: value.suspect ? 0.5 : 1,
    labels,
    raw: value,
  };
}

/** One entry of the TS 28.532 alarm list; the map key is the alarm id. */
export function zteAlarm(alarmId: string, value: unknown): AlarmRecord {
  const item = asItem(value);
  const dn = textField(item, 'objectInstance');
  const siteId = rdnValue(dn, 'ManagedElement');
  if (!siteId) throw new ItemError(`objectInstance "${dn}" names no ManagedElement`);
  const severity = severityField(item, 'perceivedSeverity');
  const raisedAt = dateField(item, 'alarmRaisedTime');
  const clearedAt = optionalDate(item, 'alarmClearedTime');
  const acknowledgedAt = optionalDate(item, 'ackTime');
  const changed = optionalDate(item, 'alarmChangedTime');
  const cleared = severity === 'CLEARED' || clearedAt !== undefined;
  // The list has no single "last modified": the latest of its times is.
  let changedAt = raisedAt;
  for (const time of [changed, clearedAt, acknowledgedAt])
    if (time && time > changedAt) changedAt = time;
  const specificProblem = optionalText(item, 'specificProblem') ?? '';
  const region = rdnValue(dn, 'SubNetwork');
  return {
    kind: 'alarm',
    alarmId,
    severity: cleared ? 'CLEARED' : severity,
    alarmType: alarmTypeOf(optionalText(item, 'alarmType')),
    probableCause: optionalText(item, 'probableCause') ?? '',
    specificProblem,
    managedObject: dn,
    title: specificProblem,
    description: optionalText(item, 'additionalText') ?? '',
    siteId,
    technology: technologyOfObject(dn),
    state: cleared ? 'cleared' : changed && changed > raisedAt ? 'changed' : 'raised',
    acknowledged: optionalText(item, 'ackState') === 'ACKNOWLEDGED',
    eventTime: cleared ? (clearedAt ?? changedAt) : (changed ?? raisedAt),
    raisedAt,
    clearedAt,
    acknowledgedAt,
    changedAt,
    sourceSystem: 'OSS-zte',
    labels: region === undefined ? {} : { region },
    raw: value,
  };
}

function inWindow(time: Date, window: StreamWindow): boolean {
  return (window.since === undefined || time > window.since) && time <= window.until;
}

/**
 * ZTE UME / ElementCare northbound, on the 3GPP management services ZTE exposes: alarms from the
 * TS 28.532 Fault Supervision MnS (`GET .../alarms`, the whole alarm list as a map keyed by alarm
 * id, no paging; the window is applied here on the latest of its times), and PM as TS 32.435
 * `measCollec` JSON pages chained by `nextCursor`. The site filter is applied here (the MnS has
 * none): sites are `ManagedElement` and regions `SubNetwork` in the DNs.
 */
export class ZteConnector extends HttpPollingConnector<ZteConfig> {
  readonly sourceType = 'oss_network';

  constructor(config: ZteConfig, deps: ConnectorDeps) {
    super(ZteConfig, config, deps);
  }

  protected createStreams(): PolledStream[] {
    const config = this.config;
    const filter = new OssRecordFilter(config, false);
    const streams: PolledStream[] = [];
    if (config.endpoints.includes(ZTE_PM_ENDPOINT)) {
      streams.push({
        name: 'metrics',
        paging: cursorPaging({ cursorParam: 'cursor', size: config.page_size, sizeParam: 'limit' }),
        lagMs: config.measurement_delay_seconds * 1000,
        firstSince: (until) => until - config.initial_lookback_minutes * 60_000,
        request: ({ since, until }, page) =>
          pageRequest(
            ZTE_PM_ENDPOINT,
            { beginTime: since?.toISOString(), endTime: until.toISOString() },
            page,
          ),
        readPage: (body, response) => {
          const items = flattenMeasCollec(body, response);
          const next = (body as { nextCursor?: unknown }).nextCursor;
          return {
            items,
            info: { count: items.length, nextCursor: typeof next === 'string' ? next : undefined },
          };
        },
        toRecord: (item) => {
          const record = zteMeasurement(item as ZteMeasValue);
          return filter.metric(record) ? record : undefined;
        },
      });
    }
    if (config.endpoints.includes(ZTE_FM_ENDPOINT)) {
      let window: StreamWindow | undefined;
      streams.push({
        name: 'alarms',
        paging: singlePage,
        lagMs: 0,
        limit: config.max_alarms,
        request: (current, page) => {
          window = current;
          return pageRequest(ZTE_FM_ENDPOINT, {}, page);
        },
        readPage: (body, response) => {
          if (typeof body !== 'object' || body === null || Array.isArray(body)) {
            throw unexpectedShape(response, 'an object of alarm records keyed by alarm id');
          }
          const items = Object.entries(body as Record<string, unknown>);
          // Oldest change first, so a limit leaves the newest for the next sync, as with paged sources.
          const changedAt = (entry: [string, unknown]): number => {
            try {
              return zteAlarm(entry[0], entry[1]).changedAt.getTime();
            } catch {
              return 0;
            }
          };
          const keyed = items.map((entry) => [changedAt(entry), entry] as const);
          keyed.sort((a, b) => a[0] - b[0] || (a[1][0] < b[1][0] ? -1 : 1));
          return { items: keyed.map(([, entry]) => entry), info: { count: items.length } };
        },
        toRecord: (item) => {
          const [alarmId, value] = item as [string, unknown];
          const record = zteAlarm(alarmId, value);
          if (window && !inWindow(record.changedAt, window)) return undefined;
          return filter.alarm(record) ? record : undefined;
        },
      });
    }
    return streams;
  }
}
