import { MappingRulesError, compileMappingRules, validateMappingRules } from './mapping-rules';

function pathsOf(raw: unknown): string[] {
  try {
    validateMappingRules(raw);
  } catch (error) {
    if (error instanceof MappingRulesError) return error.issues.map((i) => i.path);
    throw error;
  }
  throw new Error('expected a MappingRulesError');
}

describe('mapping_rules', () => {
  it("accepts the seed's examples, the seed's `mapping` spelling becoming `map`", () => {
    expect(
      validateMappingRules({
        tenant_mapping: 'tenant-001',
        site_mapping: { field: 'siteId', mapping: { SITE001: 'site-001', SITE002: 'site-002' } },
      }),
    ).toEqual({
      tenant_mapping: 'tenant-001',
      site_mapping: { field: 'siteId', map: { SITE001: 'site-001', SITE002: 'site-002' } },
    });
    expect(
      validateMappingRules({ tenant_mapping: 'tenant-001', site_field_mapping: 'cmdb_ci.name' }),
    ).toEqual({ tenant_mapping: 'tenant-001', site_field_mapping: 'cmdb_ci.name' });
    expect(
      validateMappingRules({ tenant_mapping: 'tenant-001', site_mapping: { field: 'siteId' } }),
    ).toEqual({ tenant_mapping: 'tenant-001', site_mapping: { field: 'siteId' } });
    expect(validateMappingRules(undefined)).toEqual({});
  });

  it('names the path of every bad field', () => {
    expect(
      pathsOf({
        tenant_mapping: 'tenant 001',
        site_mapping: { field: 'site id', map: { SITE001: 42 }, unmapped: 'drop', extra: 1 },
        sitemapping: {},
      }),
    ).toEqual([
      'sitemapping',
      'tenant_mapping',
      'site_mapping.extra',
      'site_mapping.field',
      'site_mapping.map.SITE001',
      'site_mapping.unmapped',
    ]);
    expect(pathsOf({ site_mapping: {} })).toEqual(['site_mapping']);
    expect(pathsOf({ site_mapping: { map: {}, mapping: {} } })).toEqual(['site_mapping.mapping']);
    expect(pathsOf([])).toEqual(['']);
  });

  it('says what a field should be', () => {
    expect(() => validateMappingRules({ site_field_mapping: '' })).toThrow(
      'site_field_mapping: must be a field name or dotted path such as "siteId" or "cmdb_ci.name"',
    );
  });

  it('compiles to the default tenant, a split field path and a Map', () => {
    const compiled = compileMappingRules(
      validateMappingRules({
        site_mapping: { field: 'cmdb_ci.name', map: { A: 'a' }, unmapped: 'reject' },
      }),
      'default',
    );
    expect(compiled.tenantId).toBe('default');
    expect(compiled.siteField).toEqual(['cmdb_ci', 'name']);
    expect(compiled.siteMap?.get('A')).toBe('a');
    expect(compiled.rejectUnmapped).toBe(true);
    // site_mapping.field wins over site_field_mapping when both are given.
    expect(
      compileMappingRules({ site_field_mapping: 'x', site_mapping: { field: 'y' } }, 't').siteField,
    ).toEqual(['y']);
  });
});
