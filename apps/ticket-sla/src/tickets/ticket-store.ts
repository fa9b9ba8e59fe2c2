import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { transitionKeyOf, transitionsBetween, type TicketInput } from './ticket-input';
import type { StoredTransition } from './stored-timeline';

/** A stored ticket as the SLA runtime reads it (times epoch ms). */
export interface StoredTicket {
  id: string;
  tenantId: string;
  system: string;
  key: string;
  title: string;
  status: string;
  priority: string | null;
  category: string | null;
  customer: string | null;
  assignmentGroup: string | null;
  url: string | null;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  policyId: string | null;
  isOpen: boolean;
}

interface TicketRow {
  id: string;
  tenant_id: string;
  system: string;
  key: string;
  title: string;
  status: string;
  priority: string | null;
  category: string | null;
  customer: string | null;
  assignment_group: string | null;
  url: string | null;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  policy_id: string | null;
  is_open: boolean;
}

const TICKET_COLUMNS = `"id", "tenant_id", "system", "key", "title", "status", "priority", "category",
  "customer", "assignment_group", "url", "created_at", "updated_at", "resolved_at", "policy_id", "is_open"`;

function ticketOf(row: TicketRow): StoredTicket {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    system: row.system,
    key: row.key,
    title: row.title,
    status: row.status,
    priority: row.priority,
    category: row.category,
    customer: row.customer,
    assignmentGroup: row.assignment_group,
    url: row.url,
    createdAt: new Date(row.created_at).getTime(),
    updatedAt: new Date(row.updated_at).getTime(),
    resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at).getTime(),
    policyId: row.policy_id,
    isOpen: row.is_open,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Identity of a ticket across sources. */
const identity = (t: { system: string; key: string }) => `${t.system}\u0000${t.key}`;

/**
 * Tickets and their transitions in ticket-sla's schema. Every write runs in the caller's
 * transaction. Rows are locked in (system, key) order everywhere, so concurrent writers (two
 * agents, the itsm consumer, the timers) queue instead of deadlocking.
 */
export class TicketStore {
  private readonly tickets: string;
  private readonly transitions: string;

  constructor(dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.tickets = `"${schema}"."tickets"`;
    this.transitions = `"${schema}"."ticket_transitions"`;
  }

