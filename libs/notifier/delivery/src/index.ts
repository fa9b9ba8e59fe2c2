export { CircuitBreaker, type CircuitState } from './circuit-breaker';
export {
  DeliveryQueue,
  deliveryKeyOf,
  type DeliveryFilter,
  type DeliveryRequest,
  type DeliveryStatus,
  type QueuedDelivery,
  type Settlement,
} from './delivery-queue';
export {
  DEFAULT_DELIVERY_POLICY,
  DeliveryWorker,
  type DeliveryGate,
  type DeliveryObserver,
  type DeliveryPolicy,
} from './delivery-worker';
export { NotificationDeliveries1763800000300 } from './notification-deliveries.migration';
export { NotificationDeliveryContext1763800000310 } from './notification-delivery-context.migration';
