import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Max, Min, MinLength } from 'class-validator';
import { ServiceConfig } from '@telcomesh/config';

export class NotifierConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 8085;

  /** Where every telemetry event is POSTed (the generic outbound webhook integration). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  NOTIFIER_WEBHOOK_URL?: string;

  /** Standard Webhooks signing secret (`whsec_` + base64); deliveries are signed when set. */
  @IsOptional()
  @IsString()
  @MinLength(24, { message: 'NOTIFIER_WEBHOOK_SECRET must be at least 24 characters' })
  NOTIFIER_WEBHOOK_SECRET?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  NOTIFIER_WEBHOOK_TIMEOUT_MS = 10_000;
}
