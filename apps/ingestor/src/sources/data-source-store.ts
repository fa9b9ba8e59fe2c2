import type { DataSource, EntityManager } from 'typeorm';
import type { SyncCursor } from '../connectors';
import { isSourceCondition, type SourceCondition } from '../health/connectivity';
import type { MappingRules } from '../pipeline/mapping-rules';

export type SourceOrigin = 'api' | 'file';

/** A `data_sources` row; `connectionConfig` is the stored form (secrets sealed). */
export interface StoredDataSource {
  sourceId: string;
  sourceName: string;
  sourceType: string;
  connectorClass: string;
  connectionConfig: Record<string, unknown>;
  mappingRules: MappingRules;
  /** Seconds. */
  pollingInterval: number;
  enabled: boolean;
  origin: SourceOrigin;
  createdAt: Date;
  updatedAt: Date;
}

/** What the scheduler needs to know of an enabled source. */
export interface SchedulableSource {
  sourceId: string;
  sourceType: string;
  connectorClass: string;
  pollingInterval: number;
  updatedAt: Date;
}

/** What one accepted push delivery (webhook) tells the source's health. */
export interface PushFigures {
  sourceId: string;
  replicaId: string;
  receivedAt: Date;
  accepted: number;
  rejected: number;
  qualityScore?: number;
}

/** A `source_sync_state` row: the watermark and what the last poll left. */
export interface SourceSyncState {
  sourceId: string;
  /** Bumped by every committed poll; a commit expecting an older one is refused (fencing). */
  version: string;
  cursor?: SyncCursor;
  polledBy?: string;
  lastAttempt?: Date;
  lastSync?: Date;
  errorCount: number;
  lastError?: string;
  condition: SourceCondition;
  conditionSince?: Date;
  responseTimeMs?: number;
  recordsCollected: number;
  recordsRejected: number;
  totalCollected: number;
  totalRejected: number;
  qualityScore?: number;
}

/** What one poll writes, together with its records. */
export interface SyncStateUpdate {
  sourceId: string;
  cursor?: SyncCursor;
  polledBy: string;
  lastAttempt: Date;
  lastSync?: Date;
  errorCount: number;
  lastError?: string;
  condition: SourceCondition;
  conditionSince: Date;
  responseTimeMs?: number;
  recordsCollected: number;
  recordsRejected: number;
  qualityScore?: number;
}

interface SourceRow {
  source_id: string;
  source_name: string;
  source_type: string;
  connector_class: string;
  connection_config: Record<string, unknown>;
  mapping_rules: MappingRules;
  polling_interval: number;
  enabled: boolean;
  origin: SourceOrigin;
  created_at: Date | string;
  updated_at: Date | string;
}

interface StateRow {
  source_id: string;
  version: string | number;
  cursor: SyncCursor | null;
  polled_by: string | null;
  last_attempt: Date | string | null;
  last_sync: Date | string | null;
  error_count: number;
  last_error: string | null;
  condition: string;
  condition_since: Date | string | null;
  response_time_ms: number | null;
  records_collected: number;
  records_rejected: number;
  total_collected: string | number;
  total_rejected: string | number;
  quality_score: number | null;
}

const date = (value: Date | string | null): Date | undefined =>
  value === null ? undefined : new Date(value);

