import { createConnectorRegistry } from './built-in-connectors';
import { ConnectorConfigError } from './connection-config';
import { EricssonEnmConnector } from './oss/ericsson-enm.connector';
import { Tmf642AlarmConnector } from './oss/tmf642-alarm.connector';

const ericsson = {
  base_url: 'https://oss-ericsson.company.com',
  oss_type: 'ericsson',
  api_version: 'v1',
  authentication: {
    type: 'oauth2',
    client_id: 'your_client_id',
    client_secret: 'top-secret-value',
    token_endpoint: '/auth/oauth2/token',
  },
  polling_endpoints: ['/pm/measurements', '/fm/alarms'],
  technologies: ['4G', '5G'],
  measurement_types: ['throughput', 'latency', 'availability'],
  site_filter: 'region=North',
  max_alarms: 1000,
};

function issuesOf(action: () => unknown): { paths: string[]; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof ConnectorConfigError) {
      return { paths: error.issues.map((i) => i.path), message: error.message };
    }
    throw error;
  }
  throw new Error('expected a ConnectorConfigError');
}

describe('connector registry and config validation', () => {
  const registry = createConnectorRegistry();
  const deps = { sourceId: 'oss-ericsson-001' };

  it("builds the seed's Ericsson source, by source_type or by connector_class, with defaults filled in", () => {
    const bySourceType = registry.create({ sourceType: 'oss_network' }, ericsson, deps);
    const byClass = registry.create({ connectorClass: 'OSS_NetworkConnector' }, ericsson, deps);
    expect(bySourceType).toBeInstanceOf(EricssonEnmConnector);
    expect(byClass).toBeInstanceOf(EricssonEnmConnector);
    expect(bySourceType.config).toMatchObject({
      max_alarms: 1000,
      page_size: 500,
      timeout_ms: 30_000,
      request_budget: { max_requests: 600, per_seconds: 60 },
    });
  });

  it('picks the connector by oss_type; generic and tmf642 both mean TMF642', () => {
    const generic = {
      base_url: 'https://oss.example.net',
      oss_type: 'generic',
      authentication: { type: 'basic', username: 'u', password: 'p' },
    };
    expect(registry.create({ sourceType: 'oss_network' }, generic, deps)).toBeInstanceOf(
      Tmf642AlarmConnector,
    );
    expect(
      registry.create({ sourceType: 'oss_network' }, { ...generic, oss_type: 'tmf642' }, deps),
    ).toBeInstanceOf(Tmf642AlarmConnector);
    expect(
      issuesOf(() =>
        registry.create({ sourceType: 'oss_network' }, { ...generic, oss_type: 'alcatel' }, deps),
      ),
    ).toMatchObject({
      paths: ['oss_type'],
      message: expect.stringContaining(
        'oss_type must be one of ericsson, huawei, nokia, zte, generic, tmf642 (got "alcatel")',
      ) as string,
    });
    expect(
      issuesOf(() => registry.create({ sourceType: 'itsm_jira' }, generic, deps)).paths,
    ).toEqual(['source_type']);
  });

  it('names the path of every wrong field, nested ones included', () => {
    const wrong = {
      ...ericsson,
      authentication: { type: 'oauth2', client_id: 'x', client_secret: 42, token_endpoint: '/t' },
      technologies: ['4G', '6G'],
      max_alarms: 0,
      max_alarm: 50,
      request_budget: { max_requests: -1 },
    };
    const { paths, message } = issuesOf(() =>
      registry.validate({ sourceType: 'oss_network' }, wrong),
    );
    expect(paths.sort()).toEqual(
      [
        'authentication.client_secret',
        'max_alarm',
        'max_alarms',
        'request_budget.max_requests',
        'technologies',
      ].sort(),
    );
    expect(message).toContain('authentication.client_secret must be a string');
    expect(message).toContain('max_alarm is not a known setting');
    expect(message).toContain('request_budget.max_requests must not be less than 1');
    expect(message).not.toContain('42');
  });

  it('checks what depends on the vendor: endpoints, auth type, site filter syntax', () => {
    const wrong = { ...ericsson, polling_endpoints: ['/pm/measurements', '/restconf/data/alarms'] };
    expect(issuesOf(() => registry.validate({ sourceType: 'oss_network' }, wrong))).toMatchObject({
      paths: ['polling_endpoints[1]'],
      message: expect.stringContaining(
        'polling_endpoints[1] "/restconf/data/alarms" is not a ericsson endpoint',
      ) as string,
    });
    const session = {
      ...ericsson,
      authentication: { type: 'session', username: 'u', password: 'p', login_endpoint: '/login' },
    };
    expect(issuesOf(() => registry.validate({ sourceType: 'oss_network' }, session)).paths).toEqual(
      ['authentication.type'],
    );
    expect(
      issuesOf(() =>
        registry.validate(
          { sourceType: 'oss_network' },
          { ...ericsson, site_filter: 'country=FR' },
        ),
      ),
    ).toMatchObject({
      paths: ['site_filter'],
      message: expect.stringContaining(
        'site_filter key "country" is not supported (use region, site)',
      ) as string,
    });
  });

  it('an unknown or missing authentication type is named as such', () => {
    const unknown = { ...ericsson, authentication: { type: 'kerberos', principal: 'x' } };
    expect(
      issuesOf(() => registry.validate({ sourceType: 'oss_network' }, unknown)).paths,
    ).toContain('authentication.type');
    const missing: Record<string, unknown> = { ...ericsson };
    delete missing.authentication;
    expect(issuesOf(() => registry.validate({ sourceType: 'oss_network' }, missing)).paths).toEqual(
      ['authentication'],
    );
  });

  it('a connector validates edits of its own config', () => {
    const connector = registry.create({ sourceType: 'oss_network' }, ericsson, deps);
    expect(connector.validateConfig({ ...ericsson, page_size: 50 })).toMatchObject({
      page_size: 50,
    });
    expect(
      issuesOf(() => connector.validateConfig({ ...ericsson, page_size: 'big' })).paths,
    ).toEqual(['page_size']);
    expect(issuesOf(() => connector.validateConfig('not an object')).message).toContain(
      'connection_config must be a JSON object',
    );
  });

  it('refuses two connectors for the same source type and variant', () => {
    const [first] = registry.list();
    expect(() => registry.register(first)).toThrow('already registered');
  });
});
