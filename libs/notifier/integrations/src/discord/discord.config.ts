import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsHttpUrl, IsUrlMap, parseIntegrationConfig } from '../webhook/integration-support';

/**
 * Discord webhook (`integrations.discord`): rich embeds, mentions for critical subjects, and
 * per-channel webhooks chosen by the subject's segments.
 */
export class DiscordConfig {
  /** `https://discord.com/api/webhooks/<id>/<token>`: the default channel. */
  @IsHttpUrl()
  webhook_url!: string;

  /** Overrides the webhook's name (1-80 characters; Discord refuses "discord" and "clyde"). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  @Matches(/^(?!.*(discord|clyde)).*$/i, {
    message: 'username must not contain "discord" or "clyde"',
  })
  username?: string;

  @IsOptional()
  @IsHttpUrl()
  avatar_url?: string;

  /**
   * Pinged on critical subjects: `<@user id>`, `<@&role id>`, a bare user id, `@everyone` or
   * `@here`. Names like `@admin` are shown as text (webhooks cannot resolve names to ids).
   */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  mention_users: string[] = [];

  /** Dotted-subject globs (`*.database.*`) whose notifications ping `mention_users`. */
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  critical_patterns: string[] = [];

  /**
   * Channel name → webhook URL. A notification goes to the first channel (in this order) whose
   * name is a segment of its subject (`database` for `app.database.host`), else to `webhook_url`.
   */
  @IsOptional()
  @IsUrlMap()
  channels: Record<string, string> = {};
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const DISCORD_SECRET_FIELDS = ['webhook_url', 'channels'] as const;

export function parseDiscordConfig(plain: unknown): DiscordConfig {
  return parseIntegrationConfig('discord', DiscordConfig, plain, DISCORD_SECRET_FIELDS);
}
