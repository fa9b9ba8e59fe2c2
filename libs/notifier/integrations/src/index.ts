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
export type { Notification, NotificationSeverity } from './notification';
