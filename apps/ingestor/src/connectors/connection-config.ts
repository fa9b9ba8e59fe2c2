// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import {
  plainToInstance,
  Type,
  type ClassConstructor,
  type TypeHelpOptions,
} from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import {
  ApiKeyAuth,
  BasicAuth,
  OAuth2ClientCredentialsAuth,
  OAuth2RefreshTokenAuth,
  SessionLoginAuth,
  type AuthStrategy,
  type SessionLoginOptions,
} from './http/auth';
import type { Clock } from './http/clock';
import type { SecretRedactor } from './http/redaction';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './http/retry-policy';

export const AUTH_TYPES = ['oauth2', 'session', 'basic', 'api_key'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** Seed "Authentification OAuth2": client credentials, or the refresh token grant when `refresh_token` is set. */
export class OAuth2AuthenticationDto {
  @IsIn(['oauth2'])
  type!: 'oauth2';

  @IsString()
  @MinLength(1)
  client_id!: string;

  @IsString()
  @MinLength(1)
  client_secret!: string;

  /** Path under base_url, e.g. `/auth/oauth2/token`. */
  @IsString()
  @MinLength(1)
  token_endpoint!: string;

  @IsOptional()
  @IsString()
  scope?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  refresh_token?: string;
}

/** Seed Huawei U2000: username/password posted to `login_endpoint`, then a session. */
export class SessionAuthenticationDto {
  @IsIn(['session'])
  type!: 'session';

  @IsString()
  @MinLength(1)
  username!: string;

  @IsString()
  @MinLength(1)
  password!: string;

  @IsString()
  @MinLength(1)
  login_endpoint!: string;
}

export class BasicAuthenticationDto {
  @IsIn(['basic'])
  type!: 'basic';

  @IsString()
  @MinLength(1)
  username!: string;

  @IsString()
  password!: string;
}

export class ApiKeyAuthenticationDto {
  @IsIn(['api_key'])
  type!: 'api_key';

  @IsString()
  @MinLength(1)
  api_key!: string;

  @IsString()
  @MinLength(1)
  key_header = 'X-API-Key';
}

/** Stands in for an `authentication` whose `type` is missing or unknown, so the error names it. */
export class UnknownAuthenticationDto {
  @IsIn(AUTH_TYPES, { message: `type must be one of ${AUTH_TYPES.join(', ')}` })
  type!: string;
}

export type AuthenticationDto =
  | OAuth2AuthenticationDto
  | SessionAuthenticationDto
  | BasicAuthenticationDto
  | ApiKeyAuthenticationDto;

const AUTH_DTO: Record<AuthType, ClassConstructor<AuthenticationDto>> = {
  oauth2: OAuth2AuthenticationDto,
  session: SessionAuthenticationDto,
  basic: BasicAuthenticationDto,
  api_key: ApiKeyAuthenticationDto,
};

/** `@Type` resolver for an `authentication` property: the DTO of its `type`. */
export function authenticationClass(options?: TypeHelpOptions): ClassConstructor<object> {
  const raw = (options?.object as { authentication?: { type?: unknown } } | undefined)
    ?.authentication;
  const type = raw?.type;
  return typeof type === 'string' && type in AUTH_DTO
    ? AUTH_DTO[type as AuthType]
    : UnknownAuthenticationDto;
}

export class RequestBudgetDto {
  /** Requests allowed per window, token and login requests included. */
  @IsInt()
  @Min(1)
  max_requests = 600;

  @IsInt()
  @Min(1)
  @Max(86_400)
  per_seconds = 60;
}

export class RetryDto {
  @IsInt()
  @Min(1)
  @Max(10)
  max_attempts = DEFAULT_RETRY_POLICY.maxAttempts;

  @IsInt()
  @Min(0)
  base_delay_ms = DEFAULT_RETRY_POLICY.baseDelayMs;

  @IsInt()
  @Min(0)
  max_delay_ms = DEFAULT_RETRY_POLICY.maxDelayMs;

  /** A longer Retry-After ends the sync as rate-limited instead of waiting. */
  @IsInt()
  @Min(0)
  max_retry_after_ms = DEFAULT_RETRY_POLICY.maxRetryAfterMs;
}

/** What every HTTP source has besides its own fields. */
export class HttpConnectionConfig {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2000)
  base_url!: string;

  @IsOptional()
  @IsString()
  api_version?: string;

  @IsDefined({ message: 'authentication is required' })
  @ValidateNested()
  @Type(authenticationClass)
  authentication!: AuthenticationDto;

  @IsInt()
  @Min(100)
  @Max(600_000)
  timeout_ms = 30_000;

  @ValidateNested()
  @Type(() => RetryDto)
  retry: RetryDto = new RetryDto();

  @ValidateNested()
  @Type(() => RequestBudgetDto)
  request_budget: RequestBudgetDto = new RequestBudgetDto();
}

