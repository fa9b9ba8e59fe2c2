import type { DataSource, EntityManager } from 'typeorm';
import type { DepartmentTime, SlaClockState, SlaTargetKind } from '../sla';
import type { SlaEventKind, SlaPhase, SlaTargetRecord, SlaTicketInfo } from './sla-outcome';

interface StateRow {
  ticket_id: string;
  target: SlaTargetKind;
  policy_id: string;
  policy_name: string;
  state: SlaClockState;
  phase: SlaPhase;
  is_open: boolean;
  target_ms: string;
  elapsed_ms: string;
  evaluated_at: Date;
  due_at: Date | null;
  next_crossing_at: Date | null;
  next_crossing_share: number | null;
  risk_share: number;
  emitted_shares: number[];
  breach_at: Date | null;
  breach_department: string | null;
  breach_departments: DepartmentTime[] | null;
  departments: DepartmentTime[];
  ticket_created_at: Date;
  stopped_at: Date | null;
  paused_since: Date | null;
  outcome: 'met' | 'breached' | null;
  outcome_at: Date | null;
  outcome_department: string | null;
  last_event_type: SlaEventKind | null;
  last_event_at: Date | null;
}

const ms = (value: Date | null): number | null =>
  value === null ? null : new Date(value).getTime();
const iso = (value: number | null): string | null =>
  value === null ? null : new Date(value).toISOString();

function recordOf(row: StateRow): SlaTargetRecord {
  return {
    target: row.target,
    policyId: row.policy_id,
    policyName: row.policy_name,
    state: row.state,
    phase: row.phase,
    isOpen: row.is_open,
    targetMs: Number(row.target_ms),
    elapsedMs: Number(row.elapsed_ms),
    evaluatedAt: ms(row.evaluated_at) as number,
    dueAt: ms(row.due_at),
    nextCrossingAt: ms(row.next_crossing_at),
    nextCrossingShare: row.next_crossing_share,
    riskShare: row.risk_share,
    emittedShares: row.emitted_shares.map(Number),
    breachAt: ms(row.breach_at),
    breachDepartment: row.breach_department,
    breachDepartments: row.breach_departments,
    departments: row.departments,
    ticketCreatedAt: ms(row.ticket_created_at) as number,
    stoppedAt: ms(row.stopped_at),
    pausedSince: ms(row.paused_since),
    outcome: row.outcome,
    outcomeAt: ms(row.outcome_at),
    outcomeDepartment: row.outcome_department,
    lastEventType: row.last_event_type,
    lastEventAt: ms(row.last_event_at),
  };
}

/** Largest number of departments kept per breach for the BI lists. */
const BREACH_DEPARTMENTS_KEPT = 5;

/**
 * `sla_state`, the SLA read model: one row per ticket × target, written with the ticket's change
 * in one transaction. The timers load their crossings from it; the BI API reads nothing else.
 */
