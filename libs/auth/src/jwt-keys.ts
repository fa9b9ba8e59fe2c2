import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** The only algorithms accepted: one per key type, never chosen by the token. */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/** Verification key (and signing key when this service mints tokens), as node KeyObjects. */
export interface JwtKeys {
  readonly algorithm: JwtAlgorithm;
  /** HS256: the secret; RS256/ES256: the public key. */
  readonly verifyKey: KeyObject;
  /** HS256: the secret; RS256/ES256: the private key, when configured. */
  readonly signKey?: KeyObject;
}

/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits). */
export const MIN_HS256_SECRET_BYTES = 32;
const MIN_RSA_BITS = 2048;

/** HS256 keys from a shared secret (UTF-8 string or bytes). Throws if it is too short. */
export function hmacKeys(secret: string | Uint8Array): JwtKeys {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < MIN_HS256_SECRET_BYTES) {
    throw new Error(`must be at least ${MIN_HS256_SECRET_BYTES} bytes (got ${bytes.length})`);
  }
  const key = createSecretKey(bytes);
  return { algorithm: 'HS256', verifyKey: key, signKey: key };
}

function algorithmOf(key: KeyObject): JwtAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) throw new Error(`RSA key must be at least ${MIN_RSA_BITS} bits`);
    return 'RS256';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    throw new Error(`EC key must be on P-256 for ES256 (got ${curve ?? 'unknown curve'})`);
  }
  throw new Error(`unsupported key type ${type ?? 'unknown'}: use RSA (RS256) or EC P-256 (ES256)`);
}

/** Error thrown by `asymmetricKeys`, naming which of the two inputs is wrong. */
export class JwtKeyError extends Error {
  constructor(
    readonly input: 'publicKey' | 'privateKey',
    message: string,
  ) {
    super(message);
    this.name = 'JwtKeyError';
  }
}

/**
 * RS256/ES256 keys from PEM text (SPKI public key or X.509 certificate; PKCS#8, PKCS#1 or SEC1
 * private key, unencrypted). The algorithm follows from the key type. With only a private key the
 * public key is derived; with both, they must form a pair. Messages never contain key material.
 */
export function asymmetricKeys(input: { publicKeyPem?: string; privateKeyPem?: string }): JwtKeys {
  let publicKey: KeyObject | undefined;
  let privateKey: KeyObject | undefined;
  if (input.publicKeyPem !== undefined) {
    if (/PRIVATE KEY-----/.test(input.publicKeyPem)) {
      throw new JwtKeyError('publicKey', 'holds a private key: configure the public key only');
    }
    try {
      publicKey = createPublicKey({ key: input.publicKeyPem, format: 'pem' });
    } catch {
      throw new JwtKeyError('publicKey', 'is not a PEM public key or certificate');
    }
    try {
      algorithmOf(publicKey);
    } catch (error) {
      throw new JwtKeyError('publicKey', (error as Error).message);
    }
  }
  if (input.privateKeyPem !== undefined) {
    try {
      privateKey = createPrivateKey({ key: input.privateKeyPem, format: 'pem' });
    } catch {
      throw new JwtKeyError(
        'privateKey',
        'is not an unencrypted PEM private key (PKCS#8, PKCS#1 or SEC1)',
      );
    }
    const derived = createPublicKey(privateKey);
    try {
      algorithmOf(derived);
    } catch (error) {
      throw new JwtKeyError('privateKey', (error as Error).message);
    }
    if (publicKey === undefined) {
      publicKey = derived;
    } else {
      const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
      if (!spki(publicKey).equals(spki(derived))) {
        throw new JwtKeyError('privateKey', 'does not match the public key');
      }
    }
  }
  if (publicKey === undefined) throw new JwtKeyError('publicKey', 'is required');
  return { algorithm: algorithmOf(publicKey), verifyKey: publicKey, signKey: privateKey };
}
