import type { MetricRecord } from '../connector';
import type { CounterRates } from './counter-rates';
import { OID, type CatalogueObject, type CatalogueTable } from './oid-catalogue';
import { cellOf, type PollPlan, type ScalarRead, type WalkRead } from './poll-plan';
import { isException, jsonValue, numericValue, type DecodedVarbind } from './snmp-values';

/** Who the metrics of a target are about. */
export interface TargetIdentity {
  siteId: string;
  /** Managed object of the device itself; rows are `<managedObject>/<row>`. */
  managedObject: string;
  technology: string;
  /** `host:port`, kept as the `agent` label. */
  agent: string;
}

/** A varbind and when its answer arrived (rates divide by the time between answers). */
export interface Reading {
  varbind: DecodedVarbind;
  atMs: number;
}

/** What one poll read from a target, in plan order; partial when the poll failed midway. */
export interface TargetReadings {
  scalars: { read: ScalarRead; reading: Reading }[];
  walks: { walk: WalkRead; readings: Reading[] }[];
}

export interface TargetMetrics {
  records: MetricRecord[];
  /** Why values could not become metrics, one line each. */
  rejected: string[];
}

const UPTIME_OID = `${OID.sysUpTime}.0`;

/**
 * Turns one poll's readings into metrics: catalogue names, units and scales; counters into
 * per-second rates through `rates` (a counter's first reading, and any after a reset or an agent
 * restart, gives none); rows of catalogue tables named by their naming column (`router/eth0`).
 * The caller ends the rate poll (`rates.endPoll`), knowing whether the poll completed.
 */
export function metricRecords(
  identity: TargetIdentity,
  plan: PollPlan,
  readings: TargetReadings,
  rates: CounterRates,
): TargetMetrics {
  const out: TargetMetrics = { records: [], rejected: [] };
  const uptime = readings.scalars.find((s) => s.read.oid === UPTIME_OID)?.reading;
  const ticks =
    uptime && uptime.varbind.syntax === 'TimeTicks' ? numericValue(uptime.varbind) : undefined;
  rates.beginPoll(ticks === undefined || !uptime ? undefined : { ticks, atMs: uptime.atMs });

  // Text scalars asked for (sysName, upsIdentModel) label every metric of the target.
  const targetLabels: Record<string, string> = {};
  const emit = (
    object: CatalogueObject | undefined,
    name: string,
    reading: Reading,
    managedObject: string,
    labels: Record<string, string>,
    factor = 1,
  ) => {
    const metric = metricOf(object, name, reading, rates);
    if (metric === undefined) return;
    if ('problem' in metric) {
      out.rejected.push(`${identity.agent} ${name}: ${metric.problem}`);
      return;
    }
    const value = metric.value * factor;
    if (!Number.isFinite(value)) {
      out.rejected.push(`${identity.agent} ${name}: value out of range`);
      return;
    }
    out.records.push({
      kind: 'metric',
      siteId: identity.siteId,
      managedObject,
      name: metric.name,
      value,
      unit: metric.unit,
      timestamp: new Date(reading.atMs),
      technology: identity.technology,
      quality: 1,
      labels: { agent: identity.agent, ...targetLabels, object: name, ...labels, ...metric.labels },
      raw: {
        oid: reading.varbind.oid,
        syntax: reading.varbind.syntax,
        value: jsonValue(reading.varbind),
      },
    });
  };

  for (const { read, reading } of readings.scalars) {
    if (!read.emit) continue;
    if (isException(reading.varbind.syntax)) {
      out.rejected.push(`${identity.agent} ${read.name}: ${reading.varbind.syntax} at the agent`);
      continue;
    }
    const { object } = read;
    if (object?.kind === 'label' && object.labelKey && typeof reading.varbind.value === 'string')
      targetLabels[object.labelKey] = reading.varbind.value;
  }
  for (const { read, reading } of readings.scalars) {
    if (!read.emit || isException(reading.varbind.syntax)) continue;
    emit(read.object, read.name, reading, identity.managedObject, {});
  }

  const tables = new Map<string, { table: CatalogueTable; readings: Reading[] }>();
  for (const { walk, readings: walked } of readings.walks) {
    if (walk.table) {
      const entry = tables.get(walk.table.name) ?? { table: walk.table, readings: [] };
      entry.readings.push(...walked);
      tables.set(walk.table.name, entry);
      continue;
    }
    for (const reading of walked) {
      const { varbind } = reading;
      if (isException(varbind.syntax)) {
        out.rejected.push(`${identity.agent} ${walk.root}: ${varbind.syntax} at the agent`);
        continue;
      }
      // Walks of raw subtrees cross text columns too: only numbers become metrics.
      if (numericValue(varbind) === undefined) continue;
      const index = varbind.oid === walk.root ? '' : varbind.oid.slice(walk.root.length + 1);
      emit(
        undefined,
        walk.root,
        reading,
        index ? `${identity.managedObject}/${index}` : identity.managedObject,
        index ? { index } : {},
      );
    }
  }

  for (const { table, readings: cells } of tables.values()) {
    const columns = plan.emitColumns.get(table.name) ?? new Set<number>();
    for (const [index, row] of rowsOf(table, cells)) {
      const labels: Record<string, string> = { [table.indexLabel]: index };
      for (const [column, reading] of row) {
        const object = table.columns.get(column);
        if (
          object?.kind === 'label' &&
          object.labelKey &&
          typeof reading.varbind.value === 'string'
        )
          labels[object.labelKey] = reading.varbind.value;
      }
      const nameCell = table.nameColumn === undefined ? undefined : row.get(table.nameColumn);
      const rowName =
        typeof nameCell?.varbind.value === 'string' && nameCell.varbind.value.trim() !== ''
          ? nameCell.varbind.value.trim()
          : `${table.rowPrefix}.${index}`;
      for (const column of columns) {
        const reading = row.get(column);
        const object = table.columns.get(column);
        if (!reading || !object) continue;
        let factor = 1;
        if (object.scaleByColumn !== undefined) {
          const unit = row.get(object.scaleByColumn);
          const size = unit ? numericValue(unit.varbind) : undefined;
          if (size === undefined) {
            out.rejected.push(
              `${identity.agent} ${object.name}.${index}: no value in column ${object.scaleByColumn} to scale by`,
            );
            continue;
          }
          factor = size;
        }
        emit(object, object.name, reading, `${identity.managedObject}/${rowName}`, labels, factor);
      }
    }
  }
  return out;
}

