import { ConnectorConfigError, validateConnectionConfig } from '../connection-config';
import { tablePath } from './servicenow-client';
import {
  ServiceNowConfig,
  ServiceNowOAuth2AuthenticationDto,
  tableFilterProblem,
} from './servicenow-config';

/** The seed's "ITSM ServiceNow" connection_config. */
const SEED = {
  instance_url: 'https://company.service-now.com',
  api_version: 'v1',
  authentication: { type: 'basic', username: 'aiops_user', password: 'secure_password' },
  tables: ['incident', 'sc_request', 'change_request'],
  sync_mode: 'incremental',
  max_records: 1000,
  table_filters: {
    incident: 'state!=7^priority<=3',
    sc_request: 'state!=3^state!=4^state!=5',
  },
};

function issuesOf(raw: unknown): { path: string; message: string }[] {
  try {
    validateConnectionConfig(ServiceNowConfig, raw, 'itsm_servicenow');
  } catch (error) {
    if (error instanceof ConnectorConfigError) return error.issues;
    throw error;
  }
  return [];
}

describe('ServiceNowConfig', () => {
  it('accepts the seed config and fills in the defaults', () => {
    const config = validateConnectionConfig(ServiceNowConfig, SEED, 'itsm_servicenow');
    expect(config).toMatchObject({
      tables: ['incident', 'sc_request', 'change_request'],
      page_size: 500,
      settle_seconds: 5,
      site_field: 'cmdb_ci.name',
      timeout_ms: 30_000,
    });
    expect(tablePath(config, 'incident')).toBe('/api/now/v1/table/incident');
    config.api_version = undefined;
    expect(tablePath(config, 'problem', 'a'.repeat(32))).toBe(
      `/api/now/table/problem/${'a'.repeat(32)}`,
    );
  });

  it('accepts the seed OAuth2 config without a token endpoint: ServiceNow has its own', () => {
    const config = validateConnectionConfig(
      ServiceNowConfig,
      {
        ...SEED,
        authentication: {
          type: 'oauth2',
          client_id: 'your_client_id',
          client_secret: 'your_client_secret',
          refresh_token: 'your_refresh_token',
        },
      },
      'itsm_servicenow',
    );
    expect(config.authentication).toBeInstanceOf(ServiceNowOAuth2AuthenticationDto);
    expect(config.authentication).toMatchObject({ token_endpoint: '/oauth_token.do' });
  });

  it('names every bad field by its path, without echoing secrets', () => {
    const issues = issuesOf({
      ...SEED,
      instance_url: 'company.service-now.com',
      authentication: { type: 'api_key', api_key: 'k-very-secret' },
      tables: ['incident', 'kb_knowledge'],
      sync_mode: 'sometimes',
      max_records: 0,
      tabel_filters: {},
    });
    expect(issues.map((i) => i.path).sort()).toEqual([
      'authentication.api_key',
      'authentication.type',
      'instance_url',
      'max_records',
      'sync_mode',
      'tabel_filters',
      'tables',
    ]);
    expect(issues.find((i) => i.path === 'authentication.type')?.message).toContain(
      'basic or oauth2',
    );
    expect(JSON.stringify(issues)).not.toContain('k-very-secret');
  });

  it('refuses a table filter the sync could not bound or order, or one for a table it skips', () => {
    const issues = issuesOf({
      ...SEED,
      table_filters: {
        incident: 'active=true^NQpriority=1',
        sc_request: 'state=1^ORDERBYDESCnumber',
        problem: 'state=101',
      },
    });
    expect(issues).toEqual([
      {
        path: 'table_filters.incident',
        message: expect.stringContaining('^NQ') as string,
      },
      {
        path: 'table_filters.sc_request',
        message: expect.stringContaining('ORDERBY') as string,
      },
      {
        path: 'table_filters.problem',
        message: expect.stringContaining('problem is not among tables') as string,
      },
    ]);
  });

  it('tableFilterProblem passes plain and OR conditions', () => {
    expect(tableFilterProblem('state!=7^priority<=3^ORpriority=4')).toBeUndefined();
    expect(tableFilterProblem('ORstate=1')).toContain('must start with a condition');
    expect(tableFilterProblem('NQstate=1')).toContain('^NQ');
    expect(tableFilterProblem(' ')).toBe('is empty');
  });
});
