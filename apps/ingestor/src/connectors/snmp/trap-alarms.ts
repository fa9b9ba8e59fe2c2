import type { Varbind } from 'net-snmp';
import type { AlarmRecord, AlarmType, PerceivedSeverity } from '../connector';
import { OID, TRAP_NAMES, isUnderOid, nameOfOid } from './oid-catalogue';
import { decodeVarbind, jsonValue, numericValue, type DecodedVarbind } from './snmp-values';

/** A notification as received, in plain types, whatever its SNMP version. */
export interface ReceivedTrap {
  version: 'v1' | 'v2c' | 'v3';
  pdu: 'trap' | 'inform';
  /** snmpTrapOID.0, or its RFC 3584 translation for a v1 trap. */
  trapOid: string;
  /** The agent the trap is about: snmpTrapAddress.0 or the v1 agent-addr, else the sender. */
  agentAddress: string;
  /** `address:port` the datagram came from. */
  sender: string;
  /** sysUpTime.0 of the agent when it sent the trap. */
  uptimeTicks?: number;
  /** The varbinds after sysUpTime.0 and snmpTrapOID.0. */
  varbinds: DecodedVarbind[];
  /** SNMPv3 user name (not secret). */
  user?: string;
}

/** A notification that is not one: the receiver counts and logs it, then drops it. */
export class TrapFormatError extends Error {
  override readonly name = 'TrapFormatError';
}

/** What net-snmp's receiver hands over (typings declare it `any`). */
export interface ReceiverNotification {
  pdu: {
    type: number;
    varbinds?: Varbind[];
    enterprise?: string;
    agentAddr?: string;
    generic?: number;
    specific?: number;
    upTime?: number;
    scoped?: boolean;
    user?: string;
  };
  rinfo: { address: string; port: number };
}

const PDU_TRAP_V1 = 164;
const PDU_INFORM = 166;
const PDU_TRAP_V2 = 167;

/** Turns a received notification into a ReceivedTrap; TrapFormatError when it is malformed. */
export function readNotification(notification: ReceiverNotification): ReceivedTrap {
  const { pdu, rinfo } = notification;
  const sender = `${rinfo.address}:${rinfo.port}`;
  const decoded = (pdu.varbinds ?? []).map((varbind) => {
    try {
      return decodeVarbind(varbind);
    } catch (error) {
      throw new TrapFormatError(`${sender}: ${(error as Error).message}`);
    }
  });
  const trapAddress = decoded.find((v) => v.oid === `${OID.snmpTrapAddress}.0`);
  const addressOf = (fallback: string) =>
    typeof trapAddress?.value === 'string' && trapAddress.value !== '0.0.0.0'
      ? trapAddress.value
      : fallback;
  if (pdu.type === PDU_TRAP_V1) {
    const { enterprise, generic, specific } = pdu;
    if (typeof enterprise !== 'string' || typeof generic !== 'number' || generic < 0 || generic > 6)
      throw new TrapFormatError(`${sender}: v1 trap without enterprise or generic-trap`);
    // RFC 3584 section 3.1: generic traps map to snmpTraps.(generic+1), specific ones below
    // the enterprise.
    const trapOid =
      generic === 6 ? `${enterprise}.0.${specific ?? 0}` : `${OID.snmpTraps}.${generic + 1}`;
    return {
      version: 'v1',
      pdu: 'trap',
      trapOid,
      agentAddress: addressOf(
        pdu.agentAddr && pdu.agentAddr !== '0.0.0.0' ? pdu.agentAddr : rinfo.address,
      ),
      sender,
      uptimeTicks: pdu.upTime,
      varbinds: decoded,
    };
  }
  if (pdu.type !== PDU_TRAP_V2 && pdu.type !== PDU_INFORM)
    throw new TrapFormatError(`${sender}: PDU type ${pdu.type} is no notification`);
  // RFC 3416 section 4.2.6: sysUpTime.0 first, snmpTrapOID.0 second.
  const [uptime, trapOid, ...rest] = decoded;
  if (trapOid?.oid !== `${OID.snmpTrapOid}.0` || typeof trapOid.value !== 'string')
    throw new TrapFormatError(`${sender}: notification without snmpTrapOID.0 in second place`);
  return {
    version: pdu.scoped ? 'v3' : 'v2c',
    pdu: pdu.type === PDU_INFORM ? 'inform' : 'trap',
    trapOid: trapOid.value,
    agentAddress: addressOf(rinfo.address),
    sender,
    uptimeTicks: uptime?.oid === `${OID.sysUpTime}.0` ? numericValue(uptime) : undefined,
    varbinds: rest,
    user: pdu.scoped ? pdu.user : undefined,
  };
}