  /**
   * Stores ticket versions idempotently and returns the ids of the tickets touched. Current
   * fields change only for a version at least as new as the stored one; history entries are
   * added once each (by transition key); a source without history gets a transition recorded,
   * at its `updatedAt`, for each field that differs from the stored value.
   */
  async upsert(
    manager: EntityManager,
    inputs: readonly TicketInput[],
    seenAt: number,
  ): Promise<string[]> {
    if (inputs.length === 0) return [];
    const latest = new Map<string, TicketInput>();
    for (const input of inputs) {
      const known = latest.get(identity(input));
      if (known === undefined || input.updatedAt >= known.updatedAt)
        latest.set(identity(input), input);
    }
    const ordered = [...latest.values()].sort((a, b) =>
      a.system === b.system
        ? a.key < b.key
          ? -1
          : a.key > b.key
            ? 1
            : 0
        : a.system < b.system
          ? -1
          : 1,
    );
    const keysJson = JSON.stringify(ordered.map((t) => ({ system: t.system, key: t.key })));
    const existing = new Map<
      string,
      { id: string; status: string; assignmentGroup: string | null; updatedAt: number }
    >();
    const lock = async (json: string) => {
      const rows = await manager.query<
        {
          id: string;
          system: string;
          key: string;
          status: string;
          assignment_group: string | null;
          updated_at: Date;
        }[]
      >(
        `SELECT "id", "system", "key", "status", "assignment_group", "updated_at" FROM ${this.tickets}
         WHERE ("system", "key") IN (SELECT x."system", x."key" FROM jsonb_to_recordset($1::jsonb) AS x("system" TEXT, "key" TEXT))
         ORDER BY "system", "key" FOR UPDATE`,
        [json],
      );
      for (const row of rows) {
        existing.set(identity(row), {
          id: row.id,
          status: row.status,
          assignmentGroup: row.assignment_group,
          updatedAt: new Date(row.updated_at).getTime(),
        });
      }
    };
    await lock(keysJson);

    const fresh = ordered.filter((t) => !existing.has(identity(t)));
    const ids = new Map<string, string>();
    if (fresh.length > 0) {
      const rows = fresh.map((t) => ({ ...rowOf(t, seenAt), id: randomUUID() }));
      const inserted = await manager.query<{ id: string; system: string; key: string }[]>(
        `INSERT INTO ${this.tickets} ("id", "tenant_id", "system", "key", "external_id", "title", "status",
           "priority", "category", "customer", "assignment_group", "assignee", "url", "created_at",
           "updated_at", "resolved_at", "source", "first_seen_at", "last_seen_at")
         SELECT x."id", x."tenant_id", x."system", x."key", x."external_id", x."title", x."status",
           x."priority", x."category", x."customer", x."assignment_group", x."assignee", x."url",
           x."created_at", x."updated_at", x."resolved_at", x."source", x."seen_at", x."seen_at"
         FROM jsonb_to_recordset($1::jsonb) AS x("id" UUID, "tenant_id" TEXT, "system" TEXT, "key" TEXT,
           "external_id" TEXT, "title" TEXT, "status" TEXT, "priority" TEXT, "category" TEXT,
           "customer" TEXT, "assignment_group" TEXT, "assignee" TEXT, "url" TEXT,
           "created_at" TIMESTAMPTZ, "updated_at" TIMESTAMPTZ, "resolved_at" TIMESTAMPTZ,
           "source" TEXT, "seen_at" TIMESTAMPTZ)
         ON CONFLICT ("system", "key") DO NOTHING
         RETURNING "id", "system", "key"`,
        [JSON.stringify(rows)],
      );
      for (const row of inserted) ids.set(identity(row), row.id);
      const raced = fresh.filter((t) => !ids.has(identity(t)));
      // Inserted by another writer since the first read: now an existing row like any other.
      if (raced.length > 0)
        await lock(JSON.stringify(raced.map((t) => ({ system: t.system, key: t.key }))));
    }

    const updates: (ReturnType<typeof rowOf> & { id: string })[] = [];
    const transitions: (StoredTransition & { ticketId: string; source: string })[] = [];
    for (const input of ordered) {
      const stored = existing.get(identity(input));
      const id = stored?.id ?? ids.get(identity(input));
      // Unreachable: a ticket is either locked as existing or was just inserted.
      if (id === undefined)
        throw new Error(`ticket ${input.system}:${input.key} was neither found nor inserted`);
      ids.set(identity(input), id);
      if (stored !== undefined) {
        updates.push({ ...rowOf(input, seenAt), id });
        if (input.history === null) {
          for (const t of transitionsBetween(stored, input))
            transitions.push({ ...t, ticketId: id, source: input.source });
        }
      }
      for (const t of input.history ?? [])
        transitions.push({ ...t, ticketId: id, source: input.source });
    }
    if (updates.length > 0) {
      // Every version refreshes last_seen_at; only one at least as new as the stored replaces the fields.
      await manager.query(
        `UPDATE ${this.tickets} AS t SET
           "last_seen_at" = GREATEST(t."last_seen_at", x."seen_at"),
           "tenant_id" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."tenant_id" ELSE t."tenant_id" END,
           "external_id" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."external_id" ELSE t."external_id" END,
           "title" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."title" ELSE t."title" END,
           "status" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."status" ELSE t."status" END,
           "priority" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."priority" ELSE t."priority" END,
           "category" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."category" ELSE t."category" END,
           "customer" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."customer" ELSE t."customer" END,
           "assignment_group" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."assignment_group" ELSE t."assignment_group" END,
           "assignee" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."assignee" ELSE t."assignee" END,
           "url" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."url" ELSE t."url" END,
           "created_at" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."created_at" ELSE t."created_at" END,
           "resolved_at" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."resolved_at" ELSE t."resolved_at" END,
           "source" = CASE WHEN x."updated_at" >= t."updated_at" THEN x."source" ELSE t."source" END,
           "updated_at" = GREATEST(t."updated_at", x."updated_at")
         FROM jsonb_to_recordset($1::jsonb) AS x("id" UUID, "tenant_id" TEXT, "external_id" TEXT,
           "title" TEXT, "status" TEXT, "priority" TEXT, "category" TEXT, "customer" TEXT,
           "assignment_group" TEXT, "assignee" TEXT, "url" TEXT, "created_at" TIMESTAMPTZ,
           "updated_at" TIMESTAMPTZ, "resolved_at" TIMESTAMPTZ, "source" TEXT, "seen_at" TIMESTAMPTZ)
         WHERE t."id" = x."id"`,
        [JSON.stringify(updates)],
      );
    }
    if (transitions.length > 0) {
      await manager.query(
        `INSERT INTO ${this.transitions} ("ticket_id", "field", "at", "from_value", "to_value", "transition_key", "source")
         SELECT x."ticket_id", x."field", x."at", x."from_value", x."to_value", x."transition_key", x."source"
         FROM jsonb_to_recordset($1::jsonb) AS x("ticket_id" UUID, "field" TEXT,
           "at" TIMESTAMPTZ, "from_value" TEXT, "to_value" TEXT, "transition_key" TEXT, "source" TEXT, "n" INT)
         ORDER BY x."n"
         ON CONFLICT ("ticket_id", "transition_key") DO NOTHING`,
        [
          JSON.stringify(
            // `n` keeps the history's order for changes at the same instant (ids follow insertion).
            transitions.map((t, n) => ({
              n,
              ticket_id: t.ticketId,
              field: t.field,
              at: new Date(t.at).toISOString(),
              from_value: t.from,
              to_value: t.to,
              transition_key: transitionKeyOf(t),
              source: t.source,
            })),
          ),
        ],
      );
    }
    return ordered.map((t) => ids.get(identity(t)) as string);
  }

