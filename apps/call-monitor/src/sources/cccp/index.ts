export {
  CccpDispatchSource,
  DEFAULT_CCCP_BACKOFF,
  cccpReconnectDelay,
  type CccpBackoffOptions,
  type CccpDispatchSourceOptions,
  type CccpLogger,
} from './cccp-dispatch-source';
export { systemCccpClock, type CccpClock } from './cccp-clock';
export {
  CCCP_OBJECT_TYPES,
  CCCP_VIEW_FIELDS,
  CALL_STATE_CLASSIFICATION,
  AGENT_STATE_CLASSIFICATION,
  TASK_STATE_CLASSIFICATION,
  type CccpObjectType,
} from './cccp-mapping';
export * from './dispatch-client';
export {
  JsonDispatchClient,
  jsonDispatchClientFactory,
  type JsonDispatchClientOptions,
} from './json-dispatch-client';
export { ViewFilterSyntaxError, compileViewFilter, type ViewFilter } from './view-filter';
