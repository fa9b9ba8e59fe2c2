import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seed 000 `data_sources` (with the worker file's `connector_class` and `polling_interval`) and
 * each source's sync state: the connector cursor (watermark), a version that fences commits
 * from a replica that lost the source, and the health the last poll left.
 */
export class DataSources1763800000110 implements MigrationInterface {
  name = 'DataSources1763800000110';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${s}"."data_sources" (
      "source_id" TEXT PRIMARY KEY,
      "source_name" TEXT NOT NULL,
      "source_type" TEXT NOT NULL,
      "connector_class" TEXT NOT NULL,
      "connection_config" JSONB NOT NULL,
      "mapping_rules" JSONB NOT NULL DEFAULT '{}'::jsonb,
      "polling_interval" INTEGER NOT NULL DEFAULT 300,
      "enabled" BOOLEAN NOT NULL DEFAULT true,
      "origin" TEXT NOT NULL DEFAULT 'api',
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."source_sync_state" (
      "source_id" TEXT PRIMARY KEY REFERENCES "${s}"."data_sources" ("source_id") ON DELETE CASCADE,
      "version" BIGINT NOT NULL DEFAULT 0,
      "cursor" JSONB,
      "polled_by" TEXT,
      "last_attempt" TIMESTAMPTZ,
      "last_sync" TIMESTAMPTZ,
      "error_count" INTEGER NOT NULL DEFAULT 0,
      "last_error" TEXT,
      "condition" TEXT NOT NULL DEFAULT 'ok',
      "condition_since" TIMESTAMPTZ,
      "response_time_ms" INTEGER,
      "records_collected" INTEGER NOT NULL DEFAULT 0,
      "records_rejected" INTEGER NOT NULL DEFAULT 0,
      "total_collected" BIGINT NOT NULL DEFAULT 0,
      "total_rejected" BIGINT NOT NULL DEFAULT 0,
      "quality_score" DOUBLE PRECISION,
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${s}"."source_sync_state"`);
    await queryRunner.query(`DROP TABLE "${s}"."data_sources"`);
  }
}
