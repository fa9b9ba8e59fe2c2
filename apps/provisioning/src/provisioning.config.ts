import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { ServiceConfig } from '@telcomesh/config';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Provisioning settings. Authentication (AUTH_JWT_*, AUTH_API_KEYS, AUTH_IP_ALLOWLIST,
 * AUTH_TRUSTED_PROXIES) is read by `@telcomesh/auth` from the same environment.
 */
export class ProvisioningConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 8082;

  /** Folder of the playbooks (`<provisioning_play>.yaml`); default: the ones shipped with the app. */
  @IsOptional()
  @IsString()
  PROVISIONING_PLAYBOOKS_DIR?: string;

  /** The ansible-playbook executable. */
  @IsString()
  PROVISIONING_ANSIBLE_PLAYBOOK = 'ansible-playbook';

  /** Jobs running at once; the others queue. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  PROVISIONING_MAX_PARALLEL_JOBS = 4;

  /** How long a cancelled job has to finish its rescue before its processes are killed. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  PROVISIONING_CANCEL_GRACE_MS = 30_000;

  /** Base URL playbooks call this API on (`crm_config.crm.base_url`); default http://127.0.0.1:PORT. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  PROVISIONING_CRM_BASE_URL?: string;

  /** The OCS (CGRateS JSON-RPC) as host:port (`crm_config.ocs.OCS`, called as http://OCS/jsonrpc). */
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}$/, { message: 'PROVISIONING_OCS must be host:port' })
  PROVISIONING_OCS = '127.0.0.1:2080';

  @IsString()
  @MaxLength(100)
  PROVISIONING_OCS_TENANT = 'telcomesh';

  /** The HSS REST API base URL (`crm_config.hss.url`). */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  PROVISIONING_HSS_URL?: string;

  /** The SMS gateway base URL and API key (`crm_config.sms`); the key is redacted everywhere. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  PROVISIONING_SMS_GATEWAY_URL?: string;

  @IsOptional()
  @IsString()
  PROVISIONING_SMS_API_KEY?: string;

  /** Seed: API-key and IP-allow-listed callers act as the first admin user (`initiating_user`). */
  @IsString()
  @Matches(/^[\w.@-]{1,100}$/, { message: 'PROVISIONING_ADMIN_USER_ID must be a user id' })
  PROVISIONING_ADMIN_USER_ID = '1';

  /** Upper bound of a job's token life; the token also dies with the job. */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86_400)
  PROVISIONING_JOB_TOKEN_TTL_SECONDS = 21_600;

  /** How long the recharge endpoint waits for its job before answering with status 1. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(300_000)
  PROVISIONING_RECHARGE_WAIT_MS = 60_000;

  // Authentication, validated by @telcomesh/auth (parseAuthSettings) at start-up.
  @IsOptional() @IsString() AUTH_JWT_SECRET?: string;
  @IsOptional() @IsString() AUTH_JWT_PUBLIC_KEY?: string;
  @IsOptional() @IsString() AUTH_JWT_PRIVATE_KEY?: string;
  @IsOptional() @IsString() AUTH_JWT_ISSUER?: string;
  @IsOptional() @IsString() AUTH_JWT_AUDIENCE?: string;
  @IsOptional() @IsString() AUTH_JWT_CLOCK_TOLERANCE_SECONDS?: string;
  @IsOptional() @IsString() AUTH_API_KEYS?: string;
  @IsOptional() @IsString() AUTH_IP_ALLOWLIST?: string;
  @IsOptional() @IsString() AUTH_TRUSTED_PROXIES?: string;
}
