/**
 * Named objects of the MIBs a tower site's SNMP devices commonly serve: SNMPv2-MIB (RFC 3418),
 * IF-MIB (RFC 2863), HOST-RESOURCES-MIB (RFC 2790) and UPS-MIB (RFC 1628). A config names them as
 * `MODULE::object` (`IF-MIB::ifHCInOctets`, `IF-MIB::ifTable`); anything else must be a numeric
 * OID. The catalogue gives each value its metric name, unit and scale, so raw SNMP integers leave
 * the connector as normalised metrics.
 */

/**
 * How a value becomes a metric: `gauge` as it is (times `scale`); `counter` as a per-second rate
 * between polls; `state` as an enumerated number, its name in the `state` label; `timeticks` in
 * seconds; `label` names the row (ifDescr) and is no metric.
 */
export type ValueKind = 'gauge' | 'counter' | 'state' | 'timeticks' | 'label';

export interface CatalogueObject {
  /** `MODULE::object`. */
  name: string;
  /** Without the instance suffix: a scalar's `.0` and a column's row index are added when read. */
  oid: string;
  shape: 'scalar' | 'column';
  kind: ValueKind;
  /** Metric name; for counters the name of the rate. Absent for labels. */
  metric?: string;
  /** Unit of the metric (of the rate for counters). */
  unit: string;
  /** Multiplies the value (UPS-MIB sends volts in tenths; octet rates become bit rates). */
  scale?: number;
  /** Names of the enumerated values of a `state` object. */
  states?: Readonly<Record<number, string>>;
  /** Column whose value in the same row multiplies this one (hrStorageSize × allocation units). */
  scaleByColumn?: number;
  /** Label key a `label` column is kept under on the row's metrics. */
  labelKey?: string;
}

export interface CatalogueTable {
  /** `MODULE::xxxTable`. */
  name: string;
  oid: string;
  /** The table's entry: columns are `entryOid.<column>.<index>`. */
  entryOid: string;
  /** Short name of a row's managed object when it has no label (`if.4`). */
  rowPrefix: string;
  /** Label key of the row index (`if_index`). */
  indexLabel: string;
  /** Column whose text names the row's managed object (`eth0`), if any. */
  nameColumn?: number;
  columns: ReadonlyMap<number, CatalogueObject>;
}

const SNMPV2_MIB = '1.3.6.1.2.1.1';
const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
const IFX_ENTRY = '1.3.6.1.2.1.31.1.1.1';
const HR_STORAGE_ENTRY = '1.3.6.1.2.1.25.2.3.1';
const HR_PROCESSOR_ENTRY = '1.3.6.1.2.1.25.3.3.1';
const UPS = '1.3.6.1.2.1.33.1';
const UPS_INPUT_ENTRY = `${UPS}.3.3.1`;
const UPS_OUTPUT_ENTRY = `${UPS}.4.4.1`;

export const OID = {
  sysUpTime: `${SNMPV2_MIB}.3`,
  snmpTrapOid: '1.3.6.1.6.3.1.1.4.1',
  /** Set by proxies and forwarders to the address of the agent that sent the trap. */
  snmpTrapAddress: '1.3.6.1.6.3.18.1.3',
  snmpTraps: '1.3.6.1.6.3.1.1.5',
  ifIndex: `${IF_ENTRY}.1`,
  ifDescr: `${IF_ENTRY}.2`,
  ifAdminStatus: `${IF_ENTRY}.7`,
  ifOperStatus: `${IF_ENTRY}.8`,
  ifName: `${IFX_ENTRY}.1`,
  ifAlias: `${IFX_ENTRY}.18`,
  upsTraps: '1.3.6.1.2.1.33.2',
  upsAlarmId: `${UPS}.6.2.1.1`,
  upsAlarmDescr: `${UPS}.6.2.1.2`,
  upsWellKnownAlarms: `${UPS}.6.3`,
  upsTestResultsSummary: `${UPS}.7.3`,
} as const;

const IF_STATUS = {
  1: 'up',
  2: 'down',
  3: 'testing',
  4: 'unknown',
  5: 'dormant',
  6: 'notPresent',
  7: 'lowerLayerDown',
};
const ADMIN_STATUS = { 1: 'up', 2: 'down', 3: 'testing' };

