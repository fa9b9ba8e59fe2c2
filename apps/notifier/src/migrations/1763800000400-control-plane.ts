import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notifier's control plane and noise-control state: integrations, routing documents
 * (`integrations.notifications`, `.grouping`, ...), silences, approval requests, open conditions
 * (to send a resolve only for what was told to be firing) and durable alert groups (so a restart
 * inside `group_wait` loses nothing). The per-event `deliveries` table of the first notifier is
 * replaced by the delivery queue (`notification_deliveries`).
 */
export class NotifierControlPlane1763800000400 implements MigrationInterface {
  name = 'NotifierControlPlane1763800000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE IF EXISTS "${s}"."deliveries"`);
    await queryRunner.query(`CREATE TABLE "${s}"."integrations" (
      "name" TEXT PRIMARY KEY,
      "type" TEXT NOT NULL,
      "config" JSONB NOT NULL,
      "enabled" BOOLEAN NOT NULL DEFAULT true,
      "origin" TEXT NOT NULL,
      "version" INT NOT NULL DEFAULT 1,
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updated_by" TEXT NOT NULL
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."settings" (
      "key" TEXT PRIMARY KEY,
      "value" JSONB NOT NULL,
      "origin" TEXT NOT NULL,
      "version" INT NOT NULL DEFAULT 1,
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updated_by" TEXT NOT NULL
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."silences" (
      "id" TEXT PRIMARY KEY,
      "matchers" JSONB NOT NULL,
      "starts_at" TIMESTAMPTZ NOT NULL,
      "ends_at" TIMESTAMPTZ NOT NULL,
      "created_by" TEXT NOT NULL,
      "comment" TEXT NOT NULL DEFAULT '',
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE INDEX "silences_ends_at" ON "${s}"."silences" ("ends_at")`);
    await queryRunner.query(`CREATE TABLE "${s}"."change_requests" (
      "id" UUID PRIMARY KEY,
      "key" TEXT NOT NULL,
      "action" TEXT NOT NULL,
      "new_value" JSONB,
      "policy" TEXT NOT NULL,
      "approvers" JSONB NOT NULL,
      "min_approvals" INT NOT NULL,
      "approvals" JSONB NOT NULL DEFAULT '[]',
      "status" TEXT NOT NULL,
      "requested_by" TEXT NOT NULL,
      "reason" TEXT NOT NULL DEFAULT '',
      "expires_at" TIMESTAMPTZ NOT NULL,
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "decided_at" TIMESTAMPTZ,
      "decision" TEXT
    )`);
    await queryRunner.query(
      `CREATE INDEX "change_requests_pending" ON "${s}"."change_requests" ("expires_at") WHERE "status" = 'pending'`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."open_conditions" (
      "condition" TEXT PRIMARY KEY,
      "opened_at" TIMESTAMPTZ NOT NULL
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."alert_groups" (
      "group_key" TEXT PRIMARY KEY,
      "integration" TEXT NOT NULL,
      "labels" JSONB NOT NULL,
      "next_flush_at" TIMESTAMPTZ NOT NULL,
      "notified" JSONB,
      "last_sent_at" TIMESTAMPTZ
    )`);
    await queryRunner.query(
      `CREATE INDEX "alert_groups_due" ON "${s}"."alert_groups" ("next_flush_at")`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."alert_group_members" (
      "group_key" TEXT NOT NULL REFERENCES "${s}"."alert_groups" ("group_key") ON DELETE CASCADE,
      "identity" TEXT NOT NULL,
      "notification" JSONB NOT NULL,
      "firing" BOOLEAN NOT NULL,
      PRIMARY KEY ("group_key", "identity")
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    for (const table of [
      'alert_group_members',
      'alert_groups',
      'open_conditions',
      'change_requests',
      'silences',
      'settings',
      'integrations',
    ]) {
      await queryRunner.query(`DROP TABLE "${s}"."${table}"`);
    }
    await queryRunner.query(`CREATE TABLE "${s}"."deliveries" (
      "delivery_id" UUID PRIMARY KEY,
      "event_id" TEXT NOT NULL,
      "integration" TEXT NOT NULL,
      "target" TEXT NOT NULL,
      "status" TEXT NOT NULL,
      "attempts" INT NOT NULL,
      "http_status" INT,
      "latency_ms" INT NOT NULL,
      "delivered_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE ("integration", "event_id")
    )`);
  }
}
