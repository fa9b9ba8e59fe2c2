import type { AgentTicket, TicketTransition } from '@telcomesh/ticket-agent-protocol';
import { DateTime } from 'luxon';
import { completeHistory, toIsoTime } from './ticket-history';
import { TicketRecordError } from './ticket-system-error';

/** One sys_audit row (the fields the adapter asks for). */
export interface ServiceNowAudit {
  documentkey: string;
  fieldname: string;
  oldvalue: string;
  newvalue: string;
  sys_created_on: string;
  record_checkpoint: string;
}

/** Turns stored values into what people see: state labels and group names. */
export interface ServiceNowLabels {
  state(value: string): string;
  /** The group's name, or its sys_id when unknown. */
  group(sysId: string): string;
}

export interface ServiceNowMapping {
  table: string;
  instanceUrl: string;
  customerField: string;
  resolvedAtField: string;
  labels: ServiceNowLabels;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The stored value of a field under any `sysparm_display_value` ('' when absent). */
export function serviceNowValue(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (isRecord(value)) return typeof value.value === 'string' ? value.value : '';
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
}

/** The display value of a field (`sysparm_display_value=all`), else its stored value. */
export function serviceNowDisplay(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (isRecord(value) && typeof value.display_value === 'string') return value.display_value;
  return serviceNowValue(record, field);
}

export function isServiceNowAudit(value: unknown): value is ServiceNowAudit {
  return (
    isRecord(value) &&
    ['documentkey', 'fieldname', 'oldvalue', 'newvalue', 'sys_created_on'].every(
      (f) => typeof value[f] === 'string',
    )
  );
}

/**
 * State and assignment-group changes from sys_audit rows, oldest first: by time, then by the
 * record's update counter (two updates in one second keep their order). Audit times are UTC.
 */
export function auditTransitions(
  audits: readonly ServiceNowAudit[],
  labels: ServiceNowLabels,
): TicketTransition[] {
  const rows = audits
    .filter((a) => a.fieldname === 'state' || a.fieldname === 'assignment_group')
    .map((audit, index) => ({ audit, index, at: toIsoTime(audit.sys_created_on, 'UTC') }));
  const out: { at: string; checkpoint: number; index: number; transition: TicketTransition }[] = [];
  for (const { audit, index, at } of rows) {
    if (!at)
      throw new TicketRecordError(
        `sys_audit row for ${audit.fieldname} has no valid time ('${audit.sys_created_on}')`,
      );
    const show = (value: string): string | null =>
      value === '' ? null : audit.fieldname === 'state' ? labels.state(value) : labels.group(value);
    out.push({
      at,
      checkpoint: Number(audit.record_checkpoint) || 0,
      index,
      transition: {
        at,
        field: audit.fieldname === 'state' ? 'status' : 'assignment_group',
        from: show(audit.oldvalue),
        to: show(audit.newvalue),
      },
    });
  }
  out.sort(
    (a, b) =>
      Date.parse(a.at) - Date.parse(b.at) || a.checkpoint - b.checkpoint || a.index - b.index,
  );
  return out.map((o) => o.transition);
}

/**
 * A Table API record (`sysparm_display_value=all`) and its sys_audit rows as an AgentTicket.
 * Throws TicketRecordError naming the problem when the record lacks what an AgentTicket needs.
 */
export function serviceNowRecordToTicket(
  record: unknown,
  audits: readonly ServiceNowAudit[],
  mapping: ServiceNowMapping,
): AgentTicket {
  if (!isRecord(record)) throw new TicketRecordError('record is not an object');
  const sysId = serviceNowValue(record, 'sys_id');
  const number = serviceNowValue(record, 'number');
  if (!/^[0-9a-f]{32}$/.test(sysId))
    throw new TicketRecordError(`record ${number || '?'} has no valid sys_id`);
  if (number === '') throw new TicketRecordError(`record ${sysId} has no number`);
  const state = serviceNowValue(record, 'state');
  if (state === '') throw new TicketRecordError(`record ${number} has no state`);
  // The same labels as the history's, so the last transition ends where the ticket is.
  const labelled = mapping.labels.state(state);
  const status = labelled !== state ? labelled : serviceNowDisplay(record, 'state') || state;
  const createdAt =
    toIsoTime(serviceNowValue(record, 'opened_at'), 'UTC') ??
    toIsoTime(serviceNowValue(record, 'sys_created_on'), 'UTC');
  if (!createdAt)
    throw new TicketRecordError(`record ${number} has no valid opened_at or sys_created_on`);
  const groupId = serviceNowValue(record, 'assignment_group');
  const shownGroup = serviceNowDisplay(record, 'assignment_group');
  const assignmentGroup =
    groupId === ''
      ? null
      : shownGroup !== groupId && shownGroup !== ''
        ? shownGroup
        : mapping.labels.group(groupId);
  const text = (field: string): string | null => serviceNowDisplay(record, field) || null;
  return {
    key: number,
    system: 'servicenow',
    externalId: sysId,
    title: serviceNowDisplay(record, 'short_description'),
    status,
    priority: text('priority'),
    category: text('category'),
    customer: text(mapping.customerField),
    assignmentGroup,
    assignee: text('assigned_to'),
    createdAt,
    updatedAt: toIsoTime(serviceNowValue(record, 'sys_updated_on'), 'UTC') ?? createdAt,
    resolvedAt: toIsoTime(serviceNowValue(record, mapping.resolvedAtField), 'UTC') ?? null,
    url: `${mapping.instanceUrl}/nav_to.do?uri=${encodeURIComponent(`${mapping.table}.do?sys_id=${sysId}`)}`,
    history: completeHistory(
      auditTransitions(
        audits.filter((a) => a.documentkey === sysId),
        mapping.labels,
      ),
      { createdAt, status, assignmentGroup },
    ),
  };
}

/** Splits an encoded query on `^` (a `^^` is a literal caret and stays in its part). */
function encodedParts(encoded: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] !== '^') current += encoded[i];
    else if (encoded[i + 1] === '^') {
      current += '^^';
      i++;
    } else {
      parts.push(current);
      current = '';
    }
  }
  parts.push(current);
  return parts.filter((p) => p !== '' && p !== 'EQ');
}

