import { AuthProtocols, PrivProtocols, SecurityLevel } from 'net-snmp';
import { ConnectorConfigError, validateConnectionConfig } from '../connection-config';
import { SnmpConnectionConfig, objectsOf, usmUser } from './snmp-config';
import { SnmpTrapReceiverConfig } from './snmp-trap-receiver';

const AUTH_KEY = 'Zq-auth-Secret-1';
const PRIV_KEY = 'Zq-priv-Secret-2';

const v3Target = (v3: Record<string, unknown>) => ({
  host: '10.0.0.2',
  version: 'v3',
  site_id: 'SITE002',
  v3,
});

function issuesOf(raw: unknown, configClass: new () => object = SnmpConnectionConfig) {
  try {
    validateConnectionConfig(configClass, raw, 'snmp');
  } catch (error) {
    if (error instanceof ConnectorConfigError) return error;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('SnmpConnectionConfig', () => {
  it('takes the seed SNMP example (version "2c", oids) and fills in the defaults', () => {
    const config = validateConnectionConfig(
      SnmpConnectionConfig,
      {
        targets: [
          {
            host: '192.168.1.100',
            port: 161,
            community: 'public',
            version: '2c',
            site_id: 'SITE001',
          },
        ],
        oids: ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.2.2.1.10'],
        polling_interval: 300,
      },
      'snmp',
    );
    expect(config).toMatchObject({
      timeout_ms: 2_000,
      retries: 1,
      max_concurrent_targets: 64,
      max_repetitions: 25,
    });
    expect(objectsOf(config, config.targets[0])).toEqual([
      '1.3.6.1.2.1.1.1.0',
      '1.3.6.1.2.1.1.3.0',
      '1.3.6.1.2.1.2.2.1.10',
    ]);
  });

  it('takes a v3 authPriv target with catalogue objects', () => {
    const config = validateConnectionConfig(
      SnmpConnectionConfig,
      {
        targets: [
          v3Target({
            user: 'telcomesh',
            auth_protocol: 'SHA-256',
            auth_key: AUTH_KEY,
            priv_protocol: 'AES',
            priv_key: PRIV_KEY,
          }),
        ],
        objects: ['IF-MIB::ifXTable', 'UPS-MIB::upsBatteryStatus'],
      },
      'snmp',
    );
    expect(config.targets[0].v3?.level).toBe('authPriv');
  });

  it('names each problem by its path', () => {
    const error = issuesOf({
      targets: [
        { host: 'a', version: 'v2c', site_id: 'S1' },
        v3Target({ user: 'u', auth_protocol: 'SHA', auth_key: AUTH_KEY }),
        { host: 'a', version: 'v2c', community: 'c', site_id: 'S1' },
      ],
      objects: ['IF-MIB::ifTable', 'IF-MIB::ifBogus', 'sysName'],
    });
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'objects[1]',
      'objects[2]',
      'targets[0].community',
      'targets[1].v3.priv_protocol',
      'targets[1].v3.priv_key',
      'targets[2].host',
    ]);
    expect(error.message).toContain('targets[2] repeats targets[0] (a:161)');
  });

  it('refuses unknown versions, protocols and fields', () => {
    const error = issuesOf({
      targets: [
        {
          host: 'h',
          version: 'v1',
          community: 'c',
          site_id: 'S',
          comunity: 'typo',
        },
        v3Target({
          user: 'u',
          auth_protocol: 'SHA-1',
          auth_key: AUTH_KEY,
          priv_protocol: 'AES',
          priv_key: PRIV_KEY,
        }),
      ],
      objects: ['IF-MIB::ifTable'],
    });
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'targets[0].comunity',
      'targets[0].version',
      'targets[1].v3.auth_protocol',
    ]);
  });

  it('never puts a key or community in its messages', () => {
    const shortKey = 'Zq#7-k'; // too short
    const error = issuesOf({
      targets: [
        v3Target({
          user: 'u',
          auth_protocol: 'SHA',
          auth_key: shortKey,
          priv_protocol: 'AES',
          priv_key: PRIV_KEY,
        }),
        { host: 'h', version: 'v3', community: 'Zq-community-9', site_id: 'S' },
      ],
      objects: ['IF-MIB::ifTable'],
    });
    expect(error.issues.map((issue) => issue.path)).toEqual(['targets[0].v3.auth_key']);
    expect(error.message).not.toContain(shortKey);
    const second = issuesOf({
      targets: [{ host: 'h', version: 'v3', community: 'Zq-community-9', site_id: 'S' }],
      objects: ['IF-MIB::ifTable'],
    });
    expect(second.issues.map((issue) => issue.path)).toEqual([
      'targets[0].community',
      'targets[0].v3',
    ]);
    expect(second.message).not.toContain('Zq-community-9');
  });

  it('needs something to poll and a sane deadline', () => {
    const error = issuesOf({
      targets: [{ host: 'h', version: 'v2c', community: 'c', site_id: 'S' }],
      timeout_ms: 5_000,
      target_timeout_ms: 1_000,
    });
    expect(error.issues.map((issue) => issue.path)).toEqual(['objects', 'target_timeout_ms']);
  });

  it('maps v3 protocols to net-snmp', () => {
    expect(
      usmUser({
        user: 'u',
        level: 'authPriv',
        auth_protocol: 'SHA-512',
        auth_key: AUTH_KEY,
        priv_protocol: 'AES-256-C',
        priv_key: PRIV_KEY,
      }),
    ).toEqual({
      name: 'u',
      level: SecurityLevel.authPriv,
      authProtocol: AuthProtocols.sha512,
      authKey: AUTH_KEY,
      privProtocol: PrivProtocols.aes256r,
      privKey: PRIV_KEY,
    });
    expect(usmUser({ user: 'n', level: 'noAuthNoPriv' })).toEqual({
      name: 'n',
      level: SecurityLevel.noAuthNoPriv,
    });
  });
});

describe('SnmpTrapReceiverConfig', () => {
  it('needs a community or a user, and the keys of each user', () => {
    expect(issuesOf({}, SnmpTrapReceiverConfig).issues.map((i) => i.path)).toEqual(['communities']);
    const error = issuesOf(
      { users: [{ user: 'u', level: 'authNoPriv', auth_protocol: 'SHA' }] },
      SnmpTrapReceiverConfig,
    );
    expect(error.issues.map((i) => i.path)).toEqual(['users[0].auth_key']);
  });

  it('takes communities, users and sources', () => {
    const config = validateConnectionConfig(
      SnmpTrapReceiverConfig,
      {
        port: 1162,
        communities: ['traps'],
        sources: [{ address: '10.1.1.1', site_id: 'SITE001', name: 'ups-1' }],
      },
      'snmp-traps',
    );
    expect(config).toMatchObject({ address: '127.0.0.1', port: 1162, default_site_id: 'unknown' });
  });
});
