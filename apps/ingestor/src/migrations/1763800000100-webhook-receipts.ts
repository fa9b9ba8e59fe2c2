import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Receipts of webhook alarms: lets a sender's retry of the same notification map to the same event. */
export class WebhookReceipts1763800000100 implements MigrationInterface {
  name = 'WebhookReceipts1763800000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${s}"."webhook_receipts" (
      "fingerprint" TEXT PRIMARY KEY,
      "event_id" UUID NOT NULL,
      "source_id" TEXT NOT NULL,
      "alarm_id" TEXT NOT NULL,
      "tenant_id" TEXT NOT NULL,
      "received_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(
      `CREATE INDEX "webhook_receipts_source_alarm_idx" ON "${s}"."webhook_receipts" ("source_id", "alarm_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${s}"."webhook_receipts"`);
  }
}
