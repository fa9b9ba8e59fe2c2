import 'reflect-metadata';
import { IsIn, IsOptional, IsString, IsUrl, MaxLength, MinLength } from 'class-validator';
import { parseCheckedConfig } from '../webhook/integration-support';

/** Config keys whose values are never echoed back (errors, logs, API answers). */
export const SECRET_FIELDS = ['password', 'oauth_token'] as const;

/**
 * `integrations.servicenow`: basic auth (`username` + `password`) or an OAuth access token
 * (`oauth_token`, sent as a bearer token; refreshing it is the operator's job).
 */
export class ServiceNowConfig {
  /** `https://yourcompany.service-now.com`. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  instance_url!: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'username must not be empty' })
  username?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'password must not be empty' })
  password?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'oauth_token must not be empty' })
  oauth_token?: string;

  /** Group the incidents are assigned to (sys_id or name). */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  assignment_group?: string;

  /** Caller of the incidents (sys_id or user name), e.g. an integration user. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  caller_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(40)
  category?: string;

  /** Resolution code set when the condition clears (`Solved (Permanently)` on older releases). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  close_code = 'Resolved by caller';

  /** Incident state written on resolve (`6` Resolved, `7` Closed). */
  @IsOptional()
  @IsIn(['6', '7'])
  resolved_state: '6' | '7' = '6';
}

/**
 * Validates a plain `integrations.servicenow` object. Throws one Error naming every bad field
 * (values are never quoted, so secrets cannot leak through it).
 */
export function parseServiceNowConfig(plain: unknown): ServiceNowConfig {
  return parseCheckedConfig('servicenow', ServiceNowConfig, plain, (config, problems) => {
    const basic = config.username !== undefined || config.password !== undefined;
    if (basic && config.oauth_token !== undefined) {
      problems.push('oauth_token: use either username/password or oauth_token, not both');
    } else if (basic) {
      if (config.username === undefined) problems.push('username: required with password');
      if (config.password === undefined) problems.push('password: required with username');
    } else if (config.oauth_token === undefined) {
      problems.push('username, password: required (or oauth_token)');
    }
  });
}
