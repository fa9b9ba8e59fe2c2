export { createLogger, REDACT_PATHS, type Logger } from './logger';
export { ServiceMetrics } from './metrics';
export {
  currentTraceId,
  extractTraceContext,
  initTracing,
  injectTraceHeaders,
  inSpan,
  shutdownTracing,
  SpanKind,
  type SpanOptions,
} from './tracing';
