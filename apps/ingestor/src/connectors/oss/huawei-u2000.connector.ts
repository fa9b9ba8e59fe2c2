import type { SessionDialect } from '../connection-config';
import type { AlarmRecord, ConnectorDeps, MetricRecord, PerceivedSeverity } from '../connector';
import {
  HttpPollingConnector,
  unexpectedShape,
  type PolledStream,
} from '../http-polling-connector';
import type { SourceResponse } from '../http/http-source-client';
import { pageNumberPaging } from '../http/pagination';
import { SourceError } from '../http/source-error';
import {
  alarmTypeOf,
  asItem,
  dateField,
  ItemError,
  numberField,
  optionalDate,
  optionalText,
  textField,
} from '../item-fields';
import { technologyOfObject } from './managed-object-names';
import { OssConnectionConfig, type OssVendor } from './oss-config';
import { ossStreams } from './oss-streams';
import { siteFilterValues } from './site-filter';

export const U2000_PM_ENDPOINT = '/restconf/data/performance';
export const U2000_FM_ENDPOINT = '/restconf/data/alarms';
const PM_CONTAINER = 'huawei-nce-pm:performance';
const FM_CONTAINER = 'huawei-nce-fm:alarms';

/** Seed "Huawei U2000": session login at `login_endpoint` (`/rest/login`). */
export class HuaweiU2000Config extends OssConnectionConfig {
  static override readonly vendor: OssVendor = {
    ossType: 'huawei',
    endpoints: [U2000_PM_ENDPOINT, U2000_FM_ENDPOINT],
    authentication: ['session'],
  };
}

/** U2000/NCE indicator names → normalised metric names; others keep the vendor's name. */
const INDICATORS: Record<string, string> = {
  'Cell Availability': 'availability',
  'RRC Setup Success Rate': 'rrc_success_rate',
  'DL Throughput': 'throughput',
  'User Plane Latency': 'latency',
  'PRB Usage': 'prb_utilization',
};

/** U2000 severities are numbers: 1 critical to 4 warning. */
const SEVERITIES: Record<string, PerceivedSeverity> = {
  '1': 'CRITICAL',
  '2': 'MAJOR',
  '3': 'MINOR',
  '4': 'WARNING',
};

/** One `huawei-nce-pm:performance` record. */
export function u2000Measurement(value: unknown): MetricRecord {
  const item = asItem(value);
  const objectName = textField(item, 'object-name');
  const objectType = textField(item, 'object-type');
  const indicator = textField(item, 'indicator-name');
  const region = optionalText(item, 'region');
  const labels: Record<string, string> = {
    cell_id: objectName,
    granularity_seconds: textField(item, 'period'),
  };
  if (region !== undefined) labels.region = region;
  return {
    kind: 'metric',
    siteId: textField(item, 'ne-name'),
    managedObject: objectName,
    name: INDICATORS[indicator] ?? indicator,
    value: numberField(item, 'value'),
    unit: optionalText(item, 'unit') ?? '',
    timestamp: dateField(item, 'end-time'),
    technology: technologyOfObject(objectType) ?? objectType,
    quality: 1,
    labels,
    raw: value,
  };
}

/** One `huawei-nce-fm:alarms` alarm; `csn` (the serial number) is its identity. */
export function u2000Alarm(value: unknown): AlarmRecord {
  const item = asItem(value);
  const cleared = textField(item, 'clear-state') === 'cleared';
  const severityCode = textField(item, 'severity');
  const severity = SEVERITIES[severityCode];
  if (!severity) throw new ItemError(`severity is "${severityCode}", not a U2000 severity (1-4)`);
  const raisedAt = dateField(item, 'occur-time');
  const clearedAt = optionalDate(item, 'clear-time');
  const moName = textField(item, 'mo-name');
  const name = textField(item, 'alarm-name');
  const region = optionalText(item, 'region');
  const labels: Record<string, string> = { alarm_code: textField(item, 'alarm-id') };
  if (region !== undefined) labels.region = region;
  return {
    kind: 'alarm',
    alarmId: textField(item, 'csn'),
    severity: cleared ? 'CLEARED' : severity,
    alarmType: alarmTypeOf(optionalText(item, 'event-type')),
    probableCause: optionalText(item, 'probable-cause') ?? '',
    specificProblem: name,
    managedObject: moName,
    title: name,
    description: optionalText(item, 'additional-info') ?? '',
    siteId: textField(item, 'ne-name'),
    technology: technologyOfObject(optionalText(item, 'mo-type') ?? ''),
    state: cleared ? 'cleared' : 'raised',
    acknowledged: textField(item, 'ack-state') === 'acked',
    eventTime: cleared ? (clearedAt ?? raisedAt) : raisedAt,
    raisedAt,
    clearedAt,
    acknowledgedAt: optionalDate(item, 'ack-time'),
    changedAt: optionalDate(item, 'update-time') ?? clearedAt ?? raisedAt,
    sourceSystem: 'OSS-huawei',
    labels,
    raw: value,
  };
}

