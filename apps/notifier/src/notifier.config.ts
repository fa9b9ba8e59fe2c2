import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { ServiceConfig } from '@telcomesh/config';

export class NotifierConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 8085;

  /**
   * Configuration-as-code: a YAML file of the seed's `integrations.<name>` keys (integrations and
   * the notifications/grouping/rate_limits/approvals/batching documents) and `silences`.
   */
  @IsOptional()
  @IsString()
  NOTIFIER_CONFIG_FILE?: string;

  /** 32 bytes, base64: encrypts literal secrets given through the API (references need no key). */
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, {
    message: 'NOTIFIER_SECRET_KEY must be 32 bytes, base64-encoded',
  })
  NOTIFIER_SECRET_KEY?: string;

  /** Shortcut: one webhook integration receiving every notification (Standard Webhooks). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  NOTIFIER_WEBHOOK_URL?: string;

  /** Standard Webhooks signing secret for NOTIFIER_WEBHOOK_URL (`whsec_` + base64). */
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, {
    message: 'NOTIFIER_WEBHOOK_SECRET must be whsec_ followed by a base64 key of 24-64 bytes',
  })
  NOTIFIER_WEBHOOK_SECRET?: string;

  /** Timeout of one request to an integration. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  NOTIFIER_HTTP_TIMEOUT_MS = 10_000;

  /** How often the delivery worker looks for due deliveries and groups. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(60_000)
  NOTIFIER_POLL_INTERVAL_MS = 250;
}
