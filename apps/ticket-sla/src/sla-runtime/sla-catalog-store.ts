import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@telcomesh/platform';
import {
  SlaCatalog,
  type CatalogDocument,
  type CatalogDocuments,
  type CatalogOwner,
  type PolicyFileContent,
} from './sla-catalog';

export type CatalogKind = 'calendar' | 'policy';

/** One change made to the catalog, for config.changes.v1. */
export interface CatalogChange {
  kind: CatalogKind;
  id: string;
  before: Record<string, unknown> | undefined;
  after: Record<string, unknown> | undefined;
}

interface DocumentRow {
  id: string;
  definition: Record<string, unknown>;
  managed_by: CatalogOwner;
  updated_by: string;
  updated_at: Date;
}

const documentOf = (row: DocumentRow): CatalogDocument => ({
  id: row.id,
  definition: row.definition,
  managedBy: row.managed_by,
  updatedBy: row.updated_by,
  updatedAt: new Date(row.updated_at),
});

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * SLA calendars and policies as JSON documents in ticket-sla's schema, with a version bumped by
 * every change (replicas reload when it moves). Each change is validated against the whole
 * catalog it produces, under a lock on the version row, so the stored catalog always builds.
 */
export class SlaCatalogStore {
  private readonly calendars: string;
  private readonly policies: string;
  private readonly versionTable: string;

  constructor(private readonly dataSource: DataSource) {
    const schema = (dataSource.options as { schema: string }).schema;
    this.calendars = `"${schema}"."sla_calendars"`;
    this.policies = `"${schema}"."sla_policies"`;
    this.versionTable = `"${schema}"."sla_catalog_version"`;
  }

  async version(): Promise<number> {
    const rows = await this.dataSource.query<{ version: string }[]>(
      `SELECT "version" FROM ${this.versionTable}`,
    );
    return Number(rows[0]?.version ?? 0);
  }

  async documents(manager: EntityManager = this.dataSource.manager): Promise<CatalogDocuments> {
    const [version] = await manager.query<{ version: string }[]>(
      `SELECT "version" FROM ${this.versionTable}`,
    );
    const calendars = await manager.query<DocumentRow[]>(
      `SELECT "id", "definition", "managed_by", "updated_by", "updated_at" FROM ${this.calendars} ORDER BY "id"`,
    );
    const policies = await manager.query<DocumentRow[]>(
      `SELECT "id", "definition", "managed_by", "updated_by", "updated_at" FROM ${this.policies} ORDER BY "position", "id"`,
    );
    return {
      version: Number(version?.version ?? 0),
      calendars: calendars.map(documentOf),
      policies: policies.map(documentOf),
    };
  }

  /** The catalog in force. A stored catalog that no longer builds (a newer calculator's rules) is reported, not fatal. */
  async load(): Promise<SlaCatalog> {
    const docs = await this.documents();
    return SlaCatalog.build(
      docs.version,
      docs.calendars.map((d) => d.definition),
      docs.policies.map((d) => d.definition),
    );
  }

