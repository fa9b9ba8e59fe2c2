import type { ConnectorDefinition } from '../connector-registry';
import { RestPollingConfig } from './rest-polling-config';
import { REST_SOURCE_TYPE, RestPollingConnector } from './rest-polling.connector';

/** Registry entry of the generic REST connector (seed "REST Connector", `rest_connector.py`). */
export const REST_POLLING_CONNECTOR = {
  sourceType: REST_SOURCE_TYPE,
  connectorClass: 'REST_Connector',
  configClass: RestPollingConfig,
  create: (config, deps) => new RestPollingConnector(config, deps),
} satisfies ConnectorDefinition<RestPollingConfig>;
