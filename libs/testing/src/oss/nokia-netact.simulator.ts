import type {
  OssTechnology,
  SimulatedAlarm,
  SimulatedCell,
  SimulatedMeasurement,
} from './oss-dataset';
import {
  OssBadRequest,
  OssSimulator,
  queryInt,
  queryList,
  queryTime,
  type OssRecordedRequest,
  type OssReply,
  type OssSimulatorOptions,
} from './oss-simulator';

export interface NokiaNetActSimulatorOptions extends OssSimulatorOptions {
  username?: string;
  password?: string;
}

const TECHNOLOGY: Record<OssTechnology, string> = { '4G': 'LTE', '5G': 'NR' };
const ALARM_NUMBERS: Record<string, number> = {
  CELL_DOWN: 7653,
  LINK_FAILURE: 7704,
  HIGH_TEMPERATURE: 4011,
  MAINS_FAILURE: 7995,
  RRC_DEGRADED: 7652,
  SW_ERROR: 7900,
};

/** NetAct DN of a cell, or of the site's MRBTS. */
export function netActDnOf(siteId: string, cell?: SimulatedCell): string {
  const site = `PLMN-PLMN/MRBTS-${siteId}`;
  if (!cell) return site;
  return cell.technology === '5G'
    ? `${site}/NRBTS-${siteId}/NRCELL-${cell.index}`
    : `${site}/LNBTS-${siteId}/LNCEL-${cell.index}`;
}

/** NetAct alarm id of an alarm. */
export function netActAlarmId(alarm: SimulatedAlarm): string {
  return `NA-${alarm.seq}`;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function problem(status: number, title: string, detail: string): OssReply {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: { type: 'about:blank', title, status, detail },
  };
}

interface PageCursor {
  offset: number;
  query: Record<string, string>;
}

/**
 * Nokia NetAct REST on 127.0.0.1: basic authentication, `/rest/api/v1/measurements` and
 * `/rest/api/v1/alarms` as `items` pages chained by HAL `_links.next.href` (a server-side cursor
 * that carries the query), windows `startTime`/`endTime` and `changedAfter`/`changedBefore`,
 * technologies in NetAct's words (LTE, NR), RFC 7807 problem bodies.
 */
export class NokiaNetActSimulator extends OssSimulator {
  private readonly username: string;
  private readonly password: string;

  constructor(options: NokiaNetActSimulatorOptions = {}) {
    super(options);
    this.username = options.username ?? 'aiops_user';
    this.password = options.password ?? 'netact-password';
  }

  static measurement(m: SimulatedMeasurement): Record<string, unknown> {
    return {
      dn: netActDnOf(m.siteId, m.cell),
      siteId: m.siteId,
      region: m.region,
      technology: TECHNOLOGY[m.cell.technology],
      kpiId: m.kpi,
      value: m.value,
      unit: m.unit,
      periodStartTime: iso(m.periodEnd - m.granularitySeconds * 1000),
      periodDuration: m.granularitySeconds / 60,
    };
  }

  static alarm(a: SimulatedAlarm): Record<string, unknown> {
    return {
      alarmId: netActAlarmId(a),
      alarmNumber: ALARM_NUMBERS[a.kind.code] ?? 7000,
      dn: netActDnOf(a.siteId, a.cell),
      siteId: a.siteId,
      region: a.region,
      severity: a.severity.toLowerCase(),
      probableCause: a.kind.probableCause,
      alarmText: a.kind.specificProblem,
      supplementaryInfo: a.text,
      eventType: a.kind.alarmType.toLowerCase(),
      alarmTime: iso(a.raisedAt),
      ackStatus: a.acknowledgedAt === undefined ? 'UNACK' : 'ACK',
      ackTime: iso(a.acknowledgedAt),
      ackUser: a.acknowledgedBy,
      cancelTime: iso(a.clearedAt),
      alarmStatus: a.clearedAt === undefined ? 'ACTIVE' : 'CANCELLED',
      lastChangeTime: iso(a.changedAt),
    };
  }

  protected isCredentialRequest(): boolean {
    return false;
  }

  protected handleCredentialRequest(): OssReply {
    return problem(404, 'Not Found', 'NetAct has no login endpoint');
  }

  protected authorised(request: OssRecordedRequest): boolean {
    const header = request.headers.authorization;
    if (!header?.startsWith('Basic ')) return false;
    return (
      Buffer.from(header.slice(6), 'base64').toString('utf8') ===
      `${this.username}:${this.password}`
    );
  }

  protected unauthorised(): OssReply {
    return {
      ...problem(401, 'Unauthorized', 'Full authentication is required to access this resource'),
      headers: {
        'content-type': 'application/problem+json',
        'www-authenticate': 'Basic realm="NetAct"',
      },
    };
  }

  protected failure(status: number): OssReply {
    if (status === 429) return problem(429, 'Too Many Requests', 'Request rate limit exceeded');
    if (status === 503) return problem(503, 'Service Unavailable', 'NetAct is busy');
    return problem(status, 'Internal Server Error', 'Unexpected error');
  }

  protected badRequest(message: string): OssReply {
    return problem(400, 'Bad Request', message);
  }

  protected handleData(request: OssRecordedRequest): OssReply {
    if (request.method !== 'GET') return problem(405, 'Method Not Allowed', 'use GET');
    let query = request.query;
    let offset = 0;
    const cursor = query.get('cursor');
    if (cursor !== null) {
      let decoded: PageCursor;
      try {
        decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as PageCursor;
      } catch {
        throw new OssBadRequest('cursor is not valid');
      }
      offset = decoded.offset;
      query = new URLSearchParams(decoded.query);
    }
    const size = Math.min(Math.max(1, queryInt(query, 'pageSize', 100)), 1000);
    const regions = queryList(query, 'region');
    const sites = queryList(query, 'siteId');
    const onSite = (region: string, siteId: string) =>
      (!regions || regions.has(region)) && (!sites || sites.has(siteId));
    let all: Record<string, unknown>[];
    if (request.path === '/rest/api/v1/measurements') {
      const technologies = queryList(query, 'technology');
      const kpis = queryList(query, 'kpi');
      all = this.dataset
        .measurementsIn(
          queryTime(query, 'startTime'),
          queryTime(query, 'endTime') ?? Number.MAX_SAFE_INTEGER,
        )
        .filter(
          (m) =>
            onSite(m.region, m.siteId) &&
            (!technologies || technologies.has(TECHNOLOGY[m.cell.technology])) &&
            (!kpis || kpis.has(m.kpi)),
        )
        .map((m) => NokiaNetActSimulator.measurement(m));
    } else if (request.path === '/rest/api/v1/alarms') {
      all = this.dataset
        .alarmsChangedIn(
          queryTime(query, 'changedAfter'),
          queryTime(query, 'changedBefore') ?? Number.MAX_SAFE_INTEGER,
        )
        .filter((a) => onSite(a.region, a.siteId))
        .map((a) => NokiaNetActSimulator.alarm(a));
    } else {
      return problem(404, 'Not Found', `No resource at ${request.path}`);
    }
    const items = all.slice(offset, offset + size);
    const links: Record<string, { href: string }> = {
      self: { href: `${request.path}?${request.query.toString()}` },
    };
    if (offset + size < all.length) {
      const next: PageCursor = { offset: offset + size, query: Object.fromEntries(query) };
      links.next = {
        href: `${request.path}?cursor=${Buffer.from(JSON.stringify(next)).toString('base64url')}`,
      };
    }
    return { status: 200, body: { items, _links: links } };
  }
}
