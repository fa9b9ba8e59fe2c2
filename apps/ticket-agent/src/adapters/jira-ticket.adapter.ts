import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import type { TicketQuery, TicketSystemAdapter } from '../ticket-system-adapter';
import { parseJiraTicketAdapterConfig, type JiraTicketAdapterConfig } from './jira-ticket.config';
import {
  composeJql,
  inlineHistories,
  isHistory,
  jiraIssueToTicket,
  type JiraFieldMapping,
  type JiraHistory,
} from './jira-ticket.mapping';
import { trimBaseUrl } from './ticket-adapter.config';
import {
  silentTicketLogger,
  type TicketAdapterDeps,
  type TicketAdapterLogger,
  type TicketHttpClient,
} from './ticket-http-client';
import { ticketSystemClient, type TicketCredentials } from './ticket-system-client';
import { TicketRecordError } from './ticket-system-error';

const JIRA_KEY = /^[A-Z][A-Z0-9_]*-[1-9]\d*$/;
const CHANGELOG_PAGE = 100;

/** Atlassian OAuth 2.0 (3LO): refresh-token grants, sent as JSON. */
function jiraOAuth(c: JiraTicketAdapterConfig): TicketCredentials {
  const tokenUrl = new URL(c.tokenUrl);
  return {
    kind: 'oauth',
    refreshToken: c.refreshToken,
    grants: {
      refresh: (refreshToken) => ({
        method: 'POST',
        url: tokenUrl,
        body: {
          json: {
            grant_type: 'refresh_token',
            client_id: c.clientId,
            client_secret: c.clientSecret,
            refresh_token: refreshToken,
          },
        },
      }),
    },
  };
}

/**
 * Reads Jira Cloud / Service Management: a saved filter (by id) or JQL, paged through
 * `/rest/api/3/search/jql` (nextPageToken) or the older `/rest/api/3/search` (startAt/total),
 * each issue with its full changelog (`expand=changelog`, then `/issue/{id}/changelog` when the
 * inline one is truncated) turned into status and assignment-group history.
 */
export class JiraTicketAdapter implements TicketSystemAdapter {
  readonly system = 'jira';
  private readonly config: JiraTicketAdapterConfig;
  private readonly http: TicketHttpClient;
  private readonly siteUrl: string;
  private readonly logger: TicketAdapterLogger;
  private readonly mapping: JiraFieldMapping;

  /** `config` is validated here (see JiraTicketAdapterConfig); bad config throws a `config` error. */
  constructor(config: unknown, deps: TicketAdapterDeps = {}) {
    this.config = parseJiraTicketAdapterConfig(config);
    const c = this.config;
    this.siteUrl = trimBaseUrl(c.baseUrl);
    this.logger = deps.logger ?? silentTicketLogger;
    this.mapping = {
      assignmentGroupField: c.assignmentGroupField,
      assignmentGroupFieldName: c.assignmentGroupFieldName,
      categoryField: c.categoryField,
      customerField: c.customerField,
    };
    this.http = ticketSystemClient({
      system: this.system,
      settings: c,
      credentials:
        c.auth === 'basic' ? { kind: 'basic', user: c.email, password: c.apiToken } : jiraOAuth(c),
      secrets: [c.apiToken, c.clientSecret, c.refreshToken],
      deps,
      logger: this.logger,
    });
  }

  async check(): Promise<void> {
    await this.http.json(
      { method: 'GET', url: this.api('/rest/api/3/myself') },
      AbortSignal.timeout(this.config.timeoutMs * this.config.maxAttempts),
    );
  }

  async *search(query: TicketQuery, signal: AbortSignal): AsyncIterable<AgentTicket[]> {
    const jql = await this.resolveJql(query, signal);
    this.logger.debug('jira search', { jql });
    const seen = new Set<string>();
    if (this.config.searchApi === 'legacy') {
      let startAt = 0;
      for (let page = 1; ; page++) {
        this.guardPages(page);
        const url = this.api('/rest/api/3/search', {
          jql,
          startAt: String(startAt),
          maxResults: String(this.config.pageSize),
          fields: this.fieldList(),
          expand: 'changelog',
        });
        const { body } = await this.http.json({ method: 'GET', url }, signal);
        const issues = this.issuesOf(body, url);
        const total = (body as { total?: unknown }).total;
        const tickets = await this.toTickets(issues, seen, signal);
        // An empty page (the end of an exact multiple, all records skipped) is not worth a message.
        if (tickets.length > 0) yield tickets;
        startAt += issues.length;
        if (issues.length === 0 || typeof total !== 'number' || startAt >= total) return;
      }
    }
    let token: string | undefined;
    const tokens = new Set<string>();
    for (let page = 1; ; page++) {
      this.guardPages(page);
      const params: Record<string, string> = {
        jql,
        maxResults: String(this.config.pageSize),
        fields: this.fieldList(),
        expand: 'changelog',
      };
      if (token) params.nextPageToken = token;
      const url = this.api('/rest/api/3/search/jql', params);
      const { body } = await this.http.json({ method: 'GET', url }, signal);
      const issues = this.issuesOf(body, url);
      const tickets = await this.toTickets(issues, seen, signal);
      // An empty page (the end of an exact multiple, all records skipped) is not worth a message.
      if (tickets.length > 0) yield tickets;
      const next = (body as { nextPageToken?: unknown; isLast?: unknown }).nextPageToken;
      if (typeof next !== 'string' || next === '' || (body as { isLast?: unknown }).isLast === true)
        return;
      if (tokens.has(next)) {
        throw this.http.error(
          'malformed',
          `GET ${url.pathname} sent the same nextPageToken twice (page ${page})`,
        );
      }
      tokens.add(next);
      token = next;
    }
  }