  /**
   * Makes the file-managed documents equal the policy file: adds and updates what it lists,
   * removes file-managed documents it no longer lists. API-managed documents with an id the file
   * now claims are taken over by the file. Returns the changes made (none when nothing differs).
   */
  async syncFile(
    content: PolicyFileContent,
    actor: string,
    manager: EntityManager,
  ): Promise<CatalogChange[]> {
    return this.change(manager, (current) => {
      const next = clone(current);
      const apply = (
        kind: CatalogKind,
        list: CatalogDocument[],
        wanted: Record<string, unknown>[],
      ) => {
        const ids = new Set(wanted.map((w) => String(w.id)));
        const kept = list.filter((d) => d.managedBy !== 'file' || ids.has(d.id));
        for (const definition of wanted) {
          const id = String(definition.id);
          const index = kept.findIndex((d) => d.id === id);
          const doc: CatalogDocument = {
            id,
            definition,
            managedBy: 'file',
            updatedBy: actor,
            updatedAt: new Date(),
          };
          if (index >= 0)
            kept[index] =
              same(kept[index].definition, definition) && kept[index].managedBy === 'file'
                ? kept[index]
                : doc;
          else kept.push(doc);
        }
        if (kind === 'policy') {
          // The file's order is the matching order among its policies; API ones follow.
          const order = new Map(wanted.map((w, i) => [String(w.id), i]));
          kept.sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity));
        }
        return kept;
      };
      next.calendars = apply('calendar', next.calendars, content.calendars);
      next.policies = apply('policy', next.policies, content.policies);
      return next;
    });
  }

  /** Creates or replaces a document through the API; refused for a file-managed one. */
  async put(
    kind: CatalogKind,
    id: string,
    definition: Record<string, unknown>,
    actor: string,
    manager: EntityManager,
    position?: number,
  ): Promise<CatalogChange[]> {
    return this.change(manager, (current) => {
      const next = clone(current);
      const list = kind === 'calendar' ? next.calendars : next.policies;
      const index = list.findIndex((d) => d.id === id);
      const existing = index >= 0 ? list[index] : undefined;
      if (existing?.managedBy === 'file') {
        throw new DomainError(
          ErrorCode.Conflict,
          `${kind} "${id}" is managed by the policy file (TICKET_SLA_POLICY_FILE): change it there`,
        );
      }
      const doc: CatalogDocument = {
        id,
        definition,
        managedBy: 'api',
        updatedBy: actor,
        updatedAt: new Date(),
      };
      if (existing !== undefined) list.splice(index, 1);
      const at =
        position === undefined
          ? existing !== undefined
            ? index
            : list.length
          : Math.min(Math.max(0, position), list.length);
      list.splice(at, 0, doc);
      return next;
    });
  }

  /** Deletes an API-managed document; a calendar still used by a policy is refused by validation. */
  async delete(kind: CatalogKind, id: string, manager: EntityManager): Promise<CatalogChange[]> {
    return this.change(manager, (current) => {
      const next = clone(current);
      const list = kind === 'calendar' ? next.calendars : next.policies;
      const index = list.findIndex((d) => d.id === id);
      if (index < 0) throw new DomainError(ErrorCode.NotFound, `no SLA ${kind} "${id}"`);
      if (list[index].managedBy === 'file') {
        throw new DomainError(
          ErrorCode.Conflict,
          `${kind} "${id}" is managed by the policy file (TICKET_SLA_POLICY_FILE): remove it there`,
        );
      }
      list.splice(index, 1);
      return next;
    });
  }

  /** Applies `edit` to the stored documents if the result builds; writes what changed; bumps the version. */
  private async change(
    manager: EntityManager,
    edit: (current: CatalogDocuments) => CatalogDocuments,
  ): Promise<CatalogChange[]> {
    await manager.query(`SELECT "version" FROM ${this.versionTable} FOR UPDATE`);
    const current = await this.documents(manager);
    const next = edit(current);
    // Throws SlaDefinitionError (a 400 naming every problem) before anything is written.
    SlaCatalog.build(
      next.version,
      next.calendars.map((d) => d.definition),
      next.policies.map((d) => d.definition),
    );
    const changes: CatalogChange[] = [];
    let writes = 0;
    const diff = async (
      kind: CatalogKind,
      table: string,
      before: CatalogDocument[],
      after: CatalogDocument[],
    ) => {
      const old = new Map(before.map((d, i) => [d.id, { d, i }]));
      const fresh = new Set(after.map((d) => d.id));
      for (const d of before) {
        if (!fresh.has(d.id)) {
          await manager.query(`DELETE FROM ${table} WHERE "id" = $1`, [d.id]);
          writes += 1;
          changes.push({ kind, id: d.id, before: d.definition, after: undefined });
        }
      }
      for (const [position, d] of after.entries()) {
        const was = old.get(d.id);
        const moved = kind === 'policy' && was?.i !== position;
        if (
          was !== undefined &&
          same(was.d.definition, d.definition) &&
          was.d.managedBy === d.managedBy &&
          !moved
        )
          continue;
        if (kind === 'policy') {
          await manager.query(
            `INSERT INTO ${table} ("id", "position", "definition", "managed_by", "updated_by", "updated_at")
             VALUES ($1, $2, $3::jsonb, $4, $5, now())
             ON CONFLICT ("id") DO UPDATE SET "position" = EXCLUDED."position", "definition" = EXCLUDED."definition",
               "managed_by" = EXCLUDED."managed_by", "updated_by" = EXCLUDED."updated_by", "updated_at" = now()`,
            [d.id, position, JSON.stringify(d.definition), d.managedBy, d.updatedBy],
          );
        } else {
          await manager.query(
            `INSERT INTO ${table} ("id", "definition", "managed_by", "updated_by", "updated_at")
             VALUES ($1, $2::jsonb, $3, $4, now())
             ON CONFLICT ("id") DO UPDATE SET "definition" = EXCLUDED."definition",
               "managed_by" = EXCLUDED."managed_by", "updated_by" = EXCLUDED."updated_by", "updated_at" = now()`,
            [d.id, JSON.stringify(d.definition), d.managedBy, d.updatedBy],
          );
        }
        writes += 1;
        if (was === undefined || !same(was.d.definition, d.definition)) {
          changes.push({ kind, id: d.id, before: was?.d.definition, after: d.definition });
        }
      }
    };
    await diff('calendar', this.calendars, current.calendars, next.calendars);
    await diff('policy', this.policies, current.policies, next.policies);
    if (writes > 0)
      await manager.query(`UPDATE ${this.versionTable} SET "version" = "version" + 1`);
    return changes;
  }
}

function clone(docs: CatalogDocuments): CatalogDocuments {
  return { version: docs.version, calendars: [...docs.calendars], policies: [...docs.policies] };
}