export class SlaStateStore {
  private readonly table: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.table = `"${schema}"."sla_state"`;
  }

  async load(
    manager: EntityManager,
    ticketIds: readonly string[],
  ): Promise<Map<string, SlaTargetRecord[]>> {
    const out = new Map<string, SlaTargetRecord[]>();
    if (ticketIds.length === 0) return out;
    const rows = await manager.query<StateRow[]>(
      `SELECT * FROM ${this.table} WHERE "ticket_id" = ANY($1::uuid[])`,
      [ticketIds],
    );
    for (const row of rows) {
      let list = out.get(row.ticket_id);
      if (list === undefined) out.set(row.ticket_id, (list = []));
      list.push(recordOf(row));
    }
    return out;
  }

  /** Writes the targets of each ticket and removes targets it no longer has (policy changed or gone). */
  async save(
    manager: EntityManager,
    entries: readonly { ticket: SlaTicketInfo; records: readonly SlaTargetRecord[] }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `DELETE FROM ${this.table} AS s USING jsonb_to_recordset($1::jsonb) AS x("ticket_id" UUID, "targets" TEXT[])
       WHERE s."ticket_id" = x."ticket_id" AND NOT (s."target" = ANY(x."targets"))`,
      [
        JSON.stringify(
          entries.map((e) => ({ ticket_id: e.ticket.id, targets: e.records.map((r) => r.target) })),
        ),
      ],
    );
    const rows = entries.flatMap(({ ticket, records }) =>
      records.map((r) => ({
        ticket_id: ticket.id,
        target: r.target,
        tenant_id: ticket.tenantId,
        system: ticket.system,
        ticket_key: ticket.key,
        title: ticket.title,
        priority: ticket.priority,
        category: ticket.category,
        customer: ticket.customer,
        department: ticket.department,
        url: ticket.url,
        policy_id: r.policyId,
        policy_name: r.policyName,
        state: r.state,
        phase: r.phase,
        is_open: r.isOpen,
        target_ms: r.targetMs,
        elapsed_ms: r.elapsedMs,
        evaluated_at: iso(r.evaluatedAt),
        due_at: iso(r.dueAt),
        next_crossing_at: iso(r.nextCrossingAt),
        next_crossing_share: r.nextCrossingShare,
        risk_share: r.riskShare,
        emitted_shares: r.emittedShares,
        breach_at: iso(r.breachAt),
        breach_department: r.breachDepartment,
        breach_departments: r.breachDepartments?.slice(0, BREACH_DEPARTMENTS_KEPT) ?? null,
        departments: r.departments,
        ticket_created_at: iso(r.ticketCreatedAt),
        stopped_at: iso(r.stoppedAt),
        paused_since: iso(r.pausedSince),
        outcome: r.outcome,
        outcome_at: iso(r.outcomeAt),
        outcome_department: r.outcomeDepartment,
        last_event_type: r.lastEventType,
        last_event_at: iso(r.lastEventAt),
      })),
    );
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]).map((c) => `"${c}"`);
    await manager.query(
      `INSERT INTO ${this.table} (${columns.join(', ')}, "updated_at")
       SELECT ${columns.map((c) => `x.${c}`).join(', ')}, clock_timestamp()
       FROM jsonb_to_recordset($1::jsonb) AS x("ticket_id" UUID, "target" TEXT, "tenant_id" TEXT,
         "system" TEXT, "ticket_key" TEXT, "title" TEXT, "priority" TEXT, "category" TEXT,
         "customer" TEXT, "department" TEXT, "url" TEXT, "policy_id" TEXT, "policy_name" TEXT,
         "state" TEXT, "phase" TEXT, "is_open" BOOLEAN, "target_ms" BIGINT, "elapsed_ms" BIGINT,
         "evaluated_at" TIMESTAMPTZ, "due_at" TIMESTAMPTZ, "next_crossing_at" TIMESTAMPTZ,
         "next_crossing_share" DOUBLE PRECISION, "risk_share" DOUBLE PRECISION,
         "emitted_shares" DOUBLE PRECISION[], "breach_at" TIMESTAMPTZ, "breach_department" TEXT,
         "breach_departments" JSONB, "departments" JSONB, "ticket_created_at" TIMESTAMPTZ,
         "stopped_at" TIMESTAMPTZ, "paused_since" TIMESTAMPTZ, "outcome" TEXT,
         "outcome_at" TIMESTAMPTZ, "outcome_department" TEXT, "last_event_type" TEXT,
         "last_event_at" TIMESTAMPTZ)
       ON CONFLICT ("ticket_id", "target") DO UPDATE SET
         ${columns
           .filter((c) => c !== '"ticket_id"' && c !== '"target"')
           .map((c) => `${c} = EXCLUDED.${c}`)
           .join(', ')}, "updated_at" = clock_timestamp()`,
      [JSON.stringify(rows)],
    );
  }

  /** Removes every target of tickets no policy applies to any more. */
  async clear(manager: EntityManager, ticketIds: readonly string[]): Promise<void> {
    if (ticketIds.length === 0) return;
    await manager.query(`DELETE FROM ${this.table} WHERE "ticket_id" = ANY($1::uuid[])`, [
      ticketIds,
    ]);
  }

  /** Every ticket's next crossing, for a timer holder starting up. */
  async allCrossings(): Promise<{ ticketId: string; at: number }[]> {
    const rows = await this.dataSource.query<{ ticket_id: string; at: Date }[]>(
      `SELECT "ticket_id", min("next_crossing_at") AS "at" FROM ${this.table}
       WHERE "next_crossing_at" IS NOT NULL GROUP BY "ticket_id"`,
    );
    return rows.map((r) => ({ ticketId: r.ticket_id, at: new Date(r.at).getTime() }));
  }

  /** The database's clock (epoch ms): change windows are measured on it, not on a replica's. */
  async databaseNow(): Promise<number> {
    const rows = await this.dataSource.query<{ now: number }[]>(
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS "now"`,
    );
    return Number(rows[0]?.now);
  }

  /**
   * Tickets whose rows changed after `sinceMs` (database clock) with their next crossing (null
   * when none), and the latest change seen. Callers overlap their windows: a row committed late
   * with an earlier timestamp is still picked up.
   */
  async changedSince(
    sinceMs: number,
  ): Promise<{ changes: { ticketId: string; at: number | null }[]; latestMs: number }> {
    const rows = await this.dataSource.query<
      { ticket_id: string; at: Date | null; seen: number }[]
    >(
      `SELECT "ticket_id", min("next_crossing_at") AS "at",
         (extract(epoch FROM max("updated_at")) * 1000)::float8 AS "seen"
       FROM ${this.table} WHERE "updated_at" > to_timestamp($1::float8 / 1000) GROUP BY "ticket_id"`,
      [sinceMs],
    );
    let latestMs = sinceMs;
    for (const r of rows) latestMs = Math.max(latestMs, Number(r.seen));
    return { changes: rows.map((r) => ({ ticketId: r.ticket_id, at: ms(r.at) })), latestMs };
  }
}
