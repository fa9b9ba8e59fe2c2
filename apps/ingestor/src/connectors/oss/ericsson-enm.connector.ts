import type { AlarmRecord, ConnectorDeps, MetricRecord } from '../connector';
import {
  asItem,
  dateField,
  numberField,
  optionalDate,
  optionalText,
  severityField,
  textField,
  alarmTypeOf,
  ItemError,
  normaliseTechnology,
} from '../item-fields';
import {
  HttpPollingConnector,
  unexpectedShape,
  type PolledStream,
} from '../http-polling-connector';
import { offsetPaging } from '../http/pagination';
import { lastRdnValue, technologyOfObject } from './managed-object-names';
import { OssConnectionConfig, type OssVendor } from './oss-config';
import { ossStreams } from './oss-streams';
import { siteFilterValues } from './site-filter';

export const ENM_PM_ENDPOINT = '/pm/measurements';
export const ENM_FM_ENDPOINT = '/fm/alarms';

/** Seed "Ericsson OSS-RC": OAuth2 client credentials against `token_endpoint`. */
export class EricssonEnmConfig extends OssConnectionConfig {
  static override readonly vendor: OssVendor = {
    ossType: 'ericsson',
    endpoints: [ENM_PM_ENDPOINT, ENM_FM_ENDPOINT],
    authentication: ['oauth2'],
  };
}

/** ENM `alarmState`: whether the alarm is cleared and whether it is acknowledged. */
const ENM_ALARM_STATES: Record<string, { cleared: boolean; acknowledged: boolean }> = {
  ACTIVE_UNACKNOWLEDGED: { cleared: false, acknowledged: false },
  ACTIVE_ACKNOWLEDGED: { cleared: false, acknowledged: true },
  CLEARED_UNACKNOWLEDGED: { cleared: true, acknowledged: false },
  CLEARED_ACKNOWLEDGED: { cleared: true, acknowledged: true },
};

/** One `/pm/measurements` item. */
export function enmMeasurement(value: unknown): MetricRecord {
  const item = asItem(value);
  const moid = textField(item, 'moid');
  const region = optionalText(item, 'region');
  const labels: Record<string, string> = {
    cell_id: lastRdnValue(moid),
    granularity_seconds: textField(item, 'granularityPeriod'),
  };
  if (region !== undefined) labels.region = region;
  return {
    kind: 'metric',
    siteId: textField(item, 'siteId'),
    managedObject: moid,
    name: textField(item, 'measurementType'),
    value: numberField(item, 'value'),
    unit: optionalText(item, 'unit') ?? '',
    timestamp: dateField(item, 'timestamp'),
    technology: normaliseTechnology(textField(item, 'technology')),
    quality: item.suspect === true ? 0.5 : 1,
    labels,
    raw: value,
  };
}

/** One `/fm/alarms` item (ENM FM open-alarm attributes). */
export function enmAlarm(value: unknown): AlarmRecord {
  const item = asItem(value);
  const alarmState = textField(item, 'alarmState');
  const state = ENM_ALARM_STATES[alarmState];
  if (!state) throw new ItemError(`alarmState is "${alarmState}", not an ENM alarm state`);
  const objectOfReference = textField(item, 'objectOfReference');
  const raisedAt = dateField(item, 'eventTime');
  const clearedAt = optionalDate(item, 'ceaseTime');
  const changedAt = optionalDate(item, 'lastUpdated') ?? clearedAt ?? raisedAt;
  const specificProblem = optionalText(item, 'specificProblem') ?? '';
  const region = optionalText(item, 'region');
  return {
    kind: 'alarm',
    alarmId: textField(item, 'eventPoIdAsLong'),
    severity: state.cleared ? 'CLEARED' : severityField(item, 'presentSeverity'),
    alarmType: alarmTypeOf(optionalText(item, 'eventType')),
    probableCause: optionalText(item, 'probableCause') ?? '',
    specificProblem,
    managedObject: objectOfReference,
    title: specificProblem,
    description: optionalText(item, 'problemText') ?? '',
    siteId: textField(item, 'siteId'),
    technology: technologyOfObject(objectOfReference),
    state: state.cleared ? 'cleared' : 'raised',
    acknowledged: state.acknowledged,
    eventTime: state.cleared ? (clearedAt ?? changedAt) : raisedAt,
    raisedAt,
    clearedAt,
    acknowledgedAt: optionalDate(item, 'ackTime'),
    changedAt,
    sourceSystem: 'OSS-ericsson',
    labels: region === undefined ? {} : { region },
    raw: value,
  };
}

/**
 * Ericsson OSS-RC / ENM northbound REST: PM measurements and FM alarms over `offset`/`limit`
 * pages (`totalCount` in the body), time windows as `from`/`to`, and the site filter, technologies
 * and measurement types applied by ENM itself (and checked again here).
 */
export class EricssonEnmConnector extends HttpPollingConnector<EricssonEnmConfig> {
  readonly sourceType = 'oss_network';

  constructor(config: EricssonEnmConfig, deps: ConnectorDeps) {
    super(EricssonEnmConfig, config, deps);
  }

  protected createStreams(): PolledStream[] {
    const config = this.config;
    const paging = offsetPaging({ limit: config.page_size });
    const sites = {
      region: siteFilterValues(config.site_filter, 'region'),
      siteId: siteFilterValues(config.site_filter, 'site'),
    };
    const window = (since: Date | undefined, until: Date) => ({
      from: since?.toISOString(),
      to: until.toISOString(),
    });
    const readPage =
      (key: string) => (body: unknown, response: Parameters<PolledStream['readPage']>[1]) => {
        const page = body as Record<string, unknown> | null;
        const items = page?.[key];
        if (!Array.isArray(items))
          throw unexpectedShape(response, `an object with a "${key}" array`);
        const total = page?.totalCount;
        return {
          items,
          info: { count: items.length, total: typeof total === 'number' ? total : undefined },
        };
      };
    return ossStreams(
      config,
      paging,
      {
        path: ENM_PM_ENDPOINT,
        query: ({ since, until }) => ({
          ...window(since, until),
          ...sites,
          technology: config.technologies?.join(','),
          measurementType: config.measurement_types?.join(','),
        }),
        readPage: readPage('measurements'),
        toRecord: enmMeasurement,
      },
      {
        path: ENM_FM_ENDPOINT,
        query: ({ since, until }) => ({
          ...window(since, until),
          ...sites,
          orderBy: 'lastUpdated',
        }),
        readPage: readPage('alarms'),
        toRecord: enmAlarm,
      },
    );
  }
}
