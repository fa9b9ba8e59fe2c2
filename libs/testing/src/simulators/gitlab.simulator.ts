import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface GitLabSimulatorOptions {
  /** Access token accepted as `PRIVATE-TOKEN` (or `Authorization: Bearer`). */
  token: string;
  /** Pipeline trigger token accepted by `POST /projects/:id/trigger/pipeline`. */
  triggerToken: string;
  projectId: number;
  /** `group/project`; the project is also addressable by its URL-encoded path. */
  projectPath: string;
  /** Branches and tags that exist (default `main`). */
  refs?: string[];
}

export interface GitLabSimulatedIssue {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description: string | null;
  labels: string[];
  state: 'opened' | 'closed';
  web_url: string;
  created_at: string;
}

export interface GitLabSimulatedPipeline {
  id: number;
  iid: number;
  project_id: number;
  ref: string;
  status: 'created';
  source: 'trigger';
  variables: Record<string, string>;
  web_url: string;
  created_at: string;
}

export type GitLabRecordedRequest = SimulatorRequest;

type Reply = SimulatorResponse;

/**
 * A GitLab instance on 127.0.0.1 speaking REST API v4 for one project: `PRIVATE-TOKEN` auth,
 * issues (create with JSON or form bodies, list with `search`/`in`/`state`/`labels`), the
 * pipeline trigger API (form-encoded `token`, `ref`, `variables[KEY]`), GitLab's error bodies
 * (`{"message": ...}` / `{"error": ...}`), and `failNext` with Retry-After.
 */
export class GitLabSimulator extends SimulatorServer<GitLabSimulatedIssue> {
  private readonly pipelineStore: GitLabSimulatedPipeline[] = [];

  constructor(private readonly options: GitLabSimulatorOptions) {
    super();
  }

  get issues(): readonly GitLabSimulatedIssue[] {
    return this.received;
  }

  get pipelines(): readonly GitLabSimulatedPipeline[] {
    return this.pipelineStore;
  }

  override reset(): void {
    super.reset();
    this.pipelineStore.length = 0;
  }

  protected override failure(status: number, retryAfterSeconds?: number): Reply {
    return {
      status,
      headers: retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
      body: { message: status === 429 ? 'Retry later' : `${status} Simulated failure` },
    };
  }

  protected override internalError(): Reply {
    return { status: 500, body: { message: '500 Internal Server Error' } };
  }

  protected override decorate(reply: Reply): Reply {
    return withHeaders(reply, 'application/json');
  }

