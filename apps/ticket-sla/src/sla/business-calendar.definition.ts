import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { IANAZone } from 'luxon';

/** `HH:MM` on the wall clock of the calendar's zone; `24:00` is the end of the day. */
export const WALL_TIME_PATTERN = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const WALL_TIME_MESSAGE = '$property must be a wall-clock time HH:MM between 00:00 and 24:00';
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** Zone names found valid; luxon's check builds an Intl formatter each time, which is slow. */
const validZones = new Set<string>();

export function isIanaTimeZone(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (validZones.has(value)) return true;
  if (!IANAZone.isValidZone(value)) return false;
  validZones.add(value);
  return true;
}

function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIanaTimeZone',
      validator: {
        validate: isIanaTimeZone,
        defaultMessage: () => '$property must be an IANA time zone such as Europe/Moscow',
      },
    },
    options,
  );
}

function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseCalendarDate(value) !== null,
        defaultMessage: () => '$property must be a calendar date YYYY-MM-DD',
      },
    },
    options,
  );
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, or null when it is not a real date. */
export function parseCalendarDate(text: string): number | null {
  if (!DATE_PATTERN.test(text)) return null;
  const year = Number(text.slice(0, 4));
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2025-02-30 over to March; a real date survives the round trip.
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day
  ) {
    return null;
  }
  return ms / 86_400_000;
}

/** Minutes since midnight of an `HH:MM` wall time (already matched by WALL_TIME_PATTERN). */
export function wallTimeMinutes(text: string): number {
  return Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));
}

/** One working window of a day, `[start, end)` on the wall clock; `end` is after `start`. */
export class WorkingWindowDefinition {
  @Matches(WALL_TIME_PATTERN, { message: WALL_TIME_MESSAGE })
  start!: string;

  @Matches(WALL_TIME_PATTERN, { message: WALL_TIME_MESSAGE })
  end!: string;
}

/** Working windows per weekday; a missing or empty day has no working time. */
export class WeeklyHoursDefinition {
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WorkingWindowDefinition)
  monday?: WorkingWindowDefinition[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WorkingWindowDefinition)
  tuesday?: WorkingWindowDefinition[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WorkingWindowDefinition)
  wednesday?: WorkingWindowDefinition[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WorkingWindowDefinition)
  thursday?: WorkingWindowDefinition[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WorkingWindowDefinition)
  friday?: WorkingWindowDefinition[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WorkingWindowDefinition)
  saturday?: WorkingWindowDefinition[];

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => WorkingWindowDefinition)
  sunday?: WorkingWindowDefinition[];
}

/** Weekday names in ISO order (Monday = 1). */
export const WEEKDAYS = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
] as const satisfies readonly (keyof WeeklyHoursDefinition)[];

/**
 * A non-working date in the calendar's zone: the whole day, or only `[start, end)` of it when
 * both are given (a short pre-holiday day).
 */
export class HolidayDefinition {
  @IsCalendarDate()
  date!: string;

  @IsOptional()
  @Matches(WALL_TIME_PATTERN, { message: WALL_TIME_MESSAGE })
  start?: string;

  @IsOptional()
  @Matches(WALL_TIME_PATTERN, { message: WALL_TIME_MESSAGE })
  end?: string;

  @IsOptional()
  @IsString()
  name?: string;
}

/**
 * A business calendar as configured: either `alwaysOpen` (24x7) or `weeklyHours`, plus holidays.
 * Wall times are read in `timeZone`, so a 09:00–18:00 day is 9 hours on DST change days too.
 */
export class BusinessCalendarDefinition {
  @IsString()
  @IsNotEmpty()
  id!: string;

  @IsIanaTimeZone()
  timeZone!: string;

  @IsOptional()
  @IsBoolean()
  alwaysOpen?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => WeeklyHoursDefinition)
  weeklyHours?: WeeklyHoursDefinition;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => HolidayDefinition)
  holidays?: HolidayDefinition[];
}
