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
  classifyRedacted,
  configChangeVariables,
  jsonApiHeaders,
  maskSecrets,
  parseJsonBody,
  placeholderValues,
  renderPlaceholders,
  subjectMatches,
} from '../webhook/integration-support';
import { SECRET_FIELDS, type GitLabConfig } from './gitlab.config';

/** GitLab caps issue titles at 255 characters and descriptions at 1,048,576. */
export const GITLAB_TITLE_MAX = 255;
export const GITLAB_DESCRIPTION_MAX = 1_048_576;
export const GITLAB_VARIABLE_MAX = 10_000;

/** Searchable token in the issue description that identifies the notification. */
export function issueMarker(notificationId: string): string {
  return `telcomesh-${createHash('sha256').update(notificationId).digest('hex').slice(0, 24)}`;
}

/**
 * The seed pipeline's parameters: CONFIG_KEY, CONFIG_VALUE and USER_ID come from the labels
 * (`config_key`, `config_value`/`new_value`, `user_id`/`changed_by`) or the config-change fields
 * (Key, New Value, Changed By); the CONFIG_KEY falls back to the subject.
 */
export function defaultVariables(notification: Notification): Record<string, string> {
  return {
    EVENT_ID: notification.id,
    EVENT_KIND: notification.kind,
    EVENT_SUBJECT: notification.subject,
    EVENT_SEVERITY: notification.severity,
    EVENT_STATUS: notification.status,
    ...configChangeVariables(notification),
  };
}

/** Dotted-subject glob: `.` separates segments, so `app.database.*` matches `app.database.host`. */
export { subjectMatches } from '../webhook/integration-support';

/**
 * GitLab (REST API v4): opens an issue per notification (`auto_create_issues`) and triggers the
 * configured pipelines through the pipeline trigger API with the notification as CI variables.
 *
 * Idempotency: the issue description carries `telcomesh-<hash of notification id>`; before
 * creating, the project's issues are searched for it and the create is skipped when found.
 * Triggered pipelines cannot be deduplicated by GitLab, so the issue is handled first (a failure
 * there never re-triggers) and `EVENT_ID` is passed for the pipeline to deduplicate on.
 */
