import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Shown instead of a stored secret; sending it back unchanged keeps the stored value. */
export const SECRET_MASK = '********';

const ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;
const ENCRYPTED_PREFIX = 'v1.';

/**
 * Field names that hold credentials in connection configs: passwords, client secrets, API keys,
 * tokens, SNMP communities and v3 keys. Compared without `_`/`-` and case, by suffix, so
 * `client_secret`, `authPassword` and `priv_key` match while `token_endpoint` and `key_header`
 * (names of places, not secrets) do not.
 */
const SECRET_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'apikey',
  'token',
  'community',
  'authkey',
  'privkey',
  'privatekey',
  'credentials',
];

export function isSecretName(name: string): boolean {
  const flat = name.toLowerCase().replace(/[_-]/g, '');
  return SECRET_SUFFIXES.some((suffix) => flat.endsWith(suffix));
}

/** A problem with one secret field; `path` is inside connection_config (`authentication.password`). */
export class SourceSecretError extends Error {
  override readonly name = 'SourceSecretError';

  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** A secret as kept at rest: an environment reference (kept as written) or an AES-256-GCM box. */
type StoredSecret = { $env: string } | { $encrypted: string };

function isStoredSecret(value: unknown): value is StoredSecret {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    ((keys[0] === '$env' && typeof (value as { $env: unknown }).$env === 'string') ||
      (keys[0] === '$encrypted' &&
        typeof (value as { $encrypted: unknown }).$encrypted === 'string'))
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** `targets[3].community` → `targets[].community`, to compare with the paths a connector marks. */
function shapeOf(path: string): string {
  return path.replace(/\[\d+\]/g, '[]');
}

function valueAt(root: unknown, path: string): unknown {
  let here: unknown = root;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (Array.isArray(here) && /^\d+$/.test(part)) here = here[Number(part)];
    else if (isRecord(here)) here = here[part];
    else return undefined;
  }
  return here;
}

/**
 * Keeps connector credentials out of the database in clear and out of every answer. A secret
 * field (by name, or marked by the connector) written as `${env:NAME}` is stored as that reference
 * and read from the environment when the connector is built; any other value is encrypted with
 * INGESTOR_SECRET_KEY (AES-256-GCM, a fresh IV per value). Without a key only references are
 * accepted: a literal secret is refused rather than stored readable.
 */
export class SourceSecretBox {
  private readonly key: Buffer | undefined;

  constructor(
    key: string | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    if (key === undefined) return;
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== 32)
      throw new Error('INGESTOR_SECRET_KEY must be 32 bytes, base64-encoded');
    this.key = bytes;
  }

