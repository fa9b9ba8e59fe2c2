import {
  retryAfterMs,
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
  maskSecrets,
  parseJsonBody,
  placeholderValues,
  renderPlaceholders,
  subjectMatches,
  classifyRedacted,
} from '../webhook/integration-support';
import { GITHUB_MAX_WORKFLOW_INPUTS, SECRET_FIELDS, type GitHubConfig } from './github.config';

/** GitHub caps issue titles at 256 characters and bodies at 65,536. */
export const GITHUB_TITLE_MAX = 256;
export const GITHUB_BODY_MAX = 65_536;
export const GITHUB_INPUT_VALUE_MAX = 1_000;
/** How far back (before `occurredAt`) the duplicate check looks at updated issues. */
export const GITHUB_LOOKBACK_MS = 24 * 60 * 60 * 1000;
/** GitHub's advice when a secondary rate limit comes without a hint: wait at least a minute. */
export const GITHUB_SECONDARY_LIMIT_WAIT_MS = 60_000;

/** Hidden marker in the issue body that identifies the notification (idempotency). */
export function issueMarker(notificationId: string): string {
  return `<!-- telcomesh-notification: ${notificationId.replace(/--/g, '- -')} -->`;
}

/** `{name}` → value; unknown placeholders become empty (inputs are data, not display text). */
export function renderInput(template: string, notification: Notification): string {
  return renderPlaceholders(template, placeholderValues(notification), () => '');
}

/** Dotted-subject glob: `.` separates segments, so `app.database.*` matches `app.database.host`. */
export { subjectMatches } from '../webhook/integration-support';

