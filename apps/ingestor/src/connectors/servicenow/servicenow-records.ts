import type { TicketRecord } from '../connector';
import { ItemError, asItem, type Item } from '../item-fields';

/** `yyyy-MM-dd HH:mm:ss` in UTC: how the Table API stores times and reads them in queries. */
export function glideTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

const GLIDE_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/;

/** A Table API time (UTC) as a Date; undefined when the text is not one. */
export function parseGlideTime(text: string): Date | undefined {
  const match = GLIDE_TIME.exec(text);
  if (!match) return undefined;
  const date = new Date(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Where a table's sync stands: the last record passed, as ordered by the query
 * (`sys_updated_on`, then `sys_id`). Records at that same second with a greater sys_id are new.
 */
export interface TableWatermark {
  /** `sys_updated_on` of the last record passed, glide time. */
  updatedOn: string;
  sysId: string;
}

/** True when the record at (`updatedOn`, `sysId`) comes after the watermark in query order. */
export function isAfter(watermark: TableWatermark | undefined, updatedOn: string, sysId: string) {
  if (watermark === undefined) return true;
  if (updatedOn !== watermark.updatedOn) return updatedOn > watermark.updatedOn;
  return sysId > watermark.sysId;
}

/**
 * The `sysparm_query` of one table's sync: the watermark's second (ties at it are re-read and
 * skipped by sys_id), the settled upper bound, the table filter, then the cursor's order.
 */
export function syncQuery(options: { from?: string; until: string; filter?: string }): string {
  const parts: string[] = [];
  if (options.from !== undefined) parts.push(`sys_updated_on>=${options.from}`);
  parts.push(`sys_updated_on<=${options.until}`);
  if (options.filter) parts.push(options.filter);
  parts.push('ORDERBYsys_updated_on', 'ORDERBYsys_id');
  return parts.join('^');
}

/** Fields asked of every table (`sysparm_fields`), besides the configured site field. */
export const TICKET_FIELDS = [
  'sys_id',
  'number',
  'short_description',
  'description',
  'state',
  'priority',
  'urgency',
  'impact',
  'category',
  'assignment_group',
  'assigned_to',
  'opened_at',
  'resolved_at',
  'closed_at',
  'close_code',
  'sys_created_on',
  'sys_updated_on',
] as const;

/** A field as `sysparm_display_value=all` gives it: stored value and display value. */
interface FieldValue {
  value: string;
  display: string;
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A field in any of the Table API's shapes: `{display_value, value}`, `{value, link}` or text. */
export function fieldOf(item: Item, key: string): FieldValue {
  const raw = item[key];
  if (raw === undefined || raw === null) return { value: '', display: '' };
  const text = scalarText(raw);
  if (text !== undefined) return { value: text, display: text };
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const { value, display_value: display } = raw as Record<string, unknown>;
    const stored = scalarText(value) ?? '';
    return { value: stored, display: scalarText(display) ?? stored };
  }
  throw new ItemError(`${key} is ${Array.isArray(raw) ? 'an array' : typeof raw}, not a field`);
}

function requiredValue(item: Item, key: string): string {
  const { value } = fieldOf(item, key);
  if (value === '') throw new ItemError(`${key} is missing`);
  return value;
}

function timeOf(item: Item, key: string): Date | undefined {
  const { value } = fieldOf(item, key);
  if (value === '') return undefined;
  const date = parseGlideTime(value);
  if (!date)
    throw new ItemError(`${key} is "${value.slice(0, 40)}", not a yyyy-MM-dd HH:mm:ss time`);
  return date;
}

/** The identity and order key of a Table API record; throws ItemError when it has none. */
export function recordKey(value: unknown): { sysId: string; updatedOn: string } {
  const item = asItem(value);
  const sysId = requiredValue(item, 'sys_id');
  const updatedOn = requiredValue(item, 'sys_updated_on');
  if (!parseGlideTime(updatedOn)) {
    throw new ItemError(
      `sys_updated_on is "${updatedOn.slice(0, 40)}", not a yyyy-MM-dd HH:mm:ss time`,
    );
  }
  return { sysId, updatedOn };
}

/**
 * ITIL priority → the seed's business severity (`CRITICAL`...): the Table API has no severity on
 * requests, changes or problems, and an incident's own `severity` is seldom maintained.
 */
const SEVERITY_OF_PRIORITY: Record<string, string> = {
  '1': 'CRITICAL',
  '2': 'HIGH',
  '3': 'MEDIUM',
  '4': 'LOW',
  '5': 'LOW',
};

/**
 * One Table API record (`sysparm_display_value=all`) as a ticket (seed "Tickets ITSM"): status is
 * the state's label as the instance shows it, priority its stored value (`1`..`5`), and
 * `labels` keep what the ticket message carries besides (category, assignment group, ...).
 */
export function serviceNowTicket(value: unknown, table: string, siteField: string): TicketRecord {
  const item = asItem(value);
  const { sysId, updatedOn } = recordKey(item);
  const updatedAt = parseGlideTime(updatedOn) as Date;
  const number = requiredValue(item, 'number');
  const state = fieldOf(item, 'state');
  if (state.value === '' && state.display === '') throw new ItemError('state is missing');
  const priority = fieldOf(item, 'priority').value;
  const openedAt = timeOf(item, 'opened_at') ?? timeOf(item, 'sys_created_on');
  if (!openedAt) throw new ItemError('opened_at and sys_created_on are missing');
  const labels: Record<string, string> = { servicenow_table: table, servicenow_sys_id: sysId };
  const label = (name: string, text: string) => {
    if (text !== '') labels[name] = text;
  };
  label('state_value', state.value);
  label('category', fieldOf(item, 'category').display);
  label('assignment_group', fieldOf(item, 'assignment_group').display);
  label('urgency', fieldOf(item, 'urgency').display);
  label('impact', fieldOf(item, 'impact').display);
  label('close_code', fieldOf(item, 'close_code').display);
  label('resolved_at', timeOf(item, 'resolved_at')?.toISOString() ?? '');
  label('closed_at', timeOf(item, 'closed_at')?.toISOString() ?? '');
  const assignedTo = fieldOf(item, 'assigned_to').display;
  const site = fieldOf(item, siteField).display;
  return {
    kind: 'ticket',
    ticketId: sysId,
    number,
    table,
    title: fieldOf(item, 'short_description').display,
    description: fieldOf(item, 'description').display,
    status: state.display || state.value,
    severity: SEVERITY_OF_PRIORITY[priority] ?? '',
    priority: priority === '' ? undefined : priority,
    assignedTo: assignedTo === '' ? undefined : assignedTo,
    siteCode: site === '' ? undefined : site,
    openedAt,
    updatedAt,
    labels,
    raw: value,
  };
}
