import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { validateConnectionConfig } from '../connection-config';
import type { FetchResult, MetricRecord } from '../connector';
import type { ConnectorLogger } from '../http/http-source-client';
import { SnmpConnectionConfig } from './snmp-config';
import { SnmpConnector } from './snmp.connector';
import { Snmpd, freeUdpPort, type PassValue } from './testing/snmpd';
import { SteppedClock } from './testing/stepped-clock';

const run = promisify(execFile);

const COMMUNITY = 'tm-ro-Community7';
const USER = {
  user: 'tmpoller',
  authProtocol: 'SHA-256',
  authKey: 'tm-Auth-Passphrase-1',
  privProtocol: 'AES',
  privKey: 'tm-Priv-Passphrase-2',
} as const;
const SECRETS = [COMMUNITY, USER.authKey, USER.privKey, 'wrong-Auth-Key-99', 'wrong-Priv-Key-99'];

const IFX = '1.3.6.1.2.1.31.1.1.1';
const UPS = '1.3.6.1.2.1.33.1';
const MAX32 = 2n ** 32n;
const MAX64 = 2n ** 64n;

/** A logger that keeps every line, to check none carries a secret. */
function recordingLogger(lines: string[]): ConnectorLogger {
  const keep = (context: Record<string, unknown>, message: string) =>
    lines.push(`${message} ${JSON.stringify(context)}`);
  return { debug: keep, info: keep, warn: keep, error: keep };
}

const v2cTarget = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  version: 'v2c',
  community: COMMUNITY,
  site_id: 'SITE-LAB',
  name: 'lab-agent',
  ...extra,
});

const v3Target = (
  port: number,
  keys: Partial<{ auth_key: string; priv_key: string; user: string }> = {},
) => ({
  host: '127.0.0.1',
  port,
  version: 'v3',
  site_id: 'SITE-LAB',
  name: 'lab-agent',
  v3: {
    user: keys.user ?? USER.user,
    auth_protocol: USER.authProtocol,
    auth_key: keys.auth_key ?? USER.authKey,
    priv_protocol: USER.privProtocol,
    priv_key: keys.priv_key ?? USER.privKey,
  },
});

function connector(
  raw: Record<string, unknown>,
  logLines: string[] = [],
  clock?: SteppedClock,
): SnmpConnector {
  const config = validateConnectionConfig(
    SnmpConnectionConfig,
    { timeout_ms: 500, retries: 1, ...raw },
    'snmp',
  );
  return new SnmpConnector(config, {
    sourceId: 'snmp-lab',
    logger: recordingLogger(logLines),
    clock,
  });
}

/** Counters of one interface as the pass script serves them. */
function ifxValues(hcInOctets: bigint, inBroadcasts: bigint): Record<string, PassValue> {
  return {
    [`${IFX}.1.7`]: ['string', 'uplink0'],
    [`${IFX}.3.7`]: ['counter', inBroadcasts],
    [`${IFX}.6.7`]: ['counter64', hcInOctets],
    [`${IFX}.15.7`]: ['gauge', 10_000],
  };
}

const UPS_VALUES: Record<string, PassValue> = {
  [`${UPS}.2.1.0`]: ['integer', 3],
  [`${UPS}.2.4.0`]: ['integer', 64],
  [`${UPS}.2.5.0`]: ['integer', 538],
  [`${UPS}.3.3.1.3.1`]: ['integer', 231],
  [`${UPS}.4.4.1.4.1`]: ['integer', 1450],
  [`${UPS}.4.4.1.5.1`]: ['integer', 37],
};

/** The metrics of a sync (an SNMP poll gives nothing else). */
const metricsOf = (result: FetchResult): MetricRecord[] =>
  result.records.filter((record): record is MetricRecord => record.kind === 'metric');
const byName = (result: FetchResult) => new Map(metricsOf(result).map((r) => [r.name, r]));

