export {
  classifyResponse,
  retryAfterMs,
  truncate,
  type DeliveryOutcome,
  type HttpResponse,
  type HttpSend,
  type Integration,
  type IntegrationHealth,
  type OutboundRequest,
} from './integration';
export { fetchHttpSend } from './fetch-http';
export type { Notification, NotificationSeverity } from './notification';
