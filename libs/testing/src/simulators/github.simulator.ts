import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface GitHubSimulatedWorkflow {
  /** Declared `workflow_dispatch` inputs. */
  inputs: string[];
  /** Inputs marked `required: true`. */
  required?: string[];
}

export interface GitHubSimulatorOptions {
  /** Accepted as `Authorization: Bearer <token>` or `token <token>`. */
  token: string;
  /** `owner/repo` → workflows by file name (`deploy-config.yml`). */
  repositories: Record<string, Record<string, GitHubSimulatedWorkflow>>;
  /** Branches and tags that exist (default `main`). */
  refs?: string[];
}

export interface GitHubSimulatedIssue {
  id: number;
  number: number;
  repository: string;
  title: string;
  body: string | null;
  labels: { name: string }[];
  state: 'open' | 'closed';
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface GitHubSimulatedDispatch {
  repository: string;
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  at: string;
}

export type GitHubRecordedRequest = SimulatorRequest;

type Reply = SimulatorResponse;

const DOCS = 'https://docs.github.com/rest';

function validationFailed(errors: Record<string, unknown>[]): Reply {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: DOCS, status: '422' },
  };
}

function message(status: number, text: string): Reply {
  return { status, body: { message: text, documentation_url: DOCS, status: String(status) } };
}

/**
 * GitHub's REST API on 127.0.0.1 (issues and `workflow_dispatch`): bearer-token auth with
 * `Bad credentials` answers, the User-Agent requirement, `422 Validation Failed` bodies, issue
 * listing with `state`/`labels`/`since`, dispatch input checks, `x-ratelimit-*` headers on every
 * answer, injected failures (`failNext`) and an exhausted primary rate limit (`exhaustRateLimit`).
 */
export class GitHubSimulator extends SimulatorServer<GitHubSimulatedIssue> {
  private readonly dispatchStore: GitHubSimulatedDispatch[] = [];
  private limited = { remaining: 0, resetAt: 0 };

  constructor(private readonly options: GitHubSimulatorOptions) {
    super();
  }

  get issues(): readonly GitHubSimulatedIssue[] {
    return this.received;
  }

  get dispatches(): readonly GitHubSimulatedDispatch[] {
    return this.dispatchStore;
  }

  /** The next `count` requests get 403 with `x-ratelimit-remaining: 0` and a reset time. */
  exhaustRateLimit(count: number, resetInSeconds: number): void {
    this.limited = { remaining: count, resetAt: Math.ceil(Date.now() / 1000) + resetInSeconds };
  }

  override reset(): void {
    super.reset();
    this.dispatchStore.length = 0;
    this.limited = { remaining: 0, resetAt: 0 };
  }

  protected override failure(status: number, retryAfterSeconds?: number): Reply {
    const reply =
      status === 403 || status === 429
        ? message(
            status,
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          )
        : message(status, 'Server Error');
    if (retryAfterSeconds !== undefined)
      reply.headers = { 'retry-after': String(retryAfterSeconds) };
    return reply;
  }

  protected override internalError(): Reply {
    return message(500, 'Server Error');
  }

  protected override decorate(reply: Reply): Reply {
    return withHeaders(reply, 'application/json; charset=utf-8', {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
    });
  }

  protected handle(request: GitHubRecordedRequest): Reply {
    if (!request.headers['user-agent']) {
      return message(
        403,
        'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.',
      );
    }
    const auth = request.headers.authorization ?? '';
    const token = /^(?:Bearer|token) (.+)$/.exec(auth)?.[1];
    if (token !== this.options.token) return message(401, 'Bad credentials');
    if (this.limited.remaining > 0) {
      this.limited.remaining--;
      const reply = message(403, 'API rate limit exceeded for user ID 1.');
      reply.headers = {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(this.limited.resetAt),
      };
      return reply;
    }
    const { method, path } = request;
    if (method === 'GET' && path === '/user') {
      return { status: 200, body: { login: 'telcomesh-bot', id: 1, type: 'User' } };
    }
    const repoMatch = /^\/repos\/([^/]+\/[^/]+)(\/.*)?$/.exec(path);
    if (!repoMatch) return message(404, 'Not Found');
    const repository = repoMatch[1];
    const workflows = this.options.repositories[repository];
    if (!workflows) return message(404, 'Not Found');
    const rest = repoMatch[2] ?? '';
    if (method === 'GET' && rest === '') {
      return {
        status: 200,
        body: {
          full_name: repository,
          private: true,
          has_issues: true,
          permissions: { admin: false, push: true, pull: true },
        },
      };
    }
    if (method === 'GET' && rest === '/issues') return this.listIssues(repository, request);
    if (method === 'POST' && rest === '/issues') return this.createIssue(repository, request);
    const dispatch = /^\/actions\/workflows\/([^/]+)\/dispatches$/.exec(rest);
    if (method === 'POST' && dispatch) {
      return this.dispatch(repository, decodeURIComponent(dispatch[1]), workflows, request);
    }
    return message(404, 'Not Found');
  }

