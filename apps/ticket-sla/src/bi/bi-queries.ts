import type { DataSource } from 'typeorm';
import type { DepartmentTime, SlaTargetKind } from '../sla';

/** Narrows every BI query; all optional. */
export interface BiFilter {
  tenantId?: string;
  system?: string;
  target?: SlaTargetKind;
  priority?: string;
  /** For lists: the department holding the ticket now; for outcomes: the department it counts for. */
  department?: string;
}

export interface BiPeriod {
  from: Date;
  to: Date;
  /** IANA zone the days, weeks and months are cut in. */
  timeZone: string;
}

export type ComplianceGrouping =
  'none' | 'department' | 'priority' | 'target' | 'day' | 'week' | 'month';

export interface ComplianceRow {
  /** Department, priority, target or period start (YYYY-MM-DD, YYYY-MM); null for `none` or no value. */
  key: string | null;
  met: number;
  breached: number;
  total: number;
  /** met / total in percent, null when nothing was decided. */
  compliancePct: number | null;
}

export interface TimeToRow {
  key: string | null;
  target: SlaTargetKind;
  /** Targets that stopped (responded / resolved) in the period. */
  count: number;
  meanBusinessMs: number | null;
  meanWallMs: number | null;
}

export interface BreachCauseRow {
  department: string | null;
  /** Breaches that happened while this department held the ticket. */
  breachesHeld: number;
  /** Breaches in which this department consumed the largest share of the budget. */
  breachesTopConsumer: number;
  /** Business time of the budgets of breached targets this department consumed. */
  budgetConsumedMs: number;
}

/** One ticket × target of a live list (breached, at risk, paused). */
export interface LiveSlaRow {
  ticketId: string;
  ticketKey: string;
  system: string;
  tenantId: string;
  title: string;
  status: string | null;
  priority: string | null;
  category: string | null;
  customer: string | null;
  /** Department holding the ticket now. */
  department: string | null;
  url: string | null;
  target: SlaTargetKind;
  policyId: string;
  policyName: string;
  state: string;
  phase: string;
  targetMs: number;
  elapsedMs: number;
  evaluatedAt: Date;
  dueAt: Date | null;
  riskShare: number;
  breachAt: Date | null;
  /** The cause: the department holding the ticket when the target was reached. */
  breachDepartment: string | null;
  /** Departments ranked by business time consumed (of the budget, for a breach). */
  departments: DepartmentTime[];
  pausedSince: Date | null;
  ticketCreatedAt: Date;
}

export interface LiveSummary {
  openTargets: number;
  breached: number;
  atRisk: number;
  paused: number;
}

export type LiveList = 'breached' | 'at_risk' | 'paused';

interface LiveRowRaw {
  ticket_id: string;
  ticket_key: string;
  system: string;
  tenant_id: string;
  title: string;
  status: string | null;
  priority: string | null;
  category: string | null;
  customer: string | null;
  department: string | null;
  url: string | null;
  target: SlaTargetKind;
  policy_id: string;
  policy_name: string;
  state: string;
  phase: string;
  target_ms: string;
  elapsed_ms: string;
  evaluated_at: Date;
  due_at: Date | null;
  risk_share: number;
  breach_at: Date | null;
  breach_department: string | null;
  breach_departments: DepartmentTime[] | null;
  departments: DepartmentTime[];
  paused_since: Date | null;
  ticket_created_at: Date;
}

/** Where each live list lives (its partial index) and how it is ordered. */
const LISTS: Record<LiveList, { where: string; order: string }> = {
  breached: {
    where: `s."is_open" AND s."state" = 'breached'`,
    order: `s."breach_at", s."ticket_id", s."target"`,
  },
  at_risk: {
    where: `s."is_open" AND s."state" <> 'breached' AND s."risk_share" > 0`,
    order: `s."due_at" NULLS LAST, s."ticket_id", s."target"`,
  },
  paused: { where: `s."phase" = 'paused'`, order: `s."paused_since", s."ticket_id", s."target"` },
};

const PERIOD_FORMATS: Record<'day' | 'week' | 'month', string> = {
  day: 'YYYY-MM-DD',
  week: 'YYYY-MM-DD',
  month: 'YYYY-MM',
};

const pct = (met: number, total: number) =>
  total === 0 ? null : Math.round((met / total) * 10_000) / 100;

/**
 * The dashboard's questions, answered from `sla_state` alone: the live lists read their partial
 * indexes, period figures scan the outcome (or stop) index over the period. Nothing is computed per
 * ticket at request time; the SLA runtime keeps the rows current (timers at each crossing).
 */
