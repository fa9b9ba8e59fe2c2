import {
  OID,
  catalogueObject,
  catalogueTable,
  isUnderOid,
  parseNumericOid,
  tableOfColumn,
  type CatalogueObject,
  type CatalogueTable,
} from './oid-catalogue';

/** One scalar read with GET. */
export interface ScalarRead {
  /** Instance OID (`….0`, or the exact raw OID asked for). */
  oid: string;
  /** Catalogue name, or the raw OID. */
  name: string;
  /** Undefined for a raw OID. */
  object?: CatalogueObject;
  /** False for the sysUpTime read only to tell agent restarts. */
  emit: boolean;
}

/** One subtree read with GETBULK (GETNEXT for none: SNMPv1 is not offered). */
export interface WalkRead {
  root: string;
  /** Catalogue table the subtree belongs to; undefined for a raw OID. */
  table?: CatalogueTable;
  /**
   * Raw OID only: when the subtree is empty, GET the OID itself, as `snmpwalk` does, so a raw
   * instance OID (`…ifInOctets.3`) can be listed like a subtree.
   */
  getWhenEmpty: boolean;
}

/** What to read from a target in one poll. */
export interface PollPlan {
  scalars: ScalarRead[];
  walks: WalkRead[];
  /** Per catalogue table, the columns that become metrics (label columns name rows instead). */
  emitColumns: ReadonlyMap<string, ReadonlySet<number>>;
}

/** Why a configured object name cannot be polled, or undefined when it can. */
export function objectProblem(name: string): string | undefined {
  if (catalogueTable(name) || catalogueObject(name)) return undefined;
  if (parseNumericOid(name)) return undefined;
  return name.includes('::')
    ? `"${name}" is not in the OID catalogue (IF-MIB, HOST-RESOURCES-MIB, UPS-MIB, SNMPv2-MIB objects and tables)`
    : `"${name}" is neither a catalogue name (MODULE::object) nor a numeric OID`;
}

const UPTIME_NAME = 'SNMPv2-MIB::sysUpTime';

/**
 * The reads for a list of objects: catalogue scalars and `.0` OIDs with GET, tables and columns
 * with walks. A column's walk brings the walk of its table's naming column (ifDescr) and of the
 * column it is scaled by (hrStorageAllocationUnits); columns of a table walked whole are not
 * walked again. sysUpTime is always read, to tell an agent restart from a counter wrap.
 * Objects must have passed `objectProblem`.
 */
export function planPoll(objects: readonly string[]): PollPlan {
  const scalars = new Map<string, ScalarRead>();
  const walks = new Map<string, WalkRead>();
  const emitColumns = new Map<string, Set<number>>();
  const wholeTables = new Set<string>();
  const uptime = catalogueObject(UPTIME_NAME);
  scalars.set(`${OID.sysUpTime}.0`, {
    oid: `${OID.sysUpTime}.0`,
    name: UPTIME_NAME,
    object: uptime,
    emit: objects.includes(UPTIME_NAME),
  });

  const columnsOf = (table: CatalogueTable) => {
    let columns = emitColumns.get(table.name);
    if (!columns) emitColumns.set(table.name, (columns = new Set()));
    return columns;
  };

  for (const name of objects) {
    const table = catalogueTable(name);
    if (table) {
      wholeTables.add(table.name);
      walks.set(table.oid, { root: table.oid, table, getWhenEmpty: false });
      for (const [column, object] of table.columns) {
        if (object.kind !== 'label') columnsOf(table).add(column);
      }
      continue;
    }
    const object = catalogueObject(name);
    if (object?.shape === 'scalar') {
      const oid = `${object.oid}.0`;
      scalars.set(oid, { oid, name, object, emit: true });
      continue;
    }
    if (object) {
      const owner = tableOfColumn(object);
      if (!owner) continue;
      const column = Number(object.oid.slice(owner.entryOid.length + 1));
      if (object.kind !== 'label') columnsOf(owner).add(column);
      const extra = [owner.nameColumn, object.scaleByColumn].filter(
        (value): value is number => value !== undefined,
      );
      for (const needed of [column, ...extra]) {
        const root = `${owner.entryOid}.${needed}`;
        walks.set(root, { root, table: owner, getWhenEmpty: false });
      }
      continue;
    }
    const oid = parseNumericOid(name);
    if (oid === undefined) continue;
    if (oid.endsWith('.0')) scalars.set(oid, { oid, name: oid, emit: true });
    else walks.set(oid, { root: oid, getWhenEmpty: true });
  }

  // A table walked whole already brings every one of its columns.
  const kept = [...walks.values()].filter(
    (walk) => !walk.table || !wholeTables.has(walk.table.name) || walk.root === walk.table.oid,
  );
  return {
    scalars: [...scalars.values()],
    walks: kept,
    emitColumns,
  };
}

/** Scalar OIDs split into GETs of at most `size` varbinds (agents answer tooBig past a limit). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Table, column number and row index of a varbind read under a catalogue table. */
export function cellOf(
  table: CatalogueTable,
  oid: string,
): { column: number; index: string } | undefined {
  if (!isUnderOid(oid, table.entryOid) || oid === table.entryOid) return undefined;
  const rest = oid.slice(table.entryOid.length + 1).split('.');
  if (rest.length < 2) return undefined;
  return { column: Number(rest[0]), index: rest.slice(1).join('.') };
}