  protected handle(request: GitLabRecordedRequest): Reply {
    const match = /^\/api\/v4\/projects\/([^/]+)(\/.*)?$/.exec(request.path);
    const projectRef = match ? decodeURIComponent(match[1]) : undefined;
    const known =
      projectRef === String(this.options.projectId) || projectRef === this.options.projectPath;
    const rest = match?.[2] ?? '';
    // The trigger API authenticates with the trigger token in the body, not with PRIVATE-TOKEN.
    if (request.method === 'POST' && rest === '/trigger/pipeline') {
      return known
        ? this.trigger(request)
        : { status: 404, body: { message: '404 Project Not Found' } };
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const token = request.headers['private-token'] ?? bearer;
    if (token !== this.options.token) return { status: 401, body: { message: '401 Unauthorized' } };
    if (!match || !known) return { status: 404, body: { message: '404 Project Not Found' } };
    if (request.method === 'GET' && rest === '') {
      return {
        status: 200,
        body: {
          id: this.options.projectId,
          path_with_namespace: this.options.projectPath,
          default_branch: 'main',
          web_url: `${this.url}/${this.options.projectPath}`,
        },
      };
    }
    if (request.method === 'GET' && rest === '/issues') return this.listIssues(request);
    if (request.method === 'POST' && rest === '/issues') return this.createIssue(request);
    return { status: 404, body: { error: '404 Not Found' } };
  }

  private fields(request: GitLabRecordedRequest): Record<string, unknown> | undefined {
    const type = request.headers['content-type'] ?? '';
    if (/application\/json/i.test(type)) {
      try {
        const parsed = JSON.parse(request.body) as unknown;
        return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : undefined;
      } catch {
        return undefined;
      }
    }
    if (/application\/x-www-form-urlencoded/i.test(type)) {
      return Object.fromEntries(new URLSearchParams(request.body));
    }
    return {};
  }

  private listIssues(request: GitLabRecordedRequest): Reply {
    const search = request.query.get('search');
    const scope = (request.query.get('in') ?? 'title,description').split(',');
    const state = request.query.get('state') ?? 'all';
    const labels = (request.query.get('labels') ?? '').split(',').filter(Boolean);
    const perPage = Math.min(100, Number(request.query.get('per_page') ?? '20'));
    const issues = this.received
      .filter((issue) => state === 'all' || issue.state === state)
      .filter((issue) => labels.every((l) => issue.labels.includes(l)))
      .filter((issue) => {
        if (!search) return true;
        const needle = search.toLowerCase();
        return (
          (scope.includes('title') && issue.title.toLowerCase().includes(needle)) ||
          (scope.includes('description') &&
            (issue.description ?? '').toLowerCase().includes(needle))
        );
      })
      .reverse()
      .slice(0, perPage);
    return { status: 200, body: issues, headers: { 'x-total': String(issues.length) } };
  }

  private createIssue(request: GitLabRecordedRequest): Reply {
    const body = this.fields(request);
    if (!body) return { status: 400, body: { message: 'Invalid JSON' } };
    if (typeof body.title !== 'string' || body.title.trim() === '') {
      return { status: 400, body: { error: 'title is missing' } };
    }
    const problems: Record<string, string[]> = {};
    if (body.title.length > 255) problems.title = ['is too long (maximum is 255 characters)'];
    const description = typeof body.description === 'string' ? body.description : null;
    if (description && description.length > 1_048_576) {
      problems.description = ['is too long (maximum is 1048576 characters)'];
    }
    if (Object.keys(problems).length > 0) return { status: 400, body: { message: problems } };
    const labels = Array.isArray(body.labels)
      ? body.labels.filter((l): l is string => typeof l === 'string')
      : typeof body.labels === 'string'
        ? body.labels.split(',')
        : [];
    const iid = this.received.length + 1;
    const issue: GitLabSimulatedIssue = {
      id: 500 + iid,
      iid,
      project_id: this.options.projectId,
      title: body.title,
      description,
      labels: [...new Set(labels.map((l) => l.trim()).filter(Boolean))],
      state: 'opened',
      web_url: `${this.url}/${this.options.projectPath}/-/issues/${iid}`,
      created_at: new Date().toISOString(),
    };
    this.received.push(issue);
    return { status: 201, body: issue };
  }

  private trigger(request: GitLabRecordedRequest): Reply {
    const body = this.fields(request);
    if (!body) return { status: 400, body: { message: 'Invalid JSON' } };
    if (typeof body.token !== 'string' || body.token === '') {
      return { status: 400, body: { error: 'token is missing' } };
    }
    if (body.token !== this.options.triggerToken) {
      return { status: 404, body: { message: '404 Not Found' } };
    }
    if (typeof body.ref !== 'string' || body.ref === '') {
      return { status: 400, body: { error: 'ref is missing' } };
    }
    if (!(this.options.refs ?? ['main']).includes(body.ref)) {
      return { status: 400, body: { message: { base: ['Reference not found'] } } };
    }
    const variables: Record<string, string> = {};
    for (const [key, value] of Object.entries(body)) {
      const name = /^variables\[(.+)\]$/.exec(key)?.[1];
      if (name !== undefined && typeof value === 'string') variables[name] = value;
    }
    if (typeof body.variables === 'object' && body.variables !== null) {
      for (const [name, value] of Object.entries(body.variables as Record<string, unknown>)) {
        if (typeof value === 'string') variables[name] = value;
      }
    }
    const invalid = Object.keys(variables).find((n) => !/^[A-Za-z0-9_]+$/.test(n));
    if (invalid !== undefined) {
      return { status: 400, body: { message: { base: [`Invalid variable name: ${invalid}`] } } };
    }
    const iid = this.pipelineStore.length + 1;
    const pipeline: GitLabSimulatedPipeline = {
      id: 9000 + iid,
      iid,
      project_id: this.options.projectId,
      ref: body.ref,
      status: 'created',
      source: 'trigger',
      variables,
      web_url: `${this.url}/${this.options.projectPath}/-/pipelines/${9000 + iid}`,
      created_at: new Date().toISOString(),
    };
    this.pipelineStore.push(pipeline);
    const { variables: _hidden, ...answer } = pipeline;
    return { status: 201, body: answer };
  }
}
