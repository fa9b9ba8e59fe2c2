import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsHttpUrl, parseIntegrationConfig } from '../webhook/integration-support';

/**
 * Slack incoming webhook (`integrations.slack`). `channel`, `username` and `icon_emoji` override
 * the webhook's defaults where Slack still honours them (legacy webhooks); app webhooks post to the
 * channel chosen when the webhook was created.
 */
export class SlackConfig {
  /** `https://hooks.slack.com/services/T…/B…/…`: the path is the credential. */
  @IsHttpUrl('https://hooks.slack.com/services/...')
  webhook_url!: string;

  @IsOptional()
  @IsString()
  @Matches(/^[#@]?[\w.-]{1,80}$/, {
    message: 'channel must look like #channel-name or a channel id',
  })
  channel?: string;

  @IsOptional()
  @IsString()
  @MaxLength(80)
  username?: string;

  @IsOptional()
  @Matches(/^:[\w+-]+:$/, { message: 'icon_emoji must look like :gear:' })
  icon_emoji?: string;

  /**
   * Who to ping on critical notifications: `@here`, `@channel`, a user-group id (`S0123ABCD`), or
   * Slack's own syntax (`<!subteam^S0123ABCD>`). Plain `@team-name` is shown as text only: Slack
   * incoming webhooks cannot resolve group handles.
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  mention_groups: string[] = [];
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const SLACK_SECRET_FIELDS = ['webhook_url'] as const;

export function parseSlackConfig(plain: unknown): SlackConfig {
  return parseIntegrationConfig('slack', SlackConfig, plain, SLACK_SECRET_FIELDS);
}
