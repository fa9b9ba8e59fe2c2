import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsHttpUrl, parseIntegrationConfig } from '../webhook/integration-support';

/**
 * PagerDuty Events API v2 (`integrations.pagerduty`): alerts triggered and resolved on a service.
 * https://developer.pagerduty.com/docs/events-api-v2/overview/
 */
export class PagerDutyConfig {
  /** The service integration's 32-character integration ("routing") key. */
  @Matches(/^[A-Za-z0-9]{32}$/, {
    message: 'routing_key must be the 32-character Events API v2 integration key',
  })
  routing_key!: string;

  /** `payload.source`: the affected system, unless a notification says otherwise (`labels.source`). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  source = 'telcomesh';

  /** Defaults for `payload.component` / `group` / `class`; the labels of the same names win. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  component?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  group?: string;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  class?: string;

  /** Shown in PagerDuty as the alert's origin, linking to `client_url`. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  client = 'TelcoMesh';

  @IsOptional()
  @IsHttpUrl()
  client_url?: string;

  /**
   * Replaces `https://events.pagerduty.com` (EU accounts may use `https://events.eu.pagerduty.com`).
   * Otherwise for tests and egress proxies only.
   */
  @IsOptional()
  @IsHttpUrl()
  base_url?: string;
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const PAGERDUTY_SECRET_FIELDS = ['routing_key'] as const;

export function parsePagerDutyConfig(plain: unknown): PagerDutyConfig {
  return parseIntegrationConfig('pagerduty', PagerDutyConfig, plain, PAGERDUTY_SECRET_FIELDS);
}
