/** Keys a `site_filter` may use: the site's region, or the site ids themselves. */
export const SITE_FILTER_KEYS = ['region', 'site'] as const;
export type SiteFilterKey = (typeof SITE_FILTER_KEYS)[number];

/** A parsed seed `site_filter`; values are kept lower-case, matching ignores case. */
export type SiteFilter = Partial<Record<SiteFilterKey, ReadonlySet<string>>>;

/**
 * Parses the seed's `site_filter` (`region=North`): clauses `key=value` separated by `;`, `,` or
 * `&`, all of which must hold; `|` separates alternatives (`region=North|South`). Throws an Error
 * whose message says what is wrong.
 */
export function parseSiteFilter(text: string): SiteFilter {
  const filter: Record<string, Set<string>> = {};
  const clauses = text
    .split(/[;,&]/)
    .map((clause) => clause.trim())
    .filter(Boolean);
  if (clauses.length === 0) throw new Error('site_filter is empty');
  for (const clause of clauses) {
    const match = /^([A-Za-z_]+)\s*=\s*(.+)$/.exec(clause);
    if (!match) throw new Error(`site_filter clause "${clause}" is not key=value`);
    const key = match[1].toLowerCase();
    if (!(SITE_FILTER_KEYS as readonly string[]).includes(key)) {
      throw new Error(
        `site_filter key "${match[1]}" is not supported (use ${SITE_FILTER_KEYS.join(', ')})`,
      );
    }
    const values = match[2]
      .split('|')
      .map((value) => value.trim().toLowerCase())
      .filter(Boolean);
    if (values.length === 0) throw new Error(`site_filter clause "${clause}" has no value`);
    filter[key] = new Set(values);
  }
  return filter;
}

/** Query value for a source that takes a comma-separated list, in the case the user wrote it. */
export function siteFilterValues(text: string | undefined, key: SiteFilterKey): string | undefined {
  if (text === undefined) return undefined;
  for (const clause of text.split(/[;,&]/)) {
    const match = /^\s*([A-Za-z_]+)\s*=\s*(.+?)\s*$/.exec(clause);
    if (match && match[1].toLowerCase() === key) {
      return match[2]
        .split('|')
        .map((value) => value.trim())
        .join(',');
    }
  }
  return undefined;
}

/**
 * Whether a site passes. A fact the record does not carry (no region) passes only when the source
 * already applied the filter itself (`appliedBySource`).
 */
export function siteMatches(
  filter: SiteFilter,
  siteId: string,
  region: string | undefined,
  appliedBySource: boolean,
): boolean {
  if (filter.site && !filter.site.has(siteId.toLowerCase())) return false;
  if (filter.region) {
    if (region === undefined) return appliedBySource;
    if (!filter.region.has(region.toLowerCase())) return false;
  }
  return true;
}