  /** Tickets by id, locked for this transaction in the store's lock order. */
  async lockTickets(manager: EntityManager, ids: readonly string[]): Promise<StoredTicket[]> {
    if (ids.length === 0) return [];
    const rows = await manager.query<TicketRow[]>(
      `SELECT ${TICKET_COLUMNS} FROM ${this.tickets} WHERE "id" = ANY($1::uuid[])
       ORDER BY "system", "key" FOR UPDATE`,
      [ids],
    );
    return rows.map(ticketOf);
  }

  /** Transitions of the tickets, oldest first per ticket (ties in the order they were stored). */
  async transitionsOf(
    manager: EntityManager,
    ids: readonly string[],
  ): Promise<Map<string, StoredTransition[]>> {
    const out = new Map<string, StoredTransition[]>();
    if (ids.length === 0) return out;
    const rows = await manager.query<
      {
        ticket_id: string;
        field: 'status' | 'assignment_group';
        at: Date;
        from_value: string | null;
        to_value: string | null;
      }[]
    >(
      `SELECT "ticket_id", "field", "at", "from_value", "to_value" FROM ${this.transitions}
       WHERE "ticket_id" = ANY($1::uuid[]) ORDER BY "ticket_id", "at", "id"`,
      [ids],
    );
    for (const row of rows) {
      let list = out.get(row.ticket_id);
      if (list === undefined) out.set(row.ticket_id, (list = []));
      list.push({
        at: new Date(row.at).getTime(),
        field: row.field,
        from: row.from_value,
        to: row.to_value,
      });
    }
    return out;
  }

