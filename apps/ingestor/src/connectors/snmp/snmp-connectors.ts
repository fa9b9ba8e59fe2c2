import type { ConnectorDefinition } from '../connector-registry';
import { SnmpConnectionConfig } from './snmp-config';
import { SNMP_SOURCE_TYPE, SnmpConnector } from './snmp.connector';

/** Registry entry of the SNMP connector (seed "SNMP Connector", `snmp_connector.py`). */
export const SNMP_CONNECTOR = {
  sourceType: SNMP_SOURCE_TYPE,
  connectorClass: 'SNMPConnector',
  configClass: SnmpConnectionConfig,
  create: (config, deps) => new SnmpConnector(config, deps),
} satisfies ConnectorDefinition<SnmpConnectionConfig>;
