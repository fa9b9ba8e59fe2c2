import { ConnectorConfigError, validateConnectionConfig } from '../connection-config';
import { AlarmFieldMapping, RestPollingConfig, jsonataProblem } from './rest-polling-config';

const METRIC_CONFIG = {
  base_url: 'https://api.example.net',
  authentication: { type: 'api_key', api_key: 'key-0001', key_header: 'X-Api-Key' },
  endpoint: '/v2/kpis',
  record_kind: 'metric',
  items: 'data.kpis',
  fields: {
    site_id: 'site.code',
    name: '$lowercase(kpi)',
    value: 'val',
    unit: "'Mbps'",
    timestamp: 'ts',
  },
  paging: { type: 'offset', size: 50, total: 'meta.total' },
};

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    validateConnectionConfig(RestPollingConfig, raw, 'rest_api');
  } catch (error) {
    if (error instanceof ConnectorConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('RestPollingConfig', () => {
  it('accepts a metric mapping with offset paging; items defaults to the answer itself', () => {
    const config = validateConnectionConfig(RestPollingConfig, METRIC_CONFIG, 'rest_api');
    expect(config.paging).toMatchObject({ type: 'offset', size: 50 });
    const bare = validateConnectionConfig(
      RestPollingConfig,
      { ...METRIC_CONFIG, items: undefined, paging: undefined },
      'rest_api',
    );
    expect(bare.items).toBe('$');
    expect(bare.paging.type).toBe('none');
  });

  it('rejects an invalid expression at validation, naming the field and the position', () => {
    const issues = issuesOf({
      ...METRIC_CONFIG,
      items: 'data.[kpis',
      fields: { ...METRIC_CONFIG.fields, value: 'val +', unit: '$uppercase(' },
      paging: { type: 'offset', size: 50, total: 'meta..total' },
    });
    expect(issues.map((i) => i.path)).toEqual([
      'items',
      'fields.value',
      'fields.unit',
      'paging.total',
    ]);
    expect(issues[1].message).toMatch(
      /^fields\.value is not a valid JSONata expression at position \d+: /,
    );
    expect(issues[0].message).toMatch(/^items is not a valid JSONata expression/);
  });

  it('requires the fields of the record kind and refuses those of the other kind', () => {
    const issues = issuesOf({
      ...METRIC_CONFIG,
      record_kind: 'alarm',
      fields: { alarm_id: 'id', severity: 'sev', raised_at: 'at', value: 'v' },
    });
    expect(issues.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'fields.site_id', message: 'fields.site_id is required' },
      { path: 'fields.value', message: 'fields.value is not a known setting' },
    ]);
    const alarm = validateConnectionConfig(
      RestPollingConfig,
      {
        ...METRIC_CONFIG,
        record_kind: 'alarm',
        fields: { alarm_id: 'id', severity: 'sev', raised_at: 'at', site_id: 'site' },
      },
      'rest_api',
    );
    expect(alarm.fields).toBeInstanceOf(AlarmFieldMapping);
  });

  it('checks paging and query settings across fields', () => {
    expect(issuesOf({ ...METRIC_CONFIG, paging: { type: 'page_number' } })).toEqual([
      { path: 'paging.size', message: 'paging.size is required for page_number paging' },
    ]);
    expect(issuesOf({ ...METRIC_CONFIG, paging: { type: 'cursor' } })[0].path).toBe(
      'paging.next_cursor',
    );
    expect(issuesOf({ ...METRIC_CONFIG, paging: { type: 'scroll' } })[0].path).toBe('paging.type');
    expect(issuesOf({ ...METRIC_CONFIG, query: { region: 7 } })).toEqual([
      { path: 'query.region', message: 'query.region must be text' },
    ]);
    expect(issuesOf({ ...METRIC_CONFIG, endpoint: '/v2/kpis?x=1' })[0].path).toBe('endpoint');
  });

  it('jsonataProblem explains what is wrong', () => {
    expect(jsonataProblem('a.b[c > 1]')).toBeUndefined();
    expect(jsonataProblem('')).toBe('must be a JSONata expression (text)');
    expect(jsonataProblem(42)).toBe('must be a JSONata expression (text)');
    expect(jsonataProblem('(')).toContain('is not a valid JSONata expression');
  });
});
