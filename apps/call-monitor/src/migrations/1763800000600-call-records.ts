import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Call history (one record per finished call, keyed by source and call id so a call reported
 * ended twice is recorded once), alert policies per queue, and the alert evaluator's state so
 * the replica that takes a source over continues without firing again.
 */
export class CallRecords1763800000600 implements MigrationInterface {
  name = 'CallRecords1763800000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${s}"."call_records" (
      "source_id" TEXT NOT NULL,
      "call_id" TEXT NOT NULL,
      "direction" TEXT NOT NULL,
      "local_number" TEXT,
      "remote_number" TEXT,
      "remote_number_raw" TEXT,
      "remote_name" TEXT,
      "queue_id" TEXT,
      "agent_id" TEXT,
      "started_at" TIMESTAMPTZ NOT NULL,
      "queued_at" TIMESTAMPTZ,
      "answered_at" TIMESTAMPTZ,
      "ended_at" TIMESTAMPTZ NOT NULL,
      "wait_seconds" DOUBLE PRECISION NOT NULL,
      "talk_seconds" DOUBLE PRECISION NOT NULL,
      "hold_seconds" DOUBLE PRECISION NOT NULL,
      "transfer_count" INT NOT NULL DEFAULT 0,
      "transfers" JSONB NOT NULL DEFAULT '[]',
      "missed_by" TEXT[] NOT NULL DEFAULT '{}',
      "disposition" TEXT NOT NULL,
      "end_cause" TEXT,
      "recorded_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY ("source_id", "call_id")
    )`);
    await queryRunner.query(
      `CREATE INDEX "call_records_started" ON "${s}"."call_records" ("started_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "call_records_queue_started" ON "${s}"."call_records" ("queue_id", "started_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "call_records_agent_started" ON "${s}"."call_records" ("agent_id", "started_at")`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."alert_policies" (
      "queue_id" TEXT PRIMARY KEY,
      "policy" JSONB NOT NULL,
      "updated_by" TEXT NOT NULL,
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."alert_state" (
      "source_id" TEXT PRIMARY KEY,
      "state" JSONB NOT NULL,
      "saved_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${s}"."alert_state"`);
    await queryRunner.query(`DROP TABLE "${s}"."alert_policies"`);
    await queryRunner.query(`DROP TABLE "${s}"."call_records"`);
  }
}
