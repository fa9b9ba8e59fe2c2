import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ServiceConfig } from '@telcomesh/config';

export class CallMonitorConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 8084;

  /**
   * The contact-centre sources, as a YAML (or JSON) file: a list of `{ id, kind, ... }` with the
   * adapter's settings (see the README). Secrets may be `${env:NAME}` references.
   */
  @IsOptional()
  @IsString()
  CALL_MONITOR_SOURCES_FILE?: string;

  /** The same list inline, as JSON (handy for one source or a container env). */
  @IsOptional()
  @IsString()
  CALL_MONITOR_SOURCES?: string;

  /** Country whose national format numbers without `+`/`00` use (ISO 3166 alpha-2). */
  @Matches(/^[A-Z]{2}$/, { message: 'CALL_MONITOR_DEFAULT_REGION must be a country code like FR' })
  CALL_MONITOR_DEFAULT_REGION = 'FR';

  /** Digit strings up to this long are extensions or short codes, not E.164 numbers. */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(8)
  CALL_MONITOR_EXTENSION_MAX_DIGITS = 6;

  /** Tenant stamped on events and alerts. */
  @IsOptional()
  @IsString()
  CALL_MONITOR_TENANT_ID?: string;

  /** Name of this replica in source leases; default `<hostname>-<pid>`. */
  @IsOptional()
  @Matches(/^[\w.-]{1,128}$/, { message: 'CALL_MONITOR_REPLICA_ID: letters, digits, . _ - only' })
  CALL_MONITOR_REPLICA_ID?: string;

  /** A replica that stops renewing loses its sources after this long. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(300_000)
  CALL_MONITOR_LEASE_TTL_MS = 15_000;

  /** How often alert rules are evaluated. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  CALL_MONITOR_ALERT_INTERVAL_MS = 1000;

  /** A live-feed subscriber with more unsent bytes stops getting deltas until it catches up. */
  @Type(() => Number)
  @IsInt()
  @Min(16_384)
  @Max(64 * 1024 * 1024)
  CALL_MONITOR_FEED_MAX_BUFFERED_BYTES = 1024 * 1024;

  /** Feed deltas of one subscriber are sent together, one message per this many ms (0: each alone). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  CALL_MONITOR_FEED_BATCH_MS = 50;

  /** Live changes are coalesced per entity for this long before publishing. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(5000)
  CALL_MONITOR_PUBLISH_INTERVAL_MS = 50;
}
