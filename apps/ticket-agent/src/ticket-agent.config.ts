import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { ConfigValidationError, redactUrl } from '@telcomesh/config';
import { ID_PATTERN, MAX_MESSAGE_BYTES } from '@telcomesh/ticket-agent-protocol';

export const TICKET_SYSTEMS = ['jira', 'servicenow', 'rest'] as const;
export type TicketSystemName = (typeof TICKET_SYSTEMS)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables whose values never appear in an error or a log line. */
const SECRET_VARIABLES = new Set(['KEY', 'PASSWORD']);

/**
 * The agent's environment: the seed connector's variables (EMAIL, PASSWORD, URL, TOKEN, KEY,
 * SERVER) plus the ticket system kind and the outbox. Not a ServiceConfig: the agent serves no
 * HTTP and uses no Kafka or database.
 */
export class TicketAgentConfig {
  @IsIn(TICKET_SYSTEMS, { message: 'TICKET_SYSTEM must be one of jira, servicenow, rest' })
  TICKET_SYSTEM!: TicketSystemName;

  /** Ticket-system user: e-mail for Jira Cloud, user name for ServiceNow; optional for `rest`. */
  @ValidateIf(
    (config: TicketAgentConfig) => config.TICKET_SYSTEM !== 'rest' || config.EMAIL !== undefined,
  )
  @IsString()
  @MinLength(1)
  EMAIL?: string;

  /** Password or API token of that user. */
  @ValidateIf(
    (config: TicketAgentConfig) => config.TICKET_SYSTEM !== 'rest' || config.PASSWORD !== undefined,
  )
  @IsString()
  @MinLength(1)
  PASSWORD?: string;

  /** Base URL of the ticket system as seen from the agent's network. */
  @IsUrl(
    { protocols: ['http', 'https'], require_tld: false, require_protocol: true },
    { message: 'URL must be an http(s) URL of the ticket system' },
  )
  URL!: string;

  /** Public id of this agent at the server (the seed's TOKEN). */
  @Matches(ID_PATTERN, { message: 'TOKEN (agent id) must be 1-128 of A-Z a-z 0-9 . _ : -' })
  TOKEN!: string;

  /** Secret shared with the server for this agent (the seed's KEY); only used as an HMAC key. */
  @IsString()
  @MinLength(16, { message: 'KEY must be at least 16 characters' })
  KEY!: string;

  /** ws:// or wss:// URL of ticket-sla's agent endpoint. */
  @IsUrl(
    { protocols: ['ws', 'wss'], require_tld: false, require_protocol: true },
    { message: 'SERVER must be a ws:// or wss:// URL' },
  )
  SERVER!: string;

  /** Where results wait for the server's ack; must survive restarts (a volume in containers). */
  @IsString()
  @MinLength(1)
  OUTBOX_DIR = '.data/ticket-agent/outbox';

  /** Disk budget of the outbox; the oldest unacked results are dropped beyond it. */
  @Type(() => Number)
  @IsInt()
  @Min(4 * MAX_MESSAGE_BYTES, {
    message: `OUTBOX_MAX_BYTES must be at least ${4 * MAX_MESSAGE_BYTES}`,
  })
  @Max(Number.MAX_SAFE_INTEGER)
  OUTBOX_MAX_BYTES = 256 * 1024 * 1024;

  /**
   * Optional YAML or JSON file with the adapter's own settings (Jira group field, ServiceNow
   * table, the REST field mapping and paging…); URL, EMAIL and PASSWORD override its values.
   */
  @IsOptional()
  @IsString()
  TICKET_SYSTEM_CONFIG?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';
}

/**
 * Reads and validates the environment; throws one `ConfigValidationError` naming every bad or
 * missing variable. Empty values count as unset. Secret values are never quoted.
 */
export function loadTicketAgentConfig(env: Record<string, string | undefined>): TicketAgentConfig {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const config = plainToInstance(TicketAgentConfig, cleaned, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(config, { whitelist: true, forbidUnknownValues: true });
  if (errors.length === 0) return config;
  const problems = errors.map((error) => {
    const raw = cleaned[error.property];
    const shown =
      raw === undefined
        ? 'missing'
        : SECRET_VARIABLES.has(error.property)
          ? 'value redacted'
          : `got "${raw.includes('@') ? redactUrl(raw) : raw}"`;
    return `${error.property}: ${Object.values(error.constraints ?? {}).join('; ')} (${shown})`;
  });
  throw new ConfigValidationError('ticket-agent', problems.sort());
}
