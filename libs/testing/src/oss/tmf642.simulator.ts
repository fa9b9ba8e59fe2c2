import { answerTokenRequest, bearerToken, type OAuth2ClientOptions } from './oauth2-token-endpoint';
import type { SimulatedAlarm } from './oss-dataset';
import {
  OssSimulator,
  queryInt,
  queryTime,
  type OssRecordedRequest,
  type OssReply,
  type OssSimulatorOptions,
} from './oss-simulator';

export interface Tmf642SimulatorOptions extends OssSimulatorOptions, Partial<OAuth2ClientOptions> {}

export const TMF642_TOKEN_PATH = '/oauth/token';
export const TMF642_ALARM_PATH = '/tmf-api/alarmManagement/v4/alarm';

const ALARM_TYPES: Record<string, string> = {
  COMMUNICATIONS: 'communicationsAlarm',
  QUALITY_OF_SERVICE: 'qualityOfServiceAlarm',
  PROCESSING_ERROR: 'processingErrorAlarm',
  EQUIPMENT: 'equipmentAlarm',
  ENVIRONMENTAL: 'environmentalAlarm',
};

export function tmf642AlarmId(alarm: SimulatedAlarm): string {
  return `alm-${alarm.seq}`;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function tmfError(status: number, reason: string, message: string): OssReply {
  return {
    status,
    body: { code: String(status), reason, message, status: String(status), '@type': 'Error' },
  };
}

/**
 * A generic OSS speaking TM Forum TMF642 Alarm Management v4 on 127.0.0.1: OAuth2 token endpoint
 * (`/oauth/token`, client credentials and refresh token, optional rotation), `GET .../alarm` with
 * TMF630 attribute filters on `alarmChangedTime` (`.gt`, `.gte`, `.lt`, `.lte`), `sort`,
 * `offset`/`limit`, `X-Total-Count`/`X-Result-Count` and 206 for a partial page, TMF error bodies.
 */
export class Tmf642Simulator extends OssSimulator {
  readonly client: OAuth2ClientOptions;

  constructor(options: Tmf642SimulatorOptions = {}) {
    super(options);
    this.client = {
      clientId: options.clientId ?? 'tmf-client',
      clientSecret: options.clientSecret ?? 'tmf-client-secret',
      refreshTokens: options.refreshTokens ?? [],
      rotateRefreshTokens: options.rotateRefreshTokens,
      tokenTtlSeconds: options.tokenTtlSeconds,
    };
  }

  static alarm(a: SimulatedAlarm, baseUrl = ''): Record<string, unknown> {
    const id = tmf642AlarmId(a);
    const objectType = a.cell
      ? a.cell.technology === '5G'
        ? 'NRCellDU'
        : 'EUtranCellFDD'
      : 'ManagedElement';
    const changed = a.changedAt > a.raisedAt;
    return {
      id,
      href: `${baseUrl}${TMF642_ALARM_PATH}/${id}`,
      externalAlarmId: String(a.seq),
      alarmType: ALARM_TYPES[a.kind.alarmType],
      perceivedSeverity: a.clearedAt === undefined ? a.severity.toLowerCase() : 'cleared',
      probableCause: a.kind.probableCause,
      specificProblem: a.kind.specificProblem,
      alarmDetails: a.text,
      state: a.clearedAt !== undefined ? 'cleared' : changed ? 'updated' : 'raised',
      ackState: a.acknowledgedAt === undefined ? 'unacknowledged' : 'acknowledged',
      ackUserId: a.acknowledgedBy,
      ackTime: iso(a.acknowledgedAt),
      alarmRaisedTime: iso(a.raisedAt),
      alarmReportingTime: iso(a.raisedAt),
      alarmChangedTime: iso(a.changedAt),
      alarmClearedTime: iso(a.clearedAt),
      sourceSystemId: 'OSS-generic',
      alarmedObjectType: objectType,
      alarmedObject: { id: a.cell?.id ?? a.siteId, '@referredType': objectType },
      place: [
        { id: a.siteId, role: 'site', '@referredType': 'GeographicSite' },
        { id: a.region, role: 'region', '@referredType': 'GeographicLocation' },
      ],
      '@type': 'Alarm',
    };
  }

  protected isCredentialRequest(request: OssRecordedRequest): boolean {
    return request.path === TMF642_TOKEN_PATH;
  }

  protected handleCredentialRequest(request: OssRecordedRequest): OssReply {
    return answerTokenRequest(request, this.client, () => this.issueCredential());
  }

  protected authorised(request: OssRecordedRequest): boolean {
    return this.credentialValid(bearerToken(request));
  }

  protected unauthorised(): OssReply {
    return {
      ...tmfError(401, 'Unauthorized', 'The access token is missing, invalid or expired'),
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    };
  }

  protected failure(status: number): OssReply {
    if (status === 429) return tmfError(429, 'Too Many Requests', 'Request rate exceeded');
    if (status === 503) return tmfError(503, 'Service Unavailable', 'Try again later');
    return tmfError(status, 'Internal Server Error', 'Unexpected error');
  }

  protected badRequest(message: string): OssReply {
    return tmfError(400, 'Bad Request', message);
  }

  protected handleData(request: OssRecordedRequest): OssReply {
    if (request.path !== TMF642_ALARM_PATH)
      return tmfError(404, 'Not Found', `No resource at ${request.path}`);
    if (request.method !== 'GET') return tmfError(405, 'Method Not Allowed', 'use GET');
    const { query } = request;
    const gt = queryTime(query, 'alarmChangedTime.gt');
    const gte = queryTime(query, 'alarmChangedTime.gte');
    const lt = queryTime(query, 'alarmChangedTime.lt');
    const lte = queryTime(query, 'alarmChangedTime.lte');
    const offset = queryInt(query, 'offset', 0);
    const limit = Math.min(Math.max(1, queryInt(query, 'limit', 100)), 1000);
    const all = this.dataset.alarms
      .filter(
        (a) =>
          (gt === undefined || a.changedAt > gt) &&
          (gte === undefined || a.changedAt >= gte) &&
          (lt === undefined || a.changedAt < lt) &&
          (lte === undefined || a.changedAt <= lte),
      )
      .sort((a, b) => a.changedAt - b.changedAt || a.seq - b.seq);
    const page = all.slice(offset, offset + limit).map((a) => Tmf642Simulator.alarm(a));
    return {
      status: offset + page.length < all.length ? 206 : 200,
      headers: { 'x-total-count': String(all.length), 'x-result-count': String(page.length) },
      body: page,
    };
  }
}
