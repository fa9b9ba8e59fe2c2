import { IANAZone } from 'luxon';
import {
  BusinessCalendarDefinition,
  parseCalendarDate,
  wallTimeMinutes,
  WEEKDAYS,
  type WorkingWindowDefinition,
} from './business-calendar.definition';
import { joinPath, SlaDefinitionError, validateDefinition } from './sla-errors';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/**
 * Instants outside these bounds are refused: for ticket SLAs they are bad data (an epoch 0, a
 * year typo), and honouring them would build decades of table.
 */
const EARLIEST_SUPPORTED = Date.UTC(2000, 0, 1);
const LATEST_SUPPORTED = Date.UTC(2100, 0, 1);
/** Buckets built at least per table extension; later extensions grow with the table, so they stay rare. */
const MIN_EXTENSION_BUCKETS = 16;

/**
 * Working time of one IANA zone: which instants count for an SLA and how much of it lies
 * between two instants.
 *
 * Semantics (the reference the tests check against): an instant is working time when its wall
 * clock in `timeZone` falls in a working window of its local date and not in a holiday of that
 * date. So a window in the hour skipped by a spring-forward change is clipped (that wall time
 * never happens), a window in the hour repeated by a fall-back change counts twice, and a
 * 09:00–18:00 day is 9 hours on DST change days as on any other.
 *
 * Internally time is cut into UTC days ("buckets"); each bucket keeps its working intervals as
 * UTC milliseconds and the cumulative working time up to its start, built once on first use
 * and extended in chunks. Both operations are then O(1) per call amortised plus O(days) of a
 * forward search for `addBusinessMillis`. All instants are epoch milliseconds.
 */
export class BusinessCalendar {
  readonly id: string;
  readonly timeZone: string;
  /** 24x7 without holidays: business time is plain elapsed time, no table needed. */
  readonly isContinuous: boolean;

  private readonly zone: IANAZone;
  /** Per ISO weekday (index 1..7): `[start, end, start, end...]` ms after local midnight. */
  private readonly weekWindows: readonly (readonly number[])[];
  /** Local dates (days since 1970-01-01) whose windows differ from the week: holidays. */
  private readonly dateWindows: ReadonlyMap<number, readonly number[]>;

  // The bucket table: buckets firstBucket .. firstBucket + bucketCount - 1 (UTC day numbers).
  private firstBucket = 0;
  private bucketCount = 0;
  /** `cum[i]`: working ms from the table's fixed origin to the start of bucket i (length count + 1). */
  private cum: number[] = [0];
  /** Bucket i's intervals are `bounds[boundsFrom[i] .. boundsFrom[i + 1])` as start/end pairs. */
  private boundsFrom: number[] = [0];
  private bounds: number[] = [];

  private constructor(definition: BusinessCalendarDefinition) {
    this.id = definition.id;
    this.timeZone = definition.timeZone;
    this.zone = IANAZone.create(definition.timeZone);
    const week: number[][] = [[]];
    for (const day of WEEKDAYS) {
      const windows = definition.alwaysOpen
        ? [{ start: '00:00', end: '24:00' }]
        : (definition.weeklyHours?.[day] ?? []);
      week.push(windowsToMillis(windows));
    }
    this.weekWindows = week;
    const byDate = new Map<number, number[]>();
    for (const holiday of definition.holidays ?? []) {
      const date = parseCalendarDate(holiday.date) as number;
      const closedFrom =
        holiday.start === undefined ? 0 : wallTimeMinutes(holiday.start) * MINUTE_MS;
      const closedTo =
        holiday.end === undefined ? DAY_MS : wallTimeMinutes(holiday.end) * MINUTE_MS;
      const open = byDate.get(date) ?? week[isoWeekdayOf(date)];
      byDate.set(date, subtractWindow(open, closedFrom, closedTo));
    }
    this.dateWindows = byDate;
    this.isContinuous = definition.alwaysOpen === true && byDate.size === 0;
  }

