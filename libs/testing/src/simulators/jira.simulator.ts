import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface JiraSimulatorOptions {
  /** Atlassian account email and API token accepted as basic auth. */
  username: string;
  apiToken: string;
  /** Project keys that exist. */
  projects: string[];
  /** Issue type names that exist (default Task, Bug, Story, Epic, Incident). */
  issueTypes?: string[];
}

export interface JiraSimulatedIssue {
  id: string;
  key: string;
  project: string;
  issuetype: string;
  summary: string;
  description: unknown;
  labels: string[];
  created: string;
}

export type JiraRecordedRequest = SimulatorRequest;

type Reply = SimulatorResponse;

/**
 * A Jira Cloud site on 127.0.0.1 speaking REST API v3: basic auth (email + API token),
 * `POST /rest/api/3/issue` validated like Jira (`400 {errorMessages, errors}`), Atlassian Document
 * Format descriptions, `GET /rest/api/3/search/jql` for `project = "X" AND labels = "y"` queries,
 * `GET /rest/api/3/myself`, and injected failures (`failNext`) with Retry-After.
 */
export class JiraSimulator extends SimulatorServer<JiraSimulatedIssue> {
  constructor(private readonly options: JiraSimulatorOptions) {
    super();
  }

  get issues(): readonly JiraSimulatedIssue[] {
    return this.received;
  }

