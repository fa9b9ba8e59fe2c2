import type { DestinationStream } from 'pino';
import { ConfigValidationError, redactUrl } from '@telcomesh/config';
import { createTicketSystemAdapter, TicketSystemError } from './adapters';
import { createAgentLogger, type AgentLogger } from './agent-logger';
import { TicketAgentClient, type TicketAgentClientOptions } from './client/ticket-agent-client';
import { ResultOutbox } from './outbox/result-outbox';
import { loadTicketAgentConfig, type TicketAgentConfig } from './ticket-agent.config';
import type { TicketSystemAdapter } from './ticket-system-adapter';
import {
  readTicketSystemSettingsFile,
  ticketSystemAdapterSettings,
  TicketSystemSettingsError,
} from './ticket-system-settings';

export const TICKET_AGENT_VERSION = '0.1.0';

/** Builds the adapter of `config.TICKET_SYSTEM`. */
export type TicketSystemAdapterFactory = (
  config: TicketAgentConfig,
  logger: AgentLogger,
) => TicketSystemAdapter | Promise<TicketSystemAdapter>;

/** The adapters of `./adapters`, configured from the seed variables and TICKET_SYSTEM_CONFIG. */
export const createConfiguredAdapter: TicketSystemAdapterFactory = async (config, logger) => {
  const file = await readTicketSystemSettingsFile(config);
  return createTicketSystemAdapter(ticketSystemAdapterSettings(config, file), {
    logger: {
      debug: (message, context) => logger.debug(context ?? {}, message),
      warn: (message, context) => logger.warn(context ?? {}, message),
    },
  });
};

export interface RunningTicketAgent {
  config: TicketAgentConfig;
  client: TicketAgentClient;
  outbox: ResultOutbox;
  adapter: TicketSystemAdapter;
  /** Closes the connection, abandons running tasks and closes the outbox (pending results stay). */
  close(): Promise<void>;
}

export interface StartTicketAgentOptions {
  logDestination?: DestinationStream;
  /** Test hooks: clock, backoff, timeouts. */
  client?: Partial<Omit<TicketAgentClientOptions, 'adapter' | 'outbox' | 'logger'>>;
}

/**
 * Validates the environment (throws `ConfigValidationError` naming each bad variable), opens the
 * outbox, builds the adapter and starts dialling the server. Does not wait for the connection:
 * an agent whose server is down keeps running tasks it already has and retries.
 */
export async function startTicketAgent(
  env: Record<string, string | undefined>,
  createAdapter: TicketSystemAdapterFactory = createConfiguredAdapter,
  options: StartTicketAgentOptions = {},
): Promise<RunningTicketAgent> {
  const config = loadTicketAgentConfig(env);
  const logger = createAgentLogger(config.LOG_LEVEL, options.logDestination);
  const outbox = await ResultOutbox.open({
    dir: config.OUTBOX_DIR,
    maxBytes: config.OUTBOX_MAX_BYTES,
    logger,
  });
  let adapter: TicketSystemAdapter;
  try {
    adapter = await createAdapter(config, logger);
  } catch (error) {
    await outbox.close();
    throw error;
  }
  // Checked in the background: a ticket system that is down (or slow to refuse) must not keep
  // the agent from reaching the server; tasks report their own failures.
  const where = { system: adapter.system, url: redactUrl(config.URL) };
  void adapter.check().then(
    () => logger.info(where, 'ticket system reachable'),
    (error: unknown) =>
      logger.warn({ ...where, reason: errorText(error) }, 'ticket system check failed at start-up'),
  );
  const client = new TicketAgentClient({
    serverUrl: config.SERVER,
    agentId: config.TOKEN,
    secret: config.KEY,
    agentVersion: TICKET_AGENT_VERSION,
    adapter,
    outbox,
    logger,
    ...options.client,
  });
  client.start();
  logger.info(
    {
      agentId: config.TOKEN,
      system: adapter.system,
      server: redactUrl(config.SERVER),
      outboxDir: config.OUTBOX_DIR,
      version: TICKET_AGENT_VERSION,
    },
    'ticket agent started',
  );
  return {
    config,
    client,
    outbox,
    adapter,
    async close() {
      await client.close();
      await outbox.close();
      logger.info({ pendingResults: outbox.stats().pending }, 'ticket agent stopped');
    },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Entry point as its own process: exits 1 with one readable message when start-up fails, and
 * stops cleanly on SIGTERM/SIGINT.
 */
export function runTicketAgentAsMain(
  createAdapter: TicketSystemAdapterFactory = createConfiguredAdapter,
): void {
  startTicketAgent(process.env, createAdapter).then(
    (agent) => {
      const stop = () => {
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        agent.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (error: unknown) => {
      // Configuration mistakes read best as their message alone; anything else keeps its stack.
      const message =
        error instanceof ConfigValidationError
          ? error.message
          : error instanceof TicketSystemSettingsError || error instanceof TicketSystemError
            ? `ticket-agent: ${error.message}`
            : `ticket-agent: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runTicketAgentAsMain();
