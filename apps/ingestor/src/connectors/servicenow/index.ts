export { SERVICENOW_CONNECTOR } from './servicenow-connectors';
export { SERVICENOW_SOURCE_TYPE, ServiceNowConnector } from './servicenow.connector';
export {
  SERVICENOW_TABLES,
  SERVICENOW_TOKEN_ENDPOINT,
  ServiceNowConfig,
  ServiceNowOAuth2AuthenticationDto,
  type ServiceNowAuthenticationDto,
  type ServiceNowTable,
} from './servicenow-config';
export {
  ServiceNowWriteBack,
  ServiceNowWriteBackError,
  type IncidentResolution,
  type WriteBackErrorCode,
  type WriteBackOutcome,
} from './servicenow-write-back';
export { serviceNowTicket } from './servicenow-records';
