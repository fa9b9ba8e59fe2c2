import { parseSourcesFile, SourcesFileError } from './sources-file';

const SEED = `
# workers/config/data_sources.yaml
data_sources:
  - source_id: "oss-ericsson-001"
    connector_class: "OSS_NetworkConnector"
    polling_interval: 300  # 5 minutes
    enabled: true

  - source_id: "servicenow-prod-001"
    connector_class: "ITSM_ServiceNowConnector"
    polling_interval: 600  # 10 minutes
    enabled: true

  - source_id: "iot-energy-001"
    connector_class: "Energy_IoTConnector"
    polling_interval: 60   # 1 minute
    enabled: false
`;

function problemsOf(text: string): string[] {
  try {
    parseSourcesFile(text, 'sources.yaml');
  } catch (error) {
    if (error instanceof SourcesFileError) return error.problems;
    throw error;
  }
  throw new Error('expected a SourcesFileError');
}

describe('INGESTOR_SOURCES_FILE', () => {
  it("reads the seed's worker file", () => {
    expect(parseSourcesFile(SEED, 'sources.yaml')).toEqual([
      expect.objectContaining({
        source_id: 'oss-ericsson-001',
        connector_class: 'OSS_NetworkConnector',
        polling_interval: 300,
        enabled: true,
      }),
      expect.objectContaining({ source_id: 'servicenow-prod-001', polling_interval: 600 }),
      expect.objectContaining({
        source_id: 'iot-energy-001',
        polling_interval: 60,
        enabled: false,
      }),
    ]);
  });

  it('carries a whole definition when an entry gives one', () => {
    const [entry] = parseSourcesFile(
      `data_sources:
  - source_id: oss-1
    connector_class: OSS_NetworkConnector
    polling_interval: 60
    source_name: OSS one
    connection_config:
      base_url: https://oss.example
      authentication: { type: basic, username: u, password: "\${env:OSS_PASSWORD}" }
    mapping_rules: { tenant_mapping: tenant-001 }
`,
      'f.yaml',
    );
    expect(entry).toMatchObject({
      enabled: true,
      source_name: 'OSS one',
      connection_config: { authentication: { password: '${env:OSS_PASSWORD}' } },
      mapping_rules: { tenant_mapping: 'tenant-001' },
    });
  });

  it('lists every problem, each naming its entry and field', () => {
    expect(
      problemsOf(`data_sources:
  - source_id: "OSS Ericsson"
    connector_class: OSS_NetworkConnector
    polling_interval: 300
  - source_id: oss-2
    polling_interval: 0
    enabled: "yes"
    pollling_interval: 5
  - source_id: oss-3
    connector_class: X
    polling_interval: 2.5
    connection_config: [1]
  - source_id: oss-3
    connector_class: X
    polling_interval: 10
extra: 1
`),
    ).toEqual([
      'unknown top-level keys extra (expected data_sources)',
      'data_sources[0].source_id must be 1-100 lower-case letters, digits, ".", "_" or "-"',
      'data_sources[1].pollling_interval is not a known setting (known: source_id, connector_class, polling_interval, enabled, source_name, source_type, connection_config, mapping_rules)',
      'data_sources[1].connector_class is required (e.g. OSS_NetworkConnector)',
      'data_sources[1].polling_interval must be a whole number of seconds, 1-86400',
      'data_sources[1].enabled must be true or false',
      'data_sources[2].polling_interval must be a whole number of seconds, 1-86400',
      'data_sources[2].connection_config must be a mapping',
      'data_sources[3].source_id oss-3 appears twice',
    ]);
  });

  it('says what is wrong with a file that is not the expected shape', () => {
    expect(problemsOf('- a\n- b\n')).toEqual(['must be a mapping with a data_sources list']);
    expect(problemsOf('data_sources: [\n')[0]).toMatch(/^not valid YAML: /);
    expect(parseSourcesFile('', 'empty.yaml')).toEqual([]);
    expect(() => parseSourcesFile('x: 1', 'bad.yaml')).toThrow(
      'INGESTOR_SOURCES_FILE bad.yaml is invalid (1 problem):\n  - must be a mapping with a data_sources list',
    );
  });
});
