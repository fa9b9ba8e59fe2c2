import 'reflect-metadata';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MinLength,
} from 'class-validator';
import { objectEntries, parseCheckedConfig } from '../webhook/integration-support';

/** Config keys whose values are never echoed back (errors, logs, API answers). */
export const SECRET_FIELDS = ['token'] as const;

/** GitHub accepts at most this many `workflow_dispatch` inputs (the limit before 2025). */
export const GITHUB_MAX_WORKFLOW_INPUTS = 10;

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * `integrations.github`: the seed's keys plus `api_url` (GitHub Enterprise Server, tests),
 * `issue_repository`/`workflow_repository` (which `repositories` entry each goes to; the first
 * entry by default), `workflow_ref`, `workflow_inputs` and `workflow_patterns`.
 */
export class GitHubConfig {
  /** Personal access token or GitHub App installation token. */
  @IsString()
  @MinLength(1, { message: 'token must not be empty' })
  token!: string;

  /** Owner used for `repositories` values given without one. */
  @IsOptional()
  @Matches(NAME, { message: 'organization must be a GitHub account name' })
  organization?: string;

  /** Name → `owner/repo` (or `repo` under `organization`). */
  @IsObject()
  repositories!: Record<string, string>;

  @IsOptional()
  @IsBoolean()
  auto_create_issues = true;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  issue_labels: string[] = [];

  /** Name → workflow file (`.github/workflows/deploy-config.yml` or `deploy-config.yml`). */
  @IsOptional()
  @IsObject()
  workflow_triggers: Record<string, string> = {};

  @IsOptional()
  @IsString()
  issue_repository?: string;

  @IsOptional()
  @IsString()
  workflow_repository?: string;

  /** Branch or tag the workflows run on. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  workflow_ref = 'main';

  /**
   * Input name → value template (`{config_key}`, `{id}`...). The workflow must declare every
   * input sent, or GitHub answers 422.
   */
  @IsOptional()
  @IsObject()
  workflow_inputs: Record<string, string> = {
    event_id: '{id}',
    kind: '{kind}',
    subject: '{subject}',
    severity: '{severity}',
    status: '{status}',
  };

  /** Subjects (dotted globs) that dispatch the workflows; every notification when empty. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  workflow_patterns: string[] = [];

  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  api_url = 'https://api.github.com';
}

/**
 * Validates a plain `integrations.github` object. Throws one Error naming every bad field
 * (values are never quoted, so secrets cannot leak through it).
 */
export function parseGitHubConfig(plain: unknown): GitHubConfig {
  return parseCheckedConfig('github', GitHubConfig, plain, (config, problems) => {
    const repositories = objectEntries(config.repositories);
    for (const [name, value] of repositories) {
      const valid =
        typeof value === 'string' &&
        (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(value) ||
          (NAME.test(value) && config.organization !== undefined));
      if (!valid) {
        problems.push(`repositories.${name}: must be owner/repo (or repo with organization set)`);
      }
    }
    if (config.repositories !== undefined && repositories.length === 0) {
      problems.push('repositories: needs at least one repository');
    }
    for (const key of ['issue_repository', 'workflow_repository'] as const) {
      const chosen = config[key];
      if (chosen !== undefined && !repositories.some(([name]) => name === chosen)) {
        problems.push(`${key}: must name an entry of repositories`);
      }
    }
    for (const [name, value] of objectEntries(config.workflow_triggers)) {
      if (
        typeof value !== 'string' ||
        !/^(\.github\/workflows\/)?[A-Za-z0-9_.-]+\.ya?ml$/.test(value)
      ) {
        problems.push(`workflow_triggers.${name}: must be a workflow file (.yml or .yaml)`);
      }
    }
    const inputs = objectEntries(config.workflow_inputs);
    if (inputs.length > GITHUB_MAX_WORKFLOW_INPUTS) {
      problems.push(`workflow_inputs: at most ${GITHUB_MAX_WORKFLOW_INPUTS} inputs`);
    }
    for (const [name, value] of inputs) {
      if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
        problems.push(`workflow_inputs.${name}: must be an input name with a string template`);
      }
    }
  });
}
