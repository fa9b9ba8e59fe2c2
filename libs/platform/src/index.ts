export {
  serviceDataSourceOf,
  startService,
  type RunningService,
  type ServiceDefinition,
} from './bootstrap';
export { runAsMain } from './run-as-main';
export { DomainError, ErrorCode, httpStatusOf } from './domain-error';
export { PlatformModule } from './platform.module';
export type { ServiceRuntime } from './runtime';
export { SERVICE_CONFIG, SERVICE_RUNTIME } from './tokens';
export * from './csv';
export { Actor, ChangeReason } from './actor';
