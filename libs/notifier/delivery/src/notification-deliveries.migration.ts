import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable delivery queue: one row per (notification, integration), keyed by the idempotency
 * key, so the same notification is never queued twice for one integration.
 */
export class NotificationDeliveries1763800000300 implements MigrationInterface {
  name = 'NotificationDeliveries1763800000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${s}"."notification_deliveries" (
      "delivery_key" TEXT PRIMARY KEY,
      "integration" TEXT NOT NULL,
      "notification" JSONB NOT NULL,
      "status" TEXT NOT NULL CHECK ("status" IN ('pending', 'in_flight', 'delivered', 'dead')),
      "attempts" INT NOT NULL DEFAULT 0,
      "next_attempt_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "lease_until" TIMESTAMPTZ,
      "last_status" INT,
      "last_error" TEXT,
      "reference" TEXT,
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "delivered_at" TIMESTAMPTZ
    )`);
    await queryRunner.query(
      `CREATE INDEX "notification_deliveries_due_idx" ON "${s}"."notification_deliveries" ("integration", "next_attempt_at") WHERE "status" IN ('pending', 'in_flight')`,
    );
    await queryRunner.query(
      `CREATE INDEX "notification_deliveries_log_idx" ON "${s}"."notification_deliveries" ("updated_at" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${s}"."notification_deliveries"`);
  }
}
