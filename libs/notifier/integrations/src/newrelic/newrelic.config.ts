import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import { IsHttpUrl, parseIntegrationConfig } from '../webhook/integration-support';

/** New Relic event type names: letters, digits, `_` and `:`, at most 255 characters. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_:]{1,255}$/;

function IsEventTypeMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isEventTypeMap',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeof v === 'string' && EVENT_TYPE_PATTERN.test(v)),
      defaultMessage: (args) =>
        `${args?.property} must map notification kinds to event type names (letters, digits, _ and :)`,
    },
  });
}

function IsAttributeMap(): PropertyDecorator {
  return ValidateBy({
    name: 'isAttributeMap',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.keys(value).length <= 100 &&
        Object.entries(value).every(
          ([k, v]) =>
            k.length > 0 &&
            k.length <= 255 &&
            (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'),
        ),
      defaultMessage: (args) =>
        `${args?.property} must map at most 100 names to string, number or boolean values`,
    },
  });
}

/**
 * New Relic Event API (`integrations.newrelic`): custom events for notifications, in batches.
 * https://docs.newrelic.com/docs/data-apis/ingest-apis/event-api/introduction-event-api/
 */
export class NewRelicConfig {
  @Matches(/^\d{1,12}$/, { message: 'account_id must be the numeric account id, as a string' })
  account_id!: string;

  /** An ingest license key (sent as `Api-Key`) or, with `key_type: insert`, an insert key. */
  @IsString()
  @MinLength(20)
  api_key!: string;

  @IsOptional()
  @IsIn(['license', 'insert'])
  key_type: 'license' | 'insert' = 'license';

  @IsOptional()
  @IsIn(['US', 'EU'])
  region: 'US' | 'EU' = 'US';

  /** Notification kind → event type; other kinds use `TelcoMeshNotification`. */
  @IsOptional()
  @IsEventTypeMap()
  event_types: Record<string, string> = {};

  /** Added to every event (a notification's own attributes win on a name clash). */
  @IsOptional()
  @IsAttributeMap()
  custom_attributes: Record<string, string | number | boolean> = {};

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  batch_size = 100;

  /**
   * Replaces the regional collector origin (`https://insights-collector.newrelic.com`). For tests
   * and egress proxies only; production leaves it unset and picks by `region`.
   */
  @IsOptional()
  @IsHttpUrl()
  base_url?: string;
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const NEWRELIC_SECRET_FIELDS = ['api_key'] as const;

export function parseNewRelicConfig(plain: unknown): NewRelicConfig {
  return parseIntegrationConfig('newrelic', NewRelicConfig, plain, NEWRELIC_SECRET_FIELDS);
}
