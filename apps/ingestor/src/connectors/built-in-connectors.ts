import { ConnectorRegistry } from './connector-registry';
import { OSS_CONNECTORS } from './oss/oss-connectors';
import { SNMP_CONNECTOR } from './snmp/snmp-connectors';
import { SERVICENOW_CONNECTOR } from './servicenow/servicenow-connectors';
import { IOT_MQTT_CONNECTOR, IOT_REST_CONNECTOR } from './iot/iot-connectors';
import { REST_POLLING_CONNECTOR } from './rest/rest-connectors';

/** Every connector the ingestor ships, by source_type / connector_class and variant. */
export function createConnectorRegistry(): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  for (const definition of OSS_CONNECTORS) registry.register(definition);
  registry.register(SNMP_CONNECTOR);
  registry.register(SERVICENOW_CONNECTOR);
  registry.register(IOT_REST_CONNECTOR);
  registry.register(IOT_MQTT_CONNECTOR);
  registry.register(REST_POLLING_CONNECTOR);
  return registry;
}