/** Where a trap's agent stands, from the receiver's source list. */
export interface TrapSource {
  siteId: string;
  /** Managed object of the agent's device. */
  managedObject: string;
  technology?: string;
}

interface AlarmKind {
  /** Identity of the condition on the agent: the raise and the clear share it. */
  key: string;
  state: 'raised' | 'cleared';
  severity: PerceivedSeverity;
  alarmType: AlarmType;
  probableCause: string;
  specificProblem: string;
  /** Below the agent's managed object (`eth0`, `ups`); the agent itself when absent. */
  component?: string;
}

type UpsAlarm = [name: string, severity: PerceivedSeverity, type: AlarmType, cause: string];

/** UPS-MIB upsWellKnownAlarms, by their last arc. */
const UPS_ALARMS: Readonly<Record<number, UpsAlarm>> = {
  1: ['upsAlarmBatteryBad', 'MAJOR', 'EQUIPMENT', 'batteryFailure'],
  2: ['upsAlarmOnBattery', 'MAJOR', 'ENVIRONMENTAL', 'commercialPowerFailure'],
  3: ['upsAlarmLowBattery', 'CRITICAL', 'EQUIPMENT', 'lowBatteryThreshold'],
  4: ['upsAlarmDepletedBattery', 'CRITICAL', 'EQUIPMENT', 'batteryDischarging'],
  5: ['upsAlarmTempBad', 'MAJOR', 'ENVIRONMENTAL', 'temperatureUnacceptable'],
  6: ['upsAlarmInputBad', 'MAJOR', 'ENVIRONMENTAL', 'powerProblem'],
  7: ['upsAlarmOutputBad', 'MAJOR', 'EQUIPMENT', 'powerProblem'],
  8: ['upsAlarmOutputOverload', 'MAJOR', 'EQUIPMENT', 'powerProblem'],
  9: ['upsAlarmOnBypass', 'MINOR', 'EQUIPMENT', 'powerProblem'],
  10: ['upsAlarmBypassBad', 'MINOR', 'EQUIPMENT', 'powerProblem'],
  11: ['upsAlarmOutputOffAsRequested', 'WARNING', 'EQUIPMENT', 'powerProblem'],
  12: ['upsAlarmUpsOffAsRequested', 'WARNING', 'EQUIPMENT', 'powerProblem'],
  13: ['upsAlarmChargerFailed', 'MAJOR', 'EQUIPMENT', 'batteryChargingFailure'],
  14: ['upsAlarmUpsOutputOff', 'CRITICAL', 'EQUIPMENT', 'powerProblem'],
  15: ['upsAlarmUpsSystemOff', 'CRITICAL', 'EQUIPMENT', 'powerProblem'],
  16: ['upsAlarmFanFailure', 'MAJOR', 'EQUIPMENT', 'fanFailure'],
  17: ['upsAlarmFuseFailure', 'MAJOR', 'EQUIPMENT', 'fuseFailure'],
  18: ['upsAlarmGeneralFault', 'MAJOR', 'EQUIPMENT', 'equipmentMalfunction'],
  19: ['upsAlarmDiagnosticTestFailed', 'MINOR', 'EQUIPMENT', 'equipmentMalfunction'],
  20: ['upsAlarmCommunicationsLost', 'MAJOR', 'COMMUNICATIONS', 'communicationsSubsystemFailure'],
  21: ['upsAlarmAwaitingPower', 'MINOR', 'ENVIRONMENTAL', 'commercialPowerFailure'],
  22: ['upsAlarmShutdownPending', 'CRITICAL', 'EQUIPMENT', 'powerProblem'],
  23: ['upsAlarmShutdownImminent', 'CRITICAL', 'EQUIPMENT', 'powerProblem'],
  24: ['upsAlarmTestInProgress', 'WARNING', 'EQUIPMENT', 'testInProgress'],
};

const TRAP = {
  coldStart: `${OID.snmpTraps}.1`,
  warmStart: `${OID.snmpTraps}.2`,
  linkDown: `${OID.snmpTraps}.3`,
  linkUp: `${OID.snmpTraps}.4`,
  authenticationFailure: `${OID.snmpTraps}.5`,
  upsOnBattery: `${OID.upsTraps}.1`,
  upsTestCompleted: `${OID.upsTraps}.2`,
  upsAlarmAdded: `${OID.upsTraps}.3`,
  upsAlarmRemoved: `${OID.upsTraps}.4`,
} as const;

