import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isPermission, isRole, permissionsFor } from './permissions';
import type { Principal } from './principal';

/**
 * One configured API key, as it appears in `AUTH_API_KEYS`. Only the hash is stored.
 *
 * Hash scheme: `sha256:<64 hex>`. API keys from `generateApiKey()` carry 256 bits of randomness,
 * so a fast hash is enough: brute-forcing a 2^256 preimage is infeasible whatever the hash costs,
 * and a slow KDF (scrypt, argon2) would only add latency and a CPU-exhaustion lever to every
 * request. This does NOT hold for human-chosen secrets: never configure a low-entropy key.
 */
export interface ApiKeyConfig {
  readonly id: string;
  readonly hash: string;
  readonly roles: readonly string[];
  readonly permissions?: readonly string[];
  readonly customer_id?: string | number;
}

const HASH_PATTERN = /^sha256:([0-9a-f]{64})$/;
const ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const KEY_PREFIX = 'tmk_';
/** Longer inputs are rejected before hashing (generated keys are 47 characters). */
const MAX_KEY_LENGTH = 512;

/** A new random API key: `tmk_` + 32 random bytes in base64url. Show it once, store its hash. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** `sha256:<hex>` of a key, the form `AUTH_API_KEYS` stores. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/**
 * Checks one entry (from parsed JSON); returns the problems found, each prefixed with `where`.
 * Nothing in the messages comes from the entry's hash.
 */
export function apiKeyConfigProblems(entry: unknown, where: string): string[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return [`${where}: must be an object { id, hash, roles, permissions?, customer_id? }`];
  }
  const problems: string[] = [];
  const record = entry as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!['id', 'hash', 'roles', 'permissions', 'customer_id'].includes(key)) {
      problems.push(`${where}: unknown field "${key}"`);
    }
  }
  if (typeof record.id !== 'string' || !ID_PATTERN.test(record.id)) {
    problems.push(`${where}.id: must be 1-64 characters of A-Z a-z 0-9 . _ -`);
  }
  if (typeof record.hash !== 'string' || !HASH_PATTERN.test(record.hash)) {
    const looksRaw = typeof record.hash === 'string' && record.hash.startsWith(KEY_PREFIX);
    problems.push(
      `${where}.hash: must be "sha256:<64 lowercase hex>"` +
        (looksRaw ? ' (this looks like a raw key: store hashApiKey(key), never the key)' : ''),
    );
  }
  const checkList = (field: 'roles' | 'permissions', valid: (v: string) => boolean) => {
    const value = record[field];
    if (value === undefined && field === 'permissions') return;
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
      problems.push(`${where}.${field}: must be an array of strings`);
      return;
    }
    const unknown = value.filter((v) => !valid(v));
    if (unknown.length > 0) problems.push(`${where}.${field}: unknown ${unknown.join(', ')}`);
  };
  checkList('roles', isRole);
  checkList('permissions', isPermission);
  const customer = record.customer_id;
  if (
    customer !== undefined &&
    !(typeof customer === 'string' && customer !== '') &&
    !(typeof customer === 'number' && Number.isSafeInteger(customer))
  ) {
    problems.push(`${where}.customer_id: must be a non-empty string or an integer`);
  }
  return problems;
}

interface RingEntry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** The configured API keys; `verify` finds the one a request presents, in constant time. */
export class ApiKeyRing {
  private readonly entries: readonly RingEntry[];

  /** Throws if an entry is invalid or two entries share an id or a hash. */
  constructor(configs: readonly ApiKeyConfig[]) {
    const problems = configs.flatMap((c, i) => apiKeyConfigProblems(c, `api key [${i}]`));
    const ids = new Set<string>();
    const hashes = new Set<string>();
    for (const config of configs) {
      if (ids.has(config.id)) problems.push(`api key id "${config.id}" is used twice`);
      if (hashes.has(config.hash)) problems.push(`api key "${config.id}" repeats another's hash`);
      ids.add(config.id);
      hashes.add(config.hash);
    }
    if (problems.length > 0) throw new Error(`invalid API keys: ${problems.join('; ')}`);
    this.entries = configs.map((config) => ({
      digest: Buffer.from(config.hash.slice('sha256:'.length), 'hex'),
      principal: {
        subject: `api_key:${config.id}`,
        kind: 'api_key',
        roles: [...config.roles],
        permissions: permissionsFor(config.roles, config.permissions),
        ...(config.customer_id === undefined ? {} : { customerId: String(config.customer_id) }),
      },
    }));
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The principal of the key presented, or `undefined`. The presented key is hashed first, so
   * every comparison is between two 32-byte digests (`timingSafeEqual` needs equal lengths, and
   * the key's length never changes the comparison); every entry is compared, with no early exit,
   * so the time taken does not reveal which entry (if any) matched.
   */
  verify(presentedKey: string | undefined | null): Principal | undefined {
    if (typeof presentedKey !== 'string' || presentedKey === '') return undefined;
    if (presentedKey.length > MAX_KEY_LENGTH) return undefined;
    const digest = createHash('sha256').update(presentedKey, 'utf8').digest();
    let found: RingEntry | undefined;
    for (const entry of this.entries) {
      const equal = timingSafeEqual(digest, entry.digest);
      if (equal && found === undefined) found = entry;
    }
    if (found === undefined) return undefined;
    // A fresh copy per request: callers cannot alter the ring's entry through it.
    return {
      ...found.principal,
      roles: [...found.principal.roles],
      permissions: new Set(found.principal.permissions),
    };
  }
}
