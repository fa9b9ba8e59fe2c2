import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import {
  IsArray,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  validateSync,
} from 'class-validator';
import { describeValidationErrors, parseCheckedConfig } from '../webhook/integration-support';

export const ZENDESK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type ZendeskPriority = (typeof ZENDESK_PRIORITIES)[number];
export const ZENDESK_TICKET_TYPES = ['problem', 'incident', 'question', 'task'] as const;
export type ZendeskTicketType = (typeof ZENDESK_TICKET_TYPES)[number];

/** Config keys whose values are never echoed back (errors, logs, API answers). */
export const SECRET_FIELDS = ['api_token'] as const;

/** How tickets of one notification kind look; `subject` may use `{placeholders}`. */
export class ZendeskTicketTemplate {
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  subject!: string;

  @IsOptional()
  @IsIn(ZENDESK_PRIORITIES)
  priority?: ZendeskPriority;

  @IsOptional()
  @IsIn(ZENDESK_TICKET_TYPES)
  type?: ZendeskTicketType;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];
}

/** `integrations.zendesk`: the seed's keys plus `base_url` (tests, proxies) and `requester_email`. */
export class ZendeskConfig {
  /** `yourcompany` in yourcompany.zendesk.com. */
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/i, { message: 'subdomain must be a Zendesk subdomain' })
  subdomain!: string;

  /** Agent the API token belongs to (`{email}/token:{api_token}` basic auth). */
  @IsEmail()
  email!: string;

  @IsString()
  @MinLength(1, { message: 'api_token must not be empty' })
  api_token!: string;

  /** Agent the tickets are assigned to (`assignee_email`). */
  @IsOptional()
  @IsEmail()
  default_assignee?: string;

  /** By notification kind (`config_change`, `alarm`...); kinds without one use defaults. */
  @IsOptional()
  @IsObject()
  ticket_templates: Record<string, ZendeskTicketTemplate> = {};

  /** Overrides `https://{subdomain}.zendesk.com` (tests, egress proxies). */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  base_url?: string;

  /** Requester of the tickets; the API user when unset. */
  @IsOptional()
  @IsEmail()
  requester_email?: string;
}

/**
 * Validates a plain `integrations.zendesk` object. Throws one Error naming every bad field
 * (values are never quoted, so secrets cannot leak through it).
 */
export function parseZendeskConfig(plain: unknown): ZendeskConfig {
  return parseCheckedConfig('zendesk', ZendeskConfig, plain, (config, problems) => {
    const options = { whitelist: true, forbidNonWhitelisted: true };
    const templates: Record<string, ZendeskTicketTemplate> = {};
    if (typeof config.ticket_templates === 'object' && config.ticket_templates !== null) {
      for (const [kind, raw] of Object.entries(
        config.ticket_templates as Record<string, unknown>,
      )) {
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
          problems.push(`ticket_templates.${kind}: must be an object`);
          continue;
        }
        const template = plainToInstance(ZendeskTicketTemplate, raw);
        describeValidationErrors(
          validateSync(template, options),
          `ticket_templates.${kind}.`,
          problems,
        );
        templates[kind] = template;
      }
    }
    config.ticket_templates = templates;
  });
}