  /** Validates a plain definition (from config or the API) and builds the calendar. */
  static fromDefinition(raw: unknown, pathPrefix = ''): BusinessCalendar {
    const { value, problems } = validateDefinition(BusinessCalendarDefinition, raw, pathPrefix);
    const all = value ? checkCalendarRules(value, pathPrefix) : problems;
    if (!value || all.length > 0) {
      const id = describeId(raw);
      throw new SlaDefinitionError(`business calendar${id}`, all);
    }
    return new BusinessCalendar(value);
  }

  /** Working ms in `[from, to)`; negative when `to` is before `from`. */
  businessMillisBetween(from: number, to: number): number {
    this.checkInstant(from);
    return this.cumulativeBusinessMillis(to) - this.cumulativeBusinessMillis(from);
  }

  /**
   * The instant at which `ms` of working time after `from` is used up: the smallest `t >= from`
   * with `businessMillisBetween(from, t) === ms`. A budget that runs out at the end of a working
   * window is due at that end (Friday 18:00), not at the next opening.
   */
  addBusinessMillis(from: number, ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(
        `business calendar "${this.id}": budget must be a finite ms >= 0, got ${ms}`,
      );
    }
    if (ms === 0) return this.checkInstant(from);
    return this.instantAtCumulative(this.cumulativeBusinessMillis(from) + ms, from);
  }

  /** Whether `t` is working time. */
  isWorkingInstant(t: number): boolean {
    return this.businessMillisBetween(t, t + 1) === 1;
  }

  /**
   * Working ms from a fixed origin of this calendar to `t`. Only differences are meaningful;
   * the SLA clock uses it to share one lookup between adjacent intervals.
   */
  cumulativeBusinessMillis(t: number): number {
    this.checkInstant(t);
    if (this.isContinuous) return t;
    const bucket = Math.floor(t / DAY_MS);
    if (bucket < this.firstBucket || bucket >= this.firstBucket + this.bucketCount) {
      this.cover(bucket);
    }
    const i = bucket - this.firstBucket;
    const bounds = this.bounds;
    let acc = this.cum[i];
    for (let j = this.boundsFrom[i], end = this.boundsFrom[i + 1]; j < end; j += 2) {
      const start = bounds[j];
      if (t <= start) break;
      const stop = bounds[j + 1];
      if (t < stop) return acc + (t - start);
      acc += stop - start;
    }
    return acc;
  }

  /**
   * The smallest instant `t >= notBefore` with `cumulativeBusinessMillis(t) >= target`, where
   * `target > cumulativeBusinessMillis(notBefore)`.
   */
  instantAtCumulative(target: number, notBefore: number): number {
    if (this.isContinuous) return target;
    let i = Math.floor(this.checkInstant(notBefore) / DAY_MS) - this.firstBucket;
    if (i < 0 || i >= this.bucketCount) {
      this.cover(i + this.firstBucket);
      i = Math.floor(notBefore / DAY_MS) - this.firstBucket;
    }
    for (;;) {
      if (i >= this.bucketCount) {
        const next = this.firstBucket + this.bucketCount;
        if (next * DAY_MS >= LATEST_SUPPORTED) {
          throw new RangeError(
            `business calendar "${this.id}": the budget from ${new Date(notBefore).toISOString()} ` +
              'is not used up before 2100-01-01',
          );
        }
        this.cover(next);
      }
      if (this.cum[i + 1] >= target) break;
      i += 1;
    }
    const bounds = this.bounds;
    let acc = this.cum[i];
    for (let j = this.boundsFrom[i], end = this.boundsFrom[i + 1]; j < end; j += 2) {
      const length = bounds[j + 1] - bounds[j];
      if (acc + length >= target) return bounds[j] + (target - acc);
      acc += length;
    }
    // cum[i + 1] >= target guarantees an interval above; reaching here means the table is corrupt.
    throw new Error(`business calendar "${this.id}": bucket table inconsistent`);
  }

  private checkInstant(t: number): number {
    if (!(t >= EARLIEST_SUPPORTED && t < LATEST_SUPPORTED)) {
      throw new RangeError(
        `business calendar "${this.id}": instant ${t} is not an epoch ms between 2000 and 2100`,
      );
    }
    return t;
  }

  /** Extends the table so it holds `bucket`, by at least a chunk in that direction. */
  private cover(bucket: number): void {
    if (this.bucketCount === 0) {
      this.firstBucket = bucket - MIN_EXTENSION_BUCKETS / 2;
      this.appendBuckets(MIN_EXTENSION_BUCKETS);
    }
    const end = this.firstBucket + this.bucketCount;
    if (bucket >= end) {
      this.appendBuckets(Math.max(bucket - end + 1, MIN_EXTENSION_BUCKETS, this.bucketCount >> 1));
    } else if (bucket < this.firstBucket) {
      this.prependBuckets(
        Math.max(this.firstBucket - bucket, MIN_EXTENSION_BUCKETS, this.bucketCount >> 1),
      );
    }
  }

  private appendBuckets(count: number): void {
    for (let n = 0; n < count; n += 1) {
      const total = this.buildBucket(this.firstBucket + this.bucketCount, this.bounds);
      this.boundsFrom.push(this.bounds.length);
      this.cum.push(this.cum[this.cum.length - 1] + total);
      this.bucketCount += 1;
    }
  }

  /** Buckets before the table: their cumulative values go below the origin, so older ones stay valid. */
  private prependBuckets(count: number): void {
    const first = this.firstBucket - count;
    const bounds: number[] = [];
    const boundsFrom: number[] = [];
    const totals: number[] = [];
    for (let n = 0; n < count; n += 1) {
      boundsFrom.push(bounds.length);
      totals.push(this.buildBucket(first + n, bounds));
    }
    const cum = new Array<number>(count);
    let acc = this.cum[0];
    for (let n = count - 1; n >= 0; n -= 1) {
      acc -= totals[n];
      cum[n] = acc;
    }
    const shift = bounds.length;
    this.cum = cum.concat(this.cum);
    this.boundsFrom = boundsFrom.concat(this.boundsFrom.map((b) => b + shift));
    this.bounds = bounds.concat(this.bounds);
    this.firstBucket = first;
    this.bucketCount += count;
  }

  /** Appends UTC day `bucket`'s working intervals to `out`; returns their total ms. */
  private buildBucket(bucket: number, out: number[]): number {
    const bucketStart = bucket * DAY_MS;
    const bucketEnd = bucketStart + DAY_MS;
    const firstBound = out.length;
    let total = 0;
    let from = bucketStart;
    while (from < bucketEnd) {
      const offset = this.offsetAt(from);
      // A bucket has at most a couple of offset changes; each is found by bisection.
      const to =
        this.offsetAt(bucketEnd - 1) === offset
          ? bucketEnd
          : this.nextChange(from, bucketEnd - 1, offset);
      total += this.appendSegment(from, to, offset, out, firstBound);
      from = to;
    }
    return total;
  }

  /** UTC offset in ms at `t`. */
  private offsetAt(t: number): number {
    return this.zone.offset(t) * MINUTE_MS;
  }

  /** The first instant in `(low, high]` whose offset differs from `offset` (the one at `low`). */
  private nextChange(low: number, high: number, offset: number): number {
    let lo = low;
    let hi = high;
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (this.offsetAt(mid) === offset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /**
   * Working intervals of `[from, to)`, where the offset is constant: wall time is `t + offset`,
   * so each local date's windows map back to UTC by subtracting it.
   */
  private appendSegment(
    from: number,
    to: number,
    offset: number,
    out: number[],
    firstBound: number,
  ): number {
    let total = 0;
    const wallFrom = from + offset;
    const wallTo = to + offset;
    const lastDate = Math.floor((wallTo - 1) / DAY_MS);
    for (let date = Math.floor(wallFrom / DAY_MS); date <= lastDate; date += 1) {
      const windows = this.dateWindows.get(date) ?? this.weekWindows[isoWeekdayOf(date)];
      const midnight = date * DAY_MS - offset;
      for (let j = 0; j < windows.length; j += 2) {
        const start = Math.max(midnight + windows[j], from);
        const end = Math.min(midnight + windows[j + 1], to);
        if (start >= end) continue;
        total += end - start;
        // Windows touching across midnight or an offset change become one interval.
        if (out.length > firstBound && out[out.length - 1] === start) out[out.length - 1] = end;
        else out.push(start, end);
      }
    }
    return total;
  }
}

/** ISO weekday (Monday = 1) of a day number; 1970-01-01 was a Thursday. */
function isoWeekdayOf(date: number): number {
  return ((((date + 3) % 7) + 7) % 7) + 1;
}

function windowsToMillis(windows: readonly WorkingWindowDefinition[]): number[] {
  const pairs = windows
    .map((w) => [wallTimeMinutes(w.start) * MINUTE_MS, wallTimeMinutes(w.end) * MINUTE_MS])
    .sort((a, b) => a[0] - b[0]);
  const flat: number[] = [];
  for (const [start, end] of pairs) {
    if (flat.length > 0 && flat[flat.length - 1] === start) flat[flat.length - 1] = end;
    else flat.push(start, end);
  }
  return flat;
}

/** `windows` (flat start/end pairs) without `[closedFrom, closedTo)`. */
function subtractWindow(
  windows: readonly number[],
  closedFrom: number,
  closedTo: number,
): number[] {
  const out: number[] = [];
  for (let j = 0; j < windows.length; j += 2) {
    const start = windows[j];
    const end = windows[j + 1];
    if (start < closedFrom) out.push(start, Math.min(end, closedFrom));
    if (end > closedTo) out.push(Math.max(start, closedTo), end);
  }
  return out;
}

function describeId(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string') {
    return ` "${raw.id}"`;
  }
  return '';
}

