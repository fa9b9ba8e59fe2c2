// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import { Type, type TypeHelpOptions } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import jsonata from 'jsonata';
import {
  HttpConnectionConfig,
  type ConfigIssue,
  type CrossFieldChecks,
} from '../connection-config';

/** Why `expression` does not compile as JSONata, or undefined when it does. */
export function jsonataProblem(expression: unknown): string | undefined {
  if (typeof expression !== 'string' || expression.trim() === '') {
    return 'must be a JSONata expression (text)';
  }
  try {
    jsonata(expression);
    return undefined;
  } catch (error) {
    const { message, position } = error as { message?: string; position?: number };
    const at = position === undefined ? '' : ` at position ${position}`;
    return `is not a valid JSONata expression${at}: ${message ?? 'parse error'}`;
  }
}

/** A JSONata expression that compiles; the error names the field and where the syntax breaks. */
function IsJsonata(): PropertyDecorator {
  return ValidateBy({
    name: 'isJsonata',
    validator: {
      // A missing field is IsDefined's to report, once.
      validate: (value: unknown) => value === undefined || jsonataProblem(value) === undefined,
      defaultMessage: (args) => `${args?.property} ${jsonataProblem(args?.value) ?? ''}`,
    },
  });
}

const REQUIRED = { message: '$property is required' };
/** A query parameter name. */
const PARAM = /^[A-Za-z0-9_.\-[\]]{1,100}$/;
const PARAM_MESSAGE = { message: '$property must be a query parameter name' };

/**
 * Where each metric field is found: one JSONata expression per field, evaluated against one item
 * (the whole answer is bound as `$body`). `value` must give a number (or numeric text),
 * `timestamp` an RFC 3339 time or epoch milliseconds, `labels` an object of text.
 */
export class MetricFieldMapping {
  @IsDefined(REQUIRED)
  @IsJsonata()
  site_id!: string;

  @IsDefined(REQUIRED)
  @IsJsonata()
  name!: string;

  @IsDefined(REQUIRED)
  @IsJsonata()
  value!: string;

  @IsDefined(REQUIRED)
  @IsJsonata()
  timestamp!: string;

  @IsOptional()
  @IsJsonata()
  unit?: string;

  @IsOptional()
  @IsJsonata()
  managed_object?: string;

  @IsOptional()
  @IsJsonata()
  technology?: string;

  /** 0..1; 1 when not mapped. */
  @IsOptional()
  @IsJsonata()
  quality?: string;

  @IsOptional()
  @IsJsonata()
  labels?: string;
}

/**
 * Where each alarm field is found (X.733). `severity` must give an X.733 severity in any casing;
 * `state` raised | changed (or updated) | cleared, cleared when absent and `cleared_at` is set;
 * `acknowledged` a boolean, true when absent and `acknowledged_at` is set.
 */
export class AlarmFieldMapping {
  @IsDefined(REQUIRED)
  @IsJsonata()
  alarm_id!: string;

  @IsDefined(REQUIRED)
  @IsJsonata()
  severity!: string;

  @IsDefined(REQUIRED)
  @IsJsonata()
  site_id!: string;

  @IsDefined(REQUIRED)
  @IsJsonata()
  raised_at!: string;

  @IsOptional()
  @IsJsonata()
  title?: string;

  @IsOptional()
  @IsJsonata()
  description?: string;

  @IsOptional()
  @IsJsonata()
  alarm_type?: string;

  @IsOptional()
  @IsJsonata()
  probable_cause?: string;

  @IsOptional()
  @IsJsonata()
  specific_problem?: string;

  @IsOptional()
  @IsJsonata()
  managed_object?: string;

  @IsOptional()
  @IsJsonata()
  technology?: string;

  @IsOptional()
  @IsJsonata()
  state?: string;

  @IsOptional()
  @IsJsonata()
  acknowledged?: string;

  @IsOptional()
  @IsJsonata()
  cleared_at?: string;

  @IsOptional()
  @IsJsonata()
  acknowledged_at?: string;

  @IsOptional()
  @IsJsonata()
  changed_at?: string;

  @IsOptional()
  @IsJsonata()
  source_system?: string;

  @IsOptional()
  @IsJsonata()
  labels?: string;
}

export type FieldMapping = MetricFieldMapping | AlarmFieldMapping;

function fieldMappingClass(options?: TypeHelpOptions): new () => object {
  const kind = (options?.object as { record_kind?: unknown } | undefined)?.record_kind;
  return kind === 'alarm' ? AlarmFieldMapping : MetricFieldMapping;
}

export const PAGING_TYPES = ['none', 'offset', 'page_number', 'cursor', 'next_link'] as const;

