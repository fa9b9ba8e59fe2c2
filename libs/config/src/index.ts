export { ConfigValidationError } from './config-error';
export { loadConfig } from './load-config';
export { REDACTED, isSecretKey, redact, redactUrl } from './redact';
export { ServiceConfig, type LogLevel } from './service-config';
