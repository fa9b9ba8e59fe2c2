/**
 * `quality_score` of a record, 0 (unusable) to 1: validity × (½ + ¼·completeness + ¼·freshness).
 * Validity multiplies because a value the source itself flags as suspect must never score high
 * however complete and fresh it is; completeness and freshness only shade a valid value.
 */
export function qualityScore(validity: number, completeness: number, freshness: number): number {
  const score =
    clamp01(validity) * (0.5 + 0.25 * clamp01(completeness) + 0.25 * clamp01(freshness));
  return Math.round(score * 1000) / 1000;
}

/**
 * 1 while a record is younger than `freshForMs` (it arrived within the polling rhythm), falling
 * linearly to 0 at `maxAgeMs`. A timestamp slightly ahead (source clock skew) counts as fresh.
 */
export function freshness(ageMs: number, freshForMs: number, maxAgeMs: number): number {
  if (ageMs <= freshForMs) return 1;
  if (ageMs >= maxAgeMs || maxAgeMs <= freshForMs) return 0;
  return 1 - (ageMs - freshForMs) / (maxAgeMs - freshForMs);
}

/** How long a record stays fully fresh: two polling intervals, and never under 15 minutes
 *  (the usual PM granularity, so every period of a 15-minute counter is fresh when it lands). */
export function freshWindowMs(pollingIntervalMs: number): number {
  return Math.max(2 * pollingIntervalMs, 15 * 60_000);
}

function clamp01(value: number): number {
  if (!(value > 0)) return 0;
  return value > 1 ? 1 : value;
}
