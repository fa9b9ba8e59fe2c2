import pino, { type Logger } from 'pino';
import { context, trace } from '@opentelemetry/api';

/** Paths pino blanks in every log line; secrets never reach a log (see docs/adr on redaction). */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  '*.client_secret',
  'token',
  '*.token',
  '*.apiKey',
  '*.api_key',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
];

export type { Logger };

/** JSON logs with the active trace and span id on every line. */
export function createLogger(
  service: string,
  level: string,
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const spanContext = trace.getSpan(context.active())?.spanContext();
        return spanContext && trace.isSpanContextValid(spanContext)
          ? { trace_id: spanContext.traceId, span_id: spanContext.spanId }
          : {};
      },
    },
    destination,
  );
}
