import { ConfigValidationError } from '@telcomesh/config';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, MAX_CLOCK_TOLERANCE_SECONDS } from './access-tokens';
import { apiKeyConfigProblems, type ApiKeyConfig } from './api-keys';
import { parseCidr } from './ip';
import { asymmetricKeys, hmacKeys, JwtKeyError, type JwtKeys } from './jwt-keys';

export interface JwtSettings {
  /** Keys as node KeyObjects: printing or logging them shows no key material. */
  readonly keys: JwtKeys;
  readonly issuer?: string;
  readonly audience?: string;
  readonly clockToleranceSeconds: number;
}

export interface AuthSettings {
  readonly jwt: JwtSettings;
  readonly apiKeys: readonly ApiKeyConfig[];
  /** CIDRs whose clients are authenticated by address alone (empty: IP path disabled). */
  readonly ipAllowList: readonly string[];
  /** CIDRs of reverse proxies whose X-Forwarded-For is believed. */
  readonly trustedProxies: readonly string[];
}

/** The variables `parseAuthSettings` reads. */
export const AUTH_ENV = [
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PUBLIC_KEY',
  'AUTH_JWT_PRIVATE_KEY',
  'AUTH_JWT_ISSUER',
  'AUTH_JWT_AUDIENCE',
  'AUTH_JWT_CLOCK_TOLERANCE_SECONDS',
  'AUTH_API_KEYS',
  'AUTH_IP_ALLOWLIST',
  'AUTH_TRUSTED_PROXIES',
] as const;

/** PEM in an env var often arrives with literal `\n`; restore real newlines then. */
function pem(value: string): string {
  return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
}

function cidrList(name: string, value: string | undefined, problems: string[]): string[] {
  if (value === undefined) return [];
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const valid: string[] = [];
  for (const entry of entries) {
    try {
      parseCidr(entry);
      valid.push(entry);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
    }
  }
  return valid;
}

function apiKeys(value: string | undefined, problems: string[]): ApiKeyConfig[] {
  const name = 'AUTH_API_KEYS';
  if (value === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // JSON.parse's message quotes the input, which may hold a pasted raw key: say less.
    problems.push(`${name}: is not valid JSON (expected [{ "id", "hash", "roles", ... }])`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push(
      `${name}: must be a JSON array of { id, hash, roles, permissions?, customer_id? }`,
    );
    return [];
  }
  const found = parsed.flatMap((entry: unknown, i) => apiKeyConfigProblems(entry, `${name}[${i}]`));
  const entries = parsed as ApiKeyConfig[];
  if (found.length === 0) {
    const ids = new Set<string>();
    const hashes = new Set<string>();
    entries.forEach((entry, i) => {
      if (ids.has(entry.id)) found.push(`${name}[${i}].id: "${entry.id}" is used twice`);
      if (hashes.has(entry.hash)) found.push(`${name}[${i}].hash: same key as another entry`);
      ids.add(entry.id);
      hashes.add(entry.hash);
    });
  }
  problems.push(...found);
  return found.length === 0 ? entries : [];
}

/**
 * Reads and validates the auth variables (empty strings count as unset). Exactly one of
 * AUTH_JWT_SECRET (HS256, ≥ 32 bytes) and AUTH_JWT_PUBLIC_KEY / AUTH_JWT_PRIVATE_KEY (RS256 or
 * ES256 by key type) is required. Throws one `ConfigValidationError` listing every bad variable;
 * messages name variables and never print secret values.
 */
export function parseAuthSettings(
  env: Record<string, string | undefined> = process.env,
): AuthSettings {
  const get = (name: (typeof AUTH_ENV)[number]): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const problems: string[] = [];

  const secret = get('AUTH_JWT_SECRET');
  const publicKey = get('AUTH_JWT_PUBLIC_KEY');
  const privateKey = get('AUTH_JWT_PRIVATE_KEY');
  let keys: JwtKeys | undefined;
  if (secret !== undefined && (publicKey !== undefined || privateKey !== undefined)) {
    problems.push(
      'AUTH_JWT_SECRET: set either AUTH_JWT_SECRET (HS256) or AUTH_JWT_PUBLIC_KEY/AUTH_JWT_PRIVATE_KEY (RS256/ES256), not both',
    );
  } else if (secret !== undefined) {
    try {
      // The raw (untrimmed) value: whitespace inside a secret is part of it.
      keys = hmacKeys(env.AUTH_JWT_SECRET ?? secret);
    } catch (error) {
      problems.push(`AUTH_JWT_SECRET: ${(error as Error).message} (value redacted)`);
    }
  } else if (publicKey !== undefined || privateKey !== undefined) {
    try {
      keys = asymmetricKeys({
        ...(publicKey === undefined ? {} : { publicKeyPem: pem(publicKey) }),
        ...(privateKey === undefined ? {} : { privateKeyPem: pem(privateKey) }),
      });
    } catch (error) {
      const variable =
        error instanceof JwtKeyError && error.input === 'privateKey'
          ? 'AUTH_JWT_PRIVATE_KEY'
          : 'AUTH_JWT_PUBLIC_KEY';
      problems.push(`${variable}: ${(error as Error).message}`);
    }
  } else {
    problems.push(
      'AUTH_JWT_SECRET: missing (set AUTH_JWT_SECRET for HS256, or AUTH_JWT_PUBLIC_KEY for RS256/ES256)',
    );
  }

  const issuer = get('AUTH_JWT_ISSUER');
  const audience = get('AUTH_JWT_AUDIENCE');
  const toleranceText = get('AUTH_JWT_CLOCK_TOLERANCE_SECONDS');
  let clockToleranceSeconds = DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (toleranceText !== undefined) {
    const n = Number(toleranceText);
    if (!/^\d+$/.test(toleranceText) || n > MAX_CLOCK_TOLERANCE_SECONDS) {
      problems.push(
        `AUTH_JWT_CLOCK_TOLERANCE_SECONDS: must be an integer 0-${MAX_CLOCK_TOLERANCE_SECONDS} (got "${toleranceText}")`,
      );
    } else {
      clockToleranceSeconds = n;
    }
  }

  const keysConfig = apiKeys(get('AUTH_API_KEYS'), problems);
  const ipAllowList = cidrList('AUTH_IP_ALLOWLIST', get('AUTH_IP_ALLOWLIST'), problems);
  const trustedProxies = cidrList('AUTH_TRUSTED_PROXIES', get('AUTH_TRUSTED_PROXIES'), problems);

  if (problems.length > 0 || keys === undefined) throw new ConfigValidationError('auth', problems);
  return {
    jwt: {
      keys,
      clockToleranceSeconds,
      ...(issuer === undefined ? {} : { issuer }),
      ...(audience === undefined ? {} : { audience }),
    },
    apiKeys: keysConfig,
    ipAllowList,
    trustedProxies,
  };
}