/**
 * Huawei U2000 (iMaster NCE northbound): a session from `POST /rest/login` (`grantType`/`userName`/
 * `value`, answered with `accessSession` and its lifetime in `expires`) sent as `X-Auth-Token`,
 * re-login on a 401, logout with DELETE on close. RESTCONF data in module containers with
 * kebab-case fields, page numbers (`offset` from 1, `limit`) and `total-count`, times in epoch ms.
 */
export class HuaweiU2000Connector extends HttpPollingConnector<HuaweiU2000Config> {
  readonly sourceType = 'oss_network';

  constructor(config: HuaweiU2000Config, deps: ConnectorDeps) {
    super(HuaweiU2000Config, config, deps);
  }

  protected override sessionDialect(): SessionDialect {
    const loginPath =
      this.config.authentication.type === 'session'
        ? this.config.authentication.login_endpoint
        : '/rest/login';
    return {
      loginRequest: (userName, password) => ({
        method: 'POST',
        path: loginPath,
        body: { grantType: 'password', userName, value: password },
      }),
      readSession: (response: SourceResponse) => {
        const body = response.json() as Record<string, unknown> | null;
        const session = body?.accessSession;
        if (typeof session !== 'string' || session.length === 0) {
          throw new SourceError('auth', `${response.target}: login answer has no accessSession`);
        }
        const expires = Number(body?.expires);
        return {
          value: session,
          lifetimeMs: Number.isFinite(expires) && expires > 0 ? expires * 1000 : undefined,
        };
      },
      present: (headers, session) => {
        headers['x-auth-token'] = session;
      },
      logoutRequest: () => ({ method: 'DELETE', path: loginPath }),
    };
  }

  protected createStreams(): PolledStream[] {
    const config = this.config;
    const paging = pageNumberPaging({
      size: config.page_size,
      pageParam: 'offset',
      sizeParam: 'limit',
    });
    const sites = {
      region: siteFilterValues(config.site_filter, 'region'),
      'ne-name': siteFilterValues(config.site_filter, 'site'),
    };
    const window = (since: Date | undefined, until: Date) => ({
      'start-time': since?.getTime(),
      'end-time': until.getTime(),
    });
    const readPage =
      (container: string, list: string) => (body: unknown, response: SourceResponse) => {
        const data = (body as Record<string, unknown> | null)?.[container] as
          Record<string, unknown> | undefined;
        const items = data?.[list] ?? (data && data['total-count'] === 0 ? [] : undefined);
        if (!Array.isArray(items))
          throw unexpectedShape(response, `{"${container}": {"${list}": [...]}}`);
        const total = Number(data?.['total-count']);
        return {
          items,
          info: { count: items.length, total: Number.isFinite(total) ? total : undefined },
        };
      };
    return ossStreams(
      config,
      paging,
      {
        path: U2000_PM_ENDPOINT,
        query: ({ since, until }) => ({ ...window(since, until), ...sites }),
        readPage: readPage(PM_CONTAINER, 'record'),
        toRecord: u2000Measurement,
      },
      {
        path: U2000_FM_ENDPOINT,
        query: ({ since, until }) => ({ ...window(since, until), ...sites }),
        readPage: readPage(FM_CONTAINER, 'alarm'),
        toRecord: u2000Alarm,
      },
    );
  }
}
