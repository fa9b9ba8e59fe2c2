// `npm run migrate -- <service> [run|show|revert]`: the service's migrations against DATABASE_URL
// (or its PGlite data in DATA_DIR), outside a running service — e.g. as a Kubernetes init job.
import { loadConfig, redactUrl } from '@telcomesh/config';
import { openServiceDatabase } from '@telcomesh/persistence';
import { serviceDataSourceOf } from '@telcomesh/platform';
import { serviceNamed } from './services';

async function main(): Promise<void> {
  const [name, action = 'run'] = process.argv.slice(2);
  const definition = serviceNamed(name);
  const config = loadConfig(definition.name, definition.configClass);
  const dataSource = serviceDataSourceOf(definition, config);
  const where = config.DATABASE_URL ? redactUrl(config.DATABASE_URL) : `pglite ${config.DATA_DIR}`;
  try {
    switch (action) {
      case 'run': {
        await openServiceDatabase(dataSource);
        process.stdout.write(`${definition.name}: migrations applied (${where})\n`);
        break;
      }
      case 'show': {
        await dataSource.initialize();
        const pending = await dataSource.showMigrations();
        process.stdout.write(
          `${definition.name}: ${pending ? 'pending migrations' : 'up to date'} (${where})\n`,
        );
        process.exitCode = pending ? 3 : 0;
        break;
      }
      case 'revert': {
        await dataSource.initialize();
        await dataSource.undoLastMigration({ transaction: 'each' });
        process.stdout.write(`${definition.name}: last migration reverted (${where})\n`);
        break;
      }
      default:
        throw new Error(`unknown action "${action}": run, show or revert`);
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
