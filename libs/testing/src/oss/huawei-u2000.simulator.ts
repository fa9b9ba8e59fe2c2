import type { OssKpi, OssSeverity, SimulatedAlarm, SimulatedMeasurement } from './oss-dataset';
import {
  OssSimulator,
  queryInt,
  queryList,
  queryTime,
  type OssRecordedRequest,
  type OssReply,
  type OssSimulatorOptions,
} from './oss-simulator';

export interface HuaweiU2000SimulatorOptions extends OssSimulatorOptions {
  username?: string;
  password?: string;
  /** `expires` announced with each session; 1800 s by default. */
  sessionTtlSeconds?: number;
}

export const U2000_LOGIN_PATH = '/rest/login';

/** U2000/NCE indicator names of the dataset's KPIs. */
export const U2000_INDICATORS: Record<OssKpi, string> = {
  availability: 'Cell Availability',
  rrc_success_rate: 'RRC Setup Success Rate',
  throughput: 'DL Throughput',
  latency: 'User Plane Latency',
  prb_utilization: 'PRB Usage',
};

const SEVERITY: Record<OssSeverity, number> = { CRITICAL: 1, MAJOR: 2, MINOR: 3, WARNING: 4 };
const ALARM_CODES: Record<string, number> = {
  CELL_DOWN: 29240,
  LINK_FAILURE: 25880,
  HIGH_TEMPERATURE: 26235,
  MAINS_FAILURE: 25622,
  RRC_DEGRADED: 29247,
  SW_ERROR: 26101,
};

function exception(status: number, exceptionId: string, reason: string): OssReply {
  return {
    status,
    body: {
      exceptionId,
      exceptionType: 'ROA_EXFRAME_EXCEPTION',
      descArgs: [],
      reasonArgs: [reason],
      detailArgs: [],
      adviceArgs: [],
    },
  };
}

/**
 * Huawei U2000 (iMaster NCE northbound) on 127.0.0.1: session login at `POST /rest/login`
 * (`{grantType, userName, value}` → `{accessSession, roaRand, expires}`), the session as
 * `X-Auth-Token`, logout with `DELETE /rest/login`; RESTCONF containers
 * `huawei-nce-pm:performance` and `huawei-nce-fm:alarms` with kebab-case fields, epoch-ms times,
 * `start-time`/`end-time` windows, page numbers (`offset` from 1, `limit`) and `total-count`.
 */
export class HuaweiU2000Simulator extends OssSimulator {
  /** Sessions ended by a logout. */
  logouts = 0;
  private readonly username: string;
  private readonly password: string;
  private readonly ttl: number;

  constructor(options: HuaweiU2000SimulatorOptions = {}) {
    super(options);
    this.username = options.username ?? 'aiops_user';
    this.password = options.password ?? 'u2000-password';
    this.ttl = options.sessionTtlSeconds ?? 1800;
  }

  static measurement(m: SimulatedMeasurement): Record<string, unknown> {
    return {
      'ne-name': m.siteId,
      region: m.region,
      'object-name': m.cell.id,
      'object-type': m.cell.technology === '5G' ? 'NRCELL' : 'LTECELL',
      'indicator-name': U2000_INDICATORS[m.kpi],
      // U2000 reports indicator values as text.
      value: m.value.toFixed(2),
      unit: m.unit,
      period: m.granularitySeconds,
      'end-time': m.periodEnd,
    };
  }

  static alarm(a: SimulatedAlarm): Record<string, unknown> {
    return {
      csn: a.seq,
      'alarm-id': ALARM_CODES[a.kind.code] ?? 20000,
      'alarm-name': a.kind.specificProblem,
      severity: SEVERITY[a.severity],
      'probable-cause': a.kind.probableCause,
      'event-type': a.kind.alarmType.toLowerCase(),
      'ne-name': a.siteId,
      region: a.region,
      'mo-name': a.cell?.id ?? a.siteId,
      'mo-type': a.cell ? (a.cell.technology === '5G' ? 'NRCELL' : 'LTECELL') : 'NE',
      'occur-time': a.raisedAt,
      'clear-time': a.clearedAt ?? null,
      'ack-time': a.acknowledgedAt ?? null,
      'clear-state': a.clearedAt === undefined ? 'uncleared' : 'cleared',
      'ack-state': a.acknowledgedAt === undefined ? 'unacked' : 'acked',
      'update-time': a.changedAt,
      'additional-info': a.text,
    };
  }

