import { randomBytes } from 'node:crypto';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import { createConnectorRegistry } from '../connectors';
import { SourceCatalog, type DataSourceInput } from './source-catalog';
import { SECRET_MASK, SourceSecretBox } from './source-secrets';

const secret = 'top-secret-value';
const ericsson = {
  base_url: 'https://oss-ericsson.company.com',
  oss_type: 'ericsson',
  api_version: 'v1',
  authentication: {
    type: 'oauth2',
    client_id: 'your_client_id',
    client_secret: secret,
    token_endpoint: '/auth/oauth2/token',
  },
  polling_endpoints: ['/pm/measurements', '/fm/alarms'],
  technologies: ['4G', '5G'],
  measurement_types: ['throughput', 'latency', 'availability'],
  site_filter: 'region=North',
  max_alarms: 1000,
};

const seedSource: DataSourceInput = {
  source_id: 'oss-ericsson-001',
  source_name: 'Ericsson OSS-RC Production',
  source_type: 'oss_network',
  connection_config: ericsson,
  mapping_rules: {
    tenant_mapping: 'tenant-001',
    site_mapping: { field: 'siteId', mapping: { SITE001: 'site-001', SITE002: 'site-002' } },
  },
};

/* prepare() is the pure part of the registry: validation, secrets and defaults. The stores and
   outbox are not touched by it, so they are left out. */
const catalog = new SourceCatalog({
  dataSource: undefined as never,
  store: undefined as never,
  events: undefined as never,
  logger: undefined as never,
  connectors: createConnectorRegistry(),
  secrets: new SourceSecretBox(randomBytes(32).toString('base64'), {}),
});

function invalid(action: () => unknown): { message: string; fields: string[] } {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.InvalidInput) {
      return { message: error.message, fields: (error.details?.fields as string[]) ?? [] };
    }
    throw error;
  }
  throw new Error('expected a 400');
}

describe('SourceCatalog.prepare', () => {
  it("stores the seed's Ericsson source with its connector identity, secrets sealed, defaults set", () => {
    const now = new Date('2024-01-15T10:00:00Z');
    const stored = catalog.prepare(seedSource, 'api', undefined, now);
    expect(stored).toMatchObject({
      sourceId: 'oss-ericsson-001',
      sourceType: 'oss_network',
      connectorClass: 'OSS_NetworkConnector',
      pollingInterval: 300,
      enabled: true,
      origin: 'api',
      createdAt: now,
      mappingRules: { site_mapping: { field: 'siteId', map: { SITE001: 'site-001' } } },
    });
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(SourceCatalog.view(stored).connection_config).toMatchObject({
      authentication: { client_secret: SECRET_MASK, client_id: 'your_client_id' },
    });
  });

  it('names each wrong field of connection_config, mapping_rules and the source itself, at once', () => {
    const result = invalid(() =>
      catalog.prepare(
        {
          ...seedSource,
          source_id: 'Bad Id',
          connection_config: {
            ...ericsson,
            max_alarm: 10,
            authentication: { ...ericsson.authentication, client_secret: 42 },
          },
          mapping_rules: { site_mapping: { field: '' } },
        },
        'api',
      ),
    );
    expect(result.fields).toEqual([
      'source_id',
      'connection_config.max_alarm',
      'connection_config.authentication.client_secret',
      'mapping_rules.site_mapping.field',
    ]);
    expect(result.message).toContain('connection_config.max_alarm is not a known setting');
    expect(result.message).toContain(
      'connection_config.authentication.client_secret must be a string',
    );
  });

  it('names the variant field and an unknown source_type', () => {
    expect(
      invalid(() =>
        catalog.prepare(
          { ...seedSource, connection_config: { ...ericsson, oss_type: 'alcatel' } },
          'api',
        ),
      ).fields,
    ).toEqual(['connection_config.oss_type']);
    expect(
      invalid(() => catalog.prepare({ ...seedSource, source_type: 'carrier_pigeon' }, 'api'))
        .fields,
    ).toEqual(['source_type']);
    expect(
      invalid(() =>
        catalog.prepare({ ...seedSource, connector_class: 'ITSM_ServiceNowConnector' }, 'api'),
      ).fields,
    ).toEqual(['connector_class']);
  });

  it('never puts a secret value into an error message', () => {
    const result = invalid(() =>
      catalog.prepare(
        {
          ...seedSource,
          connection_config: {
            ...ericsson,
            authentication: { ...ericsson.authentication, scope: 7 },
          },
        },
        'api',
      ),
    );
    expect(result.fields).toEqual(['connection_config.authentication.scope']);
    expect(result.message).not.toContain(secret);
  });

  it('keeps the stored secret when an update sends the mask back', () => {
    const stored = catalog.prepare(seedSource, 'api');
    const view = SourceCatalog.view(stored);
    const updated = catalog.prepare(
      { ...seedSource, connection_config: { ...view.connection_config, max_alarms: 50 } },
      'api',
      stored,
    );
    expect(updated.connectionConfig.authentication).toEqual(stored.connectionConfig.authentication);
    expect(updated.connectionConfig.max_alarms).toBe(50);
    expect(
      invalid(() =>
        catalog.prepare({ ...seedSource, connection_config: view.connection_config }, 'api'),
      ).fields,
    ).toEqual(['connection_config.authentication.client_secret']);
  });

  it('refuses an ${env:NAME} reference to a variable this replica does not have', () => {
    expect(
      invalid(() =>
        catalog.prepare(
          {
            ...seedSource,
            connection_config: {
              ...ericsson,
              authentication: {
                ...ericsson.authentication,
                client_secret: '${env:NOT_SET_ANYWHERE}',
              },
            },
          },
          'api',
        ),
      ).message,
    ).toBe(
      'connection_config.authentication.client_secret: environment variable NOT_SET_ANYWHERE is not set',
    );
  });
});
