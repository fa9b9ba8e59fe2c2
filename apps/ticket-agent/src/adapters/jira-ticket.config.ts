import { Equals, IsIn, IsOptional, IsString, Matches, MinLength } from 'class-validator';
import { IsHttpUrl, TicketHttpSettings, parseAdapterConfig } from './ticket-adapter.config';

/** Config keys whose values are secrets (never logged, never in errors). */
export const JIRA_SECRET_FIELDS = ['apiToken', 'clientSecret', 'refreshToken'] as const;

/**
 * A Jira Cloud / Service Management site. Basic auth with the account e-mail and an API token
 * (the seed's EMAIL/PASSWORD), or OAuth 2.0 (3LO) with a rotating refresh token, in which case
 * `baseUrl` is `https://api.atlassian.com/ex/jira/<cloudId>`.
 */
export class JiraTicketAdapterConfig extends TicketHttpSettings {
  @Equals('jira')
  type!: 'jira';

  @IsOptional()
  @IsIn(['basic', 'oauth2'])
  auth: 'basic' | 'oauth2' = 'basic';

  @IsOptional()
  @IsString()
  @MinLength(3)
  email?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  apiToken?: string;

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

  @IsOptional()
  @IsHttpUrl()
  tokenUrl = 'https://auth.atlassian.com/oauth/token';

  /** `jql`: `/rest/api/3/search/jql` (nextPageToken); `legacy`: `/rest/api/3/search` (startAt). */
  @IsOptional()
  @IsIn(['jql', 'legacy'])
  searchApi: 'jql' | 'legacy' = 'jql';

  /** The field holding the department (assignment group): its id. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]+$/, {
    message: 'assignmentGroupField must be a field id such as customfield_10050',
  })
  assignmentGroupField = 'customfield_10050';

  /** The group field's name, for changelogs whose items carry no fieldId (older Jira servers). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  assignmentGroupFieldName?: string;

  /** Field read as the ticket's category (default the issue type). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]+$/, { message: 'categoryField must be a field id' })
  categoryField = 'issuetype';

  /** Field read as the customer (default the reporter; often an Organizations custom field). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]+$/, { message: 'customerField must be a field id' })
  customerField = 'reporter';
}

export function parseJiraTicketAdapterConfig(plain: unknown): JiraTicketAdapterConfig {
  return parseAdapterConfig('jira', JiraTicketAdapterConfig, plain, (config, problems) => {
    if (config.auth === 'basic') {
      if (config.email === undefined) problems.push('email: required with basic auth');
      if (config.apiToken === undefined) problems.push('apiToken: required with basic auth');
    } else {
      for (const field of ['clientId', 'clientSecret', 'refreshToken'] as const) {
        if (config[field] === undefined) problems.push(`${field}: required with oauth2 auth`);
      }
    }
  });
}
