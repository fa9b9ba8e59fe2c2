export * from './connector';
export {
  ConnectorRegistry,
  type ConnectorDefinition,
  type ConnectorSelector,
} from './connector-registry';
export {
  ApiKeyAuthenticationDto,
  BasicAuthenticationDto,
  ConnectorConfigError,
  HttpConnectionConfig,
  OAuth2AuthenticationDto,
  RequestBudgetDto,
  RetryDto,
  SessionAuthenticationDto,
  createAuthStrategy,
  validateConnectionConfig,
  type AuthenticationDto,
  type ConfigIssue,
} from './connection-config';
export {
  HttpPollingConnector,
  pageRequest,
  unexpectedShape,
  type PolledStream,
  type StreamWindow,
} from './http-polling-connector';
export { ItemError } from './item-fields';
export { systemClock, type Clock } from './http/clock';
export {
  HttpSourceClient,
  SourceResponse,
  type ConnectorLogger,
  type SourceRequest,
} from './http/http-source-client';
export { SourceError, type ConnectionStage, type SourceErrorKind } from './http/source-error';
export { RequestBudget } from './http/request-budget';
export * from './http/pagination';
export { OssConnectionConfig, OssRecordFilter } from './oss/oss-config';
export { EricssonEnmConfig, EricssonEnmConnector } from './oss/ericsson-enm.connector';
export { HuaweiU2000Config, HuaweiU2000Connector } from './oss/huawei-u2000.connector';
export { NokiaNetActConfig, NokiaNetActConnector } from './oss/nokia-netact.connector';
export { ZteConfig, ZteConnector } from './oss/zte.connector';
export { Tmf642AlarmConfig, Tmf642AlarmConnector } from './oss/tmf642-alarm.connector';
export { OSS_CONNECTORS } from './oss/oss-connectors';
export * from './snmp';
export * from './servicenow';
export * from './iot';
export * from './rest';

export { createConnectorRegistry } from './built-in-connectors';