type Spec = Omit<CatalogueObject, 'name' | 'oid' | 'shape'>;

const gauge = (metric: string, unit: string, scale?: number): Spec => ({
  kind: 'gauge',
  metric,
  unit,
  scale,
});
const counter = (metric: string, unit: string, scale?: number): Spec => ({
  kind: 'counter',
  metric,
  unit,
  scale,
});
const state = (metric: string, states: Record<number, string>): Spec => ({
  kind: 'state',
  metric,
  unit: 'state',
  states,
});
const label = (labelKey: string): Spec => ({ kind: 'label', unit: '', labelKey });

const SCALARS: Record<string, [string, Spec]> = {
  'SNMPv2-MIB::sysDescr': [`${SNMPV2_MIB}.1`, label('sys_descr')],
  'SNMPv2-MIB::sysUpTime': [`${SNMPV2_MIB}.3`, { kind: 'timeticks', metric: 'uptime', unit: 's' }],
  'SNMPv2-MIB::sysName': [`${SNMPV2_MIB}.5`, label('sys_name')],
  'SNMPv2-MIB::sysLocation': [`${SNMPV2_MIB}.6`, label('sys_location')],
  'IF-MIB::ifNumber': ['1.3.6.1.2.1.2.1', gauge('if_count', 'interfaces')],
  'HOST-RESOURCES-MIB::hrSystemUptime': [
    '1.3.6.1.2.1.25.1.1',
    { kind: 'timeticks', metric: 'host_uptime', unit: 's' },
  ],
  'HOST-RESOURCES-MIB::hrSystemNumUsers': ['1.3.6.1.2.1.25.1.5', gauge('host_users', 'users')],
  'HOST-RESOURCES-MIB::hrSystemProcesses': [
    '1.3.6.1.2.1.25.1.6',
    gauge('host_processes', 'processes'),
  ],
  'HOST-RESOURCES-MIB::hrMemorySize': [
    '1.3.6.1.2.1.25.2.2',
    gauge('host_memory_size', 'bytes', 1024),
  ],
  'UPS-MIB::upsIdentModel': [`${UPS}.1.2`, label('ups_model')],
  'UPS-MIB::upsIdentName': [`${UPS}.1.5`, label('ups_name')],
  'UPS-MIB::upsBatteryStatus': [
    `${UPS}.2.1`,
    state('ups_battery_status', {
      1: 'unknown',
      2: 'batteryNormal',
      3: 'batteryLow',
      4: 'batteryDepleted',
    }),
  ],
  'UPS-MIB::upsSecondsOnBattery': [`${UPS}.2.2`, gauge('ups_seconds_on_battery', 's')],
  'UPS-MIB::upsEstimatedMinutesRemaining': [
    `${UPS}.2.3`,
    gauge('ups_battery_runtime_remaining', 'min'),
  ],
  'UPS-MIB::upsEstimatedChargeRemaining': [`${UPS}.2.4`, gauge('ups_battery_charge', '%')],
  'UPS-MIB::upsBatteryVoltage': [`${UPS}.2.5`, gauge('ups_battery_voltage', 'V', 0.1)],
  'UPS-MIB::upsBatteryCurrent': [`${UPS}.2.6`, gauge('ups_battery_current', 'A', 0.1)],
  'UPS-MIB::upsBatteryTemperature': [`${UPS}.2.7`, gauge('ups_battery_temperature', 'Cel')],
  'UPS-MIB::upsInputLineBads': [`${UPS}.3.1`, counter('ups_input_line_bads_rate', '1/s')],
  'UPS-MIB::upsInputNumLines': [`${UPS}.3.2`, gauge('ups_input_lines', 'lines')],
  'UPS-MIB::upsOutputSource': [
    `${UPS}.4.1`,
    state('ups_output_source', {
      1: 'other',
      2: 'none',
      3: 'normal',
      4: 'bypass',
      5: 'battery',
      6: 'booster',
      7: 'reducer',
    }),
  ],
  'UPS-MIB::upsOutputFrequency': [`${UPS}.4.2`, gauge('ups_output_frequency', 'Hz', 0.1)],
  'UPS-MIB::upsOutputNumLines': [`${UPS}.4.3`, gauge('ups_output_lines', 'lines')],
  'UPS-MIB::upsAlarmsPresent': [`${UPS}.6.1`, gauge('ups_alarms_present', 'alarms')],
};

