import { randomBytes } from 'node:crypto';
import {
  SimulatorServer,
  withHeaders,
  type SimulatorRequest,
  type SimulatorResponse,
} from './simulator-server';

export interface JenkinsSimulatedJob {
  /** Declared build parameters; Jenkins drops undeclared ones (SECURITY-170). */
  parameters: string[];
}

export interface JenkinsSimulatorOptions {
  username: string;
  apiToken: string;
  /** CSRF protection (crumb issuer) on; default true. Off → the crumb issuer answers 404. */
  csrf?: boolean;
  /** Jobs by full name (`folder/job`). */
  jobs: Record<string, JenkinsSimulatedJob>;
}

export interface JenkinsSimulatedQueueItem {
  id: number;
  job: string;
  parameters: Record<string, string>;
  queuedAt: string;
  /** How many trigger requests Jenkins merged into this item. */
  requests: number;
}

export interface JenkinsSimulatedBuild {
  job: string;
  number: number;
  queueId: number;
  parameters: Record<string, string>;
  url: string;
}

export type JenkinsRecordedRequest = SimulatorRequest;

type Reply = { status: number; body?: string; json?: unknown; headers?: Record<string, string> };

function html(status: number, text: string): Reply {
  return {
    status,
    body: `<html><head><title>Error ${status}</title></head><body><h2>HTTP ERROR ${status} ${text}</h2></body></html>`,
  };
}

/**
 * A Jenkins controller on 127.0.0.1: basic auth with a user's API token, a session-bound CSRF
 * crumb issuer (`/crumbIssuer/api/json` + JSESSIONID cookie; 404 when CSRF is off),
 * `POST /job/<name>/buildWithParameters` (form-encoded, undeclared parameters dropped, identical
 * queued requests merged, 201 + `Location: /queue/item/<id>/`), job and root `api/json`, Jenkins'
 * HTML error pages, and `failNext`. `startQueued()` turns queue items into builds.
 */
export class JenkinsSimulator extends SimulatorServer<JenkinsSimulatedQueueItem> {
  private readonly buildStore: JenkinsSimulatedBuild[] = [];
  private readonly sessions = new Map<string, string>();
  private nextQueueId = 1;

  constructor(private readonly options: JenkinsSimulatorOptions) {
    super();
  }

  /** Items waiting in the build queue. */
  get queue(): readonly JenkinsSimulatedQueueItem[] {
    return this.received;
  }

  get builds(): readonly JenkinsSimulatedBuild[] {
    return this.buildStore;
  }

  /** Starts every queued item as a build (as executors would). */
  startQueued(): void {
    for (const item of this.received.splice(0)) {
      const number = this.buildStore.filter((b) => b.job === item.job).length + 1;
      this.buildStore.push({
        job: item.job,
        number,
        queueId: item.id,
        parameters: item.parameters,
        url: `${this.url}${jobPath(item.job)}/${number}/`,
      });
    }
  }

  override reset(): void {
    super.reset();
    this.buildStore.length = 0;
    this.sessions.clear();
    this.nextQueueId = 1;
  }

  protected override failure(status: number, retryAfterSeconds?: number): Reply {
    const reply = html(status, status === 429 ? 'Too Many Requests' : 'Service Unavailable');
    if (retryAfterSeconds !== undefined)
      reply.headers = { 'retry-after': String(retryAfterSeconds) };
    return reply;
  }

  protected override internalError(): Reply {
    return html(500, 'Server Error');
  }

  protected override decorate(reply: Reply): SimulatorResponse {
    const { json, ...rest } = reply;
    const headers = { 'x-jenkins': '2.479.3' };
    return json === undefined
      ? withHeaders(rest, 'text/html;charset=utf-8', headers)
      : withHeaders({ ...rest, body: json }, 'application/json;charset=utf-8', headers);
  }

