import jsonata from 'jsonata';
import type { AlarmLifecycle, AlarmRecord, MetricRecord } from '../connector';
import {
  ItemError,
  alarmTypeOf,
  dateField,
  numberField,
  optionalDate,
  optionalText,
  severityField,
  textField,
  type Item,
} from '../item-fields';
import type { RestPollingConfig } from './rest-polling-config';

type Expression = ReturnType<typeof jsonata>;

/** Bounds on one evaluation, so a runaway expression fails its item instead of the sync. */
const EVALUATION_LIMITS = { timeout: 1000, stack: 500 };

/** The config's expressions, compiled once. */
export interface RestMapping {
  items: Expression;
  fields: [string, Expression][];
  total?: Expression;
  nextCursor?: Expression;
  nextLink?: Expression;
}

export function compileRestMapping(config: RestPollingConfig): RestMapping {
  const compile = (expression: string) => jsonata(expression, EVALUATION_LIMITS);
  const optional = (expression: string | undefined) =>
    expression === undefined ? undefined : compile(expression);
  return {
    items: compile(config.items),
    fields: Object.entries(config.fields as unknown as Record<string, string | undefined>)
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([name, expression]) => [name, compile(expression)]),
    total: optional(config.paging.total),
    nextCursor: optional(config.paging.next_cursor),
    nextLink: optional(config.paging.next_link),
  };
}

/** One item of an answer with its fields evaluated, or why they could not be. */
export interface MappedItem {
  raw: unknown;
  values?: Record<string, unknown>;
  error?: string;
}

/** An answer evaluated: its items and what it says of the next page. */
export interface MappedPage {
  items: MappedItem[];
  total?: number;
  nextCursor?: string;
  nextLink?: string;
  /** The items expression itself failed: the page cannot be read. */
  error?: string;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  const { message } = (error ?? {}) as { message?: unknown };
  return typeof message === 'string' ? message : String(error);
}

/** JSONata sequences are arrays with extra properties; keep plain JSON. */
function plain(value: unknown): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** RFC 8288 `Link` header: the target of `rel="next"`. */
export function nextLinkOf(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2])) return match[1];
  }
  return undefined;
}

/**
 * Evaluates the mapping on one answer: the items expression, each field of each item (with the
 * answer bound as `$body`), and the paging expressions. One item's failure is kept on that item.
 */
export async function mapPage(
  mapping: RestMapping,
  body: unknown,
  linkHeader?: string | null,
): Promise<MappedPage> {
  let list: unknown;
  try {
    list = await mapping.items.evaluate(body);
  } catch (error) {
    return { items: [], error: `items: ${messageOf(error)}` };
  }
  const rawItems = list === undefined ? [] : Array.isArray(list) ? (list as unknown[]) : [list];
  const items: MappedItem[] = [];
  for (const raw of rawItems) {
    const values: Record<string, unknown> = {};
    let error: string | undefined;
    for (const [name, expression] of mapping.fields) {
      try {
        const value = plain(await expression.evaluate(raw, { body }));
        if (value !== undefined) values[name] = value;
      } catch (failure) {
        error = `fields.${name}: ${messageOf(failure)}`;
        break;
      }
    }
    items.push(error === undefined ? { raw, values } : { raw, error });
  }
  const page: MappedPage = { items };
  const evaluate = async (expression: Expression | undefined): Promise<unknown> => {
    try {
      return expression === undefined ? undefined : await expression.evaluate(body);
    } catch {
      // A page that does not say what comes next is the last one.
      return undefined;
    }
  };
  const total = await evaluate(mapping.total);
  if (typeof total === 'number' && Number.isFinite(total)) page.total = total;
  const cursor = await evaluate(mapping.nextCursor);
  if ((typeof cursor === 'string' && cursor !== '') || typeof cursor === 'number') {
    page.nextCursor = String(cursor);
  }
  const link = mapping.nextLink ? await evaluate(mapping.nextLink) : nextLinkOf(linkHeader);
  if (typeof link === 'string' && link !== '') page.nextLink = link;
  return page;
}

