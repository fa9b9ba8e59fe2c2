import type { ConnectorDeps } from '../connector';
import {
  BasicAuth,
  OAuth2ClientCredentialsAuth,
  OAuth2RefreshTokenAuth,
  type AuthStrategy,
} from '../http/auth';
import { systemClock, type Clock } from '../http/clock';
import { HttpSourceClient, type RequestStats } from '../http/http-source-client';
import type { SecretRedactor } from '../http/redaction';
import { RequestBudget } from '../http/request-budget';
import type { RetryPolicy } from '../http/retry-policy';
import type { ServiceNowAuthenticationDto, ServiceNowConfig } from './servicenow-config';

function authStrategy(
  auth: ServiceNowAuthenticationDto,
  clock: Clock,
  redactor: SecretRedactor,
): AuthStrategy {
  switch (auth.type) {
    case 'basic':
      return new BasicAuth(auth.username, auth.password, redactor);
    case 'oauth2': {
      // ServiceNow's /oauth_token.do reads client_id and client_secret from the form body.
      const options = {
        tokenPath: auth.token_endpoint,
        clientId: auth.client_id,
        clientSecret: auth.client_secret,
        scope: auth.scope,
        clientAuthentication: 'body' as const,
      };
      return auth.refresh_token
        ? new OAuth2RefreshTokenAuth(
            { ...options, refreshToken: auth.refresh_token },
            clock,
            redactor,
          )
        : new OAuth2ClientCredentialsAuth(options, clock, redactor);
    }
  }
}

export function retryPolicyOfServiceNow(config: ServiceNowConfig): RetryPolicy {
  return {
    maxAttempts: config.retry.max_attempts,
    baseDelayMs: config.retry.base_delay_ms,
    maxDelayMs: config.retry.max_delay_ms,
    maxRetryAfterMs: config.retry.max_retry_after_ms,
  };
}

/** The HTTP client of one ServiceNow instance: its auth, timeouts, retries and request budget. */
export function createServiceNowClient(
  config: ServiceNowConfig,
  deps: ConnectorDeps,
  redactor: SecretRedactor,
  stats?: RequestStats,
): HttpSourceClient {
  const clock = deps.clock ?? systemClock;
  return new HttpSourceClient({
    baseUrl: config.instance_url,
    auth: authStrategy(config.authentication, clock, redactor),
    timeoutMs: config.timeout_ms,
    retry: retryPolicyOfServiceNow(config),
    budget: new RequestBudget(
      config.request_budget.max_requests,
      config.request_budget.per_seconds * 1000,
      () => clock.now(),
    ),
    redactor,
    clock,
    random: deps.random,
    fetch: deps.fetch,
    logger: deps.logger,
    headers: { accept: 'application/json' },
    stats,
  });
}

/** Path of a table (or one record of it) under the Table API, honouring `api_version`. */
export function tablePath(config: ServiceNowConfig, table: string, sysId?: string): string {
  const base = config.api_version ? `/api/now/${config.api_version}/table` : '/api/now/table';
  return sysId === undefined ? `${base}/${table}` : `${base}/${table}/${sysId}`;
}
