import type { ConnectorDefinition } from '../connector-registry';
import { ServiceNowConfig } from './servicenow-config';
import { SERVICENOW_SOURCE_TYPE, ServiceNowConnector } from './servicenow.connector';

/** Registry entry of the ServiceNow connector (seed `itsm_servicenow`, `ITSM_ServiceNowConnector`). */
export const SERVICENOW_CONNECTOR = {
  sourceType: SERVICENOW_SOURCE_TYPE,
  connectorClass: 'ITSM_ServiceNowConnector',
  configClass: ServiceNowConfig,
  create: (config, deps) => new ServiceNowConnector(config, deps),
} satisfies ConnectorDefinition<ServiceNowConfig>;
