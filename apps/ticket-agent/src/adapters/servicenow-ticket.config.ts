import { Equals, IsIn, IsObject, IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { TicketHttpSettings, parseAdapterConfig } from './ticket-adapter.config';

/** Config keys whose values are secrets (never logged, never in errors). */
export const SERVICENOW_SECRET_FIELDS = ['password', 'clientSecret', 'refreshToken'] as const;

/** Where each task table keeps its customer and its resolution time. */
export const SERVICENOW_TABLE_DEFAULTS: Record<
  string,
  { customerField: string; resolvedAtField: string }
> = {
  incident: { customerField: 'caller_id', resolvedAtField: 'resolved_at' },
  problem: { customerField: 'opened_by', resolvedAtField: 'resolved_at' },
  change_request: { customerField: 'requested_by', resolvedAtField: 'closed_at' },
  sc_request: { customerField: 'requested_for', resolvedAtField: 'closed_at' },
};

/**
 * A ServiceNow instance's task table read through the Table API. Basic auth, or OAuth 2.0
 * (`/oauth_token.do`): a refresh token and/or the password grant with username and password.
 */
export class ServiceNowTicketAdapterConfig extends TicketHttpSettings {
  @Equals('servicenow')
  type!: 'servicenow';

  /** `incident`, `sc_request`, `change_request`, `problem` or a custom task table. */
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]*$/, { message: 'table must be a table name such as incident' })
  table = 'incident';

  @IsOptional()
  @IsIn(['basic', 'oauth2'])
  auth: 'basic' | 'oauth2' = 'basic';

  @IsOptional()
  @IsString()
  @MinLength(1)
  username?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  password?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  clientId?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  clientSecret?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  refreshToken?: string;

  /** Reference field naming the customer (default per table, e.g. caller_id for incident). */
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]*$/, { message: 'customerField must be a field name' })
  customerField?: string;

  /** Time field read as resolvedAt (default resolved_at or closed_at, per table). */
  @IsOptional()
  @Matches(/^[a-z][a-z0-9_]*$/, { message: 'resolvedAtField must be a field name' })
  resolvedAtField?: string;

  /** State value → label; when absent the labels come from sys_choice. */
  @IsOptional()
  @IsObject()
  stateLabels?: Record<string, string>;
}

export function parseServiceNowTicketAdapterConfig(plain: unknown): ServiceNowTicketAdapterConfig {
  return parseAdapterConfig(
    'servicenow',
    ServiceNowTicketAdapterConfig,
    plain,
    (config, problems) => {
      if (config.auth === 'basic') {
        if (config.username === undefined) problems.push('username: required with basic auth');
        if (config.password === undefined) problems.push('password: required with basic auth');
      } else {
        if (config.clientId === undefined) problems.push('clientId: required with oauth2 auth');
        if (config.clientSecret === undefined)
          problems.push('clientSecret: required with oauth2 auth');
        const passwordGrant = config.username !== undefined && config.password !== undefined;
        if (config.refreshToken === undefined && !passwordGrant) {
          problems.push(
            'refreshToken: required with oauth2 auth unless username and password are given',
          );
        }
      }
      for (const [value, label] of Object.entries(config.stateLabels ?? {})) {
        if (typeof label !== 'string') problems.push(`stateLabels.${value}: must be a string`);
      }
    },
  );
}
