/* A small strict reader of decoded JSON: every problem names the field path and what is wrong.
   Hand-written rather than class-validator so reasons carry full paths into nested arrays
   (`tickets[3].history[0].at`) and the contract has no reflection at runtime. */

export class FieldProblem extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'FieldProblem';
  }
}

/** ISO-8601 date-time with an explicit offset ("Z" or ±hh:mm), as every time on the wire is. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isIsoTime(value: string): boolean {
  if (!ISO_WITH_OFFSET.test(value) || Number.isNaN(Date.parse(value))) return false;
  // Date.parse rolls 2024-02-30 over to March; a real calendar day is required.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A short, safe rendering of a received value for a reason (never the whole payload). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return value.length > 40 ? `"${value.slice(0, 40)}…" (${value.length} chars)` : `"${value}"`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}

export interface StringRule {
  /** Longest accepted value in characters. */
  max: number;
  /** Least length; 1 unless said otherwise (empty strings are refused). */
  min?: number;
  pattern?: RegExp;
  /** Said instead of the pattern in a reason. */
  patternHint?: string;
  /** The value is never echoed in a reason (proofs). */
  secret?: boolean;
}

export interface ArrayRule {
  min?: number;
  max: number;
}

export class Fields {
  private readonly read = new Set<string>();
  readonly value: Record<string, unknown>;

  constructor(
    value: unknown,
    readonly path: string,
  ) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new FieldProblem(path, `expected an object, got ${describeValue(value)}`);
    }
    this.value = value as Record<string, unknown>;
  }

  field(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private take(key: string): unknown {
    this.read.add(key);
    return Object.prototype.hasOwnProperty.call(this.value, key) ? this.value[key] : undefined;
  }

  /** Marks a field as checked elsewhere, so `done()` does not call it unknown. */
  accept(key: string): void {
    this.read.add(key);
  }

  string(key: string, rule: StringRule): string {
    const value = this.take(key);
    if (value === undefined) throw new FieldProblem(this.field(key), 'is required');
    return checkString(value, this.field(key), rule);
  }

  optionalString(key: string, rule: StringRule): string | undefined {
    const value = this.take(key);
    return value === undefined ? undefined : checkString(value, this.field(key), rule);
  }

  nullableString(key: string, rule: StringRule): string | null {
    const value = this.take(key);
    if (value === undefined)
      throw new FieldProblem(this.field(key), 'is required (null if unknown)');
    return value === null ? null : checkString(value, this.field(key), rule);
  }

  time(key: string): string {
    return checkTime(this.string(key, { max: 64 }), this.field(key));
  }

  optionalTime(key: string): string | undefined {
    const value = this.optionalString(key, { max: 64 });
    return value === undefined ? undefined : checkTime(value, this.field(key));
  }

  nullableTime(key: string): string | null {
    const value = this.nullableString(key, { max: 64 });
    return value === null ? null : checkTime(value, this.field(key));
  }

  integer(key: string, min: number, max: number): number {
    const value = this.take(key);
    if (value === undefined) throw new FieldProblem(this.field(key), 'is required');
    return checkInteger(value, this.field(key), min, max);
  }

  optionalInteger(key: string, min: number, max: number): number | undefined {
    const value = this.take(key);
    return value === undefined ? undefined : checkInteger(value, this.field(key), min, max);
  }

  boolean(key: string): boolean {
    const value = this.take(key);
    if (typeof value !== 'boolean') {
      throw new FieldProblem(
        this.field(key),
        value === undefined ? 'is required' : `expected true or false, got ${describeValue(value)}`,
      );
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.take(key);
    if (value === undefined) throw new FieldProblem(this.field(key), 'is required');
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw new FieldProblem(
        this.field(key),
        `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describeValue(value)}`,
      );
    }
    return value as T;
  }

  object(key: string): Fields {
    const value = this.take(key);
    if (value === undefined) throw new FieldProblem(this.field(key), 'is required');
    return new Fields(value, this.field(key));
  }

  array<T>(key: string, rule: ArrayRule, item: (value: unknown, path: string) => T): T[] {
    const value = this.take(key);
    if (value === undefined) throw new FieldProblem(this.field(key), 'is required');
    return checkArray(value, this.field(key), rule, item);
  }

  optionalArray<T>(
    key: string,
    rule: ArrayRule,
    item: (value: unknown, path: string) => T,
  ): T[] | undefined {
    const value = this.take(key);
    return value === undefined ? undefined : checkArray(value, this.field(key), rule, item);
  }

  /** Refuses fields nobody read: a typo or a newer protocol's field is not silently ignored. */
  done(): void {
    for (const key of Object.keys(this.value)) {
      if (!this.read.has(key)) throw new FieldProblem(this.field(key), 'is not a known field');
    }
  }
}

function checkTime(value: string, field: string): string {
  if (!isIsoTime(value)) {
    throw new FieldProblem(
      field,
      `expected an ISO-8601 time with offset (2024-05-01T09:30:00Z), got ${describeValue(value)}`,
    );
  }
  return value;
}

export function checkString(value: unknown, field: string, rule: StringRule): string {
  if (typeof value !== 'string') {
    throw new FieldProblem(field, `expected a string, got ${describeValue(value)}`);
  }
  const min = rule.min ?? 1;
  if (value.length < min) {
    throw new FieldProblem(field, min === 1 ? 'must not be empty' : `needs at least ${min} chars`);
  }
  if (value.length > rule.max) {
    throw new FieldProblem(field, `is ${value.length} chars, at most ${rule.max} allowed`);
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    const shown = rule.secret ? '' : `, got ${describeValue(value)}`;
    throw new FieldProblem(field, `must be ${rule.patternHint ?? `like ${rule.pattern}`}${shown}`);
  }
  return value;
}

function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new FieldProblem(field, `expected an integer, got ${describeValue(value)}`);
  }
  if (value < min || value > max) {
    throw new FieldProblem(field, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function checkArray<T>(
  value: unknown,
  field: string,
  rule: ArrayRule,
  item: (value: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value)) {
    throw new FieldProblem(field, `expected an array, got ${describeValue(value)}`);
  }
  const min = rule.min ?? 0;
  if (value.length < min) throw new FieldProblem(field, `needs at least ${min} item(s)`);
  if (value.length > rule.max) {
    throw new FieldProblem(field, `has ${value.length} items, at most ${rule.max} allowed`);
  }
  return value.map((entry, index) => item(entry, `${field}[${index}]`));
}
