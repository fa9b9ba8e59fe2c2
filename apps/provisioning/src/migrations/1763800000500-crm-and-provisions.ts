import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The CRM data the playbooks read and write (seed 002: products, customers, inventory, services,
 * transactions) and the provisioning jobs with their per-task events (Provision, Provision_Event).
 * Inventory carries `reserved_by` so a job holds its SIM and number from the request until the
 * playbook assigns them (or the job fails and they return to the pool).
 */
export class CrmAndProvisions1763800000500 implements MigrationInterface {
  name = 'CrmAndProvisions1763800000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${s}"."products" (
      "product_id" SERIAL PRIMARY KEY,
      "product_slug" TEXT NOT NULL UNIQUE,
      "product_name" TEXT NOT NULL,
      "comment" TEXT NOT NULL DEFAULT '',
      "provisioning_play" TEXT NOT NULL,
      "provisioning_json_vars" JSONB NOT NULL DEFAULT '{}',
      "inventory_items_list" TEXT[] NOT NULL DEFAULT '{}',
      "retail_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "retail_setup_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "wholesale_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "wholesale_setup_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "enabled" BOOLEAN NOT NULL DEFAULT true,
      "created" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."customers" (
      "customer_id" SERIAL PRIMARY KEY,
      "tenant_id" TEXT NOT NULL DEFAULT '',
      "customer_name" TEXT NOT NULL,
      "customer_email" TEXT,
      "customer_phone" TEXT,
      "created" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."services" (
      "service_id" SERIAL PRIMARY KEY,
      "service_uuid" TEXT NOT NULL UNIQUE,
      "customer_id" INT NOT NULL REFERENCES "${s}"."customers" ("customer_id"),
      "product_id" INT REFERENCES "${s}"."products" ("product_id"),
      "service_name" TEXT NOT NULL,
      "service_status" TEXT NOT NULL DEFAULT 'Active',
      "retail_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "wholesale_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "created_by_provision_id" INT,
      "created" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."inventory" (
      "inventory_id" SERIAL PRIMARY KEY,
      "item_type" TEXT NOT NULL,
      "item_state" TEXT NOT NULL DEFAULT 'Available',
      "iccid" TEXT,
      "imsi" TEXT,
      "ki" TEXT,
      "opc" TEXT,
      "msisdn" TEXT,
      "customer_id" INT REFERENCES "${s}"."customers" ("customer_id"),
      "service_id" INT REFERENCES "${s}"."services" ("service_id"),
      "reserved_by" INT,
      "created" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "updated" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(
      `CREATE INDEX "inventory_pool" ON "${s}"."inventory" ("item_type", "inventory_id") WHERE "item_state" = 'Available'`,
    );
    await queryRunner.query(
      `CREATE INDEX "inventory_customer" ON "${s}"."inventory" ("customer_id")`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."transactions" (
      "transaction_id" SERIAL PRIMARY KEY,
      "customer_id" INT NOT NULL REFERENCES "${s}"."customers" ("customer_id"),
      "service_id" INT REFERENCES "${s}"."services" ("service_id"),
      "title" TEXT NOT NULL,
      "retail_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "wholesale_cost" NUMERIC(12, 2) NOT NULL DEFAULT 0,
      "created" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."provisions" (
      "provision_id" SERIAL PRIMARY KEY,
      "customer_id" INT REFERENCES "${s}"."customers" ("customer_id"),
      "product_id" INT REFERENCES "${s}"."products" ("product_id"),
      "service_id" INT,
      "action" TEXT NOT NULL DEFAULT 'provision',
      "provisioning_play" TEXT NOT NULL,
      "playbook_description" TEXT NOT NULL DEFAULT '',
      "provisioning_json_vars" JSONB NOT NULL,
      "provisioning_status" INT NOT NULL,
      "state" TEXT NOT NULL,
      "task_count" INT NOT NULL DEFAULT 0,
      "initiating_user" TEXT NOT NULL,
      "description" TEXT NOT NULL DEFAULT '',
      "status_reason" TEXT,
      "chain_id" UUID,
      "chain_step" INT,
      "created" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "started" TIMESTAMPTZ,
      "finished" TIMESTAMPTZ
    )`);
    await queryRunner.query(
      `CREATE INDEX "provisions_running" ON "${s}"."provisions" ("provision_id") WHERE "provisioning_status" = 1`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."provision_events" (
      "provision_event_id" SERIAL PRIMARY KEY,
      "provision_id" INT NOT NULL REFERENCES "${s}"."provisions" ("provision_id") ON DELETE CASCADE,
      "event_number" INT NOT NULL,
      "event_name" TEXT NOT NULL,
      "provisioning_status" INT NOT NULL,
      "provisioning_result_json" JSONB,
      "rescue" BOOLEAN NOT NULL DEFAULT false,
      "timestamp" TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE ("provision_id", "event_number")
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    for (const table of [
      'provision_events',
      'provisions',
      'transactions',
      'inventory',
      'services',
      'customers',
      'products',
    ]) {
      await queryRunner.query(`DROP TABLE "${s}"."${table}"`);
    }
  }
}