function labelsOf(values: Item): Record<string, string> {
  const labels = values.labels;
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object' || Array.isArray(labels)) {
    throw new ItemError('labels must give an object of text');
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') out[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
    else throw new ItemError(`labels.${key} must be text, not ${typeof value}`);
  }
  return out;
}

/** A metric from an item's mapped values; ItemError names the field that is wrong. */
export function metricOf(item: MappedItem): MetricRecord {
  const values = valuesOf(item);
  const quality = values.quality === undefined ? 1 : numberField(values, 'quality');
  if (quality < 0 || quality > 1) throw new ItemError(`quality is ${quality}, not within 0..1`);
  return {
    kind: 'metric',
    siteId: textField(values, 'site_id'),
    managedObject: optionalText(values, 'managed_object') ?? '',
    name: textField(values, 'name'),
    value: numberField(values, 'value'),
    unit: optionalText(values, 'unit') ?? '',
    timestamp: dateField(values, 'timestamp'),
    technology: optionalText(values, 'technology') ?? '',
    quality,
    labels: labelsOf(values),
    raw: item.raw,
  };
}

const STATES: Record<string, AlarmLifecycle> = {
  raised: 'raised',
  active: 'raised',
  changed: 'changed',
  updated: 'changed',
  cleared: 'cleared',
};

function booleanOf(values: Item, key: string): boolean | undefined {
  const value = values[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1) return true;
  if (value === 'false' || value === 0) return false;
  throw new ItemError(`${key} is ${JSON.stringify(value).slice(0, 40)}, not true or false`);
}

/** An alarm from an item's mapped values; ItemError names the field that is wrong. */
export function alarmOf(item: MappedItem, defaultSourceSystem: string): AlarmRecord {
  const values = valuesOf(item);
  const raisedAt = dateField(values, 'raised_at');
  const clearedAt = optionalDate(values, 'cleared_at');
  const acknowledgedAt = optionalDate(values, 'acknowledged_at');
  const changedAt = optionalDate(values, 'changed_at') ?? clearedAt ?? raisedAt;
  const stateText = optionalText(values, 'state');
  let state: AlarmLifecycle = clearedAt ? 'cleared' : 'raised';
  if (stateText !== undefined) {
    const known = STATES[stateText.toLowerCase()];
    if (!known) throw new ItemError(`state is "${stateText}", not raised, changed or cleared`);
    state = known;
  }
  const cleared = state === 'cleared';
  const specificProblem = optionalText(values, 'specific_problem') ?? '';
  return {
    kind: 'alarm',
    alarmId: textField(values, 'alarm_id'),
    severity: cleared ? 'CLEARED' : severityField(values, 'severity'),
    alarmType: alarmTypeOf(optionalText(values, 'alarm_type')),
    probableCause: optionalText(values, 'probable_cause') ?? '',
    specificProblem,
    managedObject: optionalText(values, 'managed_object') ?? '',
    title: optionalText(values, 'title') ?? specificProblem,
    description: optionalText(values, 'description') ?? '',
    siteId: textField(values, 'site_id'),
    technology: optionalText(values, 'technology'),
    state,
    acknowledged: booleanOf(values, 'acknowledged') ?? acknowledgedAt !== undefined,
    eventTime: cleared ? (clearedAt ?? changedAt) : state === 'changed' ? changedAt : raisedAt,
    raisedAt,
    clearedAt,
    acknowledgedAt,
    changedAt,
    sourceSystem: optionalText(values, 'source_system') ?? defaultSourceSystem,
    labels: labelsOf(values),
    raw: item.raw,
  };
}

function valuesOf(item: MappedItem): Item {
  if (item.error !== undefined) throw new ItemError(item.error);
  return item.values ?? {};
}
