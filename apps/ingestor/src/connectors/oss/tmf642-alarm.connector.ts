import type { AlarmLifecycle, AlarmRecord, ConnectorDeps } from '../connector';
import {
  HttpPollingConnector,
  pageRequest,
  unexpectedShape,
  type PolledStream,
} from '../http-polling-connector';
import { offsetPaging } from '../http/pagination';
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
import { technologyOfObject } from './managed-object-names';
import { OssConnectionConfig, OssRecordFilter, type OssVendor } from './oss-config';

/** TMF642 Alarm Management v4 alarm collection. */
export const TMF642_ALARM_ENDPOINT = '/tmf-api/alarmManagement/v4/alarm';

/** A generic OSS speaking TM Forum TMF642; `oss_type` "generic" (seed) or "tmf642". */
export class Tmf642AlarmConfig extends OssConnectionConfig {
  static override readonly vendor: OssVendor = {
    ossType: 'generic',
    endpoints: [TMF642_ALARM_ENDPOINT],
    authentication: ['oauth2', 'basic', 'api_key'],
  };

  override crossFieldIssues() {
    // Both names select this connector; the base check knows only one.
    const issues = super.crossFieldIssues();
    return this.oss_type === 'tmf642'
      ? issues.filter((issue) => issue.path !== 'oss_type')
      : issues;
  }
}

const STATES: Record<string, AlarmLifecycle> = {
  raised: 'raised',
  updated: 'changed',
  cleared: 'cleared',
};

function related(item: Item, key: string): Item | undefined {
  const value = item[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Item)
    : undefined;
}

/** The site (`role` site or a GeographicSite) and region among an alarm's `place` references. */
function places(item: Item): { site?: string; region?: string } {
  const found: { site?: string; region?: string } = {};
  const list = Array.isArray(item.place) ? (item.place as unknown[]) : [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const place = entry as Item;
    const id = typeof place.id === 'string' ? place.id : undefined;
    const role = typeof place.role === 'string' ? place.role.toLowerCase() : '';
    if (role === 'site' || place['@referredType'] === 'GeographicSite') found.site ??= id;
    else if (role === 'region')
      found.region ??= id ?? (typeof place.name === 'string' ? place.name : undefined);
  }
  return found;
}

/** One TMF642 Alarm resource. */
export function tmf642Alarm(value: unknown): AlarmRecord {
  const item = asItem(value);
  const stateText = textField(item, 'state');
  const lifecycle = STATES[stateText];
  if (!lifecycle) throw new ItemError(`state is "${stateText}", not raised, updated or cleared`);
  const alarmed = related(item, 'alarmedObject');
  const managedObject = alarmed ? textField(alarmed, 'id') : '';
  const { site, region } = places(item);
  const siteId = site ?? (managedObject || undefined);
  if (!siteId)
    throw new ItemError('names no site: no GeographicSite in place[] and no alarmedObject.id');
  const raisedAt = dateField(item, 'alarmRaisedTime');
  const clearedAt = optionalDate(item, 'alarmClearedTime');
  const changedAt = optionalDate(item, 'alarmChangedTime') ?? clearedAt ?? raisedAt;
  const objectType =
    optionalText(item, 'alarmedObjectType') ??
    (alarmed ? optionalText(alarmed, '@referredType') : undefined) ??
    '';
  const specificProblem = optionalText(item, 'specificProblem') ?? '';
  const cleared = lifecycle === 'cleared';
  return {
    kind: 'alarm',
    alarmId: textField(item, 'id'),
    severity: cleared ? 'CLEARED' : severityField(item, 'perceivedSeverity'),
    alarmType: alarmTypeOf(optionalText(item, 'alarmType')),
    probableCause: optionalText(item, 'probableCause') ?? '',
    specificProblem,
    managedObject,
    title: specificProblem || (optionalText(item, 'probableCause') ?? ''),
    description: optionalText(item, 'alarmDetails') ?? '',
    siteId,
    technology: technologyOfObject(objectType),
    state: lifecycle,
    acknowledged: optionalText(item, 'ackState') === 'acknowledged',
    eventTime: cleared ? (clearedAt ?? changedAt) : lifecycle === 'changed' ? changedAt : raisedAt,
    raisedAt,
    clearedAt,
    acknowledgedAt: optionalDate(item, 'ackTime'),
    changedAt,
    sourceSystem: optionalText(item, 'sourceSystemId') ?? 'OSS-generic',
    labels: region === undefined ? {} : { region },
    raw: value,
  };
}

/**
 * A generic OSS over TM Forum TMF642 v4 (`GET /alarm`): TMF630 attribute filters for the window
 * (`alarmChangedTime.gt`/`.lte`), `sort=alarmChangedTime`, `offset`/`limit` paging with the total
 * in `X-Total-Count`. Alarms only; the site filter is applied here from `place` references.
 */
export class Tmf642AlarmConnector extends HttpPollingConnector<Tmf642AlarmConfig> {
  readonly sourceType = 'oss_network';

  constructor(config: Tmf642AlarmConfig, deps: ConnectorDeps) {
    super(Tmf642AlarmConfig, config, deps);
  }

  protected createStreams(): PolledStream[] {
    const config = this.config;
    const filter = new OssRecordFilter(config, false);
    return [
      {
        name: 'alarms',
        paging: offsetPaging({ limit: config.page_size }),
        lagMs: 0,
        limit: config.max_alarms,
        request: ({ since, until }, page) =>
          pageRequest(
            TMF642_ALARM_ENDPOINT,
            {
              'alarmChangedTime.gt': since?.toISOString(),
              'alarmChangedTime.lte': until.toISOString(),
              sort: 'alarmChangedTime',
            },
            page,
          ),
        readPage: (body, response) => {
          if (!Array.isArray(body)) throw unexpectedShape(response, 'an array of Alarm resources');
          const total = Number(response.header('x-total-count'));
          return {
            items: body as unknown[],
            info: { count: body.length, total: Number.isFinite(total) ? total : undefined },
          };
        },
        toRecord: (item) => {
          const record = tmf642Alarm(item);
          return filter.alarm(record) ? record : undefined;
        },
      },
    ];
  }
}
