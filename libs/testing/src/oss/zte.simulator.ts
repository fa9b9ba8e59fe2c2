import type { OssKpi, SimulatedAlarm, SimulatedCell, SimulatedMeasurement } from './oss-dataset';
import {
  OssBadRequest,
  OssSimulator,
  queryInt,
  queryTime,
  type OssRecordedRequest,
  type OssReply,
  type OssSimulatorOptions,
} from './oss-simulator';

export interface ZteSimulatorOptions extends OssSimulatorOptions {
  apiKey?: string;
  /** Header carrying the key; `X-API-Key` by default. */
  keyHeader?: string;
}

export const ZTE_ALARMS_PATH = '/FaultSupervisionMnS/v1700/alarms';
export const ZTE_MEASUREMENTS_PATH = '/PerfMnS/v1/measurementResults';

/** ZTE measurement type names of the dataset's KPIs. */
export const ZTE_MEAS_TYPES: Record<OssKpi, string> = {
  availability: 'CellAvail.Rate',
  rrc_success_rate: 'RRC.SuccConnEstab.Rate',
  throughput: 'DRB.UEThpDl',
  latency: 'DRB.Latency.Avg',
  prb_utilization: 'RRU.PrbUsedDl.Rate',
};

/** 3GPP DN of a cell, or of the site's ManagedElement. */
export function zteDnOf(siteId: string, region: string, cell?: SimulatedCell): string {
  const element = `SubNetwork=${region},ManagedElement=${siteId}`;
  if (!cell) return element;
  return cell.technology === '5G'
    ? `${element},GNBCUCPFunction=1,NRCellCU=${cell.id}`
    : `${element},ENBCUCPFunction=1,EUtranCellFDD=${cell.id}`;
}

export function zteAlarmId(alarm: SimulatedAlarm): string {
  return `ZTE-${alarm.seq}`;
}

/**
 * Whether TS 28.532 keeps the alarm in the alarm list: one both cleared and acknowledged is gone.
 */
