export { REST_POLLING_CONNECTOR } from './rest-connectors';
export { REST_SOURCE_TYPE, RestPollingConnector } from './rest-polling.connector';
export {
  AlarmFieldMapping,
  MetricFieldMapping,
  PAGING_TYPES,
  RestPagingDto,
  RestPollingConfig,
  RestWindowDto,
  jsonataProblem,
  type FieldMapping,
} from './rest-polling-config';
export {
  alarmOf,
  compileRestMapping,
  mapPage,
  metricOf,
  nextLinkOf,
  type MappedItem,
  type MappedPage,
  type RestMapping,
} from './rest-mapping';