export function retryPolicyOf(config: HttpConnectionConfig): RetryPolicy {
  return {
    maxAttempts: config.retry.max_attempts,
    baseDelayMs: config.retry.base_delay_ms,
    maxDelayMs: config.retry.max_delay_ms,
    maxRetryAfterMs: config.retry.max_retry_after_ms,
  };
}

/** Vendor specifics of a session login (request and answer shapes); the seed gives only the path. */
export type SessionDialect = Omit<SessionLoginOptions, 'loginPath' | 'username' | 'password'>;

/** The auth strategy for a validated `authentication` block; every secret goes to the redactor. */
export function createAuthStrategy(
  auth: AuthenticationDto,
  clock: Clock,
  redactor: SecretRedactor,
  session: SessionDialect = {},
): AuthStrategy {
  switch (auth.type) {
    case 'oauth2': {
      const options = {
        tokenPath: auth.token_endpoint,
        clientId: auth.client_id,
        clientSecret: auth.client_secret,
        scope: auth.scope,
      };
      return auth.refresh_token
        ? new OAuth2RefreshTokenAuth(
            { ...options, refreshToken: auth.refresh_token },
            clock,
            redactor,
          )
        : new OAuth2ClientCredentialsAuth(options, clock, redactor);
    }
    case 'session':
      return new SessionLoginAuth(
        {
          ...session,
          loginPath: auth.login_endpoint,
          username: auth.username,
          password: auth.password,
        },
        clock,
        redactor,
      );
    case 'basic':
      return new BasicAuth(auth.username, auth.password, redactor);
    case 'api_key':
      return new ApiKeyAuth(auth.key_header, auth.api_key, redactor);
  }
}

/** A config class with checks class-validator decorators cannot express. */
export interface CrossFieldChecks {
  crossFieldIssues(): ConfigIssue[];
}

function hasCrossChecks(config: object): config is CrossFieldChecks {
  return typeof (config as Partial<CrossFieldChecks>).crossFieldIssues === 'function';
}

/** One problem with a connection_config, with the path of the field it is about. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConnectorConfigError extends Error {
  override readonly name = 'ConnectorConfigError';

  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid connection_config for ${source}: ${issues.map((i) => i.message).join('; ')}`);
  }
}

function childPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

function collectIssues(errors: ValidationError[], parent: string, out: ConfigIssue[]): void {
  for (const error of errors) {
    const path = childPath(parent, error.property);
    const messages = Object.entries(error.constraints ?? {}).map(([constraint, text]) => {
      // class-validator words messages as "<property> must ..."; name the full path instead.
      if (constraint === 'whitelistValidation') return `${path} is not a known setting`;
      if (text.startsWith(`${error.property} `))
        return `${path}${text.slice(error.property.length)}`;
      return `${path}: ${text}`;
    });
    // One issue per field, however many of its constraints failed.
    if (messages.length > 0) out.push({ path, message: messages.join('; ') });
    collectIssues(error.children ?? [], path, out);
  }
}

/**
 * Turns a raw connection_config into its DTO with defaults filled in, or throws a
 * ConnectorConfigError listing every problem by field path (`authentication.client_secret`,
 * `polling_endpoints[1]`). Unknown fields are errors, so a typo never silently falls back to a
 * default. Messages never carry values, so secrets stay out of them.
 */
export function validateConnectionConfig<T extends object>(
  configClass: ClassConstructor<T>,
  raw: unknown,
  source: string,
): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConnectorConfigError(source, [
      { path: '', message: 'connection_config must be a JSON object' },
    ]);
  }
  const config = plainToInstance(configClass, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: true, forbidNonWhitelisted: true });
  const issues: ConfigIssue[] = [];
  collectIssues(errors, '', issues);
  // Checks that span fields (or depend on the connector) run once the shapes are right.
  if (issues.length === 0 && hasCrossChecks(config)) issues.push(...config.crossFieldIssues());
  if (issues.length > 0) throw new ConnectorConfigError(source, issues);
  return config;
}