/** Any of the framework's paging schemes, with where the answer says what comes next. */
export class RestPagingDto {
  @IsIn(PAGING_TYPES)
  type: (typeof PAGING_TYPES)[number] = 'none';

  /** Items per page (`limit` / `size`); required for offset and page_number paging. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  size?: number;

  @IsOptional()
  @Matches(PARAM, PARAM_MESSAGE)
  offset_param?: string;

  @IsOptional()
  @Matches(PARAM, PARAM_MESSAGE)
  limit_param?: string;

  @IsOptional()
  @Matches(PARAM, PARAM_MESSAGE)
  page_param?: string;

  @IsOptional()
  @Matches(PARAM, PARAM_MESSAGE)
  size_param?: string;

  @IsOptional()
  @Matches(PARAM, PARAM_MESSAGE)
  cursor_param?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  first_page?: number;

  /** Items in the whole result (offset, page_number); else `X-Total-Count`, else page fullness. */
  @IsOptional()
  @IsJsonata()
  total?: string;

  /** The next page's cursor (cursor paging); absent or empty on the last page. */
  @IsOptional()
  @IsJsonata()
  next_cursor?: string;

  /** The next page's URL (next_link paging); else the `Link: <...>; rel="next"` header. */
  @IsOptional()
  @IsJsonata()
  next_link?: string;
}

/** The time window each sync asks for, if the API takes one. */
export class RestWindowDto {
  /** Lower bound (exclusive) of the window. */
  @IsOptional()
  @Matches(PARAM, PARAM_MESSAGE)
  since_param?: string;

  /** Upper bound (inclusive) of the window. */
  @IsOptional()
  @Matches(PARAM, PARAM_MESSAGE)
  until_param?: string;

  @IsIn(['iso', 'epoch_ms', 'epoch_s'])
  format: 'iso' | 'epoch_ms' | 'epoch_s' = 'iso';

  /** How far back the first sync reaches. */
  @IsInt()
  @Min(1)
  @Max(60 * 24 * 31)
  initial_lookback_minutes = 60;

  /** Each window ends this long before now, for data the source completes late. */
  @IsInt()
  @Min(0)
  @Max(86_400)
  lag_seconds = 0;
}

/**
 * A generic REST source (seed "REST Connector"): one endpoint polled with any of the framework's
 * authentication and paging, its answer turned into metrics or alarms by JSONata expressions:
 * `items` picks the list out of the answer, `fields` each record field out of an item. Every
 * expression is compiled when the config is validated, and a bad one is named by its path.
 */
export class RestPollingConfig extends HttpConnectionConfig implements CrossFieldChecks {
  /** Path under base_url, without a query string (use `query`). */
  @Matches(/^\/[^\s?#]*$/, { message: 'endpoint must be a path such as /api/v1/measurements' })
  @MaxLength(2000)
  endpoint!: string;

  /** Fixed query parameters sent with every request. */
  @IsOptional()
  @IsObject()
  query?: Record<string, string>;

  @IsIn(['metric', 'alarm'])
  record_kind!: 'metric' | 'alarm';

  /** The list of items in the answer; `$` when the answer is the list itself. */
  @IsJsonata()
  items = '$';

  @IsDefined(REQUIRED)
  @ValidateNested()
  @Type(fieldMappingClass)
  fields!: FieldMapping;

  @ValidateNested()
  @Type(() => RestPagingDto)
  paging: RestPagingDto = new RestPagingDto();

  /** Without it every sync reads the whole result again (the pipeline drops repeats by id). */
  @IsOptional()
  @ValidateNested()
  @Type(() => RestWindowDto)
  window?: RestWindowDto;

  /** Most records per sync; the rest come with the next one. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  max_records?: number;

  /** `source_system` of alarms that do not map one (default `REST`). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  source_system?: string;

  crossFieldIssues(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const [key, value] of Object.entries(this.query ?? {})) {
      if (!PARAM.test(key)) {
        issues.push({ path: `query.${key}`, message: `query.${key} is not a parameter name` });
      } else if (typeof value !== 'string') {
        issues.push({ path: `query.${key}`, message: `query.${key} must be text` });
      }
    }
    const paging = this.paging;
    if ((paging.type === 'offset' || paging.type === 'page_number') && paging.size === undefined) {
      issues.push({
        path: 'paging.size',
        message: `paging.size is required for ${paging.type} paging`,
      });
    }
    if (paging.type === 'cursor' && paging.next_cursor === undefined) {
      issues.push({
        path: 'paging.next_cursor',
        message: 'paging.next_cursor is required for cursor paging (where the answer names it)',
      });
    }
    return issues;
  }
}
