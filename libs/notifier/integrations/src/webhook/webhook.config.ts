import { IsOptional, Matches, ValidateBy } from 'class-validator';
import { IsHttpUrl, IsStringMap, parseIntegrationConfig } from './integration-support';

/** Headers the integration owns: extra headers may not replace them. */
export const RESERVED_WEBHOOK_HEADERS = [
  'content-type',
  'content-length',
  'host',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
];

function HasNoReservedHeaders(): PropertyDecorator {
  return ValidateBy({
    name: 'hasNoReservedHeaders',
    validator: {
      validate: (value: unknown) =>
        typeof value !== 'object' ||
        value === null ||
        Object.keys(value).every(
          (key) =>
            /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key) &&
            !RESERVED_WEBHOOK_HEADERS.includes(key.toLowerCase()),
        ),
      defaultMessage: (args) =>
        `${args?.property} must be valid header names other than ${RESERVED_WEBHOOK_HEADERS.join(', ')}`,
    },
  });
}

/**
 * Generic outbound webhook (`integrations.webhook`), signed per Standard Webhooks
 * (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and, with a secret,
 * `webhook-signature`.
 */
export class WebhookConfig {
  @IsHttpUrl('https://receiver.example.com/hooks/telcomesh')
  url!: string;

  /** `whsec_` + base64 of 24-64 random bytes. Unsigned deliveries when absent. */
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, {
    message: 'secret must be whsec_ followed by base64 of 24 to 64 bytes',
  })
  secret?: string;

  /** Extra headers sent with every delivery (e.g. `Authorization`). */
  @IsOptional()
  @IsStringMap()
  @HasNoReservedHeaders()
  headers: Record<string, string> = {};

  /** A URL answering GET with 2xx when the receiver is up; otherwise health GETs `url`. */
  @IsOptional()
  @IsHttpUrl()
  health_url?: string;
}

/** Fields whose values are credentials: never logged, echoed in errors or returned by APIs. */
export const WEBHOOK_SECRET_FIELDS = ['secret', 'headers', 'url'] as const;

export function parseWebhookConfig(plain: unknown): WebhookConfig {
  return parseIntegrationConfig('webhook', WebhookConfig, plain, WEBHOOK_SECRET_FIELDS);
}