export class GitLabIntegration implements Integration {
  readonly type = 'gitlab';
  readonly maxBatchSize = 1;
  private readonly apiUrl: string;
  private readonly project: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly config: GitLabConfig) {
    this.apiUrl = `${config.base_url.replace(/\/+$/, '')}/api/v4`;
    this.project = encodeURIComponent(String(config.project_id));
    this.headers = jsonApiHeaders({ 'private-token': config.token });
  }

  triggersPipelines(notification: Notification): boolean {
    if (Object.keys(this.config.pipeline_triggers).length === 0) return false;
    return (
      this.config.pipeline_patterns.length === 0 ||
      subjectMatches(this.config.pipeline_patterns, notification.subject)
    );
  }

  buildIssue(notification: Notification): { title: string; description: string; labels: string } {
    const rows = [
      ['Severity', notification.severity],
      ['Status', notification.status],
      ['Subject', notification.subject],
      ...(notification.site ? [['Site', notification.site]] : []),
      ...notification.fields.map((f) => [f.name, f.value]),
      ['Occurred', notification.occurredAt.toISOString()],
      ...(notification.count > 1 ? [['Occurrences', String(notification.count)]] : []),
    ];
    const cell = (v: string): string =>
      truncate(v, 2_000).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
    const table = ['| Field | Value |', '|---|---|']
      .concat(rows.map(([name, value]) => `| ${cell(name)} | ${cell(value)} |`))
      .join('\n');
    const link = notification.url ? `\n\n[Open in TelcoMesh](${notification.url})` : '';
    const marker = `<!-- ${issueMarker(notification.id)} -->`;
    const text = `${notification.summary}\n\n${table}${link}`;
    return {
      title: truncate(
        `[${notification.severity.toUpperCase()}] ${notification.title}`.replace(/[\r\n]+/g, ' '),
        GITLAB_TITLE_MAX,
      ),
      description: `${truncate(text, GITLAB_DESCRIPTION_MAX - marker.length - 2)}\n\n${marker}`,
      labels: this.config.issue_labels.map((l) => l.replace(/,/g, ' ')).join(','),
    };
  }

  buildVariables(notification: Notification): Record<string, string> {
    const values = placeholderValues(notification);
    const variables = defaultVariables(notification);
    for (const [name, template] of Object.entries(this.config.pipeline_variables)) {
      variables[name] = renderPlaceholders(template, values, () => '');
    }
    for (const name of Object.keys(variables)) {
      variables[name] = truncate(variables[name], GITLAB_VARIABLE_MAX);
    }
    return variables;
  }

  searchRequest(notification: Notification): OutboundRequest {
    const query = new URLSearchParams({
      search: issueMarker(notification.id),
      in: 'description',
      state: 'all',
      per_page: '20',
    });
    return {
      method: 'GET',
      url: `${this.apiUrl}/projects/${this.project}/issues?${query.toString()}`,
      headers: { ...this.headers },
    };
  }

  createIssueRequest(notification: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: `${this.apiUrl}/projects/${this.project}/issues`,
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify(this.buildIssue(notification)),
    };
  }

  /** Form-encoded: `token`, `ref`, `variables[KEY]=value`. Authenticated by the trigger token only. */
  triggerRequest(ref: string, notification: Notification): OutboundRequest {
    const form = new URLSearchParams({ token: this.config.trigger_token ?? '', ref });
    for (const [key, value] of Object.entries(this.buildVariables(notification))) {
      form.append(`variables[${key}]`, value);
    }
    return {
      method: 'POST',
      url: `${this.apiUrl}/projects/${this.project}/trigger/pipeline`,
      headers: {
        accept: 'application/json',
        'user-agent': 'TelcoMesh-Notifier',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form.toString(),
    };
  }

  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    const references: string[] = [];
    let status = 200;
    for (const notification of notifications) {
      if (this.config.auto_create_issues) {
        const outcome = await this.ensureIssue(notification, http);
        if (outcome.result !== 'delivered') return outcome;
        status = outcome.status;
        if (outcome.reference) references.push(outcome.reference);
      }
      if (this.triggersPipelines(notification)) {
        for (const [name, ref] of Object.entries(this.config.pipeline_triggers)) {
          const response = await http(this.triggerRequest(ref, notification));
          const outcome = this.classify(response);
          if (outcome.result !== 'delivered') {
            return { ...outcome, reason: `pipeline ${name}: ${outcome.reason}` };
          }
          status = outcome.status;
          const pipeline = parseJsonBody(response.body) as { id?: number } | undefined;
          references.push(`pipeline:${name}${pipeline?.id !== undefined ? `#${pipeline.id}` : ''}`);
        }
      }
    }
    return { result: 'delivered', status, reference: references.join(',') || 'nothing to do' };
  }

  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = performance.now();
    const response = await http({
      method: 'GET',
      url: `${this.apiUrl}/projects/${this.project}`,
      headers: { ...this.headers },
    });
    const latencyMs = Math.round(performance.now() - started);
    if (response.status !== 200) {
      return { healthy: false, detail: this.redact(`HTTP ${response.status}`), latencyMs };
    }
    const project = parseJsonBody(response.body) as { path_with_namespace?: string } | undefined;
    return {
      healthy: true,
      detail: `project ${project?.path_with_namespace ?? String(this.config.project_id)} reachable`,
      latencyMs,
    };
  }

  private async ensureIssue(notification: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const search = await http(this.searchRequest(notification));
    if (search.status !== 200) return this.classify(search);
    const marker = issueMarker(notification.id);
    const found = parseJsonBody(search.body);
    const existing = Array.isArray(found)
      ? (found as { iid: number; description?: string | null }[]).find((i) =>
          i.description?.includes(marker),
        )
      : undefined;
    if (existing) return { result: 'delivered', status: 200, reference: `issue#${existing.iid}` };
    const created = await http(this.createIssueRequest(notification));
    const outcome = this.classify(created);
    if (outcome.result !== 'delivered') return outcome;
    const issue = parseJsonBody(created.body) as { iid?: number } | undefined;
    return issue?.iid !== undefined ? { ...outcome, reference: `issue#${issue.iid}` } : outcome;
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
