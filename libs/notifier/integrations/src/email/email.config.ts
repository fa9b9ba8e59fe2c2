import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsEmail,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { parseIntegrationConfig } from '../webhook/integration-support';

const MAILBOX = { allow_display_name: true, require_tld: false } as const;
/** Hostname or IPv4 literal; IPv6 in brackets-free form. No scheme, no port. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^[0-9A-Fa-f:.]+$/;

/**
 * E-mail over SMTP (`integrations.email`): the provisioning `failure_list`, approval and
 * change-notification recipients. Port 465 is implicit TLS (`secure: true`); 587/25 upgrade with
 * STARTTLS, required when `starttls` is true (the default) so credentials never cross in clear.
 */
export class EmailConfig {
  @IsString()
  @Matches(HOST, { message: 'host must be a hostname or IP address (no scheme, no port)' })
  host!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  port = 587;

  /** Implicit TLS from the first byte (port 465). */
  @IsOptional()
  @IsBoolean()
  secure = false;

  /** When not `secure`: require the STARTTLS upgrade (true) or never attempt it (false). */
  @IsOptional()
  @IsBoolean()
  starttls = true;

  @ValidateIf((o: EmailConfig) => o.username !== undefined || o.password !== undefined)
  @IsString()
  @IsNotEmpty({ message: 'username is required when a password is given' })
  @MaxLength(320)
  username?: string;

  @ValidateIf((o: EmailConfig) => o.username !== undefined || o.password !== undefined)
  @IsString()
  @IsNotEmpty({ message: 'password is required when a username is given' })
  @MaxLength(1024)
  password?: string;

  /** `noc@example.com` or `TelcoMesh NOC <noc@example.com>`. */
  @IsEmail(MAILBOX, { message: 'from must be an e-mail address, optionally with a display name' })
  from!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @IsEmail(MAILBOX, { each: true, message: 'each value in to must be an e-mail address' })
  to!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsEmail(MAILBOX, { each: true, message: 'each value in cc must be an e-mail address' })
  cc: string[] = [];

  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[^\r\n]*$/, { message: 'subject_prefix must be a single line' })
  subject_prefix = '[TelcoMesh]';

  /** Notifications sent together as one digest e-mail (1 = one e-mail each). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  digest_size = 1;

  /** Connection, greeting and socket inactivity timeout. */
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(300_000)
  timeout_ms = 30_000;

  /** Check the server's TLS certificate (turn off only for a lab relay with a self-signed one). */
  @IsOptional()
  @IsBoolean()
  tls_reject_unauthorized = true;
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const EMAIL_SECRET_FIELDS = ['password'] as const;

/** Validates an e-mail config; throws one Error naming every bad or unknown field. */
export function parseEmailConfig(plain: unknown): EmailConfig {
  return parseIntegrationConfig('email', EmailConfig, plain, EMAIL_SECRET_FIELDS);
}
