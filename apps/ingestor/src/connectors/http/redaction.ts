const REDACTED = '[REDACTED]';
/** Shorter values would blank ordinary words; secrets are never formatted into messages anyway. */
const MIN_SECRET_LENGTH = 4;

/**
 * The safety net under "secrets never in logs or errors": every password, client secret, API key
 * and token a connector holds is registered here, and every message it emits passes through
 * `redact`, including text echoed back by a source.
 */
export class SecretRedactor {
  private secrets: string[] = [];

  /** Registers secrets together with the encodings they travel in (URL and Basic auth). */
  add(...values: (string | undefined)[]): void {
    let changed = false;
    for (const value of values) {
      if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
      for (const form of [value, encodeURIComponent(value)]) {
        if (!this.secrets.includes(form)) {
          this.secrets.push(form);
          changed = true;
        }
      }
    }
    // Longest first so a secret that contains another is blanked whole.
    if (changed) this.secrets.sort((a, b) => b.length - a.length);
  }

  /** Registers `user:password` as it appears base64-encoded in a Basic Authorization header. */
  addBasicCredentials(username: string, password: string): void {
    this.add(password, Buffer.from(`${username}:${password}`).toString('base64'));
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
  }
}
