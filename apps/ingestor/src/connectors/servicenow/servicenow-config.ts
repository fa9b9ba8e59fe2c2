// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import { Type, type TypeHelpOptions } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  BasicAuthenticationDto,
  OAuth2AuthenticationDto,
  RequestBudgetDto,
  RetryDto,
  type ConfigIssue,
  type CrossFieldChecks,
} from '../connection-config';

/** The task tables the connector reads (seed "ITSM ServiceNow Connector"). */
export const SERVICENOW_TABLES = ['incident', 'sc_request', 'change_request', 'problem'] as const;
export type ServiceNowTable = (typeof SERVICENOW_TABLES)[number];

/** ServiceNow's OAuth endpoint; the seed's OAuth2 example gives none, so it is the default. */
export const SERVICENOW_TOKEN_ENDPOINT = '/oauth_token.do';

/**
 * Seed "Configuration OAuth2": client id and secret with a refresh token (or, without one, the
 * client credentials grant of newer instances). ServiceNow reads the client credentials from the
 * form body, not from HTTP Basic.
 */
export class ServiceNowOAuth2AuthenticationDto extends OAuth2AuthenticationDto {
  override token_endpoint = SERVICENOW_TOKEN_ENDPOINT;
}

/** Stands in for an `authentication` ServiceNow cannot use, so the error names its type. */
class UnsupportedServiceNowAuthenticationDto {
  @IsIn(['basic', 'oauth2'], { message: 'type must be basic or oauth2 for ServiceNow' })
  type!: string;
}

export type ServiceNowAuthenticationDto =
  BasicAuthenticationDto | ServiceNowOAuth2AuthenticationDto;

function serviceNowAuthenticationClass(options?: TypeHelpOptions): new () => object {
  const raw = (options?.object as { authentication?: { type?: unknown } } | undefined)
    ?.authentication;
  if (raw?.type === 'basic') return BasicAuthenticationDto;
  if (raw?.type === 'oauth2') return ServiceNowOAuth2AuthenticationDto;
  return UnsupportedServiceNowAuthenticationDto;
}

/**
 * Why an encoded query cannot be ANDed with the connector's own conditions, or undefined when it
 * can. `^NQ` starts a second query the watermark would not bound, and an ORDERBY would take
 * precedence over the order the cursor relies on.
 */
export function tableFilterProblem(filter: string): string | undefined {
  if (filter.trim() === '') return 'is empty';
  if (/(^|\^)NQ/.test(filter)) return 'uses ^NQ (a second query); the sync cannot bound it';
  if (/(^|\^)ORDERBY/.test(filter)) return 'sorts (ORDERBY); the sync sets its own order';
  if (/^(\^|OR)/.test(filter)) return 'starts with ^ or OR; it must start with a condition';
  return undefined;
}

/**
 * Seed "ITSM ServiceNow" connection_config: `instance_url`, `authentication` (basic or oauth2),
 * `tables`, `sync_mode`, `max_records` and `table_filters` (an encoded query per table).
 */
export class ServiceNowConfig implements CrossFieldChecks {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  @MaxLength(2000)
  instance_url!: string;

  /** `v1`, `v2`...: the Table API path becomes `/api/now/<v>/table`; unversioned when omitted. */
  @IsOptional()
  @Matches(/^v\d{1,2}$/, { message: 'api_version must look like v1 or v2' })
  api_version?: string;

  @IsDefined({ message: 'authentication is required' })
  @ValidateNested()
  @Type(serviceNowAuthenticationClass)
  authentication!: ServiceNowAuthenticationDto;

  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(SERVICENOW_TABLES, { each: true })
  tables: ServiceNowTable[] = [...SERVICENOW_TABLES];

  /** Encoded query per table, ANDed with the watermark, e.g. `state!=7^priority<=3`. */
  @IsOptional()
  @IsObject()
  table_filters?: Record<string, string>;

  /** `incremental` resumes after the last record read; `full` rereads each table every pass. */
  @IsIn(['incremental', 'full'])
  sync_mode: 'incremental' | 'full' = 'incremental';

  /** Most records per table per sync; the rest come with the next one. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max_records = 1000;

  /** `sysparm_limit` of each page. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  page_size = 500;

  /**
   * Records updated in the last `settle_seconds` wait for the next sync. ServiceNow times have
   * whole seconds, so a second still being written could gain a record after it was read.
   */
  @IsInt()
  @Min(1)
  @Max(3600)
  settle_seconds = 5;

  /** How far back the first incremental sync reaches; everything when omitted. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  initial_lookback_days?: number;

  /** Field (dot-walk allowed) whose display value is the ticket's site code. */
  @IsString()
  @Matches(/^[a-z0-9_]+(\.[a-z0-9_]+){0,4}$/, {
    message: 'site_field must be a field name or dot-walk such as cmdb_ci.name',
  })
  site_field = 'cmdb_ci.name';

  @IsInt()
  @Min(100)
  @Max(600_000)
  timeout_ms = 30_000;

  @ValidateNested()
  @Type(() => RetryDto)
  retry: RetryDto = new RetryDto();

  @ValidateNested()
  @Type(() => RequestBudgetDto)
  request_budget: RequestBudgetDto = new RequestBudgetDto();

  crossFieldIssues(): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    for (const [table, filter] of Object.entries(this.table_filters ?? {})) {
      const path = `table_filters.${table}`;
      if (!this.tables.includes(table as ServiceNowTable)) {
        issues.push({
          path,
          message: `${path}: ${table} is not among tables (${this.tables.join(', ')})`,
        });
      } else if (typeof filter !== 'string') {
        issues.push({ path, message: `${path} must be an encoded query (text)` });
      } else {
        const problem = tableFilterProblem(filter);
        if (problem) issues.push({ path, message: `${path} ${problem}` });
      }
    }
    return issues;
  }
}
