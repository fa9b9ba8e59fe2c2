import { ConnectorRegistry } from './connector-registry';
import { OSS_CONNECTORS } from './oss/oss-connectors';

/** Every connector the ingestor ships, by source_type / connector_class and variant. */
export function createConnectorRegistry(): ConnectorRegistry {
  const registry = new ConnectorRegistry();
  for (const definition of OSS_CONNECTORS) registry.register(definition);
  return registry;
}
