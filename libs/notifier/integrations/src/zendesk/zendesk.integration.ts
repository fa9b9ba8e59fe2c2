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
  placeholderValues as sharedPlaceholderValues,
  renderPlaceholders,
} from '../webhook/integration-support';
import {
  SECRET_FIELDS,
  type ZendeskConfig,
  type ZendeskPriority,
  type ZendeskTicketTemplate,
  type ZendeskTicketType,
} from './zendesk.config';

/** Conservative caps: Zendesk shows ~150 subject characters and rejects very large comments. */
export const ZENDESK_SUBJECT_MAX = 150;
export const ZENDESK_COMMENT_MAX = 64_000;

const PRIORITY_BY_SEVERITY: Record<NotificationSeverity, ZendeskPriority> = {
  critical: 'urgent',
  major: 'high',
  minor: 'normal',
  warning: 'normal',
  info: 'low',
};

/** The `ticket` object of `POST /api/v2/tickets.json`. */
export interface ZendeskTicketPayload {
  subject: string;
  comment: { body: string };
  priority: ZendeskPriority;
  type: ZendeskTicketType;
  tags: string[];
  external_id: string;
  assignee_email?: string;
  requester?: { email: string };
}

/** Values for `{placeholders}` (see `placeholderValues` in integration-support), plus `count`. */
export function placeholderValues(notification: Notification): Map<string, string> {
  return sharedPlaceholderValues(notification, { count: String(notification.count) });
}

/** Replaces `{name}` with its value; unknown placeholders stay visible so a bad template shows. */
export function renderTemplate(template: string, notification: Notification): string {
  return renderPlaceholders(template, placeholderValues(notification), (whole) => whole);
}

/** Zendesk tags are lowercase words without spaces (a space would split one tag into two). */
function toTag(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_:/.-]+/g, '_')
    .slice(0, 80);
}

/**
 * Zendesk Support: one ticket per notification through the Tickets API. `external_id` carries the
 * notification id; before creating, the integration lists tickets by that external id and skips
 * the create when one exists, so a retried delivery never opens a second ticket.
 */
export class ZendeskIntegration implements Integration {
  readonly type = 'zendesk';
  readonly maxBatchSize = 1;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly config: ZendeskConfig) {
    this.baseUrl = (config.base_url ?? `https://${config.subdomain}.zendesk.com`).replace(
      /\/+$/,
      '',
    );
    this.headers = jsonApiHeaders({
      authorization: basicAuthorization(`${config.email}/token`, config.api_token),
    });
  }

  templateFor(kind: string): ZendeskTicketTemplate | undefined {
    return this.config.ticket_templates[kind];
  }

  buildTicket(notification: Notification): ZendeskTicketPayload {
    const template = this.templateFor(notification.kind);
    const subject = template
      ? renderTemplate(template.subject, notification)
      : `[${notification.severity.toUpperCase()}] ${notification.title}`;
    const tags = (template?.tags ?? ['telcomesh', notification.kind]).map(toTag).filter(Boolean);
    if (notification.status === 'resolved') tags.push('resolved');
    const ticket: ZendeskTicketPayload = {
      subject: truncate(subject, ZENDESK_SUBJECT_MAX),
      comment: { body: truncate(this.commentBody(notification), ZENDESK_COMMENT_MAX) },
      priority: template?.priority ?? PRIORITY_BY_SEVERITY[notification.severity],
      type: template?.type ?? 'incident',
      tags: [...new Set(tags)],
      external_id: notification.id,
    };
    if (this.config.default_assignee) ticket.assignee_email = this.config.default_assignee;
    if (this.config.requester_email) ticket.requester = { email: this.config.requester_email };
    return ticket;
  }

  lookupRequest(notification: Notification): OutboundRequest {
    return {
      method: 'GET',
      url: `${this.baseUrl}/api/v2/tickets.json?external_id=${encodeURIComponent(notification.id)}`,
      headers: { ...this.headers },
    };
  }

  createRequest(notification: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: `${this.baseUrl}/api/v2/tickets.json`,
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: this.buildTicket(notification) }),
    };
  }

  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEachWithReferences(notifications, http, (n, h) => this.deliverOne(n, h));
  }

  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = performance.now();
    const response = await http({
      method: 'GET',
      url: `${this.baseUrl}/api/v2/users/me.json`,
      headers: { ...this.headers },
    });
    const latencyMs = Math.round(performance.now() - started);
    if (response.status !== 200) {
      return { healthy: false, detail: this.redact(`HTTP ${response.status}`), latencyMs };
    }
    const user = (parseJsonBody(response.body) as { user?: { id?: number | null; role?: string } })
      ?.user;
    // Zendesk answers 200 with an anonymous user (id null) when the credentials are not applied.
    if (!user || user.id === null || user.id === undefined) {
      return { healthy: false, detail: 'authenticated as anonymous user', latencyMs };
    }
    return {
      healthy: true,
      detail: `authenticated as user ${user.id} (${user.role ?? 'unknown role'})`,
      latencyMs,
    };
  }

  private async deliverOne(notification: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const lookup = await http(this.lookupRequest(notification));
    if (lookup.status !== 200) return this.classify(lookup);
    const found = (parseJsonBody(lookup.body) as { tickets?: { id: number }[] } | undefined)
      ?.tickets;
    if (found && found.length > 0) {
      return { result: 'delivered', status: 200, reference: String(found[0].id) };
    }
    const created = await http(this.createRequest(notification));
    const outcome = this.classify(created);
    if (outcome.result !== 'delivered') return outcome;
    const ticket = (parseJsonBody(created.body) as { ticket?: { id?: number } } | undefined)
      ?.ticket;
    return ticket?.id !== undefined ? { ...outcome, reference: String(ticket.id) } : outcome;
  }

  private classify(response: HttpResponse): DeliveryOutcome {
    return classifyRedacted(response, (text) => this.redact(text));
  }

  /** Belt and braces: no configured secret ever appears in a reason or detail. */
  private redact(text: string): string {
    return maskSecrets(
      text,
      SECRET_FIELDS.map((field) => this.config[field]),
      '[REDACTED]',
    );
  }

  private commentBody(notification: Notification): string {
    const lines = [notification.summary || notification.title, ''];
    lines.push(`Severity: ${notification.severity}`, `Status: ${notification.status}`);
    lines.push(`Subject: ${notification.subject}`);
    if (notification.site) lines.push(`Site: ${notification.site}`);
    if (notification.tenant) lines.push(`Tenant: ${notification.tenant}`);
    for (const field of notification.fields) lines.push(`${field.name}: ${field.value}`);
    lines.push(`Occurred: ${notification.occurredAt.toISOString()}`);
    if (notification.count > 1) lines.push(`Occurrences: ${notification.count}`);
    if (notification.url) lines.push('', notification.url);
    lines.push('', `TelcoMesh notification ${notification.id}`);
    return lines.join('\n');
  }
}