interface TableSpec {
  oid: string;
  entryOid: string;
  rowPrefix: string;
  indexLabel: string;
  nameColumn?: number;
  columns: Record<number, [string, Spec]>;
}

const TABLES: Record<string, TableSpec> = {
  'IF-MIB::ifTable': {
    oid: '1.3.6.1.2.1.2.2',
    entryOid: IF_ENTRY,
    rowPrefix: 'if',
    indexLabel: 'if_index',
    nameColumn: 2,
    columns: {
      2: ['IF-MIB::ifDescr', label('if_descr')],
      4: ['IF-MIB::ifMtu', gauge('if_mtu', 'bytes')],
      5: ['IF-MIB::ifSpeed', gauge('if_speed', 'bit/s')],
      7: ['IF-MIB::ifAdminStatus', state('if_admin_status', ADMIN_STATUS)],
      8: ['IF-MIB::ifOperStatus', state('if_oper_status', IF_STATUS)],
      10: ['IF-MIB::ifInOctets', counter('if_in_bits_rate', 'bit/s', 8)],
      11: ['IF-MIB::ifInUcastPkts', counter('if_in_unicast_packets_rate', 'packets/s')],
      13: ['IF-MIB::ifInDiscards', counter('if_in_discards_rate', 'packets/s')],
      14: ['IF-MIB::ifInErrors', counter('if_in_errors_rate', 'packets/s')],
      16: ['IF-MIB::ifOutOctets', counter('if_out_bits_rate', 'bit/s', 8)],
      17: ['IF-MIB::ifOutUcastPkts', counter('if_out_unicast_packets_rate', 'packets/s')],
      19: ['IF-MIB::ifOutDiscards', counter('if_out_discards_rate', 'packets/s')],
      20: ['IF-MIB::ifOutErrors', counter('if_out_errors_rate', 'packets/s')],
    },
  },
  'IF-MIB::ifXTable': {
    oid: '1.3.6.1.2.1.31.1.1',
    entryOid: IFX_ENTRY,
    rowPrefix: 'if',
    indexLabel: 'if_index',
    nameColumn: 1,
    columns: {
      1: ['IF-MIB::ifName', label('if_name')],
      2: ['IF-MIB::ifInMulticastPkts', counter('if_in_multicast_packets_rate', 'packets/s')],
      3: ['IF-MIB::ifInBroadcastPkts', counter('if_in_broadcast_packets_rate', 'packets/s')],
      4: ['IF-MIB::ifOutMulticastPkts', counter('if_out_multicast_packets_rate', 'packets/s')],
      5: ['IF-MIB::ifOutBroadcastPkts', counter('if_out_broadcast_packets_rate', 'packets/s')],
      6: ['IF-MIB::ifHCInOctets', counter('if_in_bits_rate', 'bit/s', 8)],
      7: ['IF-MIB::ifHCInUcastPkts', counter('if_in_unicast_packets_rate', 'packets/s')],
      8: ['IF-MIB::ifHCInMulticastPkts', counter('if_in_multicast_packets_rate', 'packets/s')],
      9: ['IF-MIB::ifHCInBroadcastPkts', counter('if_in_broadcast_packets_rate', 'packets/s')],
      10: ['IF-MIB::ifHCOutOctets', counter('if_out_bits_rate', 'bit/s', 8)],
      11: ['IF-MIB::ifHCOutUcastPkts', counter('if_out_unicast_packets_rate', 'packets/s')],
      12: ['IF-MIB::ifHCOutMulticastPkts', counter('if_out_multicast_packets_rate', 'packets/s')],
      13: ['IF-MIB::ifHCOutBroadcastPkts', counter('if_out_broadcast_packets_rate', 'packets/s')],
      15: ['IF-MIB::ifHighSpeed', gauge('if_high_speed', 'bit/s', 1_000_000)],
      18: ['IF-MIB::ifAlias', label('if_alias')],
    },
  },
  'HOST-RESOURCES-MIB::hrStorageTable': {
    oid: '1.3.6.1.2.1.25.2.3',
    entryOid: HR_STORAGE_ENTRY,
    rowPrefix: 'storage',
    indexLabel: 'storage_index',
    nameColumn: 3,
    columns: {
      3: ['HOST-RESOURCES-MIB::hrStorageDescr', label('storage_descr')],
      4: [
        'HOST-RESOURCES-MIB::hrStorageAllocationUnits',
        gauge('storage_allocation_unit', 'bytes'),
      ],
      5: [
        'HOST-RESOURCES-MIB::hrStorageSize',
        { ...gauge('storage_size', 'bytes'), scaleByColumn: 4 },
      ],
      6: [
        'HOST-RESOURCES-MIB::hrStorageUsed',
        { ...gauge('storage_used', 'bytes'), scaleByColumn: 4 },
      ],
      7: [
        'HOST-RESOURCES-MIB::hrStorageAllocationFailures',
        counter('storage_allocation_failures_rate', '1/s'),
      ],
    },
  },
  'HOST-RESOURCES-MIB::hrProcessorTable': {
    oid: '1.3.6.1.2.1.25.3.3',
    entryOid: HR_PROCESSOR_ENTRY,
    rowPrefix: 'cpu',
    indexLabel: 'processor_index',
    columns: { 2: ['HOST-RESOURCES-MIB::hrProcessorLoad', gauge('cpu_load', '%')] },
  },
  'UPS-MIB::upsInputTable': {
    oid: `${UPS}.3.3`,
    entryOid: UPS_INPUT_ENTRY,
    rowPrefix: 'ups-input',
    indexLabel: 'input_line',
    columns: {
      2: ['UPS-MIB::upsInputFrequency', gauge('ups_input_frequency', 'Hz', 0.1)],
      3: ['UPS-MIB::upsInputVoltage', gauge('ups_input_voltage', 'V')],
      4: ['UPS-MIB::upsInputCurrent', gauge('ups_input_current', 'A', 0.1)],
      5: ['UPS-MIB::upsInputTruePower', gauge('ups_input_power', 'W')],
    },
  },
  'UPS-MIB::upsOutputTable': {
    oid: `${UPS}.4.4`,
    entryOid: UPS_OUTPUT_ENTRY,
    rowPrefix: 'ups-output',
    indexLabel: 'output_line',
    columns: {
      2: ['UPS-MIB::upsOutputVoltage', gauge('ups_output_voltage', 'V')],
      3: ['UPS-MIB::upsOutputCurrent', gauge('ups_output_current', 'A', 0.1)],
      4: ['UPS-MIB::upsOutputPower', gauge('ups_output_power', 'W')],
      5: ['UPS-MIB::upsOutputPercentLoad', gauge('ups_output_load', '%')],
    },
  },
};

