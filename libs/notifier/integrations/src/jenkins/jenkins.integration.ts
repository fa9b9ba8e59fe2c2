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
  configChangeVariables,
  deliverEachWithReferences,
  jsonApiHeaders,
  maskSecrets,
  parseJsonBody,
  subjectMatches,
} from '../webhook/integration-support';
import { SECRET_FIELDS, type JenkinsConfig } from './jenkins.config';

export const JENKINS_PARAMETER_MAX = 10_000;
/** How many recent builds the duplicate check looks at. */
export const JENKINS_RECENT_BUILDS = 50;
export const SKIPPED_REFERENCE = 'skipped: no trigger pattern matched';

/** Dotted-subject glob: `.` separates segments, so `app.database.*` matches `app.database.host`. */
export { subjectMatches } from '../webhook/integration-support';

/** `folder/job` → `/job/folder/job/job`. */
export function jobPath(fullName: string): string {
  return fullName
    .split('/')
    .map((segment) => `/job/${encodeURIComponent(segment)}`)
    .join('');
}

/**
 * The seed pipeline's parameters: CONFIG_KEY, CONFIG_VALUE and USER_ID come from the labels
 * (`config_key`, `config_value`/`new_value`, `user_id`/`changed_by`) or the config-change fields
 * (Key, New Value, Changed By); CONFIG_KEY falls back to the subject. EVENT_ID is the
 * notification id, which also makes the duplicate check possible.
 */
export function eventParameters(notification: Notification): Record<string, string> {
  return {
    ...configChangeVariables(notification),
    EVENT_ID: notification.id,
  };
}

interface JobBuilds {
  builds?: {
    number: number;
    url?: string;
    actions?: ({ parameters?: { name: string; value?: unknown }[] } | null)[];
  }[];
}

/**
 * Jenkins: triggers `default_job` with parameters when a notification's subject matches
 * `trigger_patterns`.
 *
 * Routing: `accepts(notification)` says whether the subject matches; the router should consult
 * it and not send other notifications here. One that arrives anyway is acknowledged as
 * `delivered` with reference `skipped: no trigger pattern matched` (nothing to retry).
 *
 * Flow: the job's recent builds are checked for one whose EVENT_ID parameter is this
 * notification's id (then it is not triggered again; a still-queued duplicate is merged by
 * Jenkins' queue itself, since its parameters are identical); a CSRF crumb is fetched from the
 * crumb issuer (404 means CSRF protection is off) and sent with its session cookie; then
 * `POST /job/<name>/buildWithParameters` answers 201 with the queue item in `Location`.
 */
export class JenkinsIntegration implements Integration {
  readonly type = 'jenkins';
  readonly maxBatchSize = 1;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly config: JenkinsConfig) {
    this.baseUrl = config.base_url.replace(/\/+$/, '');
    this.headers = jsonApiHeaders({
      authorization: basicAuthorization(config.username, config.api_token),
    });
  }

  /** True when the subject matches `trigger_patterns`; the router should send only these. */
  accepts(notification: Notification): boolean {
    return subjectMatches(this.config.trigger_patterns, notification.subject);
  }

  buildParameters(notification: Notification): Record<string, string> {
    const parameters = { ...this.config.job_parameters, ...eventParameters(notification) };
    for (const name of Object.keys(parameters)) {
      parameters[name] = truncate(parameters[name], JENKINS_PARAMETER_MAX);
    }
    return parameters;
  }

  recentBuildsRequest(): OutboundRequest {
    const tree = `builds[number,url,actions[parameters[name,value]]]{0,${JENKINS_RECENT_BUILDS}}`;
    return {
      method: 'GET',
      url: `${this.baseUrl}${jobPath(this.config.default_job)}/api/json?tree=${encodeURIComponent(tree)}`,
      headers: { ...this.headers },
    };
  }

  crumbRequest(): OutboundRequest {
    return {
      method: 'GET',
      url: `${this.baseUrl}/crumbIssuer/api/json`,
      headers: { ...this.headers },
    };
  }

  buildRequest(notification: Notification, csrf: Record<string, string>): OutboundRequest {
    return {
      method: 'POST',
      url: `${this.baseUrl}${jobPath(this.config.default_job)}/buildWithParameters`,
      headers: { ...this.headers, ...csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(this.buildParameters(notification)).toString(),
    };
  }

  async deliver(notifications: Notification[], http: HttpSend): Promise<DeliveryOutcome> {
    return deliverEachWithReferences(notifications, http, (n, h) => this.deliverOne(n, h));
  }

  async checkHealth(http: HttpSend): Promise<IntegrationHealth> {
    const started = performance.now();
    const response = await http({
      method: 'GET',
      url: `${this.baseUrl}/api/json?tree=mode,nodeDescription`,
      headers: { ...this.headers },
    });
    const latencyMs = Math.round(performance.now() - started);
    if (response.status !== 200) {
      return { healthy: false, detail: this.redact(`HTTP ${response.status}`), latencyMs };
    }
    const info = parseJsonBody(response.body) as { mode?: string } | undefined;
    const version = response.headers['x-jenkins'];
    return {
      healthy: true,
      detail: `Jenkins ${version ?? '(version hidden)'} mode ${info?.mode ?? 'unknown'}`,
      latencyMs,
    };
  }

  private async deliverOne(notification: Notification, http: HttpSend): Promise<DeliveryOutcome> {
    if (!this.accepts(notification)) {
      return { result: 'delivered', status: 200, reference: SKIPPED_REFERENCE };
    }
    const recent = await http(this.recentBuildsRequest());
    if (recent.status !== 200) return this.classify(recent);
    const existing = (parseJsonBody(recent.body) as JobBuilds | undefined)?.builds?.find((build) =>
      build.actions?.some((action) =>
        action?.parameters?.some((p) => p.name === 'EVENT_ID' && p.value === notification.id),
      ),
    );
    if (existing) {
      return {
        result: 'delivered',
        status: 200,
        reference: existing.url ?? `build #${existing.number}`,
      };
    }
    const crumb = await http(this.crumbRequest());
    const csrf: Record<string, string> = {};
    if (crumb.status === 200) {
      const issued = parseJsonBody(crumb.body) as
        { crumbRequestField?: string; crumb?: string } | undefined;
      if (!issued?.crumbRequestField || !issued.crumb) {
        return { result: 'retry', status: 200, reason: 'crumb issuer answered without a crumb' };
      }
      csrf[issued.crumbRequestField.toLowerCase()] = issued.crumb;
      // Crumbs are bound to the web session (Jenkins 2.176.2+): send its cookie back.
      const cookie = crumb.headers['set-cookie']?.split(';')[0];
      if (cookie) csrf.cookie = cookie;
    } else if (crumb.status !== 404) {
      return this.classify(crumb);
    }
    const queued = await http(this.buildRequest(notification, csrf));
    const outcome = this.classify(queued);
    if (outcome.result !== 'delivered') return outcome;
    return { ...outcome, reference: queued.headers.location ?? 'queued' };
  }

  private classify(response: HttpResponse): DeliveryOutcome {
    // Jenkins answers errors with HTML pages: keep reasons short.
    const trimmed = {
      ...response,
      body: response.body
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    };
    return classifyRedacted(trimmed, (text) => this.redact(text));
  }

  private redact(text: string): string {
    return maskSecrets(
      text,
      SECRET_FIELDS.map((field) => this.config[field]),
      '[REDACTED]',
    );
  }
}