/** Rules that span fields, which class-validator decorators do not express. */
function checkCalendarRules(definition: BusinessCalendarDefinition, prefix: string): string[] {
  const problems: string[] = [];
  if (definition.alwaysOpen === true && definition.weeklyHours !== undefined) {
    problems.push(`${joinPath(prefix, 'weeklyHours')}: must be absent when alwaysOpen is true`);
  }
  if (definition.alwaysOpen !== true) {
    if (definition.weeklyHours === undefined) {
      problems.push(`${joinPath(prefix, 'weeklyHours')}: required unless alwaysOpen is true`);
    } else {
      let windowCount = 0;
      for (const day of WEEKDAYS) {
        const windows = definition.weeklyHours[day] ?? [];
        windowCount += windows.length;
        checkWindows(windows, joinPath(prefix, 'weeklyHours', day), problems);
      }
      if (windowCount === 0) {
        problems.push(
          `${joinPath(prefix, 'weeklyHours')}: at least one day needs a working window`,
        );
      }
    }
  }
  (definition.holidays ?? []).forEach((holiday, index) => {
    const path = joinPath(prefix, 'holidays', index);
    if ((holiday.start === undefined) !== (holiday.end === undefined)) {
      problems.push(
        `${path}: start and end must be given together (or neither, for the whole day)`,
      );
    } else if (holiday.start !== undefined && holiday.end !== undefined) {
      if (wallTimeMinutes(holiday.end) <= wallTimeMinutes(holiday.start)) {
        problems.push(`${path}.end: must be after start (${holiday.start})`);
      }
    }
  });
  return problems;
}

function checkWindows(
  windows: readonly WorkingWindowDefinition[],
  path: string,
  problems: string[],
): void {
  windows.forEach((window, index) => {
    if (wallTimeMinutes(window.end) <= wallTimeMinutes(window.start)) {
      problems.push(
        `${path}.${index}.end: must be after start (${window.start}); ` +
          'split a shift that crosses midnight over two days',
      );
    }
  });
  const sorted = windows
    .map((window, index) => ({ window, index }))
    .sort((a, b) => wallTimeMinutes(a.window.start) - wallTimeMinutes(b.window.start));
  for (let k = 1; k < sorted.length; k += 1) {
    const previous = sorted[k - 1].window;
    if (wallTimeMinutes(sorted[k].window.start) < wallTimeMinutes(previous.end)) {
      problems.push(
        `${path}.${sorted[k].index}: overlaps the window ${previous.start}–${previous.end}`,
      );
    }
  }
}
