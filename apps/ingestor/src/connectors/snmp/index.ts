export { SNMP_CONNECTOR } from './snmp-connectors';
export {
  SNMP_SOURCE_TYPE,
  SnmpConnector,
  type SnmpPollStats,
  type SnmpTargetHealth,
  type SnmpTargetTestResult,
} from './snmp.connector';
export {
  AUTH_PROTOCOLS,
  PRIV_PROTOCOLS,
  SECURITY_LEVELS,
  SnmpConnectionConfig,
  SnmpTargetDto,
  SnmpV3UserDto,
} from './snmp-config';
export {
  SnmpTrapReceiver,
  SnmpTrapReceiverConfig,
  TrapSourceDto,
  trapSourcesOf,
  type SnmpTrapReceiverDeps,
  type SnmpTrapReceiverStats,
} from './snmp-trap-receiver';
export {
  catalogueNames,
  catalogueObject,
  catalogueTable,
  type CatalogueObject,
  type CatalogueTable,
} from './oid-catalogue';
export { CounterRates, agentRanThrough, counterIncrease } from './counter-rates';
