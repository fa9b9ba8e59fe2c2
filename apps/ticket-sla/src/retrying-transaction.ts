import type { DataSource, EntityManager } from 'typeorm';

/** PostgreSQL codes of a transaction that lost a race and may simply be run again. */
const RETRYABLE = new Set(['40P01', '40001']);

function codeOf(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = candidate.code ?? candidate.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `work` in a transaction, again (up to `attempts` times) when PostgreSQL aborted it as a
 * deadlock victim or a serialization failure: both mean "nothing was written, try again".
 */
export async function inRetryingTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      const code = codeOf(error);
      if (attempt >= attempts || code === undefined || !RETRYABLE.has(code)) throw error;
    }
  }
}