  async fetch(keys: string[], signal: AbortSignal): Promise<AgentTicket[]> {
    const bad = keys.filter((k) => !JIRA_KEY.test(k));
    if (bad.length > 0) {
      throw this.http.error(
        'config',
        `not Jira issue keys: ${bad
          .slice(0, 5)
          .map((k) => JSON.stringify(k.slice(0, 40)))
          .join(', ')}`,
      );
    }
    const tickets: AgentTicket[] = [];
    for (const key of keys) {
      signal.throwIfAborted();
      const url = this.api(`/rest/api/3/issue/${encodeURIComponent(key)}`, {
        fields: this.fieldList(),
        expand: 'changelog',
      });
      const answer = await this.http.json({ method: 'GET', url }, signal, [404]);
      if (answer.status === 404) {
        this.logger.debug('jira issue not found', { key });
        continue;
      }
      tickets.push(...(await this.toTickets([answer.body], new Set(), signal)));
    }
    return tickets;
  }

  private api(path: string, params: Record<string, string> = {}): URL {
    const url = new URL(`${this.siteUrl}${path}`);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  }

  private fieldList(): string {
    const fields = new Set([
      'summary',
      'status',
      'priority',
      'issuetype',
      'created',
      'updated',
      'resolutiondate',
      'assignee',
      'reporter',
      this.config.categoryField,
      this.config.customerField,
      this.config.assignmentGroupField,
    ]);
    return [...fields].join(',');
  }

  private guardPages(page: number): void {
    if (page > this.config.maxPages) {
      throw this.http.error(
        'malformed',
        `search still paging after ${this.config.maxPages} pages (maxPages)`,
      );
    }
  }

  private async resolveJql(query: TicketQuery, signal: AbortSignal): Promise<string> {
    const parts: string[] = [];
    if (query.filterId !== undefined) {
      if (!/^\d+$/.test(query.filterId)) {
        throw this.http.error(
          'config',
          `filterId must be a number, got ${JSON.stringify(query.filterId.slice(0, 40))}`,
        );
      }
      const url = this.api(`/rest/api/3/filter/${query.filterId}`);
      const { body } = await this.http.json({ method: 'GET', url }, signal);
      const jql = (body as { jql?: unknown } | null)?.jql;
      if (typeof jql !== 'string' || jql.trim() === '') {
        throw this.http.error('malformed', `GET ${url.pathname} answered a filter without JQL`);
      }
      parts.push(jql);
    }
    if (query.query !== undefined && query.query.trim() !== '') parts.push(query.query);
    if (parts.every((p) => p.trim() === '' || /^order\s+by\b/i.test(p.trim()))) {
      throw this.http.error(
        'config',
        'a Jira search needs a filterId or a JQL query that restricts the issues',
      );
    }
    if (query.updatedSince !== undefined && Number.isNaN(Date.parse(query.updatedSince))) {
      throw this.http.error(
        'config',
        `updatedSince must be an ISO-8601 time, got ${JSON.stringify(query.updatedSince.slice(0, 40))}`,
      );
    }
    return composeJql(parts, query.updatedSince, this.config.timeZone);
  }

  private issuesOf(body: unknown, url: URL): unknown[] {
    const issues = (body as { issues?: unknown } | null)?.issues;
    if (!Array.isArray(issues)) {
      throw this.http.error('malformed', `GET ${url.pathname} answered without an issues list`);
    }
    return issues;
  }

  /** Maps a page; a bad issue is logged and skipped, never fatal to the page. */
  private async toTickets(
    issues: unknown[],
    seen: Set<string>,
    signal: AbortSignal,
  ): Promise<AgentTicket[]> {
    const tickets: AgentTicket[] = [];
    for (const [index, issue] of issues.entries()) {
      const key = (issue as { key?: unknown } | null)?.key;
      const label = typeof key === 'string' ? key : `#${index}`;
      try {
        if (typeof key === 'string') {
          // Offset paging can show an issue twice when others change underneath.
          if (seen.has(key)) continue;
          seen.add(key);
        }
        const inline = inlineHistories(issue);
        const histories = inline.complete
          ? inline.histories
          : await this.fullChangelog(issue, signal);
        tickets.push(jiraIssueToTicket(issue, histories, this.mapping, this.siteUrl));
      } catch (error) {
        if (!(error instanceof TicketRecordError)) throw error;
        this.logger.warn('skipping a Jira issue that cannot be read', {
          key: label,
          problem: error.message,
        });
      }
    }
    return tickets;
  }

  private async fullChangelog(issue: unknown, signal: AbortSignal): Promise<JiraHistory[]> {
    const id = (issue as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new TicketRecordError('issue has no id');
    const histories: JiraHistory[] = [];
    let startAt = 0;
    for (;;) {
      const url = this.api(`/rest/api/3/issue/${encodeURIComponent(String(id))}/changelog`, {
        startAt: String(startAt),
        maxResults: String(CHANGELOG_PAGE),
      });
      const { body } = await this.http.json({ method: 'GET', url }, signal);
      const page = body as { values?: unknown; isLast?: unknown; total?: unknown } | null;
      if (!Array.isArray(page?.values)) {
        throw this.http.error('malformed', `GET ${url.pathname} answered without a values list`);
      }
      const values = page.values.filter(isHistory);
      histories.push(...values);
      startAt += page.values.length;
      const total = typeof page.total === 'number' ? page.total : undefined;
      if (
        page.isLast === true ||
        page.values.length === 0 ||
        (total !== undefined && startAt >= total)
      ) {
        return histories;
      }
    }
  }
}
