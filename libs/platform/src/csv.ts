/**
 * CSV exports (RFC 4180): one header line, CRLF line ends, fields quoted when they hold a
 * comma, quote or line break. Cells that a spreadsheet would run as a formula (=, +, -, @ first)
 * are prefixed with a quote, so an exported caller name cannot execute in Excel.
 */
export type CsvValue = string | number | boolean | Date | null | undefined;

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvValue;
}

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = value;
  if (/^[=+\-@\t\r]/.test(text) && !/^[+-]?\d/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader<T>(columns: readonly CsvColumn<T>[]): string {
  return `${columns.map((c) => csvCell(c.header)).join(',')}\r\n`;
}

export function csvRows<T>(columns: readonly CsvColumn<T>[], rows: Iterable<T>): string {
  let out = '';
  for (const row of rows) out += `${columns.map((c) => csvCell(c.value(row))).join(',')}\r\n`;
  return out;
}
