import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
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
  validateSync,
  type ValidationError,
} from 'class-validator';

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

function describe(errors: ValidationError[], prefix: string, out: string[]): void {
  for (const error of errors) {
    const path = `${prefix}${error.property}`;
    const messages = Object.values(error.constraints ?? {});
    if (messages.length > 0) out.push(`${path}: ${messages.join('; ')}`);
    describe(error.children ?? [], `${path}.`, out);
  }
}

function entries(value: unknown): [string, unknown][] {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.entries(value)
    : [];
}

/**
 * Validates a plain `integrations.github` object. Throws one Error naming every bad field
 * (values are never quoted, so secrets cannot leak through it).
 */
export function parseGitHubConfig(plain: unknown): GitHubConfig {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new Error('Invalid github config: expected an object');
  }
  const config = plainToInstance(GitHubConfig, plain, { exposeDefaultValues: true });
  const problems: string[] = [];
  describe(validateSync(config, { whitelist: true, forbidNonWhitelisted: true }), '', problems);
  const repositories = entries(config.repositories);
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
  for (const [name, value] of entries(config.workflow_triggers)) {
    if (
      typeof value !== 'string' ||
      !/^(\.github\/workflows\/)?[A-Za-z0-9_.-]+\.ya?ml$/.test(value)
    ) {
      problems.push(`workflow_triggers.${name}: must be a workflow file (.yml or .yaml)`);
    }
  }
  const inputs = entries(config.workflow_inputs);
  if (inputs.length > GITHUB_MAX_WORKFLOW_INPUTS) {
    problems.push(`workflow_inputs: at most ${GITHUB_MAX_WORKFLOW_INPUTS} inputs`);
  }
  for (const [name, value] of inputs) {
    if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      problems.push(`workflow_inputs.${name}: must be an input name with a string template`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid github config: ${problems.join('; ')}`);
  return config;
}
