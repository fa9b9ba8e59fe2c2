import 'reflect-metadata';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  MinLength,
} from 'class-validator';
import { objectEntries, parseCheckedConfig } from '../webhook/integration-support';

/** Config keys whose values are never echoed back (errors, logs, API answers). */
export const SECRET_FIELDS = ['token', 'trigger_token'] as const;

/**
 * `integrations.gitlab`: the seed's keys plus `trigger_token` (the pipeline trigger API takes a
 * pipeline trigger token, not the access token), `auto_create_issues`, `issue_labels`,
 * `pipeline_variables` and `pipeline_patterns`. Merge-request creation (`auto_create_mrs`) is
 * not supported: it needs a branch with a commit to propose, which a notification does not carry.
 */
export class GitLabConfig {
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  base_url = 'https://gitlab.com';

  /** Personal, project or group access token with `api` scope (sent as `PRIVATE-TOKEN`). */
  @IsString()
  @MinLength(1, { message: 'token must not be empty' })
  token!: string;

  /** Numeric id (12345) or full path (`group/project`); checked in parseGitLabConfig. */
  @Allow()
  project_id!: number | string;

  @IsOptional()
  @IsBoolean()
  auto_create_issues = true;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  issue_labels: string[] = [];

  /** Name → ref (branch or tag) a pipeline is triggered on. */
  @IsOptional()
  @IsObject()
  pipeline_triggers: Record<string, string> = {};

  /** Pipeline trigger token (Settings → CI/CD → Pipeline trigger tokens). */
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'trigger_token must not be empty' })
  trigger_token?: string;

  /** Variable name → value template; merged over the defaults (EVENT_ID, CONFIG_KEY...). */
  @IsOptional()
  @IsObject()
  pipeline_variables: Record<string, string> = {};

  /** Subjects (dotted globs) that trigger the pipelines; every notification when empty. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  pipeline_patterns: string[] = [];

  /** Accepted for compatibility with the seed; only `false` is allowed. */
  @IsOptional()
  @IsBoolean()
  auto_create_mrs?: boolean;

  @IsOptional()
  @IsString()
  mr_target_branch?: string;
}

/**
 * Validates a plain `integrations.gitlab` object. Throws one Error naming every bad field
 * (values are never quoted, so secrets cannot leak through it).
 */
export function parseGitLabConfig(plain: unknown): GitLabConfig {
  return parseCheckedConfig('gitlab', GitLabConfig, plain, (config, problems, raw) => {
    const projectId = raw.project_id;
    const validId =
      (typeof projectId === 'number' && Number.isInteger(projectId) && projectId > 0) ||
      (typeof projectId === 'string' &&
        (/^\d+$/.test(projectId) || /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/.test(projectId)));
    if (!validId) problems.push('project_id: must be a numeric id or a group/project path');
    else config.project_id = projectId;
    const triggers = objectEntries(config.pipeline_triggers);
    for (const [name, ref] of triggers) {
      if (typeof ref !== 'string' || ref.trim() === '') {
        problems.push(`pipeline_triggers.${name}: must be a branch or tag name`);
      }
    }
    if (triggers.length > 0 && config.trigger_token === undefined) {
      problems.push('trigger_token: required when pipeline_triggers are configured');
    }
    for (const [name, value] of objectEntries(config.pipeline_variables)) {
      if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        problems.push(`pipeline_variables.${name}: must be a variable name with a string template`);
      }
    }
    if (config.auto_create_mrs === true) {
      problems.push('auto_create_mrs: merge request creation is not supported');
    }
  });
}
