import pino, { type DestinationStream } from 'pino';
import { REDACT_PATHS } from '@telcomesh/observability';

/** Where the agent's parts report; pino's logger fits it, tests record into an array. */
export interface AgentLogger {
  debug(context: Record<string, unknown>, message: string): void;
  info(context: Record<string, unknown>, message: string): void;
  warn(context: Record<string, unknown>, message: string): void;
  error(context: Record<string, unknown>, message: string): void;
}

/** The agent's own secrets (seed variable names) on top of the platform's list. */
const AGENT_REDACT_PATHS = ['KEY', 'PASSWORD', '*.KEY', '*.PASSWORD', 'proof', '*.proof'];

/** Structured JSON logs; the agent has no tracing, so plain pino rather than the service logger. */
export function createAgentLogger(level: string, destination?: DestinationStream): pino.Logger {
  return pino(
    {
      level,
      base: { service: 'ticket-agent' },
      redact: { paths: [...REDACT_PATHS, ...AGENT_REDACT_PATHS], censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
