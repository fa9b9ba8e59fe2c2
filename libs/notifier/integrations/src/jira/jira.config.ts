import 'reflect-metadata';
import {
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MinLength,
} from 'class-validator';
import { parseCheckedConfig } from '../webhook/integration-support';

/** Config keys whose values are never echoed back (errors, logs, API answers). */
export const SECRET_FIELDS = ['api_token'] as const;

/** `integrations.jira` (Jira Cloud): the seed's keys plus optional extra `labels`. */
export class JiraConfig {
  /** `https://yourcompany.atlassian.net`. */
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  server_url!: string;

  /** Atlassian account email the API token belongs to. */
  @IsString()
  @MinLength(1, { message: 'username must not be empty' })
  username!: string;

  @IsString()
  @MinLength(1, { message: 'api_token must not be empty' })
  api_token!: string;

  /** Project key issues are created in, e.g. `CONFIG`. */
  @Matches(/^[A-Z][A-Z0-9_]{1,254}$/, {
    message: 'default_project must be a Jira project key (uppercase letters, digits, underscore)',
  })
  default_project!: string;

  /** Issue type name by notification kind (`config_error: Bug`); `Task` otherwise. */
  @IsOptional()
  @IsObject()
  issue_types: Record<string, string> = {};

  /** Extra labels on every issue (no spaces; Jira rejects them). */
  @IsOptional()
  @IsArray()
  @Matches(/^\S{1,255}$/, { each: true, message: 'labels must be words without spaces' })
  labels: string[] = [];
}

/**
 * Validates a plain `integrations.jira` object. Throws one Error naming every bad field
 * (values are never quoted, so secrets cannot leak through it).
 */
export function parseJiraConfig(plain: unknown): JiraConfig {
  return parseCheckedConfig('jira', JiraConfig, plain, (config, problems) => {
    if (typeof config.issue_types === 'object' && config.issue_types !== null) {
      for (const [kind, name] of Object.entries(config.issue_types as Record<string, unknown>)) {
        if (typeof name !== 'string' || name.trim() === '') {
          problems.push(`issue_types.${kind}: must be an issue type name`);
        }
      }
    }
  });
}