export function zteListsAlarm(alarm: SimulatedAlarm): boolean {
  return alarm.clearedAt === undefined || alarm.acknowledgedAt === undefined;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function error(status: number, errorInfo: string): OssReply {
  return { status, body: { error: { errorInfo } } };
}

/**
 * ZTE UME / ElementCare northbound on 127.0.0.1, on 3GPP shapes: the TS 28.532 Fault Supervision
 * MnS alarm list (`GET /FaultSupervisionMnS/v1700/alarms`: a map alarmId → AlarmRecord, no paging,
 * `alarmAckState` and `baseObjectInstance` filters; alarms cleared and acknowledged leave the
 * list), and PM as TS 32.435 `measCollec` JSON (`measData[].measInfo[]` with `measTypes` and
 * positional `measResults`) over `beginTime`/`endTime`, paged by `limit` elements and `nextCursor`.
 * Authentication is an API key header.
 */
export class ZteSimulator extends OssSimulator {
  private readonly apiKey: string;
  private readonly keyHeader: string;

  constructor(options: ZteSimulatorOptions = {}) {
    super(options);
    this.apiKey = options.apiKey ?? 'zte-api-key-0001';
    this.keyHeader = (options.keyHeader ?? 'X-API-Key').toLowerCase();
  }

  static alarm(a: SimulatedAlarm): Record<string, unknown> {
    return {
      objectInstance: zteDnOf(a.siteId, a.region, a.cell),
      notificationId: a.seq,
      alarmRaisedTime: iso(a.raisedAt),
      alarmChangedTime: iso(a.raisedAt),
      alarmClearedTime: iso(a.clearedAt),
      alarmType: `${a.kind.alarmType}_ALARM`,
      probableCause: a.kind.probableCause,
      specificProblem: a.kind.specificProblem,
      perceivedSeverity: a.clearedAt === undefined ? a.severity : 'CLEARED',
      additionalText: a.text,
      ackState: a.acknowledgedAt === undefined ? 'UNACKNOWLEDGED' : 'ACKNOWLEDGED',
      ackTime: iso(a.acknowledgedAt),
      ackUserId: a.acknowledgedBy,
    };
  }

  /** One measData element: a site's results of one period, a measInfo per technology. */
  static measData(
    siteId: string,
    region: string,
    periodEnd: number,
    values: SimulatedMeasurement[],
  ): Record<string, unknown> {
    const byTechnology = new Map<string, SimulatedMeasurement[]>();
    for (const m of values) {
      const list = byTechnology.get(m.cell.technology) ?? [];
      list.push(m);
      byTechnology.set(m.cell.technology, list);
    }
    const kpis = Object.keys(ZTE_MEAS_TYPES) as OssKpi[];
    const measInfo = [...byTechnology.entries()].map(([technology, list]) => {
      const cells = [...new Map(list.map((m) => [m.cell.id, m.cell])).values()];
      return {
        measInfoId: technology === '5G' ? 'NRCellCU.Kpi' : 'EUtranCell.Kpi',
        granPeriod: { duration: `PT${list[0].granularitySeconds}S`, endTime: iso(periodEnd) },
        measTypes: kpis.map((k) => ZTE_MEAS_TYPES[k]),
        measValues: cells.map((cell) => {
          const mine = list.filter((m) => m.cell.id === cell.id);
          return {
            measObjLdn: zteDnOf(siteId, region, cell),
            measResults: kpis.map((k) => mine.find((m) => m.kpi === k)?.value ?? null),
            suspect: mine.some((m) => m.suspect),
          };
        }),
      };
    });
    return { managedElement: { localDn: zteDnOf(siteId, region) }, measInfo };
  }

  protected isCredentialRequest(): boolean {
    return false;
  }

  protected handleCredentialRequest(): OssReply {
    return error(404, 'no login endpoint');
  }

  protected authorised(request: OssRecordedRequest): boolean {
    return request.headers[this.keyHeader] === this.apiKey;
  }

  protected unauthorised(): OssReply {
    return error(401, 'Invalid or missing API key');
  }

  protected failure(status: number): OssReply {
    if (status === 429) return error(429, 'Too many requests');
    return error(status, 'Internal error');
  }

  protected badRequest(message: string): OssReply {
    return error(400, message);
  }

  protected handleData(request: OssRecordedRequest): OssReply {
    if (request.method !== 'GET') return error(405, 'use GET');
    const { query } = request;
    if (request.path === ZTE_ALARMS_PATH) {
      const ackState = query.get('alarmAckState');
      const base = query.get('baseObjectInstance');
      const list: Record<string, unknown> = {};
      for (const alarm of this.dataset.alarms) {
        if (!zteListsAlarm(alarm)) continue;
        const record = ZteSimulator.alarm(alarm);
        if (ackState && record.ackState !== ackState) continue;
        if (base && !String(record.objectInstance).startsWith(base)) continue;
        list[zteAlarmId(alarm)] = record;
      }
      return { status: 200, body: list };
    }
    if (request.path === ZTE_MEASUREMENTS_PATH) {
      const begin = queryTime(query, 'beginTime');
      const end = queryTime(query, 'endTime') ?? Number.MAX_SAFE_INTEGER;
      const limit = Math.min(Math.max(1, queryInt(query, 'limit', 50)), 500);
      const cursor = query.get('cursor');
      let offset = 0;
      if (cursor !== null) {
        offset = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
        if (!Number.isInteger(offset) || offset < 0) throw new OssBadRequest('cursor is not valid');
      }
      const groups = new Map<string, SimulatedMeasurement[]>();
      for (const m of this.dataset.measurementsIn(begin, end)) {
        const key = `${m.periodEnd}|${m.siteId}`;
        const group = groups.get(key) ?? [];
        group.push(m);
        groups.set(key, group);
      }
      const all = [...groups.values()];
      const page = all.slice(offset, offset + limit);
      const body: Record<string, unknown> = {
        measCollec: {
          beginTime: iso(begin ?? this.dataset.start),
          endTime: end === Number.MAX_SAFE_INTEGER ? undefined : iso(end),
        },
        measData: page.map((group) =>
          ZteSimulator.measData(group[0].siteId, group[0].region, group[0].periodEnd, group),
        ),
      };
      if (offset + limit < all.length)
        body.nextCursor = Buffer.from(String(offset + limit)).toString('base64url');
      return { status: 200, body };
    }
    return error(404, `No resource at ${request.path}`);
  }
}
