const SECRET_KEY =
  /(pass(word)?|secret|token|api[-_]?key|private[-_]?key|credential|authorization|cookie|signature)/i;

export const REDACTED = '[REDACTED]';

/** True for a key name that conventionally holds a secret (PASSWORD, api_key, clientSecret...). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Removes user-info and secret-looking query parameters from a URL; keeps scheme, host and path. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username) url.username = REDACTED;
    if (url.password) url.password = REDACTED;
    for (const key of [...url.searchParams.keys()]) {
      if (isSecretKey(key)) url.searchParams.set(key, REDACTED);
    }
    return url.toString().replace(/%5BREDACTED%5D/g, REDACTED);
  } catch {
    return raw.replace(/\/\/[^@/]+@/, `//${REDACTED}@`);
  }
}

/** Deep copy with secret-looking keys replaced and URL-valued strings stripped of credentials. */
export function redact<T>(value: T, depth = 0): T {
  if (depth > 8 || value === null || typeof value !== 'object') {
    return (
      typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)
        ? redactUrl(value)
        : value
    ) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => redact(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      isSecretKey(key) && inner !== undefined && inner !== null
        ? REDACTED
        : redact(inner, depth + 1);
  }
  return out as T;
}
