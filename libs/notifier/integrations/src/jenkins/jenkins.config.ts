import 'reflect-metadata';
import {
  ArrayMinSize,
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

/** `integrations.jenkins`: the seed's keys. */
export class JenkinsConfig {
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  base_url!: string;

  @IsString()
  @MinLength(1, { message: 'username must not be empty' })
  username!: string;

  /** The user's API token (Jenkins → user → Security → API Token). */
  @IsString()
  @MinLength(1, { message: 'api_token must not be empty' })
  api_token!: string;

  /** Full job name; folders separated by `/` (`deploy/config-deployment`). */
  @Matches(/^[^/\s][^/]*(\/[^/\s][^/]*)*$/, {
    message: 'default_job must be a job name (folders separated by /)',
  })
  default_job!: string;

  /** Dotted subject globs (`app.database.*`; `**` for everything) that trigger a build. */
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  trigger_patterns!: string[];

  /** Static build parameters (ENVIRONMENT, NOTIFY_TEAM...). */
  @IsOptional()
  @IsObject()
  job_parameters: Record<string, string> = {};
}

/**
 * Validates a plain `integrations.jenkins` object. Throws one Error naming every bad field
 * (values are never quoted, so secrets cannot leak through it).
 */
export function parseJenkinsConfig(plain: unknown): JenkinsConfig {
  return parseCheckedConfig('jenkins', JenkinsConfig, plain, (config, problems) => {
    const parameters = config.job_parameters as unknown;
    if (typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters)) {
      for (const [name, value] of Object.entries(parameters)) {
        if (typeof value !== 'string' || name.trim() === '') {
          problems.push(`job_parameters.${name}: must be a string`);
        }
      }
    }
  });
}
