import { EventEmitter } from 'node:events';
import type { PGlite, Results } from '@electric-sql/pglite';

type QueryCallback = (error: Error | null, result?: PgResult) => void;
type ConnectCallback = (error: Error | null, client?: PGliteClient, release?: () => void) => void;

/** The subset of node-postgres' result that TypeORM reads. */
export interface PgResult {
  rows: unknown[];
  rowCount: number;
  command: string;
  fields: { name: string; dataTypeID: number }[];
}

function toPgResult(sql: string, result: Results<unknown> | undefined): PgResult {
  // PGlite reports the command tag of the statement itself (the last one of a multi-statement
  // script); `affectedRows` adds up every statement of the script and is 0 for a SELECT.
  const command = result?.command?.toUpperCase() ?? /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  const rows = result?.rows ?? [];
  return {
    rows,
    rowCount: result?.rowCount ?? result?.affectedRows ?? rows.length,
    command,
    fields: (result?.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
  };
}

/** One checked-out session. PGlite has a single session, so only one client exists at a time. */
export class PGliteClient extends EventEmitter {
  constructor(private readonly db: PGlite) {
    super();
  }

  query(
    sql: string,
    params?: unknown[] | QueryCallback,
    callback?: QueryCallback,
  ): Promise<PgResult> {
    const cb = typeof params === 'function' ? params : callback;
    const values = Array.isArray(params) ? params : undefined;
    const run =
      values && values.length > 0
        ? this.db.query(sql, values)
        : // exec runs multi-statement migration scripts; TypeORM wants the last result.
          this.db.exec(sql).then((results) => results[results.length - 1]);
    return run.then(
      (result) => {
        const pg = toPgResult(sql, result);
        cb?.(null, pg);
        return pg;
      },
      (error: unknown) => {
        const err = error instanceof Error ? error : new Error(String(error));
        cb?.(err);
        throw err;
      },
    );
  }
}

/**
 * A node-postgres compatible pool over one embedded PGlite instance. Checking out a client takes
 * an exclusive lease, so TypeORM transactions never interleave on PGlite's single session.
 */
export class PGlitePool extends EventEmitter {
  private readonly client: PGliteClient;
  private tail: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(private readonly db: PGlite) {
    super();
    this.client = new PGliteClient(db);
  }

  connect(callback?: ConnectCallback): Promise<PGliteClient> {
    if (this.ended) {
      const error = new Error('PGlite pool has ended');
      callback?.(error);
      return Promise.reject(error);
    }
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.tail.then(() => undefined);
    this.tail = this.tail.then(() => held);
    let released = false;
    const done = () => {
      if (!released) {
        released = true;
        release();
      }
    };
    return acquired.then(() => {
      callback?.(null, this.client, done);
      return this.client;
    });
  }

  async query(sql: string, params?: unknown[]): Promise<PgResult> {
    let release: (() => void) | undefined;
    await this.connect((_error, _client, done) => (release = done));
    try {
      return await this.client.query(sql, params);
    } finally {
      release?.();
    }
  }

  end(callback?: (error: Error | null) => void): Promise<void> {
    this.ended = true;
    return this.db.close().then(
      () => callback?.(null),
      (error: unknown) => callback?.(error instanceof Error ? error : new Error(String(error))),
    );
  }
}
