import { createHash } from 'node:crypto';
import {
  truncate,
  type DeliveryOutcome,
  type HttpResponse,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from '../integration';
import type { Notification, NotificationSeverity } from '../notification';
import {
  basicAuthorization,
  classifyRedacted,
  deliverEachWithReferences,
  jsonApiHeaders,
  maskSecrets,
  parseJsonBody,
} from '../webhook/integration-support';
import { SECRET_FIELDS, type ServiceNowConfig } from './servicenow.config';

/** incident.short_description is a 160-character field; description and journal 4,000. */
export const SERVICENOW_SHORT_DESCRIPTION_MAX = 160;
export const SERVICENOW_TEXT_MAX = 4_000;
/** task.correlation_id is a 100-character field. */
export const SERVICENOW_CORRELATION_MAX = 100;

/** ServiceNow's 1 (High) .. 3 (Low) scales; the priority lookup derives P1..P5 from both. */
const URGENCY_IMPACT: Record<NotificationSeverity, { urgency: string; impact: string }> = {
  critical: { urgency: '1', impact: '1' },
  major: { urgency: '1', impact: '2' },
  minor: { urgency: '2', impact: '2' },
  warning: { urgency: '3', impact: '2' },
  info: { urgency: '3', impact: '3' },
};

export interface ServiceNowIncidentPayload {
  short_description: string;
  description: string;
  urgency: string;
  impact: string;
  correlation_id: string;
  correlation_display: 'TelcoMesh';
  assignment_group?: string;
  caller_id?: string;
  category?: string;
}

/**
 * One incident per condition: `labels.dedup_key` when the source gave one, else the dotted
 * subject; hashed when longer than the 100-character correlation_id field.
 */
export function correlationId(notification: Notification): string {
  const raw = notification.labels.dedup_key || notification.subject;
  return raw.length <= SERVICENOW_CORRELATION_MAX
    ? raw
    : `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

interface IncidentRef {
  sys_id: string;
  number?: string;
}

/**
 * ServiceNow ITSM through the Table API. A firing notification opens an incident whose
 * `correlation_id` names the condition; while that incident is active, further firings add a
 * work note to it instead of opening duplicates (so a retried delivery is harmless too). A
 * resolved notification resolves the active incident (state 6, close code and notes); when none
 * is active there is nothing to resolve and the delivery counts as done.
 */
export class ServiceNowIntegration implements Integration {
  readonly type = 'servicenow';
  readonly maxBatchSize = 1;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly config: ServiceNowConfig) {
    this.baseUrl = config.instance_url.replace(/\/+$/, '');
    const authorization = config.oauth_token
      ? `Bearer ${config.oauth_token}`
      : basicAuthorization(config.username ?? '', config.password ?? '');
    this.headers = jsonApiHeaders({ authorization });
  }

  buildIncident(notification: Notification): ServiceNowIncidentPayload {
    const incident: ServiceNowIncidentPayload = {
      short_description: truncate(
        `[${notification.severity.toUpperCase()}] ${notification.title}`.replace(/[\r\n]+/g, ' '),
        SERVICENOW_SHORT_DESCRIPTION_MAX,
      ),
      description: truncate(this.details(notification), SERVICENOW_TEXT_MAX),
      ...URGENCY_IMPACT[notification.severity],
      correlation_id: correlationId(notification),
      correlation_display: 'TelcoMesh',
    };
    if (this.config.assignment_group) incident.assignment_group = this.config.assignment_group;
    if (this.config.caller_id) incident.caller_id = this.config.caller_id;
    if (this.config.category) incident.category = this.config.category;
    return incident;
  }

  /** `GET /api/now/table/incident?sysparm_query=correlation_id=<id>^active=true...` */
  findActiveRequest(notification: Notification): OutboundRequest {
    // A caret inside a value is written `^^` in an encoded query.
    const id = correlationId(notification).replace(/\^/g, '^^');
    const query = new URLSearchParams({
      sysparm_query: `correlation_id=${id}^active=true`,
      sysparm_limit: '1',
      sysparm_fields: 'sys_id,number',
    });
    return {
      method: 'GET',
      url: `${this.baseUrl}/api/now/table/incident?${query.toString()}`,
      headers: { ...this.headers },
    };
  }

  createRequest(notification: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: `${this.baseUrl}/api/now/table/incident?sysparm_exclude_reference_link=true`,
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify(this.buildIncident(notification)),
    };
  }

  updateRequest(sysId: string, changes: Record<string, string>): OutboundRequest {
    return {
      method: 'PATCH',
      url: `${this.baseUrl}/api/now/table/incident/${encodeURIComponent(sysId)}?sysparm_exclude_reference_link=true`,
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify(changes),
    };
  }

  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEachWithReferences(notifications, http, (n, h) => this.deliverOne(n, h));
  }

  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = performance.now();
    const response = await http({
      method: 'GET',
      url: `${this.baseUrl}/api/now/table/sys_user?sysparm_limit=1&sysparm_fields=sys_id`,
      headers: { ...this.headers },
    });
    const latencyMs = Math.round(performance.now() - started);
    return response.status === 200
      ? { healthy: true, detail: 'Table API reachable and authenticated', latencyMs }
      : { healthy: false, detail: this.redact(`HTTP ${response.status}`), latencyMs };
  }

  private async deliverOne(notification: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const lookup = await http(this.findActiveRequest(notification));
    if (lookup.status !== 200) return this.classify(lookup);
    const active = (parseJsonBody(lookup.body) as { result?: IncidentRef[] } | undefined)
      ?.result?.[0];
    if (notification.status === 'resolved') {
      if (!active) return { result: 'delivered', status: 200, reference: 'no active incident' };
      const resolved = await http(
        this.updateRequest(active.sys_id, {
          state: this.config.resolved_state,
          close_code: this.config.close_code,
          close_notes: truncate(
            `Cleared in TelcoMesh at ${notification.occurredAt.toISOString()}: ${notification.summary || notification.title}`,
            SERVICENOW_TEXT_MAX,
          ),
        }),
      );
      return this.withReference(resolved, active.number ?? active.sys_id);
    }
    if (active) {
      const updated = await http(
        this.updateRequest(active.sys_id, {
          work_notes: truncate(
            `Still firing (TelcoMesh notification ${notification.id}):\n${this.details(notification)}`,
            SERVICENOW_TEXT_MAX,
          ),
        }),
      );
      return this.withReference(updated, active.number ?? active.sys_id);
    }
    const created = await http(this.createRequest(notification));
    const record = (parseJsonBody(created.body) as { result?: IncidentRef } | undefined)?.result;
    return this.withReference(created, record?.number ?? record?.sys_id);
  }

  private withReference(response: HttpResponse, reference: string | undefined): DeliveryOutcome {
    const outcome = this.classify(response);
    return outcome.result === 'delivered' && reference ? { ...outcome, reference } : outcome;
  }

  private classify(response: HttpResponse): DeliveryOutcome {
    return classifyRedacted(response, (text) => this.redact(text));
  }

  private redact(text: string): string {
    return maskSecrets(
      text,
      SECRET_FIELDS.map((field) => this.config[field]),
      '[REDACTED]',
    );
  }

  private details(notification: Notification): string {
    const lines = [notification.summary || notification.title, ''];
    lines.push(`Severity: ${notification.severity}`, `Subject: ${notification.subject}`);
    if (notification.site) lines.push(`Site: ${notification.site}`);
    if (notification.tenant) lines.push(`Tenant: ${notification.tenant}`);
    for (const field of notification.fields) lines.push(`${field.name}: ${field.value}`);
    lines.push(`Occurred: ${notification.occurredAt.toISOString()}`);
    if (notification.count > 1) lines.push(`Occurrences: ${notification.count}`);
    if (notification.url) lines.push(`Link: ${notification.url}`);
    return lines.join('\n');
  }
}
