import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@telcomesh/platform';

/** Seed 002 codes: 0 success, 1 in progress, 2 failed (critical); tasks also use 3 (failed, ignored). */
export const ProvisioningStatus = { Success: 0, Running: 1, Failed: 2, FailedIgnored: 3 } as const;

export type ProvisionState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ProvisionRow {
  provision_id: number;
  customer_id: number | null;
  product_id: number | null;
  service_id: number | null;
  action: string;
  provisioning_play: string;
  playbook_description: string;
  provisioning_json_vars: Record<string, unknown>;
  provisioning_status: number;
  state: ProvisionState;
  task_count: number;
  initiating_user: string;
  description: string;
  status_reason: string | null;
  chain_id: string | null;
  chain_step: number | null;
  created: string;
  started: string | null;
  finished: string | null;
}

export interface ProvisionEventRow {
  event_number: number;
  event_name: string;
  provisioning_status: number;
  provisioning_result_json: unknown;
  rescue: boolean;
  timestamp: string;
}

export interface ProvisionListQuery {
  page: number;
  perPage: number;
  sort: 'provision_id' | 'created' | 'provisioning_status' | 'customer_id' | 'product_id';
  order: 'asc' | 'desc';
  statuses?: number[];
  search?: string;
  customerId?: number;
}

function iso<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...row };
  for (const [key, value] of Object.entries(out))
    if (value instanceof Date) out[key] = value.toISOString();
  return out as T;
}

/** The Provision and Provision_Event records of seed 002. */
export class ProvisionStore {
  private readonly provisions: string;
  private readonly events: string;

  constructor(private readonly dataSource: DataSource) {
    const s = (dataSource.options as { schema: string }).schema;
    this.provisions = `"${s}"."provisions"`;
    this.events = `"${s}"."provision_events"`;
  }

  async insert(
    manager: EntityManager,
    row: Pick<
      ProvisionRow,
      | 'customer_id'
      | 'product_id'
      | 'service_id'
      | 'action'
      | 'provisioning_play'
      | 'initiating_user'
      | 'description'
      | 'chain_id'
      | 'chain_step'
    >,
  ): Promise<number> {
    const [inserted] = await manager.query<{ provision_id: number }[]>(
      `INSERT INTO ${this.provisions} ("customer_id", "product_id", "service_id", "action", "provisioning_play",
         "provisioning_json_vars", "provisioning_status", "state", "initiating_user", "description", "chain_id", "chain_step")
       VALUES ($1, $2, $3, $4, $5, '{}'::jsonb, 1, 'queued', $6, $7, $8, $9) RETURNING "provision_id"`,
      [
        row.customer_id,
        row.product_id,
        row.service_id,
        row.action,
        row.provisioning_play,
        row.initiating_user,
        row.description,
        row.chain_id,
        row.chain_step,
      ],
    );
    return inserted.provision_id;
  }

  /** Stores the merged variables (already redacted) once the provision id is known. */
  async setVariables(
    manager: EntityManager,
    id: number,
    redacted: Record<string, unknown>,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.provisions} SET "provisioning_json_vars" = $2::jsonb WHERE "provision_id" = $1`,
      [id, JSON.stringify(redacted)],
    );
  }

  async get(id: number, manager?: EntityManager): Promise<ProvisionRow> {
    const rows = await (manager ?? this.dataSource).query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.provisions} WHERE "provision_id" = $1`,
      [id],
    );
    if (!rows[0]) throw new DomainError(ErrorCode.NotFound, `provision ${id} does not exist`);
    return iso<ProvisionRow>(rows[0]);
  }

  async eventsOf(id: number): Promise<ProvisionEventRow[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT "event_number", "event_name", "provisioning_status", "provisioning_result_json", "rescue", "timestamp"
         FROM ${this.events} WHERE "provision_id" = $1 ORDER BY "event_number"`,
      [id],
    );
    return rows.map((r) => iso<ProvisionEventRow>(r));
  }

  async started(id: number, taskCount: number | null, description: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.provisions} SET "state" = 'running', "started" = coalesce("started", now()),
              "task_count" = coalesce($2, "task_count"), "playbook_description" = $3
        WHERE "provision_id" = $1`,
      [id, taskCount, description],
    );
  }

  async addEvent(
    manager: EntityManager,
    id: number,
    event: Omit<ProvisionEventRow, 'timestamp'>,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.events} ("provision_id", "event_number", "event_name", "provisioning_status", "provisioning_result_json", "rescue")
       VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT ("provision_id", "event_number") DO NOTHING`,
      [
        id,
        event.event_number,
        event.event_name,
        event.provisioning_status,
        JSON.stringify(event.provisioning_result_json),
        event.rescue,
      ],
    );
  }

  async nextEventNumber(id: number): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `SELECT coalesce(max("event_number"), 0)::int + 1 AS n FROM ${this.events} WHERE "provision_id" = $1`,
      [id],
    );
    return rows[0]?.n ?? 1;
  }

  /** Final status; false when the job had already ended (a second writer loses). */
  async finish(
    manager: EntityManager,
    id: number,
    status: 0 | 2,
    state: ProvisionState,
    reason: string,
    serviceId: number | null,
  ): Promise<boolean> {
    const [, count] = await manager.query<[unknown[], number]>(
      `UPDATE ${this.provisions} SET "provisioning_status" = $2, "state" = $3, "status_reason" = $4,
              "service_id" = coalesce($5, "service_id"), "finished" = now()
        WHERE "provision_id" = $1 AND "provisioning_status" = 1`,
      [id, status, state, reason, serviceId],
    );
    return count === 1;
  }

  /** Jobs still at status 1: after a restart none of them has a process any more. */
  async unfinished(): Promise<ProvisionRow[]> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.provisions} WHERE "provisioning_status" = 1 ORDER BY "provision_id"`,
    );
    return rows.map((r) => iso<ProvisionRow>(r));
  }

  async isRunning(id: number): Promise<boolean> {
    const rows = await this.dataSource.query<{ provisioning_status: number }[]>(
      `SELECT "provisioning_status" FROM ${this.provisions} WHERE "provision_id" = $1`,
      [id],
    );
    return rows[0]?.provisioning_status === ProvisioningStatus.Running;
  }

  async list(query: ProvisionListQuery): Promise<{ data: ProvisionRow[]; total: number }> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (query.statuses?.length) {
      values.push(query.statuses);
      where.push(`"provisioning_status" = ANY($${values.length})`);
    }
    if (query.customerId !== undefined) {
      values.push(query.customerId);
      where.push(`"customer_id" = $${values.length}`);
    }
    if (query.search) {
      values.push(`%${query.search.replace(/[\\%_]/g, '\\$&')}%`);
      where.push(
        `("description" ILIKE $${values.length} OR "provisioning_play" ILIKE $${values.length} OR "playbook_description" ILIKE $${values.length})`,
      );
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM ${this.provisions} ${clause}`,
      values,
    );
    values.push(query.perPage, (query.page - 1) * query.perPage);
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM ${this.provisions} ${clause}
        ORDER BY "${query.sort}" ${query.order === 'asc' ? 'ASC' : 'DESC'}, "provision_id" DESC
        LIMIT $${values.length - 1} OFFSET $${values.length}`,
      values,
    );
    return { data: rows.map((r) => iso<ProvisionRow>(r)), total };
  }
}
