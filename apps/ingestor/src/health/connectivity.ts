import type { StreamStop } from '../connectors';

/**
 * Where a source stands, as the seed's connectivity alerts name it: connection lost,
 * authentication failed, corrupt data, quota exceeded; plus a source whose stored configuration
 * cannot be used (an unset `${env:NAME}`, a key that no longer opens its secrets).
 */
export const SOURCE_CONDITIONS = [
  'ok',
  'connection_lost',
  'auth_failed',
  'corrupt_data',
  'quota_exceeded',
  'misconfigured',
] as const;
export type SourceCondition = (typeof SOURCE_CONDITIONS)[number];

export function isSourceCondition(value: unknown): value is SourceCondition {
  return (SOURCE_CONDITIONS as readonly unknown[]).includes(value);
}

export interface SyncFacts {
  stops: readonly StreamStop[];
  /** The sync could not run at all (connector not buildable, fetch broke its contract). */
  failure?: { condition: 'misconfigured' | 'connection_lost'; message: string };
  accepted: number;
  rejected: number;
  /** Fraction of rejected records at or above which the data counts as corrupt. */
  corruptRatio: number;
  /** The condition the previous sync left. */
  previous?: SourceCondition;
}

/** Fewer records than this say too little about the source's data to call it corrupt. */
export const CORRUPT_DATA_MIN_RECORDS = 5;

export interface SyncVerdict {
  condition: SourceCondition;
  /** The sync failed (counts in error_count); quota and corrupt data do not, the source answered. */
  failed: boolean;
  /** Why, redacted (connector messages are); empty when ok. */
  message: string;
}

/**
 * The condition one sync leaves the source in. When several apply the one an operator must act on
 * first wins: configuration, then credentials, then reachability, then the data, then the quota.
 */
export function classifySync(facts: SyncFacts): SyncVerdict {
  if (facts.failure) {
    return { condition: facts.failure.condition, failed: true, message: facts.failure.message };
  }
  const errors = facts.stops.filter((stop) => stop.reason === 'error');
  const auth = errors.find((stop) => stop.stage === 'auth');
  if (auth) return { condition: 'auth_failed', failed: true, message: auth.message };
  const unreachable = errors.find((stop) => stop.stage !== 'parse');
  if (unreachable)
    return { condition: 'connection_lost', failed: true, message: unreachable.message };
  const parse = errors.find((stop) => stop.stage === 'parse');
  if (parse) return { condition: 'corrupt_data', failed: true, message: parse.message };
  const total = facts.accepted + facts.rejected;
  if (total >= CORRUPT_DATA_MIN_RECORDS && facts.rejected / total >= facts.corruptRatio) {
    return {
      condition: 'corrupt_data',
      failed: false,
      message: `${facts.rejected} of ${total} records rejected`,
    };
  }
  // A sync that brought nothing new says nothing about the data: corrupt stays corrupt.
  if (total === 0 && facts.previous === 'corrupt_data' && facts.stops.length === 0) {
    return { condition: 'corrupt_data', failed: false, message: 'no new records since' };
  }
  const quota = facts.stops.find((stop) => stop.reason === 'quota_exceeded');
  if (quota) return { condition: 'quota_exceeded', failed: false, message: quota.message };
  return { condition: 'ok', failed: false, message: '' };
}