  /** Records what the SLA runtime decided about the tickets: open or not, and under which policy. */
  async markEvaluated(
    manager: EntityManager,
    updates: readonly { id: string; isOpen: boolean; policyId: string | null }[],
  ): Promise<void> {
    if (updates.length === 0) return;
    await manager.query(
      `UPDATE ${this.tickets} AS t SET "is_open" = x."is_open", "policy_id" = x."policy_id"
       FROM jsonb_to_recordset($1::jsonb) AS x("id" UUID, "is_open" BOOLEAN, "policy_id" TEXT)
       WHERE t."id" = x."id" AND (t."is_open" IS DISTINCT FROM x."is_open" OR t."policy_id" IS DISTINCT FROM x."policy_id")`,
      [
        JSON.stringify(
          updates.map((u) => ({ id: u.id, is_open: u.isOpen, policy_id: u.policyId })),
        ),
      ],
    );
  }

  /** Open tickets of a system not seen since `before`, oldest first: they may have left the filters. */
  async staleOpenKeys(
    dataSource: DataSource,
    system: string,
    before: number,
    limit: number,
  ): Promise<string[]> {
    const rows = await dataSource.query<{ key: string }[]>(
      `SELECT "key" FROM ${this.tickets} WHERE "is_open" AND "system" = $1 AND "last_seen_at" < $2
       ORDER BY "last_seen_at" LIMIT $3`,
      [system, new Date(before).toISOString(), limit],
    );
    return rows.map((r) => r.key);
  }

  /** Open tickets in pages by id, with what policy matching needs. */
  async *openTicketPages(
    dataSource: DataSource,
    pageSize: number,
  ): AsyncGenerator<
    {
      id: string;
      priority: string | null;
      category: string | null;
      customer: string | null;
      policyId: string | null;
    }[]
  > {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await dataSource.query<
        {
          id: string;
          priority: string | null;
          category: string | null;
          customer: string | null;
          policy_id: string | null;
        }[]
      >(
        `SELECT "id", "priority", "category", "customer", "policy_id" FROM ${this.tickets}
         WHERE "is_open" AND "id" > $1 ORDER BY "id" LIMIT $2`,
        [after, pageSize],
      );
      if (rows.length === 0) return;
      yield rows.map((r) => ({
        id: r.id,
        priority: r.priority,
        category: r.category,
        customer: r.customer,
        policyId: r.policy_id,
      }));
      after = rows[rows.length - 1].id;
      if (rows.length < pageSize) return;
    }
  }

  /** One ticket with its history, for the API. */
  async find(dataSource: DataSource, system: string, key: string) {
    const rows = await dataSource.query<
      (TicketRow & {
        assignee: string | null;
        external_id: string | null;
        source: string;
        first_seen_at: Date;
        last_seen_at: Date;
      })[]
    >(
      `SELECT ${TICKET_COLUMNS}, "assignee", "external_id", "source", "first_seen_at", "last_seen_at"
       FROM ${this.tickets} WHERE "system" = $1 AND "key" = $2`,
      [system, key],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const history = await dataSource.query<
      {
        field: string;
        at: Date;
        from_value: string | null;
        to_value: string | null;
        source: string;
      }[]
    >(
      `SELECT "field", "at", "from_value", "to_value", "source" FROM ${this.transitions}
       WHERE "ticket_id" = $1 ORDER BY "at", "id"`,
      [row.id],
    );
    return {
      ...ticketOf(row),
      assignee: row.assignee,
      externalId: row.external_id,
      source: row.source,
      firstSeenAt: new Date(row.first_seen_at),
      lastSeenAt: new Date(row.last_seen_at),
      history: history.map((h) => ({
        field: h.field,
        at: new Date(h.at),
        from: h.from_value,
        to: h.to_value,
        source: h.source,
      })),
    };
  }
}

function rowOf(t: TicketInput, seenAt: number) {
  return {
    tenant_id: t.tenantId,
    system: t.system,
    key: t.key,
    external_id: t.externalId,
    title: t.title,
    status: t.status,
    priority: t.priority,
    category: t.category,
    customer: t.customer,
    assignment_group: t.assignmentGroup,
    assignee: t.assignee,
    url: t.url,
    created_at: iso(t.createdAt),
    updated_at: iso(t.updatedAt),
    resolved_at: iso(t.resolvedAt),
    source: t.source,
    seen_at: iso(seenAt),
  };
}