  private parse(request: GitHubRecordedRequest): Record<string, unknown> | undefined {
    try {
      const parsed = JSON.parse(request.body) as unknown;
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  private listIssues(repository: string, request: GitHubRecordedRequest): Reply {
    const state = request.query.get('state') ?? 'open';
    const labels = (request.query.get('labels') ?? '').split(',').filter(Boolean);
    const since = request.query.get('since');
    const perPage = Math.min(100, Number(request.query.get('per_page') ?? '30'));
    const issues = this.received
      .filter((issue) => issue.repository === repository)
      .filter((issue) => state === 'all' || issue.state === state)
      .filter((issue) => labels.every((l) => issue.labels.some((x) => x.name === l)))
      .filter((issue) => !since || issue.updated_at >= new Date(since).toISOString())
      .reverse()
      .slice(0, perPage);
    return { status: 200, body: issues };
  }

  private createIssue(repository: string, request: GitHubRecordedRequest): Reply {
    const body = this.parse(request);
    if (!body) return message(400, 'Problems parsing JSON');
    const errors: Record<string, unknown>[] = [];
    if (typeof body.title !== 'string' || body.title === '') {
      errors.push({ resource: 'Issue', code: 'missing_field', field: 'title' });
    } else if (body.title.length > 256) {
      errors.push({
        resource: 'Issue',
        code: 'custom',
        field: 'title',
        message: 'title is too long (maximum is 256 characters)',
      });
    }
    if (body.body !== undefined && body.body !== null) {
      if (typeof body.body !== 'string')
        errors.push({ resource: 'Issue', code: 'invalid', field: 'body' });
      else if (body.body.length > 65_536) {
        errors.push({
          resource: 'Issue',
          code: 'custom',
          field: 'body',
          message: 'body is too long (maximum is 65536 characters)',
        });
      }
    }
    const labels = body.labels ?? [];
    if (
      !Array.isArray(labels) ||
      !labels.every((l) => typeof l === 'string' && l.length > 0 && l.length <= 50)
    ) {
      errors.push({ resource: 'Label', code: 'invalid', field: 'labels' });
    }
    if (errors.length > 0) return validationFailed(errors);
    const number = this.received.filter((i) => i.repository === repository).length + 1;
    const now = new Date().toISOString();
    const issue: GitHubSimulatedIssue = {
      id: 1_000_000 + this.received.length,
      number,
      repository,
      title: String(body.title),
      body: typeof body.body === 'string' ? body.body : null,
      labels: [...new Set(labels as string[])].map((name) => ({ name })),
      state: 'open',
      html_url: `https://github.com/${repository}/issues/${number}`,
      created_at: now,
      updated_at: now,
    };
    this.received.push(issue);
    return {
      status: 201,
      headers: { location: `${this.url}/repos/${repository}/issues/${number}` },
      body: issue,
    };
  }

  private dispatch(
    repository: string,
    workflowFile: string,
    workflows: Record<string, GitHubSimulatedWorkflow>,
    request: GitHubRecordedRequest,
  ): Reply {
    const workflow = workflows[workflowFile];
    if (!workflow) return message(404, 'Not Found');
    const body = this.parse(request);
    if (!body) return message(400, 'Problems parsing JSON');
    if (typeof body.ref !== 'string' || body.ref === '') {
      return message(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
    }
    if (!(this.options.refs ?? ['main']).includes(body.ref)) {
      return message(422, `No ref found for: ${body.ref}`);
    }
    const inputs = (body.inputs ?? {}) as Record<string, unknown>;
    if (typeof inputs !== 'object' || Array.isArray(inputs)) {
      return message(422, "Invalid request.\n\nFor 'properties/inputs', it is not an object.");
    }
    const names = Object.keys(inputs);
    if (names.length > 10)
      return message(422, 'you may only define up to 10 `inputs` for a `workflow_dispatch` event');
    const unexpected = names.filter((n) => !workflow.inputs.includes(n));
    if (unexpected.length > 0) {
      return message(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
    }
    const missing = (workflow.required ?? []).find(
      (n) => typeof inputs[n] !== 'string' || inputs[n] === '',
    );
    if (missing) return message(422, `Required input '${missing}' not provided`);
    if (names.some((n) => typeof inputs[n] !== 'string')) {
      return message(422, 'Invalid request.\n\nInput values must be strings.');
    }
    this.dispatchStore.push({
      repository,
      workflow: workflowFile,
      ref: body.ref,
      inputs: inputs as Record<string, string>,
      at: new Date().toISOString(),
    });
    return { status: 204 };
  }
}