  protected handle(request: JenkinsRecordedRequest): Reply {
    const auth = request.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8')
      : '';
    if (decoded !== `${this.options.username}:${this.options.apiToken}`) {
      const reply = html(
        401,
        `Invalid password/token for user: ${decoded.split(':')[0] || 'anonymous'}`,
      );
      reply.headers = { 'www-authenticate': 'Basic realm="Jenkins"' };
      return reply;
    }
    const { method, path } = request;
    if (method === 'GET' && path === '/crumbIssuer/api/json') return this.issueCrumb();
    if (method === 'GET' && path === '/api/json') {
      return {
        status: 200,
        json: {
          _class: 'hudson.model.Hudson',
          mode: 'NORMAL',
          nodeDescription: 'the Jenkins controller',
          useCrumbs: this.options.csrf !== false,
          jobs: Object.keys(this.options.jobs).map((name) => ({
            name,
            url: `${this.url}${jobPath(name)}/`,
          })),
        },
      };
    }
    const match = /^((?:\/job\/[^/]+)+)\/(api\/json|buildWithParameters|build)\/?$/.exec(path);
    const name = match ? jobName(match[1]) : undefined;
    const job = name === undefined ? undefined : this.options.jobs[name];
    if (!match || name === undefined || !job) return html(404, 'Not Found');
    if (method === 'GET' && match[2] === 'api/json') {
      return {
        status: 200,
        json: {
          _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob',
          name: name.split('/').pop(),
          fullName: name,
          buildable: true,
          inQueue: this.received.some((q) => q.job === name),
          builds: this.buildStore
            .filter((b) => b.job === name)
            .reverse()
            .map((b) => ({
              _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
              number: b.number,
              url: b.url,
              actions: [
                {
                  _class: 'hudson.model.ParametersAction',
                  parameters: Object.entries(b.parameters).map(([n, value]) => ({
                    name: n,
                    value,
                  })),
                },
                {},
              ],
            })),
        },
      };
    }
    if (method === 'POST' && match[2] !== 'api/json') {
      const crumbProblem = this.checkCrumb(request);
      if (crumbProblem) return crumbProblem;
      return this.trigger(name, job, request, match[2] === 'buildWithParameters');
    }
    return html(405, 'Method Not Allowed');
  }

  private issueCrumb(): Reply {
    if (this.options.csrf === false) return html(404, 'Not Found');
    const session = `node0${randomBytes(8).toString('hex')}`;
    const crumb = randomBytes(16).toString('hex');
    this.sessions.set(session, crumb);
    return {
      status: 200,
      headers: { 'set-cookie': `JSESSIONID.a1b2c3d4=${session}; Path=/; HttpOnly` },
      json: {
        _class: 'hudson.security.csrf.DefaultCrumbIssuer',
        crumb,
        crumbRequestField: 'Jenkins-Crumb',
      },
    };
  }

  private checkCrumb(request: JenkinsRecordedRequest): Reply | undefined {
    if (this.options.csrf === false) return undefined;
    const crumb = request.headers['jenkins-crumb'];
    const session = /JSESSIONID\.[^=]+=([^;\s]+)/.exec(request.headers.cookie ?? '')?.[1];
    if (typeof crumb !== 'string' || !session || this.sessions.get(session) !== crumb) {
      return html(403, 'No valid crumb was included in the request');
    }
    return undefined;
  }

  private trigger(
    name: string,
    job: JenkinsSimulatedJob,
    request: JenkinsRecordedRequest,
    withParameters: boolean,
  ): Reply {
    if (
      !/application\/x-www-form-urlencoded/i.test(request.headers['content-type'] ?? '') &&
      request.body
    ) {
      return html(400, 'Unsupported content type');
    }
    const form = new URLSearchParams(request.body);
    for (const [key, value] of request.query) form.append(key, value);
    if (!withParameters && job.parameters.length > 0) {
      return html(400, 'Nothing is submitted');
    }
    const parameters: Record<string, string> = {};
    for (const declared of job.parameters) parameters[declared] = form.get(declared) ?? '';
    const same = this.received.find(
      (item) => item.job === name && JSON.stringify(item.parameters) === JSON.stringify(parameters),
    );
    const item =
      same ??
      ((): JenkinsSimulatedQueueItem => {
        const created = {
          id: this.nextQueueId++,
          job: name,
          parameters,
          queuedAt: new Date().toISOString(),
          requests: 0,
        };
        this.received.push(created);
        return created;
      })();
    item.requests++;
    return { status: 201, headers: { location: `${this.url}/queue/item/${item.id}/` } };
  }
}

function jobPath(fullName: string): string {
  return fullName
    .split('/')
    .map((segment) => `/job/${encodeURIComponent(segment)}`)
    .join('');
}

function jobName(path: string): string {
  return path
    .split('/job/')
    .filter(Boolean)
    .map((segment) => decodeURIComponent(segment))
    .join('/');
}