  /**
   * The stored form of a connection_config: every secret sealed, the rest copied. `previous` is
   * the stored config being replaced: a mask sent back keeps its value at the same path.
   * `marked` lists further secret paths a connector declares (`targets[].auth_key`).
   */
  seal(
    config: Record<string, unknown>,
    previous?: Record<string, unknown>,
    marked: readonly string[] = [],
  ): Record<string, unknown> {
    const marks = new Set(marked.map(shapeOf));
    const walk = (value: unknown, path: string, secret: boolean): unknown => {
      if (isStoredSecret(value)) {
        if ('$encrypted' in value) {
          throw new SourceSecretError(
            path,
            'an encrypted value cannot be supplied; give the secret',
          );
        }
        if (!ENV_REFERENCE.test(`\${env:${value.$env}}`)) {
          throw new SourceSecretError(path, '$env must name an environment variable');
        }
        return { $env: value.$env };
      }
      if (Array.isArray(value))
        return value.map((item, i) => walk(item, childPath(path, i), secret));
      if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value)) {
          const at = childPath(path, key);
          out[key] = walk(inner, at, isSecretName(key) || marks.has(shapeOf(at)));
        }
        return out;
      }
      if (!secret || value === null || value === undefined) return value;
      if (typeof value !== 'string' && typeof value !== 'number') return value;
      if (value === SECRET_MASK) {
        const stored = valueAt(previous, path);
        if (!isStoredSecret(stored)) {
          throw new SourceSecretError(path, `is the mask ${SECRET_MASK} but no secret is stored`);
        }
        return stored;
      }
      const reference = typeof value === 'string' ? ENV_REFERENCE.exec(value) : null;
      if (reference) return { $env: reference[1] };
      if (!this.key) {
        throw new SourceSecretError(
          path,
          'literal secrets need INGESTOR_SECRET_KEY; give it as ${env:NAME} instead',
        );
      }
      return { $encrypted: this.encrypt(JSON.stringify(value)) };
    };
    return walk(config, '', false) as Record<string, unknown>;
  }

  /** The config a connector is built from: references resolved, boxes opened. */
  open(stored: Record<string, unknown>): Record<string, unknown> {
    const walk = (value: unknown, path: string): unknown => {
      if (isStoredSecret(value)) {
        if ('$env' in value) {
          const resolved = this.env[value.$env];
          if (resolved === undefined || resolved === '') {
            throw new SourceSecretError(path, `environment variable ${value.$env} is not set`);
          }
          return resolved;
        }
        return JSON.parse(this.decrypt(value.$encrypted, path)) as unknown;
      }
      if (Array.isArray(value)) return value.map((item, i) => walk(item, childPath(path, i)));
      if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value))
          out[key] = walk(inner, childPath(path, key));
        return out;
      }
      return value;
    };
    return walk(stored, '') as Record<string, unknown>;
  }

  /** Checks every `${env:NAME}` a stored config refers to is set, naming the first that is not. */
  checkReferences(stored: Record<string, unknown>): void {
    const walk = (value: unknown, path: string): void => {
      if (isStoredSecret(value)) {
        if ('$env' in value && !this.env[value.$env]) {
          throw new SourceSecretError(path, `environment variable ${value.$env} is not set`);
        }
        return;
      }
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, childPath(path, i)));
      else if (isRecord(value)) {
        for (const [key, inner] of Object.entries(value)) walk(inner, childPath(path, key));
      }
    };
    walk(stored, '');
  }

  /** What an answer shows: references as written, stored secrets masked. */
  static mask(stored: Record<string, unknown>): Record<string, unknown> {
    const walk = (value: unknown): unknown => {
      if (isStoredSecret(value)) return '$env' in value ? `\${env:${value.$env}}` : SECRET_MASK;
      if (Array.isArray(value)) return value.map(walk);
      if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        for (const [key, inner] of Object.entries(value)) out[key] = walk(inner);
        return out;
      }
      return value;
    };
    return walk(stored) as Record<string, unknown>;
  }

  /** Whether a stored config holds any secret (a sealed value or a reference). */
  static holdsSecrets(stored: unknown): boolean {
    if (isStoredSecret(stored)) return true;
    if (Array.isArray(stored)) return stored.some((item) => SourceSecretBox.holdsSecrets(item));
    if (isRecord(stored)) return Object.values(stored).some((v) => SourceSecretBox.holdsSecrets(v));
    return false;
  }

  /** Every secret value of an opened config (by the paths the stored one seals), for scrubbing text. */
  static secretValues(stored: Record<string, unknown>, opened: Record<string, unknown>): string[] {
    const values: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (isStoredSecret(value)) {
        const plain = valueAt(opened, path);
        if ((typeof plain === 'string' || typeof plain === 'number') && String(plain).length >= 4)
          values.push(String(plain));
        return;
      }
      if (Array.isArray(value)) value.forEach((item, i) => walk(item, childPath(path, i)));
      else if (isRecord(value)) {
        for (const [key, inner] of Object.entries(value)) walk(inner, childPath(path, key));
      }
    };
    walk(stored, '');
    return values;
  }

  private encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key as Buffer, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${ENCRYPTED_PREFIX}${[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')}`;
  }

  private decrypt(boxed: string, path: string): string {
    if (!this.key)
      throw new SourceSecretError(path, 'encrypted, but INGESTOR_SECRET_KEY is not set');
    const parts = boxed.startsWith(ENCRYPTED_PREFIX)
      ? boxed.slice(ENCRYPTED_PREFIX.length).split('.')
      : [];
    if (parts.length !== 3) throw new SourceSecretError(path, 'not a sealed secret');
    const [iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64url'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SourceSecretError(path, 'cannot be decrypted with the current INGESTOR_SECRET_KEY');
    }
  }
}
