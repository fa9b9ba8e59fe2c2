// class-transformer's @Type reads design metadata: load the polyfill wherever DTOs are declared.
import 'reflect-metadata';
import { Type, type TypeHelpOptions } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import {
  AlarmFieldMapping,
  MetricFieldMapping,
  jsonataProblem,
  type FieldMapping,
} from '../connectors';
import type { ConfigIssue, CrossFieldChecks } from '../connectors/connection-config';

/** `data_sources.source_type` of sources that push to `POST /webhooks/sources/{source_id}`. */
export const WEBHOOK_SOURCE_TYPE = 'webhook';

/**
 * `hmac_sha256_hex`: GitHub style, `<signature_header>: sha256=<hex HMAC of the raw body>`.
 * `standard_webhooks`: Standard Webhooks, `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC of "id.timestamp.body">`, the timestamp within tolerance.
 */
export const SIGNATURE_SCHEMES = ['hmac_sha256_hex', 'standard_webhooks'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

const HEADER = /^[A-Za-z0-9-]{1,100}$/;
const HEADER_MESSAGE = { message: '$property must be an HTTP header name' };

function IsJsonata(): PropertyDecorator {
  return ValidateBy({
    name: 'isJsonata',
    validator: {
      validate: (value: unknown) => value === undefined || jsonataProblem(value) === undefined,
      defaultMessage: (args) => `${args?.property} ${jsonataProblem(args?.value) ?? ''}`,
    },
  });
}

function fieldMappingClass(options?: TypeHelpOptions): new () => object {
  const kind = (options?.object as { record_kind?: unknown } | undefined)?.record_kind;
  return kind === 'alarm' ? AlarmFieldMapping : MetricFieldMapping;
}

/**
 * `connection_config` of a webhook source: how its deliveries are signed and how a body becomes
 * records. The mapping is the REST connector's: `items` picks the list out of the body, `fields`
 * each metric or alarm field out of an item (JSONata, the body bound as `$body`).
 */
export class WebhookSourceConfig implements CrossFieldChecks {
  /** Shared HMAC key; sealed at rest like every secret. Standard Webhooks keys look like `whsec_<base64>`. */
  @IsString()
  @MinLength(16, { message: 'hmac_secret must be at least 16 characters' })
  @MaxLength(1000)
  hmac_secret!: string;

  @IsIn(SIGNATURE_SCHEMES)
  signature_scheme: SignatureScheme = 'hmac_sha256_hex';

  @IsIn(['sha256'])
  algorithm = 'sha256' as const;

  /** Header holding `sha256=<hex>` (hmac_sha256_hex only). */
  @Matches(HEADER, HEADER_MESSAGE)
  signature_header = 'x-signature-256';

  /**
   * Header naming the delivery (e.g. `x-github-delivery`) for hmac_sha256_hex; without it a
   * delivery is identified by the SHA-256 of its body. Standard Webhooks use `webhook-id`.
   */
  @IsOptional()
  @Matches(HEADER, HEADER_MESSAGE)
  delivery_id_header?: string;

  /** Standard Webhooks: a timestamp further than this from now is refused (replays). */
  @IsInt()
  @Min(1)
  @Max(3600)
  timestamp_tolerance_seconds = 300;

  @IsIn(['metric', 'alarm'])
  record_kind!: 'metric' | 'alarm';

  /** The list of items in the body; `$` when the body is one item or the list itself. */
  @IsJsonata()
  items = '$';

  @IsDefined({ message: '$property is required' })
  @ValidateNested()
  @Type(fieldMappingClass)
  fields!: FieldMapping;

  /** `source_system` of alarms that do not map one (default `WEBHOOK`). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  source_system?: string;

  crossFieldIssues(): ConfigIssue[] {
    if (this.signature_scheme !== 'standard_webhooks' || !this.hmac_secret?.startsWith('whsec_'))
      return [];
    const key = Buffer.from(this.hmac_secret.slice(6), 'base64');
    // The value is a secret: say what is wrong with it, never what it is.
    return key.length >= 16
      ? []
      : [
          {
            path: 'hmac_secret',
            message: 'hmac_secret whsec_ must be followed by base64 of 16+ bytes',
          },
        ];
  }
}
