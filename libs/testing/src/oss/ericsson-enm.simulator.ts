import { answerTokenRequest, bearerToken, type OAuth2ClientOptions } from './oauth2-token-endpoint';
import type { SimulatedAlarm, SimulatedCell, SimulatedMeasurement } from './oss-dataset';
import {
  OssSimulator,
  queryInt,
  queryList,
  queryTime,
  type OssRecordedRequest,
  type OssReply,
  type OssSimulatorOptions,
} from './oss-simulator';

export interface EricssonEnmSimulatorOptions
  extends OssSimulatorOptions, Partial<OAuth2ClientOptions> {}

export const ENM_TOKEN_PATH = '/auth/oauth2/token';

/** ENM managed object of a cell (or of the site's ManagedElement). */
export function enmObjectOf(siteId: string, region: string, cell?: SimulatedCell): string {
  const element = `SubNetwork=${region},MeContext=${siteId},ManagedElement=${siteId}`;
  if (!cell) return element;
  return cell.technology === '5G'
    ? `${element},GNBDUFunction=1,NRCellDU=${cell.id}`
    : `${element},ENodeBFunction=1,EUtranCellFDD=${cell.id}`;
}

/** ENM `alarmState` of an alarm. */
export function enmAlarmState(alarm: SimulatedAlarm): string {
  return `${alarm.clearedAt === undefined ? 'ACTIVE' : 'CLEARED'}_${alarm.acknowledgedAt === undefined ? 'UNACKNOWLEDGED' : 'ACKNOWLEDGED'}`;
}

/** ENM event PO id of an alarm. */
export function enmAlarmId(alarm: SimulatedAlarm): string {
  return String(8_000_000_000 + alarm.seq);
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function error(status: number, message: string): OssReply {
  return { status, body: { userMessage: message, internalErrorCode: status, errorCode: status } };
}

/**
 * Ericsson ENM (OSS-RC) northbound on 127.0.0.1: OAuth2 token endpoint (`/auth/oauth2/token`),
 * `/pm/measurements` and `/fm/alarms` (ENM FM open-alarm attributes: `eventPoIdAsLong`,
 * `objectOfReference`, `presentSeverity`, `alarmState`...) with `from`/`to` windows, `offset`/
 * `limit` paging with `totalCount`, and `region`/`siteId`/`technology`/`measurementType` filters.
 */
export class EricssonEnmSimulator extends OssSimulator {
  readonly client: OAuth2ClientOptions;

  constructor(options: EricssonEnmSimulatorOptions = {}) {
    super(options);
    this.client = {
      clientId: options.clientId ?? 'aiops-client',
      clientSecret: options.clientSecret ?? 'enm-client-secret',
      refreshTokens: options.refreshTokens,
      rotateRefreshTokens: options.rotateRefreshTokens,
      tokenTtlSeconds: options.tokenTtlSeconds,
    };
  }

  /** Measurement as ENM serves it. */
  static measurement(m: SimulatedMeasurement): Record<string, unknown> {
    return {
      nodeName: m.siteId,
      moid: enmObjectOf(m.siteId, m.region, m.cell),
      siteId: m.siteId,
      region: m.region,
      technology: m.cell.technology,
      measurementType: m.kpi,
      value: m.value,
      unit: m.unit,
      granularityPeriod: m.granularitySeconds,
      timestamp: iso(m.periodEnd),
      suspect: m.suspect,
    };
  }

  /** Alarm as ENM serves it. */
  static alarm(a: SimulatedAlarm): Record<string, unknown> {
    const object = enmObjectOf(a.siteId, a.region, a.cell);
    return {
      eventPoIdAsLong: Number(enmAlarmId(a)),
      alarmId: a.seq,
      fdn: object,
      objectOfReference: object,
      siteId: a.siteId,
      region: a.region,
      presentSeverity: a.clearedAt === undefined ? a.severity : 'CLEARED',
      previousSeverity: a.severity,
      probableCause: a.kind.probableCause,
      specificProblem: a.kind.specificProblem,
      eventType: `${a.kind.alarmType.toLowerCase().replace(/_/g, ' ')} alarm`,
      problemText: a.text,
      eventTime: iso(a.raisedAt),
      ceaseTime: iso(a.clearedAt),
      ackTime: iso(a.acknowledgedAt),
      ackOperator: a.acknowledgedBy,
      alarmState: enmAlarmState(a),
      lastUpdated: iso(a.changedAt),
    };
  }

  protected isCredentialRequest(request: OssRecordedRequest): boolean {
    return request.path === ENM_TOKEN_PATH;
  }

  protected handleCredentialRequest(request: OssRecordedRequest): OssReply {
    return answerTokenRequest(request, this.client, () => this.issueCredential());
  }

  protected authorised(request: OssRecordedRequest): boolean {
    return this.credentialValid(bearerToken(request));
  }

  protected unauthorised(): OssReply {
    return {
      ...error(401, 'Unauthorized: the access token is invalid or has expired'),
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    };
  }

  protected failure(status: number): OssReply {
    if (status === 429) return error(429, 'Too many requests: rate limit exceeded');
    if (status === 503) return error(503, 'Service temporarily unavailable');
    return error(status, 'Internal server error');
  }

  protected badRequest(message: string): OssReply {
    return error(400, message);
  }

  protected handleData(request: OssRecordedRequest): OssReply {
    if (request.method !== 'GET') return error(405, 'Method not allowed');
    const { query } = request;
    const from = queryTime(query, 'from');
    const to = queryTime(query, 'to') ?? Number.MAX_SAFE_INTEGER;
    const offset = queryInt(query, 'offset', 0);
    const limit = Math.min(queryInt(query, 'limit', 100), 1000);
    const regions = queryList(query, 'region');
    const sites = queryList(query, 'siteId');
    const onSite = (region: string, siteId: string) =>
      (!regions || regions.has(region)) && (!sites || sites.has(siteId));
    if (request.path === '/pm/measurements') {
      const technologies = queryList(query, 'technology');
      const types = queryList(query, 'measurementType');
      const all = this.dataset
        .measurementsIn(from, to)
        .filter(
          (m) =>
            onSite(m.region, m.siteId) &&
            (!technologies || technologies.has(m.cell.technology)) &&
            (!types || types.has(m.kpi)),
        );
      const page = all
        .slice(offset, offset + limit)
        .map((m) => EricssonEnmSimulator.measurement(m));
      return { status: 200, body: { totalCount: all.length, offset, limit, measurements: page } };
    }
    if (request.path === '/fm/alarms') {
      const all = this.dataset.alarmsChangedIn(from, to).filter((a) => onSite(a.region, a.siteId));
      const page = all.slice(offset, offset + limit).map((a) => EricssonEnmSimulator.alarm(a));
      return { status: 200, body: { totalCount: all.length, offset, limit, alarms: page } };
    }
    return error(404, `No resource at ${request.path}`);
  }
}