/** Names of OIDs traps carry that are not polled objects. */
const OTHER_NAMES: Record<string, string> = {
  [`${IF_ENTRY}.1`]: 'IF-MIB::ifIndex',
  '1.3.6.1.6.3.18.1.3': 'SNMP-COMMUNITY-MIB::snmpTrapAddress',
  [`${UPS}.6.2.1.1`]: 'UPS-MIB::upsAlarmId',
  [`${UPS}.6.2.1.2`]: 'UPS-MIB::upsAlarmDescr',
  [`${UPS}.6.2.1.3`]: 'UPS-MIB::upsAlarmTime',
  [`${UPS}.7.3`]: 'UPS-MIB::upsTestResultsSummary',
  [`${UPS}.6.3`]: 'UPS-MIB::upsWellKnownAlarms',
};

function buildCatalogue() {
  const objects = new Map<string, CatalogueObject>();
  const tables = new Map<string, CatalogueTable>();
  /** Every object and table by OID, to name the varbinds of a trap. */
  const byOid = new Map<string, string>(Object.entries(OTHER_NAMES));
  for (const [name, [oid, spec]] of Object.entries(SCALARS)) {
    objects.set(name, { name, oid, shape: 'scalar', ...spec });
    byOid.set(oid, name);
  }
  for (const [name, spec] of Object.entries(TABLES)) {
    const columns = new Map<number, CatalogueObject>();
    for (const [column, [columnName, columnSpec]] of Object.entries(spec.columns)) {
      const object: CatalogueObject = {
        name: columnName,
        oid: `${spec.entryOid}.${column}`,
        shape: 'column',
        ...columnSpec,
      };
      columns.set(Number(column), object);
      objects.set(columnName, object);
      byOid.set(object.oid, columnName);
    }
    tables.set(name, {
      name,
      oid: spec.oid,
      entryOid: spec.entryOid,
      rowPrefix: spec.rowPrefix,
      indexLabel: spec.indexLabel,
      nameColumn: spec.nameColumn,
      columns,
    });
    byOid.set(spec.oid, name);
  }
  return { objects, tables, byOid };
}

