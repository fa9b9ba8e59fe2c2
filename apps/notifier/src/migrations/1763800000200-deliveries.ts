import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per event delivered to an integration: the notifier's record of what left the platform. */
export class Deliveries1763800000200 implements MigrationInterface {
  name = 'Deliveries1763800000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
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

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`DROP TABLE "${s}"."deliveries"`);
  }
}
