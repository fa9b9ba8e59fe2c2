import { ConfigValidationError, type ServiceConfig } from '@telcomesh/config';
import { startService, type ServiceDefinition } from './bootstrap';

/**
 * Entry point of a service run as its own process: starts it, stops it cleanly on SIGTERM/SIGINT,
 * and exits non-zero with one readable message when start-up fails (bad config, no database...).
 */
export function runAsMain<C extends ServiceConfig>(definition: ServiceDefinition<C>): void {
  startService(definition).then(
    (running) => {
      const stop = (signal: string) => {
        running.runtime.logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => process.exit(1), 20_000);
        force.unref();
        void running.close().then(
          () => process.exit(0),
          (error: unknown) => {
            running.runtime.logger.error({ err: error }, 'error while shutting down');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    },
    (error: unknown) => {
      const message =
        error instanceof ConfigValidationError
          ? error.message
          : `${definition.name}: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  );
}