function rowsOf(table: CatalogueTable, readings: Reading[]): Map<string, Map<number, Reading>> {
  const rows = new Map<string, Map<number, Reading>>();
  for (const reading of readings) {
    const cell = cellOf(table, reading.varbind.oid);
    if (!cell) continue;
    let row = rows.get(cell.index);
    if (!row) rows.set(cell.index, (row = new Map<number, Reading>()));
    row.set(cell.column, reading);
  }
  return rows;
}

/** Tenths are divided by 10, not multiplied by 0.1: 538 × 0.1 is 53.800000000000004. */
function scaleValue(value: number, scale = 1): number {
  return scale < 1 ? value / Math.round(1 / scale) : value * scale;
}

type Metric =
  | { name: string; value: number; unit: string; labels: Record<string, string> }
  | { problem: string };

/** The metric a value makes, a problem, or undefined when it makes none (yet). */
function metricOf(
  object: CatalogueObject | undefined,
  name: string,
  reading: Reading,
  rates: CounterRates,
): Metric | undefined {
  const { varbind, atMs } = reading;
  if (object?.kind === 'label') return undefined;
  const number = numericValue(varbind);
  if (number === undefined) return { problem: `${varbind.syntax} is not a number` };
  const isCounter = varbind.syntax === 'Counter32' || varbind.syntax === 'Counter64';
  if (!object) {
    if (isCounter && typeof varbind.value === 'bigint') {
      const rate = rates.rate(
        varbind.oid,
        varbind.value,
        varbind.syntax === 'Counter32' ? 32 : 64,
        atMs,
      );
      return rate === undefined
        ? undefined
        : { name: `${name}_per_second`, value: rate, unit: '1/s', labels: { oid: varbind.oid } };
    }
    if (varbind.syntax === 'TimeTicks')
      return { name, value: number / 100, unit: 's', labels: { oid: varbind.oid } };
    return { name, value: number, unit: '', labels: { oid: varbind.oid } };
  }
  const metric = object.metric ?? name;
  const scaled = (value: number) => scaleValue(value, object.scale);
  switch (object.kind) {
    case 'counter': {
      if (!isCounter || typeof varbind.value !== 'bigint')
        return { problem: `${varbind.syntax} where a counter was expected` };
      const rate = rates.rate(
        varbind.oid,
        varbind.value,
        varbind.syntax === 'Counter32' ? 32 : 64,
        atMs,
      );
      return rate === undefined
        ? undefined
        : { name: metric, value: scaled(rate), unit: object.unit, labels: {} };
    }
    case 'gauge':
      return { name: metric, value: scaled(number), unit: object.unit, labels: {} };
    case 'state':
      return {
        name: metric,
        value: number,
        unit: object.unit,
        labels: { state: object.states?.[number] ?? `unknown(${number})` },
      };
    case 'timeticks':
      return { name: metric, value: number / 100, unit: object.unit, labels: {} };
  }
}
