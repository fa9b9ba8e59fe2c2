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
import type { Notification } from '../notification';
import {
  basicAuthorization,
  classifyRedacted,
  deliverEachWithReferences,
  jsonApiHeaders,
  maskSecrets,
  parseJsonBody,
} from '../webhook/integration-support';
import { SECRET_FIELDS, type JiraConfig } from './jira.config';

/** Jira's summary field holds at most 255 characters and no line breaks. */
export const JIRA_SUMMARY_MAX = 255;
/** Keeps the ADF description under Jira's 32,767-character text field limit. */
export const JIRA_DESCRIPTION_TEXT_MAX = 8_000;
export const JIRA_CELL_MAX = 400;
export const JIRA_MAX_ROWS = 30;

/** Atlassian Document Format nodes (the subset this integration writes). */
export interface AdfNode {
  type: string;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
  content?: AdfNode[];
}

export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

export interface JiraIssueFields {
  project: { key: string };
  issuetype: { name: string };
  summary: string;
  description: AdfDocument;
  labels: string[];
}

/** Label carrying the notification id (hashed: labels are short and space-free). */
export function idempotencyLabel(notificationId: string): string {
  return `tm-${createHash('sha256').update(notificationId).digest('hex').slice(0, 20)}`;
}

function toLabel(value: string): string {
  return value.trim().replace(/\s+/g, '_').slice(0, 255);
}

function text(value: string, marks?: AdfNode['marks']): AdfNode {
  // ADF rejects empty text nodes.
  return marks ? { type: 'text', text: value || '-', marks } : { type: 'text', text: value || '-' };
}

function paragraph(...content: AdfNode[]): AdfNode {
  return { type: 'paragraph', content };
}

function cell(type: 'tableHeader' | 'tableCell', value: string): AdfNode {
  return { type, content: [paragraph(text(truncate(value, JIRA_CELL_MAX)))] };
}

/** The notification as an ADF document: summary paragraph, a field table, and a link back. */
export function toAdf(notification: Notification): AdfDocument {
  const content: AdfNode[] = [
    paragraph(
      text(truncate(notification.summary || notification.title, JIRA_DESCRIPTION_TEXT_MAX)),
    ),
  ];
  const rows: [string, string][] = [
    ['Severity', notification.severity],
    ['Status', notification.status],
    ['Subject', notification.subject],
  ];
  if (notification.site) rows.push(['Site', notification.site]);
  for (const field of notification.fields) rows.push([field.name, field.value]);
  rows.push(['Occurred', notification.occurredAt.toISOString()]);
  if (notification.count > 1) rows.push(['Occurrences', String(notification.count)]);
  rows.splice(JIRA_MAX_ROWS);
  content.push({
    type: 'table',
    attrs: { isNumberColumnEnabled: false, layout: 'default' },
    content: [
      { type: 'tableRow', content: [cell('tableHeader', 'Field'), cell('tableHeader', 'Value')] },
      ...rows.map(([name, value]) => ({
        type: 'tableRow',
        content: [cell('tableCell', name), cell('tableCell', value)],
      })),
    ],
  });
  if (notification.url) {
    content.push(
      paragraph(text('Open in TelcoMesh', [{ type: 'link', attrs: { href: notification.url } }])),
    );
  }
  return { type: 'doc', version: 1, content };
}

/**
 * Jira Cloud (REST API v3): one issue per notification in `default_project`, issue type by kind.
 * Each issue carries the label `tm-<hash of notification id>`; before creating, a JQL search for
 * that label skips the create when the issue exists, so retries never open duplicates. (Jira's
 * search is eventually consistent: a retry within a second or two of a create could still miss
 * it; the delivery queue's backoff makes that window practically closed.)
 */
export class JiraIntegration implements Integration {
  readonly type = 'jira';
  readonly maxBatchSize = 1;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly config: JiraConfig) {
    this.baseUrl = config.server_url.replace(/\/+$/, '');
    this.headers = jsonApiHeaders({
      authorization: basicAuthorization(config.username, config.api_token),
    });
  }

  buildFields(notification: Notification): JiraIssueFields {
    const labels = [
      ...this.config.labels,
      'telcomesh',
      notification.kind,
      ...(notification.status === 'resolved' ? ['resolved'] : []),
    ].map(toLabel);
    return {
      project: { key: this.config.default_project },
      issuetype: { name: this.config.issue_types[notification.kind] ?? 'Task' },
      summary: truncate(
        `[${notification.severity.toUpperCase()}] ${notification.title}`.replace(/[\r\n]+/g, ' '),
        JIRA_SUMMARY_MAX,
      ),
      description: toAdf(notification),
      labels: [...new Set([...labels.filter(Boolean), idempotencyLabel(notification.id)])],
    };
  }

  searchRequest(notification: Notification): OutboundRequest {
    const jql = `project = "${this.config.default_project}" AND labels = "${idempotencyLabel(notification.id)}"`;
    const query = new URLSearchParams({ jql, maxResults: '1', fields: 'labels' });
    return {
      method: 'GET',
      url: `${this.baseUrl}/rest/api/3/search/jql?${query.toString()}`,
      headers: { ...this.headers },
    };
  }

  createRequest(notification: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: `${this.baseUrl}/rest/api/3/issue`,
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ fields: this.buildFields(notification) }),
    };
  }

  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEachWithReferences(notifications, http, (n, h) => this.deliverOne(n, h));
  }

  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = performance.now();
    const response = await http({
      method: 'GET',
      url: `${this.baseUrl}/rest/api/3/myself`,
      headers: { ...this.headers },
    });
    const latencyMs = Math.round(performance.now() - started);
    if (response.status !== 200) {
      return { healthy: false, detail: this.redact(`HTTP ${response.status}`), latencyMs };
    }
    const me = parseJsonBody(response.body) as
      { accountId?: string; displayName?: string } | undefined;
    return me?.accountId
      ? { healthy: true, detail: `authenticated as ${me.displayName ?? me.accountId}`, latencyMs }
      : { healthy: false, detail: 'unexpected /myself answer', latencyMs };
  }

  private async deliverOne(notification: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const search = await http(this.searchRequest(notification));
    if (search.status !== 200) return this.classify(search);
    const found = (parseJsonBody(search.body) as { issues?: { key: string }[] } | undefined)
      ?.issues;
    if (found && found.length > 0) {
      return { result: 'delivered', status: 200, reference: found[0].key };
    }
    const created = await http(this.createRequest(notification));
    const outcome = this.classify(created);
    if (outcome.result !== 'delivered') return outcome;
    const key = (parseJsonBody(created.body) as { key?: string } | undefined)?.key;
    return key ? { ...outcome, reference: key } : outcome;
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
}