/** Stands in for a varbind the trap lacks, so `numericValue` gives undefined. */
const NO_VALUE: DecodedVarbind = { oid: '', syntax: 'Null', value: null };

function varbindUnder(trap: ReceivedTrap, column: string): DecodedVarbind | undefined {
  return trap.varbinds.find((varbind) => isUnderOid(varbind.oid, column));
}

function linkKind(trap: ReceivedTrap, up: boolean): AlarmKind {
  const ifIndexVarbind = varbindUnder(trap, OID.ifIndex);
  let ifIndex = ifIndexVarbind && numericValue(ifIndexVarbind)?.toString();
  // Agents that leave ifIndex out still index ifAdminStatus and ifOperStatus by it.
  for (const column of [OID.ifOperStatus, OID.ifAdminStatus]) {
    const status = varbindUnder(trap, column);
    if (ifIndex === undefined && status && status.oid !== column)
      ifIndex = status.oid.slice(column.length + 1);
  }
  const text = (column: string) => {
    const value = varbindUnder(trap, column)?.value;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const adminDown = numericValue(varbindUnder(trap, OID.ifAdminStatus) ?? NO_VALUE) === 2;
  const component =
    text(OID.ifName) ?? text(OID.ifDescr) ?? (ifIndex === undefined ? undefined : `if.${ifIndex}`);
  return {
    key: `link:${ifIndex ?? 'unknown'}`,
    state: up ? 'cleared' : 'raised',
    severity: up ? 'CLEARED' : adminDown ? 'WARNING' : 'MAJOR',
    alarmType: 'COMMUNICATIONS',
    probableCause: 'linkDown',
    specificProblem: up ? 'link up' : adminDown ? 'administratively down' : 'operationally down',
    component,
  };
}

function upsAlarmKind(trap: ReceivedTrap, removed: boolean): AlarmKind {
  const descr = varbindUnder(trap, OID.upsAlarmDescr)?.value;
  const id = varbindUnder(trap, OID.upsAlarmId);
  const wellKnown =
    typeof descr === 'string' && isUnderOid(descr, OID.upsWellKnownAlarms)
      ? UPS_ALARMS[Number(descr.slice(OID.upsWellKnownAlarms.length + 1))]
      : undefined;
  const state = removed ? 'cleared' : 'raised';
  if (wellKnown) {
    const [name, severity, alarmType, probableCause] = wellKnown;
    return {
      key: `ups:${name}`,
      state,
      severity: removed ? 'CLEARED' : severity,
      alarmType,
      probableCause,
      specificProblem: name,
      component: 'ups',
    };
  }
  const which =
    typeof descr === 'string' ? descr : id ? `id.${String(numericValue(id))}` : 'unknown';
  return {
    key: `ups:alarm:${which}`,
    state,
    severity: removed ? 'CLEARED' : 'MAJOR',
    alarmType: 'EQUIPMENT',
    probableCause: 'equipmentMalfunction',
    specificProblem: typeof descr === 'string' ? nameOfOid(descr) : which,
    component: 'ups',
  };
}

function alarmKind(trap: ReceivedTrap): AlarmKind {
  switch (trap.trapOid) {
    case TRAP.linkDown:
      return linkKind(trap, false);
    case TRAP.linkUp:
      return linkKind(trap, true);
    case TRAP.upsOnBattery: {
      const [name, severity, alarmType, probableCause] = UPS_ALARMS[2];
      return {
        key: `ups:${name}`,
        state: 'raised',
        severity,
        alarmType,
        probableCause,
        specificProblem: name,
        component: 'ups',
      };
    }
    case TRAP.upsAlarmAdded:
      return upsAlarmKind(trap, false);
    case TRAP.upsAlarmRemoved:
      return upsAlarmKind(trap, true);
    case TRAP.upsTestCompleted: {
      // upsTestResultsSummary: donePass(1) doneWarning(2) doneError(3) aborted(4) ...
      const result = numericValue(varbindUnder(trap, OID.upsTestResultsSummary) ?? NO_VALUE);
      const severity: PerceivedSeverity =
        result === 1 ? 'CLEARED' : result === 3 ? 'MAJOR' : 'WARNING';
      return {
        key: 'ups:selfTest',
        state: result === 1 ? 'cleared' : 'raised',
        severity,
        alarmType: 'EQUIPMENT',
        probableCause: 'equipmentMalfunction',
        specificProblem: `self-test ${['', 'passed', 'warning', 'error', 'aborted', 'in progress', 'not initiated'][result ?? 0] || 'result unknown'}`,
        component: 'ups',
      };
    }
    case TRAP.coldStart:
    case TRAP.warmStart:
      return {
        key: 'agent:restart',
        state: 'raised',
        severity: 'WARNING',
        alarmType: 'EQUIPMENT',
        probableCause: 'agentRestart',
        specificProblem: trap.trapOid === TRAP.coldStart ? 'coldStart' : 'warmStart',
      };
    case TRAP.authenticationFailure:
      return {
        key: 'agent:authenticationFailure',
        state: 'raised',
        severity: 'WARNING',
        alarmType: 'PROCESSING_ERROR',
        probableCause: 'authenticationFailure',
        specificProblem: 'SNMP request with wrong credentials',
      };
    default:
      return {
        key: trap.trapOid,
        state: 'raised',
        severity: 'INDETERMINATE',
        alarmType: 'UNSPECIFIED',
        probableCause: '',
        specificProblem: trap.trapOid,
      };
  }
}

const MAX_DESCRIPTION = 1_000;

function describe(trap: ReceivedTrap, title: string): string {
  const values = trap.varbinds
    .map((varbind) => `${nameOfOid(varbind.oid)}=${String(jsonValue(varbind))}`)
    .join(', ');
  const text = `${title} from ${trap.agentAddress}${values ? `: ${values}` : ''}`;
  return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
}

/** The alarm id a trap of this agent raises or clears. */
export function alarmIdOf(trap: ReceivedTrap): string {
  return `snmp:${trap.agentAddress}:${alarmKind(trap).key}`;
}

/**
 * The alarm a trap reports: linkDown/linkUp raise and clear `link:<ifIndex>`; UPS-MIB traps raise
 * and clear `ups:<well-known alarm>` (upsTrapOnBattery raises upsAlarmOnBattery, which
 * upsTrapAlarmEntryRemoved clears); any other trap is a generic alarm named by its OID.
 * `raisedAt` is when the alarm was raised, if the receiver saw it; else the trap's time.
 */
export function trapAlarm(
  trap: ReceivedTrap,
  source: TrapSource,
  receivedAt: Date,
  sourceSystem: string,
  raisedAt?: Date,
): AlarmRecord {
  const kind = alarmKind(trap);
  const trapName = TRAP_NAMES[trap.trapOid];
  const title = trapName?.split('::')[1] ?? trap.trapOid;
  const labels: Record<string, string> = {
    trap_oid: trap.trapOid,
    agent_address: trap.agentAddress,
    sender: trap.sender,
    snmp_version: trap.version,
    pdu: trap.pdu,
  };
  if (trapName) labels.trap_name = trapName;
  if (trap.user) labels.snmp_user = trap.user;
  if (kind.key.startsWith('link:')) labels.if_index = kind.key.slice('link:'.length);
  const cleared = kind.state === 'cleared';
  return {
    kind: 'alarm',
    alarmId: `snmp:${trap.agentAddress}:${kind.key}`,
    severity: kind.severity,
    alarmType: kind.alarmType,
    probableCause: kind.probableCause,
    specificProblem: kind.specificProblem,
    managedObject: kind.component
      ? `${source.managedObject}/${kind.component}`
      : source.managedObject,
    title,
    description: describe(trap, title),
    siteId: source.siteId,
    // A site power alarm has no technology; an interface has its device's.
    technology: kind.key.startsWith('link:') ? source.technology : undefined,
    state: kind.state,
    acknowledged: false,
    eventTime: receivedAt,
    raisedAt: raisedAt ?? receivedAt,
    clearedAt: cleared ? receivedAt : undefined,
    changedAt: receivedAt,
    sourceSystem,
    labels,
    raw: {
      trapOid: trap.trapOid,
      version: trap.version,
      pdu: trap.pdu,
      agentAddress: trap.agentAddress,
      sender: trap.sender,
      uptimeTicks: trap.uptimeTicks,
      varbinds: trap.varbinds.map((varbind) => ({
        oid: varbind.oid,
        syntax: varbind.syntax,
        value: jsonValue(varbind),
      })),
    },
  };
}