function sourceOf(row: SourceRow): StoredDataSource {
  return {
    sourceId: row.source_id,
    sourceName: row.source_name,
    sourceType: row.source_type,
    connectorClass: row.connector_class,
    connectionConfig: row.connection_config,
    mappingRules: row.mapping_rules ?? {},
    pollingInterval: row.polling_interval,
    enabled: row.enabled,
    origin: row.origin,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function stateOf(row: StateRow): SourceSyncState {
  return {
    sourceId: row.source_id,
    version: String(row.version),
    cursor: row.cursor ?? undefined,
    polledBy: row.polled_by ?? undefined,
    lastAttempt: date(row.last_attempt),
    lastSync: date(row.last_sync),
    errorCount: row.error_count,
    lastError: row.last_error ?? undefined,
    condition: isSourceCondition(row.condition) ? row.condition : 'ok',
    conditionSince: date(row.condition_since),
    responseTimeMs: row.response_time_ms ?? undefined,
    recordsCollected: row.records_collected,
    recordsRejected: row.records_rejected,
    totalCollected: Number(row.total_collected),
    totalRejected: Number(row.total_rejected),
    qualityScore: row.quality_score ?? undefined,
  };
}

/**
 * Rows an UPDATE or DELETE touched: TypeORM's Postgres driver answers those as `[rows, count]`,
 * other statements as the rows themselves.
 */
function affected(result: unknown): number {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[1];
  }
  return Array.isArray(result) ? result.length : 0;
}

/** Rows an UPDATE … RETURNING gave back, whichever of the two answer shapes above came. */
function returnedRows<T>(result: unknown): T[] {
  if (!Array.isArray(result)) return [];
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

const SOURCE_COLUMNS = `"source_id", "source_name", "source_type", "connector_class", "connection_config",
  "mapping_rules", "polling_interval", "enabled", "origin", "created_at", "updated_at"`;

/** SQL for `data_sources` and `source_sync_state` (the ingestor's own schema). */
export class DataSourceStore {
  private readonly sources: string;
  private readonly states: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.sources = `"${schema}"."data_sources"`;
    this.states = `"${schema}"."source_sync_state"`;
  }

  async list(): Promise<StoredDataSource[]> {
    const rows = await this.dataSource.query<SourceRow[]>(
      `SELECT ${SOURCE_COLUMNS} FROM ${this.sources} ORDER BY "source_id"`,
    );
    return rows.map(sourceOf);
  }

  /** One source; inside a transaction `forUpdate` locks the row against concurrent edits. */
  async get(
    sourceId: string,
    manager?: EntityManager,
    forUpdate = false,
  ): Promise<StoredDataSource | undefined> {
    const rows = await (manager ?? this.dataSource).query<SourceRow[]>(
      `SELECT ${SOURCE_COLUMNS} FROM ${this.sources} WHERE "source_id" = $1${forUpdate ? ' FOR UPDATE' : ''}`,
      [sourceId],
    );
    return rows[0] ? sourceOf(rows[0]) : undefined;
  }

  async enabledSources(): Promise<SchedulableSource[]> {
    const rows = await this.dataSource.query<
      {
        source_id: string;
        source_type: string;
        connector_class: string | null;
        polling_interval: number;
        updated_at: Date | string;
      }[]
    >(
      `SELECT "source_id", "source_type", "connector_class", "polling_interval", "updated_at"
         FROM ${this.sources} WHERE "enabled" ORDER BY "source_id"`,
    );
    return rows.map((r) => ({
      sourceId: r.source_id,
      sourceType: r.source_type,
      connectorClass: r.connector_class ?? '',
      pollingInterval: r.polling_interval,
      updatedAt: new Date(r.updated_at),
    }));
  }

  /** Inserts a source and its empty sync state; false when the id is taken. */
  async insert(manager: EntityManager, source: StoredDataSource): Promise<boolean> {
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO ${this.sources} (${SOURCE_COLUMNS})
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11)
       ON CONFLICT ("source_id") DO NOTHING RETURNING "source_id"`,
      [
        source.sourceId,
        source.sourceName,
        source.sourceType,
        source.connectorClass,
        JSON.stringify(source.connectionConfig),
        JSON.stringify(source.mappingRules),
        source.pollingInterval,
        source.enabled,
        source.origin,
        source.createdAt,
        source.updatedAt,
      ],
    );
    if (inserted.length === 0) return false;
    await manager.query(`INSERT INTO ${this.states} ("source_id") VALUES ($1)`, [source.sourceId]);
    return true;
  }

  async update(manager: EntityManager, source: StoredDataSource): Promise<void> {
    await manager.query(
      `UPDATE ${this.sources} SET "source_name" = $2, "source_type" = $3, "connector_class" = $4,
         "connection_config" = $5::jsonb, "mapping_rules" = $6::jsonb, "polling_interval" = $7,
         "enabled" = $8, "origin" = $9, "updated_at" = $10
       WHERE "source_id" = $1`,
      [
        source.sourceId,
        source.sourceName,
        source.sourceType,
        source.connectorClass,
        JSON.stringify(source.connectionConfig),
        JSON.stringify(source.mappingRules),
        source.pollingInterval,
        source.enabled,
        source.origin,
        source.updatedAt,
      ],
    );
  }

  async delete(manager: EntityManager, sourceId: string): Promise<boolean> {
    const result: unknown = await manager.query(
      `DELETE FROM ${this.sources} WHERE "source_id" = $1`,
      [sourceId],
    );
    return affected(result) > 0;
  }

  async state(sourceId: string): Promise<SourceSyncState | undefined> {
    const rows = await this.dataSource.query<StateRow[]>(
      `SELECT * FROM ${this.states} WHERE "source_id" = $1`,
      [sourceId],
    );
    return rows[0] ? stateOf(rows[0]) : undefined;
  }

  /**
   * Writes a poll's watermark and health if the state is still at `expectedVersion`; false when
   * another replica committed a poll of this source since it was read (or the source is gone),
   * and the caller must roll back.
   */
  /**
   * Records an accepted push delivery in the source's health, in the delivery's transaction: it is
   * the source's sync (last_sync, records of this delivery, totals). The version moves on too.
   */
  async recordPush(manager: EntityManager, push: PushFigures): Promise<void> {
    await manager.query(
      `UPDATE ${this.states} SET
         "version" = "version" + 1, "polled_by" = $2, "last_attempt" = $3, "last_sync" = $3,
         "error_count" = 0, "records_collected" = $4::int, "records_rejected" = $5::int,
         "total_collected" = "total_collected" + $4::int,
         "total_rejected" = "total_rejected" + $5::int,
         "quality_score" = COALESCE($6, "quality_score"), "updated_at" = now()
       WHERE "source_id" = $1`,
      [
        push.sourceId,
        push.replicaId,
        push.receivedAt,
        push.accepted,
        push.rejected,
        push.qualityScore ?? null,
      ],
    );
  }

  /**
   * Claims the next sync of a source: moves the state's version on when it is still `expected`
   * and returns the new one, or undefined when another poll (here or on another replica) claimed
   * or committed since. Only the claimant publishes, so racing polls do not publish twice.
   */
  async claimSync(
    sourceId: string,
    expected: string,
    replicaId: string,
  ): Promise<string | undefined> {
    const result: unknown = await this.dataSource.query(
      `UPDATE ${this.states} SET "version" = "version" + 1, "polled_by" = $3
       WHERE "source_id" = $1 AND "version" = $2 RETURNING "version"`,
      [sourceId, expected, replicaId],
    );
    const [row] = returnedRows<{ version: string | number }>(result);
    return row === undefined ? undefined : String(row.version);
  }

  async commitSync(
    manager: EntityManager,
    update: SyncStateUpdate,
    expectedVersion: string,
  ): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE ${this.states} SET
         "version" = "version" + 1, "cursor" = $3::jsonb, "polled_by" = $4, "last_attempt" = $5,
         "last_sync" = $6, "error_count" = $7, "last_error" = $8, "condition" = $9,
         "condition_since" = $10, "response_time_ms" = $11, "records_collected" = $12::int,
         "records_rejected" = $13::int, "total_collected" = "total_collected" + $12::int,
         "total_rejected" = "total_rejected" + $13::int, "quality_score" = $14, "updated_at" = now()
       WHERE "source_id" = $1 AND "version" = $2`,
      [
        update.sourceId,
        expectedVersion,
        update.cursor === undefined ? null : JSON.stringify(update.cursor),
        update.polledBy,
        update.lastAttempt,
        update.lastSync ?? null,
        update.errorCount,
        update.lastError ?? null,
        update.condition,
        update.conditionSince,
        update.responseTimeMs ?? null,
        update.recordsCollected,
        update.recordsRejected,
        update.qualityScore ?? null,
      ],
    );
    return affected(result) > 0;
  }
}
