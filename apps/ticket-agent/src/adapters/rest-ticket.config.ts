import { Type } from 'class-transformer';
import {
  Equals,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import jsonata from 'jsonata';
import { TicketHttpSettings, parseAdapterConfig } from './ticket-adapter.config';

/** Config keys whose values are secrets (never logged, never in errors). */
export const REST_SECRET_FIELDS = ['password', 'token'] as const;

/** Why `expression` does not compile as JSONata, or undefined when it does. */
export function jsonataProblem(expression: unknown): string | undefined {
  if (typeof expression !== 'string' || expression.trim() === '')
    return 'must be a JSONata expression';
  try {
    jsonata(expression);
    return undefined;
  } catch (error) {
    const { message, position } = error as { message?: string; position?: number };
    return `is not valid JSONata${position === undefined ? '' : ` at position ${position}`}: ${message ?? 'parse error'}`;
  }
}

/** A JSONata expression that compiles. */
function IsJsonata(): PropertyDecorator {
  return ValidateBy({
    name: 'isJsonata',
    validator: {
      validate: (value: unknown) => jsonataProblem(value) === undefined,
      defaultMessage: (args) => `${args?.property} ${jsonataProblem(args?.value) ?? ''}`,
    },
  });
}

/**
 * One JSONata expression per AgentTicket field, evaluated against one record of the page (or the
 * fetched ticket), with `$baseUrl` and, when `historyPath` is set, `$history` (that answer's
 * body) bound. `history` must give a list of `{at, field, from, to}` with `field` either
 * `status` or `assignment_group`.
 */
export class RestTicketFieldMapping {
  @IsJsonata()
  key!: string;

  @IsJsonata()
  externalId!: string;

  @IsJsonata()
  title!: string;

  @IsJsonata()
  status!: string;

  @IsOptional()
  @IsJsonata()
  priority?: string;

  @IsOptional()
  @IsJsonata()
  category?: string;

  @IsOptional()
  @IsJsonata()
  customer?: string;

  @IsOptional()
  @IsJsonata()
  assignmentGroup?: string;

  @IsOptional()
  @IsJsonata()
  assignee?: string;

  @IsJsonata()
  createdAt!: string;

  /** Defaults to createdAt. */
  @IsOptional()
  @IsJsonata()
  updatedAt?: string;

  @IsOptional()
  @IsJsonata()
  resolvedAt?: string;

  @IsOptional()
  @IsJsonata()
  url?: string;

  @IsOptional()
  @IsJsonata()
  history?: string;
}

/**
 * How the API pages: `offset` (offsetParam/limitParam), `page` (pageParam from firstPage, with
 * limitParam), `cursor` (cursorParam from the `nextCursor` expression), or `next-link` (the
 * `nextLink` expression, or the Link header's rel="next" when absent). `total`, when given,
 * ends offset and page paging exactly; otherwise a short page ends it.
 */
export class RestPagingConfig {
  @IsIn(['offset', 'page', 'cursor', 'next-link'])
  kind!: 'offset' | 'page' | 'cursor' | 'next-link';

  @IsOptional()
  @IsString()
  @MinLength(1)
  offsetParam = 'offset';

  /** Page size parameter; empty string to send none. */
  @IsOptional()
  @IsString()
  limitParam = 'limit';

  @IsOptional()
  @IsString()
  @MinLength(1)
  pageParam = 'page';

  @IsOptional()
  @IsInt()
  @Min(0)
  firstPage = 1;

  @IsOptional()
  @IsString()
  @MinLength(1)
  cursorParam = 'cursor';

  @IsOptional()
  @IsJsonata()
  nextCursor?: string;

  @IsOptional()
  @IsJsonata()
  nextLink?: string;

  @IsOptional()
  @IsJsonata()
  total?: string;
}

/** A ticket system without a dedicated adapter, described declaratively. */
export class RestTicketAdapterConfig extends TicketHttpSettings {
  @Equals('rest')
  type!: 'rest';

  /** Written into AgentTicket.system. */
  @IsOptional()
  @Matches(/^[a-z][a-z0-9-]*$/, { message: 'system must be a short lowercase name' })
  system = 'rest';

  @IsOptional()
  @IsIn(['none', 'basic', 'bearer', 'header'])
  auth: 'none' | 'basic' | 'bearer' | 'header' = 'none';

  @IsOptional()
  @IsString()
  @MinLength(1)
  username?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  password?: string;

  /** Bearer token, or the value of `headerName` with `header` auth. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  token?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9-]+$/, { message: 'headerName must be an HTTP header name' })
  headerName?: string;

  /** Path of the search endpoint under baseUrl, e.g. `/api/v2/tickets`. */
  @Matches(/^\//, { message: 'searchPath must start with /' })
  searchPath!: string;

  /** Fixed query parameters of every search request. */
  @IsOptional()
  @IsObject()
  searchParams?: Record<string, string>;

  /** Parameter carrying TicketQuery.filterId / .query / .updatedSince. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  filterParam?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  queryParam?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  updatedSinceParam?: string;

  @IsOptional()
  @IsIn(['iso', 'epoch-ms', 'epoch-s'])
  updatedSinceFormat: 'iso' | 'epoch-ms' | 'epoch-s' = 'iso';

  /** The records of a page, from its body. */
  @IsOptional()
  @IsJsonata()
  items = '$';

  @IsDefined()
  @ValidateNested()
  @Type(() => RestPagingConfig)
  paging!: RestPagingConfig;

  /** One ticket by key, e.g. `/api/v2/tickets/{key}`; else `keysParam` on the search. */
  @IsOptional()
  @Matches(/^\/.*\{key\}/, { message: 'fetchPath must start with / and contain {key}' })
  fetchPath?: string;

  /** The ticket in fetchPath's answer. */
  @IsOptional()
  @IsJsonata()
  fetchItem = '$';

  /** Search parameter taking comma-separated keys, for fetch without a fetchPath. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  keysParam?: string;

  /** Per-ticket history request, e.g. `/api/v2/tickets/{id}/audits`; its body is `$history`. */
  @IsOptional()
  @Matches(/^\/.*\{(key|id)\}/, {
    message: 'historyPath must start with / and contain {key} or {id}',
  })
  historyPath?: string;

  /** GET by check(); defaults to the search path. */
  @IsOptional()
  @Matches(/^\//, { message: 'checkPath must start with /' })
  checkPath?: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => RestTicketFieldMapping)
  fields!: RestTicketFieldMapping;
}

export function parseRestTicketAdapterConfig(plain: unknown): RestTicketAdapterConfig {
  const system = (plain as { system?: unknown } | null)?.system;
  return parseAdapterConfig(
    typeof system === 'string' ? system : 'rest',
    RestTicketAdapterConfig,
    plain,
    (config, problems) => {
      if (config.auth === 'basic') {
        if (config.username === undefined) problems.push('username: required with basic auth');
        if (config.password === undefined) problems.push('password: required with basic auth');
      }
      if ((config.auth === 'bearer' || config.auth === 'header') && config.token === undefined) {
        problems.push(`token: required with ${config.auth} auth`);
      }
      if (config.auth === 'header' && config.headerName === undefined)
        problems.push('headerName: required with header auth');
      if (config.paging?.kind === 'cursor' && config.paging.nextCursor === undefined) {
        problems.push('paging.nextCursor: required with cursor paging');
      }
      for (const [name, value] of Object.entries(config.searchParams ?? {})) {
        if (typeof value !== 'string') problems.push(`searchParams.${name}: must be a string`);
      }
    },
  );
}