function escapeCell(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

interface ListedIssue {
  number: number;
  html_url?: string;
  body?: string | null;
  pull_request?: unknown;
}

/**
 * GitHub (REST API 2022-11-28): opens an issue per notification (`auto_create_issues`) and
 * dispatches the configured `workflow_dispatch` workflows with the notification as inputs.
 *
 * Idempotency: the issue body carries a hidden marker with the notification id; before creating,
 * the repository's issues updated since the notification occurred are listed (a consistent read,
 * unlike search) and the create is skipped when one carries the marker. Workflow dispatches
 * cannot be deduplicated by GitHub: the issue is handled first so a failure there never re-runs a
 * workflow, and `event_id` is sent so a workflow can use it as a `concurrency` group.
 */
export class GitHubIntegration implements Integration {
  readonly type = 'github';
  readonly maxBatchSize = 1;
  private readonly apiUrl: string;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: GitHubConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.apiUrl = config.api_url.replace(/\/+$/, '');
    this.headers = {
      authorization: `Bearer ${config.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'TelcoMesh-Notifier',
    };
  }

  /** `owner/repo` for a `repositories` entry (the first entry when not given). */
  repository(name?: string): string {
    const value = name
      ? this.config.repositories[name]
      : Object.values(this.config.repositories)[0];
    return value.includes('/') ? value : `${this.config.organization}/${value}`;
  }

  /** True when this notification dispatches the workflows (`workflow_patterns`, if any). */
  dispatchesWorkflows(notification: Notification): boolean {
    if (Object.keys(this.config.workflow_triggers).length === 0) return false;
    return (
      this.config.workflow_patterns.length === 0 ||
      subjectMatches(this.config.workflow_patterns, notification.subject)
    );
  }

  buildIssue(notification: Notification): { title: string; body: string; labels: string[] } {
    const rows = [
      ['Severity', notification.severity],
      ['Status', notification.status],
      ['Subject', notification.subject],
      ...(notification.site ? [['Site', notification.site]] : []),
      ...notification.fields.map((f) => [f.name, f.value]),
      ['Occurred', notification.occurredAt.toISOString()],
      ...(notification.count > 1 ? [['Occurrences', String(notification.count)]] : []),
    ];
    const marker = issueMarker(notification.id);
    const table = ['| Field | Value |', '| --- | --- |']
      .concat(
        rows.map(
          ([name, value]) => `| ${escapeCell(name)} | ${escapeCell(truncate(value, 2_000))} |`,
        ),
      )
      .join('\n');
    const link = notification.url ? `\n\n[Open in TelcoMesh](${notification.url})` : '';
    const text = `${notification.summary}\n\n${table}${link}`;
    return {
      title: truncate(
        `[${notification.severity.toUpperCase()}] ${notification.title}`,
        GITHUB_TITLE_MAX,
      ),
      // The marker goes last and is never cut off.
      body: `${truncate(text, GITHUB_BODY_MAX - marker.length - 2)}\n\n${marker}`,
      labels: [...this.config.issue_labels],
    };
  }

  buildInputs(notification: Notification): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.config.workflow_inputs)
        .slice(0, GITHUB_MAX_WORKFLOW_INPUTS)
        .map(([name, template]) => [
          name,
          truncate(renderInput(template, notification), GITHUB_INPUT_VALUE_MAX),
        ]),
    );
  }

  /** Issues updated since shortly before the notification occurred, newest first. */
  listRequest(notification: Notification): OutboundRequest {
    const query = new URLSearchParams({
      state: 'all',
      since: new Date(notification.occurredAt.getTime() - GITHUB_LOOKBACK_MS).toISOString(),
      sort: 'created',
      direction: 'desc',
      per_page: '100',
    });
    if (this.config.issue_labels.length > 0)
      query.set('labels', this.config.issue_labels.join(','));
    return {
      method: 'GET',
      url: `${this.apiUrl}/repos/${this.repository(this.config.issue_repository)}/issues?${query.toString()}`,
      headers: { ...this.headers },
    };
  }

  createIssueRequest(notification: Notification): OutboundRequest {
    return {
      method: 'POST',
      url: `${this.apiUrl}/repos/${this.repository(this.config.issue_repository)}/issues`,
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify(this.buildIssue(notification)),
    };
  }

  dispatchRequest(workflowFile: string, notification: Notification): OutboundRequest {
    const file = workflowFile.split('/').pop() ?? workflowFile;
    const repository = this.repository(
      this.config.workflow_repository ?? this.config.issue_repository,
    );
    return {
      method: 'POST',
      url: `${this.apiUrl}/repos/${repository}/actions/workflows/${encodeURIComponent(file)}/dispatches`,
      headers: { ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        ref: this.config.workflow_ref,
        inputs: this.buildInputs(notification),
      }),
    };
  }

  /**
   * classifyResponse plus GitHub's rate limits: 403/429 with `retry-after`, or with
   * `x-ratelimit-remaining: 0` (retry at `x-ratelimit-reset`), or a secondary-limit message.
   */
  classify(response: HttpResponse): DeliveryOutcome {
    const { status, headers } = response;
    if (status === 403 || status === 429) {
      const reason = this.redact(`HTTP ${status} rate limited: ${response.body.slice(0, 200)}`);
      const after = retryAfterMs(headers['retry-after'], this.now);
      if (after !== undefined) return { result: 'retry', status, reason, retryAfterMs: after };
      const reset = Number(headers['x-ratelimit-reset']);
      if (headers['x-ratelimit-remaining'] === '0' && Number.isFinite(reset)) {
        return {
          result: 'retry',
          status,
          reason,
          retryAfterMs: Math.max(0, reset * 1000 - this.now()),
        };
      }
      if (status === 429 || /rate limit/i.test(response.body)) {
        return { result: 'retry', status, reason, retryAfterMs: GITHUB_SECONDARY_LIMIT_WAIT_MS };
      }
    }
    return classifyRedacted(response, (text) => this.redact(text), this.now);
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
      if (this.dispatchesWorkflows(notification)) {
        for (const [name, file] of Object.entries(this.config.workflow_triggers)) {
          const outcome = this.classify(await http(this.dispatchRequest(file, notification)));
          if (outcome.result !== 'delivered') {
            return { ...outcome, reason: `workflow ${name}: ${outcome.reason}` };
          }
          status = outcome.status;
          references.push(`workflow:${name}@${this.config.workflow_ref}`);
        }
      }
    }
    return { result: 'delivered', status, reference: references.join(',') || 'nothing to do' };
  }

  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = performance.now();
    const repository = this.repository(this.config.issue_repository);
    const response = await http({
      method: 'GET',
      url: `${this.apiUrl}/repos/${repository}`,
      headers: { ...this.headers },
    });
    const latencyMs = Math.round(performance.now() - started);
    if (response.status !== 200) {
      return {
        healthy: false,
        detail: this.redact(`HTTP ${response.status} for ${repository}`),
        latencyMs,
      };
    }
    const repo = parseJsonBody(response.body) as { permissions?: { push?: boolean } } | undefined;
    const detail =
      repo?.permissions?.push === false
        ? `${repository} is read-only for this token`
        : `${repository} reachable`;
    return { healthy: repo?.permissions?.push !== false, detail, latencyMs };
  }

  private async ensureIssue(notification: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    const listed = await http(this.listRequest(notification));
    if (listed.status !== 200) return this.classify(listed);
    const marker = issueMarker(notification.id);
    const issues = parseJsonBody(listed.body);
    const existing = Array.isArray(issues)
      ? (issues as ListedIssue[]).find((i) => !i.pull_request && i.body?.includes(marker))
      : undefined;
    const repository = this.repository(this.config.issue_repository);
    if (existing)
      return { result: 'delivered', status: 200, reference: `${repository}#${existing.number}` };
    const created = await http(this.createIssueRequest(notification));
    const outcome = this.classify(created);
    if (outcome.result !== 'delivered') return outcome;
    const issue = parseJsonBody(created.body) as { number?: number } | undefined;
    return issue?.number !== undefined
      ? { ...outcome, reference: `${repository}#${issue.number}` }
      : outcome;
  }

  private redact(text: string): string {
    return maskSecrets(
      text,
      SECRET_FIELDS.map((field) => this.config[field]),
      '[REDACTED]',
    );
  }
}