export class BiQueries {
  private readonly state: string;
  private readonly tickets: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.state = `"${schema}"."sla_state"`;
    this.tickets = `"${schema}"."tickets"`;
  }

  /** Met / breached targets whose outcome fell in the period (a breach counts when it happened). */
  async compliance(
    period: BiPeriod,
    filter: BiFilter,
    groupBy: ComplianceGrouping,
  ): Promise<ComplianceRow[]> {
    const params: unknown[] = [period.from.toISOString(), period.to.toISOString()];
    const where = [
      `s."outcome" IS NOT NULL`,
      `s."outcome_at" >= $1`,
      `s."outcome_at" < $2`,
      ...this.filters(filter, params, 's."outcome_department"'),
    ];
    let key: string;
    switch (groupBy) {
      case 'none':
        key = 'NULL::text';
        break;
      case 'department':
        key = 's."outcome_department"';
        break;
      case 'priority':
        key = 's."priority"';
        break;
      case 'target':
        key = 's."target"';
        break;
      case 'day':
      case 'week':
      case 'month':
        params.push(period.timeZone);
        key = `to_char(date_trunc('${groupBy}', s."outcome_at" AT TIME ZONE $${params.length}), '${PERIOD_FORMATS[groupBy]}')`;
        break;
    }
    const rows = await this.dataSource.query<
      { key: string | null; met: number; breached: number }[]
    >(
      `SELECT ${key} AS "key",
         count(*) FILTER (WHERE s."outcome" = 'met')::int AS "met",
         count(*) FILTER (WHERE s."outcome" = 'breached')::int AS "breached"
       FROM ${this.state} s WHERE ${where.join(' AND ')}
       GROUP BY 1 ORDER BY 1 NULLS LAST`,
      params,
    );
    if (groupBy === 'none' && rows.length === 0)
      return [{ key: null, met: 0, breached: 0, total: 0, compliancePct: null }];
    return rows.map((r) => ({
      key: r.key,
      met: r.met,
      breached: r.breached,
      total: r.met + r.breached,
      compliancePct: pct(r.met, r.met + r.breached),
    }));
  }

  /** Compliance per day of the period in its time zone, days without outcomes included. */
  async dailyTrend(period: BiPeriod, filter: BiFilter): Promise<ComplianceRow[]> {
    const found = new Map((await this.compliance(period, filter, 'day')).map((r) => [r.key, r]));
    const days = await this.dataSource.query<{ day: string }[]>(
      `SELECT to_char(d, 'YYYY-MM-DD') AS "day" FROM generate_series(
         date_trunc('day', $1::timestamptz AT TIME ZONE $3),
         date_trunc('day', ($2::timestamptz - interval '1 microsecond') AT TIME ZONE $3),
         interval '1 day') AS d`,
      [period.from.toISOString(), period.to.toISOString(), period.timeZone],
    );
    return days.map(
      ({ day }) =>
        found.get(day) ?? { key: day, met: 0, breached: 0, total: 0, compliancePct: null },
    );
  }

  /**
   * Mean time to respond (MTTA, response targets) and to resolve (MTTR, resolution targets) of the
   * targets that stopped in the period: business time (the SLA's clock) and wall time since creation.
   */
  async timeTo(
    period: BiPeriod,
    filter: BiFilter,
    groupBy: 'none' | 'department' | 'priority',
  ): Promise<TimeToRow[]> {
    const params: unknown[] = [period.from.toISOString(), period.to.toISOString()];
    const where = [
      `s."phase" = 'stopped'`,
      `s."stopped_at" >= $1`,
      `s."stopped_at" < $2`,
      ...this.filters(filter, params, 's."department"'),
    ];
    const key =
      groupBy === 'none'
        ? 'NULL::text'
        : groupBy === 'department'
          ? 's."department"'
          : 's."priority"';
    const rows = await this.dataSource.query<
      {
        key: string | null;
        target: SlaTargetKind;
        count: number;
        business: number | null;
        wall: number | null;
      }[]
    >(
      `SELECT ${key} AS "key", s."target", count(*)::int AS "count",
         avg(s."elapsed_ms")::float8 AS "business",
         avg(extract(epoch FROM (s."stopped_at" - s."ticket_created_at")) * 1000)::float8 AS "wall"
       FROM ${this.state} s WHERE ${where.join(' AND ')}
       GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2`,
      params,
    );
    return rows.map((r) => ({
      key: r.key,
      target: r.target,
      count: r.count,
      meanBusinessMs: r.business === null ? null : Math.round(Number(r.business)),
      meanWallMs: r.wall === null ? null : Math.round(Number(r.wall)),
    }));
  }

  /** Per department: breaches it held, breaches it consumed most of the budget of, and that budget time. */
  async breachCauses(period: BiPeriod, filter: BiFilter): Promise<BreachCauseRow[]> {
    const params: unknown[] = [period.from.toISOString(), period.to.toISOString()];
    const where = [
      `s."outcome" = 'breached'`,
      `s."outcome_at" >= $1`,
      `s."outcome_at" < $2`,
      ...this.filters(filter, params, 's."breach_department"'),
    ];
    const rows = await this.dataSource.query<
      { department: string | null; held: number; top: number; ms: number }[]
    >(
      `WITH b AS (SELECT s."breach_department", s."breach_departments" FROM ${this.state} s WHERE ${where.join(' AND ')})
       SELECT "department", sum("held")::int AS "held", sum("top")::int AS "top", sum("ms")::float8 AS "ms" FROM (
         SELECT b."breach_department" AS "department", 1 AS "held", 0 AS "top", 0::float8 AS "ms" FROM b
         UNION ALL
         SELECT e."value"->>'department', 0, CASE WHEN e."ord" = 1 THEN 1 ELSE 0 END, (e."value"->>'businessMs')::float8
         FROM b, jsonb_array_elements(COALESCE(b."breach_departments", '[]'::jsonb)) WITH ORDINALITY AS e("value", "ord")
       ) AS parts GROUP BY "department" ORDER BY 2 DESC, 4 DESC, 1 NULLS LAST`,
      params,
    );
    return rows.map((r) => ({
      department: r.department,
      breachesHeld: r.held,
      breachesTopConsumer: r.top,
      budgetConsumedMs: Number(r.ms),
    }));
  }

  /** Counts of the live lists, for the wall display's headline (one pass over the open rows). */
  async summary(filter: BiFilter): Promise<LiveSummary> {
    const params: unknown[] = [];
    const extra = this.filters(filter, params, 's."department"');
    const and = extra.length > 0 ? ` AND ${extra.join(' AND ')}` : '';
    const [row] = await this.dataSource.query<
      { open: number; breached: number; at_risk: number; paused: number }[]
    >(
      `SELECT count(*) FILTER (WHERE s."is_open")::int AS "open",
         count(*) FILTER (WHERE ${LISTS.breached.where})::int AS "breached",
         count(*) FILTER (WHERE ${LISTS.at_risk.where})::int AS "at_risk",
         count(*) FILTER (WHERE ${LISTS.paused.where})::int AS "paused"
       FROM ${this.state} s WHERE (s."is_open" OR ${LISTS.paused.where})${and}`,
      params,
    );
    return {
      openTargets: row?.open ?? 0,
      breached: row?.breached ?? 0,
      atRisk: row?.at_risk ?? 0,
      paused: row?.paused ?? 0,
    };
  }

  /** A page of a live list and the list's size. */
  async live(
    list: LiveList,
    filter: BiFilter,
    limit: number,
    offset: number,
  ): Promise<{ total: number; rows: LiveSlaRow[] }> {
    const params: unknown[] = [];
    const where = [LISTS[list].where, ...this.filters(filter, params, 's."department"')].join(
      ' AND ',
    );
    const [{ total }] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS "total" FROM ${this.state} s WHERE ${where}`,
      params,
    );
    // The page is cut from sla_state's own index before the join: joining first would make the
    // planner hash the whole tickets table for one status column.
    const order = LISTS[list].order;
    const rows = await this.dataSource.query<LiveRowRaw[]>(
      `SELECT s.*, t."status" FROM (
         SELECT s.* FROM ${this.state} s WHERE ${where} ORDER BY ${order}
         LIMIT $${params.length + 1} OFFSET $${params.length + 2}
       ) AS s JOIN ${this.tickets} t ON t."id" = s."ticket_id" ORDER BY ${order}`,
      [...params, limit, offset],
    );
    return { total, rows: rows.map(liveRowOf) };
  }

  /** Every row of a live list, a page at a time (CSV export). */
  async *scanLive(list: LiveList, filter: BiFilter, pageSize = 1000): AsyncGenerator<LiveSlaRow[]> {
    for (let offset = 0; ; offset += pageSize) {
      const { rows } = await this.live(list, filter, pageSize, offset);
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
    }
  }

  private filters(filter: BiFilter, params: unknown[], departmentColumn: string): string[] {
    const out: string[] = [];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      out.push(`${column} = $${params.length}`);
    };
    add('s."tenant_id"', filter.tenantId);
    add('s."system"', filter.system);
    add('s."target"', filter.target);
    add('s."priority"', filter.priority);
    add(departmentColumn, filter.department);
    return out;
  }
}

function liveRowOf(r: LiveRowRaw): LiveSlaRow {
  const date = (d: Date | null) => (d === null ? null : new Date(d));
  return {
    ticketId: r.ticket_id,
    ticketKey: r.ticket_key,
    system: r.system,
    tenantId: r.tenant_id,
    title: r.title,
    status: r.status,
    priority: r.priority,
    category: r.category,
    customer: r.customer,
    department: r.department,
    url: r.url,
    target: r.target,
    policyId: r.policy_id,
    policyName: r.policy_name,
    state: r.state,
    phase: r.phase,
    targetMs: Number(r.target_ms),
    elapsedMs: Number(r.elapsed_ms),
    evaluatedAt: new Date(r.evaluated_at),
    dueAt: date(r.due_at),
    riskShare: r.risk_share,
    breachAt: date(r.breach_at),
    breachDepartment: r.breach_department,
    departments: r.state === 'breached' ? (r.breach_departments ?? r.departments) : r.departments,
    pausedSince: date(r.paused_since),
    ticketCreatedAt: new Date(r.ticket_created_at),
  };
}
