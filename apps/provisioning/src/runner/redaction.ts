import { REDACTED } from '@telcomesh/config';

/* The same rules as the callback plugin (ansible/callback_plugins/telcomesh_events.py), so a
   secret is caught on both sides of the pipe; keep the two in step. */

// Long, unambiguous fragments are matched anywhere in a key: access_token, clientSecret, apiKey...
const SECRET_FRAGMENT =
  /pass(?:word|wd|phrase)|secret|token|authori[sz]ation|api[-_]?key|private[-_]?key|credential|cookie/i;
// Short SIM and key names are matched as whole words only: "ki" must not catch "kind" or "skipped".
const SECRET_WORD = /^(?:key|keys|ki|k|op|opc|pin\d?|puk\d?|adm\d?|pwd|pass)$/;
const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])/g;
const WORD_SPLIT = /[^A-Za-z0-9]+/;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]+/gi;
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^/\s@"']+@/gi;
const QUOTED_PAIR =
  /(["'])([A-Za-z0-9_.-]{1,64})\1(\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,}\]]+)/g;
const ASSIGNMENT = /\b([A-Za-z0-9_.-]{1,64})=([^\s&"',;]+)/g;
const MAX_DEPTH = 32;
// Shorter values are too likely to occur by chance in unrelated text to be scrubbed everywhere.
const MIN_KNOWN_SECRET_LENGTH = 4;

/** True for a key that holds a secret: password, token, authorization, api_key, Ki, OPc, PIN... */
export function isSecretKey(key: string): boolean {
  if (SECRET_FRAGMENT.test(key)) return true;
  return key
    .replace(CAMEL_BOUNDARY, '$1 $2')
    .split(WORD_SPLIT)
    .some((word) => word !== '' && SECRET_WORD.test(word.toLowerCase()));
}

/** Removes credentials from free text (Ansible output, error messages): Bearer/Basic credentials,
 * URL user-info, `"ki": "..."` and `token=...` pairs, and every known secret value verbatim. */
export function redactText(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  const longestFirst = [...knownSecrets].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) {
    if (secret.length >= MIN_KNOWN_SECRET_LENGTH && out.includes(secret))
      out = out.split(secret).join(REDACTED);
  }
  out = out.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}@`);
  out = out.replace(QUOTED_PAIR, (match, quote: string, key: string, colon: string) =>
    isSecretKey(key) ? `${quote}${key}${quote}${colon}"${REDACTED}"` : match,
  );
  return out.replace(ASSIGNMENT, (match, key: string) =>
    isSecretKey(key) ? `${key}=${REDACTED}` : match,
  );
}

/** Deep copy with secret-named keys replaced (at any depth) and strings cleaned by `redactText`. */
export function redactSecrets<T>(value: T, knownSecrets: readonly string[] = []): T {
  return redactValue(value, knownSecrets, 0) as T;
}

function redactValue(value: unknown, knownSecrets: readonly string[], depth: number): unknown {
  if (depth > MAX_DEPTH) return REDACTED;
  if (typeof value === 'string') return redactText(value, knownSecrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, knownSecrets, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] =
      isSecretKey(key) && inner !== null && inner !== undefined
        ? REDACTED
        : redactValue(inner, knownSecrets, depth + 1);
  }
  return out;
}

/** The string and number values held under secret keys, at any depth: the runner scrubs them
 * verbatim from whatever Ansible prints or returns, wherever they end up. */
export function secretValuesOf(vars: unknown): string[] {
  const found = new Set<string>();
  const collect = (value: unknown, underSecret: boolean, depth: number): void => {
    if (depth > MAX_DEPTH || value === null || value === undefined) return;
    if (typeof value === 'string' || typeof value === 'number') {
      const text = String(value);
      if (underSecret && text.length >= MIN_KNOWN_SECRET_LENGTH) found.add(text);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) collect(item, underSecret, depth + 1);
      return;
    }
    if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>))
        collect(inner, underSecret || isSecretKey(key), depth + 1);
    }
  };
  collect(vars, false, 0);
  return [...found].sort((a, b) => b.length - a.length);
}
