export {
  parseServiceNowConfig,
  SECRET_FIELDS as SERVICENOW_SECRET_FIELDS,
  ServiceNowConfig,
} from './servicenow.config';
export {
  correlationId as serviceNowCorrelationId,
  SERVICENOW_CORRELATION_MAX,
  SERVICENOW_SHORT_DESCRIPTION_MAX,
  SERVICENOW_TEXT_MAX,
  ServiceNowIntegration,
  type ServiceNowIncidentPayload,
} from './servicenow.integration';