  protected override failure(status: number, retryAfterSeconds?: number): Reply {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: { errorMessages: [status === 429 ? 'Rate limit exceeded.' : 'Simulated failure'] },
    };
  }

  protected override internalError(): Reply {
    return { status: 500, body: { errorMessages: ['Internal server error'], errors: {} } };
  }

  protected override decorate(reply: Reply): Reply {
    return withHeaders(reply, 'application/json;charset=UTF-8');
  }

  protected handle(request: JiraRecordedRequest): Reply {
    if (!this.authenticated(request.headers.authorization)) {
      return {
        status: 401,
        body: {
          errorMessages: ['Client must be authenticated to access this resource.'],
          errors: {},
        },
      };
    }
    const { method, path } = request;
    if (method === 'GET' && path === '/rest/api/3/myself') {
      return {
        status: 200,
        body: {
          accountId: '5b10a2844c20165700ede21g',
          emailAddress: this.options.username,
          displayName: 'Automation',
          active: true,
        },
      };
    }
    if (method === 'GET' && path === '/rest/api/3/search/jql') return this.search(request);
    if (method === 'POST' && path === '/rest/api/3/issue') return this.createIssue(request);
    const single = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(path);
    if (method === 'GET' && single) {
      const issue = this.received.find((i) => i.key === single[1] || i.id === single[1]);
      return issue
        ? { status: 200, body: this.render(issue) }
        : {
            status: 404,
            body: {
              errorMessages: ['Issue does not exist or you do not have permission to see it.'],
              errors: {},
            },
          };
    }
    return { status: 404, body: { errorMessages: ['Not found'], errors: {} } };
  }

  private authenticated(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    return decoded === `${this.options.username}:${this.options.apiToken}`;
  }

  private render(issue: JiraSimulatedIssue): unknown {
    return {
      id: issue.id,
      key: issue.key,
      self: `${this.url}/rest/api/3/issue/${issue.id}`,
      fields: {
        project: { key: issue.project },
        issuetype: { name: issue.issuetype },
        summary: issue.summary,
        description: issue.description,
        labels: issue.labels,
        created: issue.created,
      },
    };
  }

  /** Supports `field = "value"` clauses (project, labels, key) joined with AND. */
  private search(request: JiraRecordedRequest): Reply {
    const jql = request.query.get('jql') ?? '';
    const clauses: [string, string][] = [];
    for (const part of jql.split(/\s+AND\s+/i)) {
      const match = /^\s*(project|labels|key)\s*=\s*"?([^"]*?)"?\s*$/i.exec(part);
      if (!match) {
        return {
          status: 400,
          body: {
            errorMessages: [`Error in the JQL Query: unsupported clause '${part}'.`],
            errors: {},
          },
        };
      }
      clauses.push([match[1].toLowerCase(), match[2]]);
    }
    const max = Number(request.query.get('maxResults') ?? '50');
    const issues = this.received
      .filter((issue) =>
        clauses.every(([field, value]) =>
          field === 'project'
            ? issue.project === value
            : field === 'key'
              ? issue.key === value
              : issue.labels.includes(value),
        ),
      )
      .slice(0, max);
    return { status: 200, body: { issues: issues.map((i) => this.render(i)), isLast: true } };
  }

  private createIssue(request: JiraRecordedRequest): Reply {
    let parsed: unknown;
    try {
      parsed = JSON.parse(request.body);
    } catch {
      return {
        status: 400,
        body: { errorMessages: ['Unexpected character in the request body.'], errors: {} },
      };
    }
    const fields = (parsed as { fields?: Record<string, unknown> } | null)?.fields;
    if (typeof fields !== 'object' || fields === null) {
      return { status: 400, body: { errorMessages: ['Field fields is required.'], errors: {} } };
    }
    const errors: Record<string, string> = {};
    const project = (fields.project as { key?: unknown } | undefined)?.key;
    if (typeof project !== 'string' || !this.options.projects.includes(project)) {
      errors.project = 'valid project is required';
    }
    const issueType = (fields.issuetype as { name?: unknown } | undefined)?.name;
    const issueTypes = this.options.issueTypes ?? ['Task', 'Bug', 'Story', 'Epic', 'Incident'];
    if (typeof issueType !== 'string' || !issueTypes.includes(issueType)) {
      errors.issuetype = 'Specify a valid issue type';
    }
    const summary = fields.summary;
    if (typeof summary !== 'string' || summary.trim() === '') {
      errors.summary = 'You must specify a summary of the issue.';
    } else if (summary.length > 255) {
      errors.summary = 'Summary must be less than 255 characters.';
    } else if (/[\r\n]/.test(summary)) {
      errors.summary = 'The summary is invalid because it contains newline characters.';
    }
    if (fields.description !== undefined && !isAdfDocument(fields.description)) {
      errors.description =
        'Operation value must be an Atlassian Document (see the Atlassian Document Format).';
    }
    const labels = fields.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) {
      errors.labels = 'Labels must be a list of strings.';
    } else {
      const bad = (labels as string[]).find((l) => /\s/.test(l) || l.length > 255 || l === '');
      if (bad !== undefined) errors.labels = `The label '${bad}' contains spaces which is invalid.`;
    }
    if (Object.keys(errors).length > 0) return { status: 400, body: { errorMessages: [], errors } };
    const number = this.received.filter((i) => i.project === project).length + 1;
    const issue: JiraSimulatedIssue = {
      id: String(10000 + this.received.length),
      key: `${String(project)}-${number}`,
      project: String(project),
      issuetype: String(issueType),
      summary: String(summary),
      description: fields.description ?? null,
      labels: [...new Set(labels as string[])],
      created: new Date().toISOString(),
    };
    this.received.push(issue);
    return {
      status: 201,
      body: { id: issue.id, key: issue.key, self: `${this.url}/rest/api/3/issue/${issue.id}` },
    };
  }
}

/** Structural ADF check: a version-1 doc of typed nodes, with no empty text nodes. */
function isAdfDocument(value: unknown): boolean {
  const doc = value as { type?: unknown; version?: unknown; content?: unknown } | null;
  if (!doc || doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content)) return false;
  const valid = (node: unknown): boolean => {
    const n = node as { type?: unknown; text?: unknown; content?: unknown } | null;
    if (!n || typeof n.type !== 'string') return false;
    if (n.type === 'text') return typeof n.text === 'string' && n.text.length > 0;
    return n.content === undefined || (Array.isArray(n.content) && n.content.every(valid));
  };
  return doc.content.every(valid);
}