const CATALOGUE = buildCatalogue();

/** Notifications with a name, for alarm titles. */
export const TRAP_NAMES: Readonly<Record<string, string>> = {
  [`${OID.snmpTraps}.1`]: 'SNMPv2-MIB::coldStart',
  [`${OID.snmpTraps}.2`]: 'SNMPv2-MIB::warmStart',
  [`${OID.snmpTraps}.3`]: 'IF-MIB::linkDown',
  [`${OID.snmpTraps}.4`]: 'IF-MIB::linkUp',
  [`${OID.snmpTraps}.5`]: 'SNMPv2-MIB::authenticationFailure',
  [`${OID.upsTraps}.1`]: 'UPS-MIB::upsTrapOnBattery',
  [`${OID.upsTraps}.2`]: 'UPS-MIB::upsTrapTestCompleted',
  [`${OID.upsTraps}.3`]: 'UPS-MIB::upsTrapAlarmEntryAdded',
  [`${OID.upsTraps}.4`]: 'UPS-MIB::upsTrapAlarmEntryRemoved',
};

/** A catalogue object (`IF-MIB::ifHCInOctets`) or undefined. */
export function catalogueObject(name: string): CatalogueObject | undefined {
  return CATALOGUE.objects.get(name);
}

/** A catalogue table (`IF-MIB::ifTable`) or undefined. */
export function catalogueTable(name: string): CatalogueTable | undefined {
  return CATALOGUE.tables.get(name);
}

/** The table a column object belongs to. */
export function tableOfColumn(object: CatalogueObject): CatalogueTable | undefined {
  if (object.shape !== 'column') return undefined;
  for (const table of CATALOGUE.tables.values()) {
    if (isUnderOid(object.oid, table.entryOid)) return table;
  }
  return undefined;
}

export function catalogueNames(): string[] {
  return [...CATALOGUE.tables.keys(), ...CATALOGUE.objects.keys()];
}

const NUMERIC_OID = /^\.?(\d+)(\.\d+)+$/;

/** A numeric OID without the leading dot, or undefined when `text` is none. */
export function parseNumericOid(text: string): string | undefined {
  if (!NUMERIC_OID.test(text)) return undefined;
  const oid = text.startsWith('.') ? text.slice(1) : text;
  // Each arc is an unsigned 32-bit integer (X.690 allows more, SNMP does not).
  return oid.split('.').every((arc) => Number(arc) <= 0xffff_ffff) ? oid : undefined;
}

/** True when `oid` is `base` or below it. */
export function isUnderOid(oid: string, base: string): boolean {
  return oid === base || oid.startsWith(`${base}.`);
}

/** Orders OIDs the way agents do: arc by arc, numerically. */
export function compareOids(a: string, b: string): number {
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = Number(left[i]) - Number(right[i]);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

/**
 * The catalogue name of an instance OID with its index (`IF-MIB::ifOperStatus.4`), or the OID as
 * it is when the catalogue does not know it.
 */
export function nameOfOid(oid: string): string {
  const arcs = oid.split('.');
  for (let length = arcs.length; length > 0; length--) {
    const name = CATALOGUE.byOid.get(arcs.slice(0, length).join('.'));
    if (name !== undefined) {
      const index = arcs.slice(length).join('.');
      return index ? `${name}.${index}` : name;
    }
  }
  return oid;
}
