import { ConnectorRegistry } from './connector-registry';
import { OSS_CONNECTORS } from './oss/oss-connectors';
import { SNMP_CONNECTOR } from './snmp/snmp-connectors';

/** Every connector the ingestor ships, by source_type / connector_class and variant. */
export function createConnectorRegistry(): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  for (const definition of OSS_CONNECTORS) registry.register(definition);
  registry.register(SNMP_CONNECTOR);
  return registry;
}
