import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { ServiceConfig } from '@telcomesh/config';

export class IngestorConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 8081;

  /** When set, webhook senders must present `Authorization: Bearer <token>`. */
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'INGESTOR_WEBHOOK_TOKEN must be at least 16 characters' })
  INGESTOR_WEBHOOK_TOKEN?: string;

  /** Tenant stamped on events whose sender names none. */
  @IsString()
  DEFAULT_TENANT = 'default';
}
