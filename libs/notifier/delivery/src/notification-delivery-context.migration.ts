import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each delivery remembers the route rule that chose it (for the delivery log) and the trace
 * context of the event it came from, so the request to the product continues the event's trace.
 */
export class NotificationDeliveryContext1763800000310 implements MigrationInterface {
  name = 'NotificationDeliveryContext1763800000310';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(
      `ALTER TABLE "${s}"."notification_deliveries" ADD COLUMN "rule" TEXT, ADD COLUMN "trace_parent" TEXT`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(
      `ALTER TABLE "${s}"."notification_deliveries" DROP COLUMN "rule", DROP COLUMN "trace_parent"`,
    );
  }
}
