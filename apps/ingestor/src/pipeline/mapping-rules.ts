/**
 * Seed 000 `data_sources.mapping_rules`: which tenant a source's records belong to and how their
 * site id is found. `site_mapping.field` (or `site_field_mapping`) names where the site is read,
 * first in the source's raw item (`siteId`, `cmdb_ci.name`), then in the normalised record
 * (`labels.region`); `site_mapping.map` (the seed also writes it `mapping`) renames source site
 * codes to platform site ids.
 */
export interface MappingRules {
  tenant_mapping?: string;
  site_mapping?: SiteMapping;
  site_field_mapping?: string;
}

export interface SiteMapping {
  field?: string;
  map?: Record<string, string>;
  /** A site code the map does not hold: kept as it is (default) or the record rejected. */
  unmapped?: 'keep' | 'reject';
}

/** One problem with mapping_rules, with the path of the field it is about. */
export interface MappingIssue {
  path: string;
  message: string;
}

export class MappingRulesError extends Error {
  override readonly name = 'MappingRulesError';

  constructor(readonly issues: MappingIssue[]) {
    super(`invalid mapping_rules: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

const TENANT = /^[A-Za-z0-9._:-]{1,100}$/;
const FIELD_PATH = /^[A-Za-z0-9_$@-]{1,100}(\.[A-Za-z0-9_$@-]{1,100}){0,9}$/;
const SITE_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const MAX_MAP_ENTRIES = 100_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  at: string,
  issues: MappingIssue[],
): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      issues.push({
        path: at ? `${at}.${key}` : key,
        message: `is not a known setting (known: ${known.join(', ')})`,
      });
    }
  }
}

function checkFieldPath(value: unknown, path: string, issues: MappingIssue[]): string | undefined {
  if (typeof value !== 'string' || !FIELD_PATH.test(value)) {
    issues.push({
      path,
      message: 'must be a field name or dotted path such as "siteId" or "cmdb_ci.name"',
    });
    return undefined;
  }
  return value;
}

/** Validates raw mapping_rules; throws MappingRulesError naming every bad field. */
export function validateMappingRules(raw: unknown): MappingRules {
  if (raw === undefined || raw === null) return {};
  const issues: MappingIssue[] = [];
  if (!isRecord(raw)) {
    throw new MappingRulesError([{ path: '', message: 'mapping_rules must be a JSON object' }]);
  }
  unknownKeys(raw, ['tenant_mapping', 'site_mapping', 'site_field_mapping'], '', issues);
  const rules: MappingRules = {};
  if (raw.tenant_mapping !== undefined) {
    if (typeof raw.tenant_mapping !== 'string' || !TENANT.test(raw.tenant_mapping)) {
      issues.push({
        path: 'tenant_mapping',
        message: 'must be a tenant id: 1-100 letters, digits, ".", "_", ":" or "-"',
      });
    } else rules.tenant_mapping = raw.tenant_mapping;
  }
  if (raw.site_field_mapping !== undefined) {
    rules.site_field_mapping = checkFieldPath(raw.site_field_mapping, 'site_field_mapping', issues);
  }
  if (raw.site_mapping !== undefined) {
    const site = raw.site_mapping;
    if (!isRecord(site)) {
      issues.push({ path: 'site_mapping', message: 'must be an object { field, map }' });
    } else {
      unknownKeys(site, ['field', 'map', 'mapping', 'unmapped'], 'site_mapping', issues);
      const mapping: SiteMapping = {};
      if (site.field !== undefined)
        mapping.field = checkFieldPath(site.field, 'site_mapping.field', issues);
      if (site.map !== undefined && site.mapping !== undefined) {
        issues.push({
          path: 'site_mapping.mapping',
          message: 'give the site codes in map or in mapping, not both',
        });
      }
      const table = site.map ?? site.mapping;
      const tablePath = site.map !== undefined ? 'site_mapping.map' : 'site_mapping.mapping';
      if (table !== undefined) {
        if (!isRecord(table)) {
          issues.push({ path: tablePath, message: 'must be an object of source code → site id' });
        } else if (Object.keys(table).length > MAX_MAP_ENTRIES) {
          issues.push({ path: tablePath, message: `holds more than ${MAX_MAP_ENTRIES} entries` });
        } else {
          const map: Record<string, string> = {};
          for (const [code, target] of Object.entries(table)) {
            if (typeof target !== 'string' || !SITE_ID.test(target)) {
              issues.push({
                path: `${tablePath}.${code}`,
                message: 'must be a site id: 1-100 letters, digits, ".", "_", ":" or "-"',
              });
            } else map[code] = target;
          }
          mapping.map = map;
        }
      }
      if (site.unmapped !== undefined) {
        if (site.unmapped !== 'keep' && site.unmapped !== 'reject') {
          issues.push({ path: 'site_mapping.unmapped', message: 'must be "keep" or "reject"' });
        } else mapping.unmapped = site.unmapped;
      }
      if (site.field === undefined && table === undefined) {
        issues.push({ path: 'site_mapping', message: 'needs a field, a map, or both' });
      }
      rules.site_mapping = mapping;
    }
  }
  if (issues.length > 0) throw new MappingRulesError(issues);
  return rules;
}

/** Mapping rules ready for the per-record path: the field path split once, the map as a Map. */
export interface CompiledMapping {
  tenantId: string;
  /** Where to read the site; undefined uses the connector's site id. */
  siteField?: readonly string[];
  siteMap?: ReadonlyMap<string, string>;
  rejectUnmapped: boolean;
}

export function compileMappingRules(rules: MappingRules, defaultTenant: string): CompiledMapping {
  const field = rules.site_mapping?.field ?? rules.site_field_mapping;
  const map = rules.site_mapping?.map;
  return {
    tenantId: rules.tenant_mapping ?? defaultTenant,
    siteField: field === undefined ? undefined : field.split('.'),
    siteMap: map === undefined ? undefined : new Map(Object.entries(map)),
    rejectUnmapped: rules.site_mapping?.unmapped === 'reject' && map !== undefined,
  };
}

/** Follows a split path through nested objects (and arrays, by index); undefined when absent. */
export function readPath(root: unknown, path: readonly string[]): unknown {
  let here = root;
  for (const part of path) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

/** A path's value as a site code: strings as they are, numbers as text, objects by their value. */
export function siteCodeAt(root: unknown, path: readonly string[]): string | undefined {
  const value = readPath(root, path);
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  // ServiceNow reference fields come as { value, display_value }: the display name is the code.
  if (typeof value === 'object' && value !== null) {
    const display = (value as Record<string, unknown>).display_value;
    if (typeof display === 'string' && display !== '') return display;
  }
  return undefined;
}
