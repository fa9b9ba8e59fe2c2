import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** How a secret field is written in configuration: a literal, or a reference to the environment. */
const ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;
const ENCRYPTED_PREFIX = 'v1.';
/** Shown instead of a stored secret. */
export const REDACTED = '********';

export class SecretError extends Error {
  override name = 'SecretError';
}

/** A secret as kept at rest: an environment reference (kept as written) or an AES-256-GCM box. */
export type StoredSecret = { $env: string } | { $encrypted: string };

function isStoredSecret(value: unknown): value is StoredSecret {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === '$env' || keys[0] === '$encrypted');
}

/**
 * Keeps integration secrets out of the database in clear and out of every answer. A secret field
 * written as `${env:NAME}` (or `{ $env: NAME }`) is stored as that reference and read from the
 * environment when the integration is built; any other value is encrypted with the key from
 * NOTIFIER_SECRET_KEY (AES-256-GCM, a fresh IV per value). Without a key, only references are
 * accepted: a literal secret is refused rather than stored readable.
 */
export class SecretBox {
  private readonly key: Buffer | undefined;

  constructor(
    key: string | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    if (key === undefined) return;
    const bytes = Buffer.from(key, 'base64');
    if (bytes.length !== 32) {
      throw new SecretError('NOTIFIER_SECRET_KEY must be 32 bytes, base64-encoded');
    }
    this.key = bytes;
  }

  /** Turns each secret field of a config into its stored form (other fields unchanged). */
  seal(
    config: Record<string, unknown>,
    secretFields: readonly string[],
    previous?: Record<string, unknown>,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = { ...config };
    for (const field of secretFields) {
      const value = out[field];
      if (value === undefined || value === null) continue;
      // An answer we gave (the mask) sent back unchanged keeps the stored secret.
      if (value === REDACTED && previous && isStoredSecret(previous[field])) {
        out[field] = previous[field];
        continue;
      }
      if (isStoredSecret(value)) {
        if ('$encrypted' in value) {
          throw new SecretError(`${field}: an encrypted value cannot be supplied, give the secret`);
        }
        out[field] = value;
        continue;
      }
      const reference = typeof value === 'string' ? ENV_REFERENCE.exec(value) : null;
      if (reference) {
        out[field] = { $env: reference[1] };
        continue;
      }
      if (!this.key) {
        throw new SecretError(
          `${field}: literal secrets need NOTIFIER_SECRET_KEY; give it as \${env:NAME} instead`,
        );
      }
      out[field] = { $encrypted: this.encrypt(JSON.stringify(value)) };
    }
    return out;
  }

  /** The config the integration is built from: references resolved, boxes opened. */
  open(stored: Record<string, unknown>, where: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(stored)) {
      if (!isStoredSecret(value)) {
        out[field] = value;
      } else if ('$env' in value) {
        const resolved = this.env[value.$env];
        if (resolved === undefined || resolved === '') {
          throw new SecretError(`${where}.${field}: environment variable ${value.$env} is not set`);
        }
        out[field] = resolved;
      } else {
        out[field] = JSON.parse(this.decrypt(value.$encrypted, `${where}.${field}`));
      }
    }
    return out;
  }

  /** What an answer shows: references as written, stored secrets masked. */
  static reveal(stored: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(stored)) {
      if (!isStoredSecret(value)) out[field] = value;
      else out[field] = '$env' in value ? `\${env:${value.$env}}` : REDACTED;
    }
    return out;
  }

  /** Every secret value a config holds once opened, so messages can be scrubbed of them. */
  static secretsOf(opened: Record<string, unknown>, secretFields: readonly string[]): string[] {
    const values: string[] = [];
    const collect = (value: unknown) => {
      if (typeof value === 'string' && value.length >= 4) values.push(value);
      else if (typeof value === 'object' && value !== null) Object.values(value).forEach(collect);
    };
    for (const field of secretFields) collect(opened[field]);
    return values;
  }

  private encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key as Buffer, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${ENCRYPTED_PREFIX}${[iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.')}`;
  }

  private decrypt(boxed: string, where: string): string {
    if (!this.key) throw new SecretError(`${where}: encrypted, but NOTIFIER_SECRET_KEY is not set`);
    const parts = boxed.startsWith(ENCRYPTED_PREFIX)
      ? boxed.slice(ENCRYPTED_PREFIX.length).split('.')
      : [];
    if (parts.length !== 3) throw new SecretError(`${where}: not a sealed secret`);
    const [iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64url'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretError(`${where}: cannot be decrypted with the current NOTIFIER_SECRET_KEY`);
    }
  }
}