  protected isCredentialRequest(request: OssRecordedRequest): boolean {
    return request.path === U2000_LOGIN_PATH;
  }

  protected handleCredentialRequest(request: OssRecordedRequest): OssReply {
    if (request.method === 'DELETE') {
      const session = request.headers['x-auth-token'];
      if (typeof session === 'string' && this.credentialValid(session)) {
        this.revokeCredential(session);
        this.logouts++;
      }
      return { status: 200, body: {} };
    }
    if (request.method !== 'POST')
      return exception(405, 'common.method.not.allowed', 'use POST or DELETE');
    let login: Record<string, unknown> = {};
    try {
      login = JSON.parse(request.body) as Record<string, unknown>;
    } catch {
      return exception(400, 'common.parameter.invalid', 'the body is not JSON');
    }
    if (
      login.grantType !== 'password' ||
      login.userName !== this.username ||
      login.value !== this.password
    ) {
      return exception(401, 'user.login.failed', 'The user name or password is incorrect.');
    }
    return {
      status: 200,
      body: { accessSession: this.issueCredential(), roaRand: 'b1f5c7e2', expires: this.ttl },
    };
  }

  protected authorised(request: OssRecordedRequest): boolean {
    const session = request.headers['x-auth-token'];
    return typeof session === 'string' && this.credentialValid(session);
  }

  protected unauthorised(): OssReply {
    return exception(401, 'common.session.invalid', 'The session is invalid or has timed out.');
  }

  protected failure(status: number): OssReply {
    if (status === 429) return exception(429, 'common.flow.control', 'Too many requests.');
    return exception(status, 'common.internal.error', 'Internal server error.');
  }

  protected badRequest(message: string): OssReply {
    return exception(400, 'common.parameter.invalid', message);
  }

  protected handleData(request: OssRecordedRequest): OssReply {
    if (request.method !== 'GET') return exception(405, 'common.method.not.allowed', 'use GET');
    const { query } = request;
    const from = queryTime(query, 'start-time');
    const to = queryTime(query, 'end-time') ?? Number.MAX_SAFE_INTEGER;
    const page = Math.max(1, queryInt(query, 'offset', 1));
    const limit = Math.min(Math.max(1, queryInt(query, 'limit', 100)), 2000);
    const regions = queryList(query, 'region');
    const sites = queryList(query, 'ne-name');
    const onSite = (region: string, siteId: string) =>
      (!regions || regions.has(region)) && (!sites || sites.has(siteId));
    const slice = <T>(all: T[]) => all.slice((page - 1) * limit, page * limit);
    if (request.path === '/restconf/data/performance') {
      const all = this.dataset.measurementsIn(from, to).filter((m) => onSite(m.region, m.siteId));
      return {
        status: 200,
        body: {
          'huawei-nce-pm:performance': {
            'total-count': all.length,
            record: slice(all).map((m) => HuaweiU2000Simulator.measurement(m)),
          },
        },
      };
    }
    if (request.path === '/restconf/data/alarms') {
      const all = this.dataset.alarmsChangedIn(from, to).filter((a) => onSite(a.region, a.siteId));
      return {
        status: 200,
        body: {
          'huawei-nce-fm:alarms': {
            'total-count': all.length,
            alarm: slice(all).map((a) => HuaweiU2000Simulator.alarm(a)),
          },
        },
      };
    }
    return exception(404, 'common.resource.not.found', `No resource at ${request.path}`);
  }
}
