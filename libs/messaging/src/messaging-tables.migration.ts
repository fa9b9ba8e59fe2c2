import type { MigrationInterface, QueryRunner } from 'typeorm';

function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('messaging tables need the data source to name its schema');
  return schema;
}

/**
 * Outbox and inbox tables, created in the schema of whichever service registers this migration.
 * Every service that publishes or consumes adds it to its migration list.
 */
export class MessagingTables1763800000000 implements MigrationInterface {
  name = 'MessagingTables1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`CREATE TABLE "${s}"."outbox" (
      "id" BIGSERIAL PRIMARY KEY,
      "topic" TEXT NOT NULL,
      "key" TEXT NOT NULL,
      "payload" BYTEA NOT NULL,
      "headers" JSONB NOT NULL,
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."inbox" (
      "consumer_group" TEXT NOT NULL,
      "event_id" TEXT NOT NULL,
      "received_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY ("consumer_group", "event_id")
    )`);
    await queryRunner.query(
      `CREATE INDEX "inbox_received_at_idx" ON "${s}"."inbox" ("received_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE "${s}"."inbox"`);
    await queryRunner.query(`DROP TABLE "${s}"."outbox"`);
  }
}
