import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tickets (one per ticket system + key) with their status and assignment-group history, the
 * agents and the results they delivered (deduplicated by result id), SLA calendars and policies as
 * JSON documents, and `sla_state`: one row per ticket × target, the read model the timers and the
 * BI API use (partial indexes for the live lists, an outcome index for compliance and trends).
 */
export class TicketsAndSla1763800000700 implements MigrationInterface {
  name = 'TicketsAndSla1763800000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    await queryRunner.query(`CREATE TABLE "${s}"."tickets" (
      "id" UUID PRIMARY KEY,
      "tenant_id" TEXT NOT NULL DEFAULT '',
      "system" TEXT NOT NULL,
      "key" TEXT NOT NULL,
      "external_id" TEXT,
      "title" TEXT NOT NULL DEFAULT '',
      "status" TEXT NOT NULL,
      "priority" TEXT,
      "category" TEXT,
      "customer" TEXT,
      "assignment_group" TEXT,
      "assignee" TEXT,
      "url" TEXT,
      "created_at" TIMESTAMPTZ NOT NULL,
      "updated_at" TIMESTAMPTZ NOT NULL,
      "resolved_at" TIMESTAMPTZ,
      "source" TEXT NOT NULL,
      "first_seen_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "last_seen_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "is_open" BOOLEAN NOT NULL DEFAULT true,
      "policy_id" TEXT,
      UNIQUE ("system", "key")
    )`);
    await queryRunner.query(
      `CREATE INDEX "tickets_open_seen" ON "${s}"."tickets" ("system", "last_seen_at") WHERE "is_open"`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."ticket_transitions" (
      "id" BIGSERIAL PRIMARY KEY,
      "ticket_id" UUID NOT NULL REFERENCES "${s}"."tickets" ("id") ON DELETE CASCADE,
      "field" TEXT NOT NULL CHECK ("field" IN ('status', 'assignment_group')),
      "at" TIMESTAMPTZ NOT NULL,
      "from_value" TEXT,
      "to_value" TEXT,
      "transition_key" TEXT NOT NULL,
      "source" TEXT NOT NULL,
      "recorded_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE ("ticket_id", "transition_key")
    )`);
    await queryRunner.query(
      `CREATE INDEX "ticket_transitions_ticket_at" ON "${s}"."ticket_transitions" ("ticket_id", "at", "id")`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."agents" (
      "id" TEXT PRIMARY KEY,
      "configured" BOOLEAN NOT NULL DEFAULT true,
      "system" TEXT,
      "agent_version" TEXT,
      "revoked_at" TIMESTAMPTZ,
      "revoked_by" TEXT,
      "revoke_reason" TEXT,
      "replica" TEXT,
      "session_id" TEXT,
      "remote_address" TEXT,
      "connected_at" TIMESTAMPTZ,
      "disconnected_at" TIMESTAMPTZ,
      "last_seen_at" TIMESTAMPTZ,
      "lag_ms" INT,
      "tasks_done" BIGINT NOT NULL DEFAULT 0,
      "tasks_failed" BIGINT NOT NULL DEFAULT 0,
      "results" BIGINT NOT NULL DEFAULT 0,
      "auth_failures" BIGINT NOT NULL DEFAULT 0
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."agent_results" (
      "result_id" TEXT PRIMARY KEY,
      "task_id" TEXT NOT NULL,
      "agent_id" TEXT NOT NULL,
      "chunk" INT NOT NULL,
      "final" BOOLEAN NOT NULL,
      "tickets" INT NOT NULL,
      "applied" INT NOT NULL,
      "rejected" JSONB NOT NULL DEFAULT '[]',
      "skipped" JSONB NOT NULL DEFAULT '[]',
      "received_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(
      `CREATE INDEX "agent_results_task" ON "${s}"."agent_results" ("task_id")`,
    );
    await queryRunner.query(`CREATE TABLE "${s}"."sla_calendars" (
      "id" TEXT PRIMARY KEY,
      "definition" JSONB NOT NULL,
      "managed_by" TEXT NOT NULL CHECK ("managed_by" IN ('file', 'api')),
      "updated_by" TEXT NOT NULL,
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."sla_policies" (
      "id" TEXT PRIMARY KEY,
      "position" INT NOT NULL,
      "definition" JSONB NOT NULL,
      "managed_by" TEXT NOT NULL CHECK ("managed_by" IN ('file', 'api')),
      "updated_by" TEXT NOT NULL,
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    await queryRunner.query(`CREATE TABLE "${s}"."sla_catalog_version" (
      "singleton" BOOLEAN PRIMARY KEY DEFAULT true CHECK ("singleton"),
      "version" BIGINT NOT NULL
    )`);
    await queryRunner.query(`INSERT INTO "${s}"."sla_catalog_version" VALUES (true, 0)`);
    await queryRunner.query(`CREATE TABLE "${s}"."sla_state" (
      "ticket_id" UUID NOT NULL REFERENCES "${s}"."tickets" ("id") ON DELETE CASCADE,
      "target" TEXT NOT NULL CHECK ("target" IN ('response', 'resolution')),
      "tenant_id" TEXT NOT NULL,
      "system" TEXT NOT NULL,
      "ticket_key" TEXT NOT NULL,
      "title" TEXT NOT NULL,
      "priority" TEXT,
      "category" TEXT,
      "customer" TEXT,
      "department" TEXT,
      "url" TEXT,
      "policy_id" TEXT NOT NULL,
      "policy_name" TEXT NOT NULL,
      "state" TEXT NOT NULL,
      "phase" TEXT NOT NULL,
      "is_open" BOOLEAN NOT NULL,
      "target_ms" BIGINT NOT NULL,
      "elapsed_ms" BIGINT NOT NULL,
      "evaluated_at" TIMESTAMPTZ NOT NULL,
      "due_at" TIMESTAMPTZ,
      "next_crossing_at" TIMESTAMPTZ,
      "next_crossing_share" DOUBLE PRECISION,
      "risk_share" DOUBLE PRECISION NOT NULL DEFAULT 0,
      "emitted_shares" DOUBLE PRECISION[] NOT NULL DEFAULT '{}',
      "breach_at" TIMESTAMPTZ,
      "breach_department" TEXT,
      "breach_departments" JSONB,
      "departments" JSONB NOT NULL DEFAULT '[]',
      "ticket_created_at" TIMESTAMPTZ NOT NULL,
      "stopped_at" TIMESTAMPTZ,
      "paused_since" TIMESTAMPTZ,
      "outcome" TEXT,
      "outcome_at" TIMESTAMPTZ,
      "outcome_department" TEXT,
      "last_event_type" TEXT,
      "last_event_at" TIMESTAMPTZ,
      "updated_at" TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY ("ticket_id", "target")
    )`);
    // The live lists of the wall display read only their own rows.
    await queryRunner.query(
      `CREATE INDEX "sla_state_open" ON "${s}"."sla_state" ("ticket_id") WHERE "is_open"`,
    );
    await queryRunner.query(
      `CREATE INDEX "sla_state_breached_open" ON "${s}"."sla_state" ("breach_at") WHERE "is_open" AND "state" = 'breached'`,
    );
    await queryRunner.query(
      `CREATE INDEX "sla_state_at_risk" ON "${s}"."sla_state" ("due_at") WHERE "is_open" AND "state" <> 'breached' AND "risk_share" > 0`,
    );
    await queryRunner.query(
      `CREATE INDEX "sla_state_paused" ON "${s}"."sla_state" ("paused_since") WHERE "phase" = 'paused'`,
    );
    // Compliance, MTTA/MTTR and the daily trend scan a period of outcomes.
    await queryRunner.query(
      `CREATE INDEX "sla_state_outcome" ON "${s}"."sla_state" ("outcome_at")
       INCLUDE ("outcome", "target", "priority", "outcome_department", "system", "tenant_id")
       WHERE "outcome" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "sla_state_stopped" ON "${s}"."sla_state" ("stopped_at") WHERE "phase" = 'stopped'`,
    );
    await queryRunner.query(
      `CREATE INDEX "sla_state_next_crossing" ON "${s}"."sla_state" ("next_crossing_at") WHERE "next_crossing_at" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "sla_state_updated" ON "${s}"."sla_state" ("updated_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = (queryRunner.connection.options as { schema: string }).schema;
    for (const table of [
      'sla_state',
      'sla_catalog_version',
      'sla_policies',
      'sla_calendars',
      'agent_results',
      'agents',
      'ticket_transitions',
      'tickets',
    ]) {
      await queryRunner.query(`DROP TABLE "${s}"."${table}"`);
    }
  }
}
