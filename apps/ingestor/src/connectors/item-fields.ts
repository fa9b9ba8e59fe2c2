import type { AlarmType, PerceivedSeverity } from './connector';

/** A source item that cannot be normalised; the sync skips it and reports why. */
export class ItemError extends Error {
  override readonly name = 'ItemError';
}

export type Item = Record<string, unknown>;

export function asItem(value: unknown): Item {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ItemError(`is ${Array.isArray(value) ? 'an array' : typeof value}, not an object`);
  }
  return value as Item;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  return text === undefined ? String(value) : text.slice(0, 60);
}

/** A string field (numbers are accepted and written in decimal: ids often come as either). */
export function textField(item: Item, key: string): string {
  const value = item[key];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === undefined || value === null || value === '')
    throw new ItemError(`${key} is missing`);
  throw new ItemError(`${key} is ${show(value)}, not text`);
}

export function optionalText(item: Item, key: string): string | undefined {
  const value = item[key];
  if (value === undefined || value === null || value === '') return undefined;
  return textField(item, key);
}

/** A number, or a string holding one (several OSS send values as text). */
export function numberField(item: Item, key: string): number {
  const value = item[key];
  const result =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  if (!Number.isFinite(result)) {
    throw new ItemError(
      value === undefined || value === null
        ? `${key} is missing`
        : `${key} is ${show(value)}, not a number`,
    );
  }
  return result;
}

/** An RFC 3339 string or epoch milliseconds. */
export function dateField(item: Item, key: string): Date {
  const value = item[key];
  if (value === undefined || value === null || value === '')
    throw new ItemError(`${key} is missing`);
  const date =
    typeof value === 'number'
      ? new Date(value)
      : typeof value === 'string'
        ? new Date(value)
        : undefined;
  if (!date || Number.isNaN(date.getTime()))
    throw new ItemError(`${key} is ${show(value)}, not a date`);
  return date;
}

export function optionalDate(item: Item, key: string): Date | undefined {
  const value = item[key];
  if (value === undefined || value === null || value === '') return undefined;
  return dateField(item, key);
}

const SEVERITIES: Record<string, PerceivedSeverity> = {
  critical: 'CRITICAL',
  major: 'MAJOR',
  minor: 'MINOR',
  warning: 'WARNING',
  indeterminate: 'INDETERMINATE',
  cleared: 'CLEARED',
};

/** X.733 perceived severity from any casing (`CRITICAL`, `critical`, `Critical`). */
export function severityField(item: Item, key: string): PerceivedSeverity {
  const value = textField(item, key);
  const severity = SEVERITIES[value.toLowerCase()];
  if (!severity) throw new ItemError(`${key} is ${show(value)}, not an X.733 severity`);
  return severity;
}

const ALARM_TYPES: Record<string, AlarmType> = {
  communications: 'COMMUNICATIONS',
  communication: 'COMMUNICATIONS',
  qualityofservice: 'QUALITY_OF_SERVICE',
  qos: 'QUALITY_OF_SERVICE',
  processingerror: 'PROCESSING_ERROR',
  processing: 'PROCESSING_ERROR',
  equipment: 'EQUIPMENT',
  environmental: 'ENVIRONMENTAL',
  environment: 'ENVIRONMENTAL',
};

/**
 * X.733 event type from the spellings sources use (`EQUIPMENT_ALARM`, `equipmentAlarm`,
 * `Equipment Alarm`, `equipment`); anything else is UNSPECIFIED rather than an error.
 */
export function alarmTypeOf(value: string | undefined): AlarmType {
  if (value === undefined) return 'UNSPECIFIED';
  const key = value
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .replace(/alarm$/, '');
  return ALARM_TYPES[key] ?? 'UNSPECIFIED';
}

const TECHNOLOGIES: Record<string, string> = {
  '2g': '2G',
  gsm: '2G',
  geran: '2G',
  '3g': '3G',
  umts: '3G',
  wcdma: '3G',
  utran: '3G',
  '4g': '4G',
  lte: '4G',
  eutran: '4G',
  '5g': '5G',
  nr: '5G',
};

/** `LTE` → `4G`, `NR` → `5G`...; other values are kept as the source wrote them. */
export function normaliseTechnology(value: string): string {
  return TECHNOLOGIES[value.toLowerCase()] ?? value;
}