describe('SnmpConnector against a real snmpd', () => {
  let agent: Snmpd;

  beforeAll(async () => {
    agent = await Snmpd.start({
      communities: [COMMUNITY],
      users: [USER],
      // ifXTable and UPS-MIB come from a data file the tests write; ifTable is the host's own.
      passRoots: [`.${IFX.slice(0, -2)}`, '.1.3.6.1.2.1.33'],
      withoutModules: ['ifXTable'],
    });
  });

  afterAll(async () => {
    await agent?.stop();
  });

  /** ifDescr of every interface, as net-snmp's own snmpbulkwalk reads them. */
  async function interfacesBySnmpbulkwalk(): Promise<string[]> {
    const { stdout } = await run(
      'snmpbulkwalk',
      ['-m', '', '-v2c', '-c', COMMUNITY, '-Oqv', agent.address, '1.3.6.1.2.1.2.2.1.2'],
      { env: { ...process.env, SNMP_PERSISTENT_DIR: join(agent.dir, 'client') } },
    );
    return stdout
      .trim()
      .split('\n')
      .map((line) => line.replace(/^"|"$/g, ''))
      .sort();
  }

  it.each(['v2c', 'v3'] as const)(
    '%s: walks IF-MIB::ifTable into per-interface metrics',
    async (version) => {
      const target = version === 'v2c' ? v2cTarget(agent.port) : v3Target(agent.port);
      const snmp = connector({ targets: [target], objects: ['IF-MIB::ifTable'] });
      try {
        const result = await snmp.fetch();
        expect(result).toMatchObject({ complete: true, stops: [], rejectedCount: 0 });
        const interfaces = await interfacesBySnmpbulkwalk();
        expect(interfaces.length).toBeGreaterThan(0);
        const status = metricsOf(result).filter((r) => r.name === 'if_oper_status');
        expect(status.map((r) => r.managedObject).sort()).toEqual(
          interfaces.map((i) => `lab-agent/${i}`),
        );
        const loopback = status.find((r) => r.labels.if_descr === 'lo');
        expect(loopback).toMatchObject({
          siteId: 'SITE-LAB',
          value: 1,
          unit: 'state',
          labels: expect.objectContaining({ state: 'up', agent: agent.address }) as unknown,
        });
        // The first poll gives no counter rates.
        expect(metricsOf(result).some((r) => r.name === 'if_in_bits_rate')).toBe(false);
      } finally {
        await snmp.close();
      }
    },
  );

  it('turns Counter32 and Counter64 into rates through their wraps', async () => {
    const snmp = connector({ targets: [v2cTarget(agent.port)], objects: ['IF-MIB::ifXTable'] });
    try {
      await agent.setValues(ifxValues(MAX64 - 1_000n, MAX32 - 10n));
      const first = await snmp.fetch();
      expect(byName(first).get('if_high_speed')).toMatchObject({
        managedObject: 'lab-agent/uplink0',
        value: 10_000_000_000,
      });
      expect(byName(first).has('if_in_bits_rate')).toBe(false);

      // Both wrap: 1 000 more octets past 2^64 is 2 000 octets in all; 10 + 40 broadcasts.
      await agent.setValues(ifxValues(1_000n, 40n));
      await delay(20);
      const second = await snmp.fetch();
      const rates = byName(second);
      const bits = rates.get('if_in_bits_rate');
      const broadcasts = rates.get('if_in_broadcast_packets_rate');
      const seconds = (at: Date | undefined) =>
        ((at?.getTime() ?? NaN) -
          (byName(first).get('if_high_speed')?.timestamp.getTime() ?? NaN)) /
        1000;
      expect(bits?.unit).toBe('bit/s');
      expect((bits?.value ?? NaN) * seconds(bits?.timestamp)).toBeCloseTo(2_000 * 8, 6);
      expect((broadcasts?.value ?? NaN) * seconds(broadcasts?.timestamp)).toBeCloseTo(50, 6);
    } finally {
      await snmp.close();
    }
  });

  it('gives no rate across an agent restart, then rates again', async () => {
    const snmp = connector({ targets: [v2cTarget(agent.port)], objects: ['IF-MIB::ifXTable'] });
    try {
      await agent.setValues(ifxValues(5_000_000n, MAX32 - 300n));
      await snmp.fetch();
      // After the restart the counters start low: read as a wrap they would make a rate.
      await agent.restart();
      await agent.setValues(ifxValues(100n, 100n));
      const afterRestart = await snmp.fetch();
      expect(afterRestart.complete).toBe(true);
      expect(metricsOf(afterRestart).map((r) => r.name)).toEqual(['if_high_speed']);
      await agent.setValues(ifxValues(1_100n, 150n));
      const next = await snmp.fetch();
      expect(byName(next).has('if_in_broadcast_packets_rate')).toBe(true);
    } finally {
      await snmp.close();
    }
  });

  it('reads UPS-MIB scalars and tables with catalogue names, units and scales', async () => {
    await agent.setValues(UPS_VALUES);
    const snmp = connector({
      targets: [v3Target(agent.port)],
      objects: [
        'UPS-MIB::upsBatteryStatus',
        'UPS-MIB::upsEstimatedChargeRemaining',
        'UPS-MIB::upsBatteryVoltage',
        'UPS-MIB::upsInputVoltage',
        'UPS-MIB::upsOutputTable',
      ],
    });
    try {
      const result = await snmp.fetch();
      expect(result.complete).toBe(true);
      expect(metricsOf(result).map((r) => [r.managedObject, r.name, r.value, r.unit])).toEqual([
        ['lab-agent', 'ups_battery_status', 3, 'state'],
        ['lab-agent', 'ups_battery_charge', 64, '%'],
        ['lab-agent', 'ups_battery_voltage', 53.8, 'V'],
        ['lab-agent/ups-input.1', 'ups_input_voltage', 231, 'V'],
        ['lab-agent/ups-output.1', 'ups_output_power', 1450, 'W'],
        ['lab-agent/ups-output.1', 'ups_output_load', 37, '%'],
      ]);
      expect(metricsOf(result)[0].labels.state).toBe('batteryLow');
    } finally {
      await snmp.close();
    }
  });

  it('reads raw OIDs: a .0 with GET, an instance OID like snmpwalk (GET when the subtree is empty)', async () => {
    const snmp = connector({
      targets: [v2cTarget(agent.port)],
      oids: ['1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.2.2.1.4.1', '1.3.6.1.2.1.1.5.0'],
    });
    try {
      const result = await snmp.fetch();
      expect(metricsOf(result).map((r) => r.name)).toEqual([
        '1.3.6.1.2.1.1.3.0',
        '1.3.6.1.2.1.2.2.1.4.1',
      ]);
      expect(metricsOf(result)[0].unit).toBe('s');
      // sysName is text: asked for as a raw OID, it cannot be a metric.
      expect(result.rejected).toEqual([
        {
          stream: `snmp:${agent.address}`,
          reason: `${agent.address} 1.3.6.1.2.1.1.5.0: OctetString is not a number`,
        },
      ]);
    } finally {
      await snmp.close();
    }
  });

  describe('testConnection', () => {
    const cases: [string, () => Record<string, unknown>, boolean, string, RegExp][] = [
      [
        'v2c, right community',
        () => v2cTarget(agent.port),
        true,
        'parse',
        /answered in \d+ ms: sysName/,
      ],
      ['v3 authPriv, right keys', () => v3Target(agent.port), true, 'parse', /up \d+ s/],
      [
        'v2c, wrong community',
        () => v2cTarget(agent.port, { community: 'not-the-community' }),
        false,
        'auth',
        /answers SNMP but not to this community/,
      ],
      [
        'v3, wrong auth key',
        () => v3Target(agent.port, { auth_key: 'wrong-Auth-Key-99' }),
        false,
        'auth',
        /wrong auth key/,
      ],
      [
        'v3, wrong priv key',
        () => v3Target(agent.port, { priv_key: 'wrong-Priv-Key-99' }),
        false,
        'auth',
        /answers SNMP but not this user's requests/,
      ],
      [
        'v3, unknown user',
        () => v3Target(agent.port, { user: 'nobody' }),
        false,
        'auth',
        /does not know this SNMPv3 user/,
      ],
      [
        'unresolvable host',
        () => ({ ...v2cTarget(161), host: 'no-such-host.invalid' }),
        false,
        'dns',
        /does not resolve/,
      ],
    ];

    it.each(cases)('%s', async (_name, target, ok, stage, message) => {
      const logs: string[] = [];
      const snmp = connector({ targets: [target()], objects: ['IF-MIB::ifTable'] }, logs);
      const result = await snmp.testConnection();
      expect(result).toMatchObject({ ok, stage });
      expect(result.message).toMatch(message);
      expect(snmp.health().healthy).toBe(ok);
      for (const secret of SECRETS) {
        expect(result.message).not.toContain(secret);
        expect(logs.join('\n')).not.toContain(secret);
      }
      await snmp.close();
    });

    it('names a port without an agent as connect', async () => {
      const snmp = connector({
        targets: [v2cTarget(await freeUdpPort())],
        objects: ['IF-MIB::ifTable'],
        timeout_ms: 200,
      });
      const result = await snmp.testConnection();
      expect(result).toMatchObject({ ok: false, stage: 'connect' });
      expect(result.message).toMatch(/no SNMP answer/);
    });
  });

  it('polls every target; a dead one holds only its slot, until its deadline', async () => {
    const second = await Snmpd.start({ communities: [COMMUNITY] });
    const clock = new SteppedClock(Date.parse('2025-01-01T00:00:00Z'));
    const logs: string[] = [];
    const [deadA, deadB] = [await freeUdpPort(), await freeUdpPort()];
    // net-snmp's own timeout is far off: only the deadline on the test's clock ends a dead target.
    const snmp = connector(
      {
        targets: [
          v2cTarget(deadA, { name: 'dead-a' }),
          v2cTarget(agent.port, { name: 'live-a' }),
          v2cTarget(deadB, { name: 'dead-b' }),
          v2cTarget(second.port, { name: 'live-b' }),
        ],
        objects: ['SNMPv2-MIB::sysUpTime'],
        timeout_ms: 60_000,
        retries: 0,
        target_timeout_ms: 60_000,
        max_concurrent_targets: 2,
      },
      logs,
      clock,
    );
    try {
      const polled = (name: string) =>
        snmp
          .targetHealth()
          .find((t) => t.target.endsWith(`:${name === 'live-a' ? agent.port : second.port}`))
          ?.lastSuccessAt !== undefined;
      const sync = snmp.fetch();
      // live-a answers while dead-a holds the other slot; then dead-b takes live-a's slot.
      while (!polled('live-a')) await delay(10);
      while (clock.pending < 2) await delay(10);
      // Both slots are held by dead targets: live-b waits for a deadline, however long.
      await delay(200);
      expect(polled('live-b')).toBe(false);
      await clock.advance(60_000);
      const result = await sync;
      expect(polled('live-b')).toBe(true);
      expect(
        metricsOf(result)
          .map((r) => r.managedObject)
          .sort(),
      ).toEqual(['live-a', 'live-b']);
      expect(result.stops).toEqual([
        expect.objectContaining({
          stream: `snmp:127.0.0.1:${deadA}`,
          reason: 'error',
          stage: 'connect',
        }),
        expect.objectContaining({
          stream: `snmp:127.0.0.1:${deadB}`,
          reason: 'error',
          stage: 'connect',
        }),
      ]);
      expect(result.stops[0].message).toMatch(
        /poll did not finish within 60000 ms; not one answer/,
      );
      expect(result.complete).toBe(false);
      // Two of four answered: the source as a whole is healthy, the dead targets are not.
      expect(snmp.health()).toMatchObject({ healthy: true, errorCount: 0 });
      expect(snmp.targetHealth().map((t) => [t.healthy, t.consecutiveFailures])).toEqual([
        [false, 1],
        [true, 0],
        [false, 1],
        [true, 0],
      ]);
      expect(logs.join('\n')).not.toContain(COMMUNITY);
    } finally {
      await snmp.close();
      await second.stop();
    }
  });
});