/**
 * The encoded query to run: the saved filter's and the task's queries ANDed (across `^NQ`
 * alternatives), each narrowed to records updated since `updatedSince` (written in the user's
 * `zone`, as gs.dateGenerate reads it), ordered by the given ORDERBYs or by creation, with
 * sys_id last so equal times still page in a stable order.
 */
export function composeEncodedQuery(
  queries: readonly string[],
  updatedSince: string | undefined,
  zone: string,
): string {
  const orders: string[] = [];
  let alternatives: string[][] = [[]];
  for (const query of queries) {
    const own: string[][] = [[]];
    for (const part of encodedParts(query)) {
      if (part.startsWith('ORDERBY')) orders.push(part);
      else if (part.startsWith('NQ')) own.push([part.slice(2)]);
      else own[own.length - 1].push(part);
    }
    const nonEmpty = own.filter((a) => a.length > 0);
    if (nonEmpty.length === 0) continue;
    alternatives = alternatives.flatMap((left) => nonEmpty.map((right) => [...left, ...right]));
  }
  if (updatedSince !== undefined) {
    const since = DateTime.fromISO(updatedSince, { zone: 'UTC' }).setZone(zone);
    if (!since.isValid)
      throw new TicketRecordError(`updatedSince '${updatedSince}' is not an ISO-8601 time`);
    const condition = `sys_updated_on>=javascript:gs.dateGenerate('${since.toFormat('yyyy-MM-dd')}','${since.toFormat('HH:mm:ss')}')`;
    alternatives = alternatives.map((a) => [...a, condition]);
  }
  if (orders.length === 0) orders.push('ORDERBYsys_created_on');
  if (!orders.includes('ORDERBYsys_id')) orders.push('ORDERBYsys_id');
  return [
    alternatives
      .map((a) => a.join('^'))
      .filter(Boolean)
      .join('^NQ'),
    ...orders,
  ]
    .filter(Boolean)
    .join('^');
}
