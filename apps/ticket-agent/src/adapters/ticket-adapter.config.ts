import 'reflect-metadata';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  Max,
  Min,
  ValidateBy,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { IANAZone } from 'luxon';
import type { RetryPolicy } from './ticket-http-client';
import { TicketSystemError } from './ticket-system-error';

/** Settings every HTTP adapter shares: where, how patiently, how many per page. */
export class TicketHttpSettings {
  /** `https://your-site.atlassian.net`, `https://yourcompany.service-now.com`. */
  @IsHttpUrl()
  baseUrl!: string;

  /** Per attempt, response body included. */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(600_000)
  timeoutMs = 30_000;

  /** Attempts per request, the first included. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  maxAttempts = 5;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  initialBackoffMs = 500;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  maxBackoffMs = 30_000;

  /** A longer Retry-After fails the request rather than stalling the agent. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  maxRetryAfterMs = 120_000;

  /** Tickets per page asked for (the system may send fewer). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  pageSize = 100;

  /** Time zone of the integration user: how the system reads dates written in queries. */
  @IsOptional()
  @IsTimeZone()
  timeZone = 'UTC';

  /** Stops a search that keeps paging (a server looping on one page). */
  @IsOptional()
  @IsInt()
  @Min(1)
  maxPages = 10_000;
}

export function retryPolicyOf(settings: TicketHttpSettings): RetryPolicy {
  return {
    timeoutMs: settings.timeoutMs,
    maxAttempts: settings.maxAttempts,
    initialBackoffMs: settings.initialBackoffMs,
    maxBackoffMs: settings.maxBackoffMs,
    maxRetryAfterMs: settings.maxRetryAfterMs,
  };
}

/** The base URL without a trailing slash, so paths join cleanly. */
export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.hostname !== '' &&
      !url.username &&
      !url.password
    );
  } catch {
    return false;
  }
}

/** An http(s) URL without credentials in it (loopback and single-label hosts allowed). */
export function IsHttpUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isHttpUrl',
    validator: {
      validate: (value: unknown) => isHttpUrl(value),
      defaultMessage: (args) =>
        `${args?.property} must be an http(s) URL without credentials in it`,
    },
  });
}

/** An IANA time zone name such as `UTC` or `Europe/Moscow`. */
export function IsTimeZone(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimeZone',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && IANAZone.isValidZone(value),
      defaultMessage: (args) =>
        `${args?.property} must be an IANA time zone such as UTC or Europe/Moscow`,
    },
  });
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const path = `${prefix}${error.property}`;
    // class-validator's messages name the property, never its value: secrets stay out.
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push(`${path}: ${messages.join('; ')}`);
    if (error.children?.length) out.push(...describe(error.children, `${path}.`));
  }
  return out;
}

/**
 * Validates a plain config object (JSON, YAML, env) against an adapter's config class. Throws a
 * `config` TicketSystemError naming every bad or unknown field (values are never quoted).
 * `check` adds cross-field problems (it runs even when fields are bad, so guard nested ones).
 */
export function parseAdapterConfig<T extends object>(
  system: string,
  configClass: ClassConstructor<T>,
  plain: unknown,
  check: (config: T, problems: string[]) => void = () => undefined,
): T {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new TicketSystemError(
      system,
      'config',
      `invalid ${system} adapter config: expected an object`,
    );
  }
  const config = plainToInstance(configClass, plain, { exposeDefaultValues: true });
  const problems = describe(validateSync(config, { whitelist: true, forbidNonWhitelisted: true }));
  check(config, problems);
  if (problems.length > 0) {
    throw new TicketSystemError(
      system,
      'config',
      `invalid ${system} adapter config: ${problems.join('; ')}`,
    );
  }
  return config;
}
