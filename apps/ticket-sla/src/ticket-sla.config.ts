import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ServiceConfig } from '@telcomesh/config';

/**
 * The ticket-sla environment. The seed's variables keep their names (TOKEN, KEY, PORT, INTERVAL,
 * FILTER_ARREARS, FILTER_STOPPED); the seed's DB_PATH is the platform's DATABASE_URL (see the
 * README). Agent secrets (KEY, TICKET_SLA_AGENTS) are checked by `agentCredentialsOf`, which never
 * quotes a value: they carry no constraint here that could echo them in a start-up error.
 */
export class TicketSlaConfig extends ServiceConfig {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  override PORT = 8083;

  /** The seed's TOKEN: id of one agent (public). Goes with KEY. */
  @IsOptional()
  @IsString()
  TOKEN?: string;

  /** The seed's KEY: that agent's secret, at least 16 characters; used only as an HMAC key. */
  @IsOptional()
  @IsString()
  KEY?: string;

  /** More agents inline: `id:key,id2:key2` (ids without `:`). */
  @IsOptional()
  @IsString()
  TICKET_SLA_AGENTS?: string;

  /** More agents from a file: one `id:key` per line, `#` comments. Mount it as a secret. */
  @IsOptional()
  @IsString()
  TICKET_SLA_AGENTS_FILE?: string;

  /** The seed's INTERVAL: seconds between two rounds of tasks for the filters. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  INTERVAL = 60;

  /** The seed's FILTER_ARREARS: saved filter of tickets overdue by SLA in the ticket system. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  FILTER_ARREARS?: string;

  /** The seed's FILTER_STOPPED: saved filter of paused (stopped) tickets. */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  FILTER_STOPPED?: string;

  /**
   * Optional saved filter of all open tickets, searched incrementally (updated since the last
   * run) so clocks start before a ticket is overdue; the seed's two filters alone only show
   * tickets already overdue or paused.
   */
  @IsOptional()
  @IsString()
  @MaxLength(256)
  TICKET_SLA_FILTER_OPEN?: string;

  /** An agent that has not finished a task this long after sending it is given up on; it is retried elsewhere. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  TICKET_SLA_TASK_TIMEOUT_MS = 300_000;

  /** Agents a task is tried on before it is dropped until the next interval. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10)
  TICKET_SLA_TASK_MAX_ATTEMPTS = 3;

  /** Open tickets not seen in this many intervals are fetched by key (they left the filters). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  TICKET_SLA_FETCH_STALE_INTERVALS = 3;

  /** Heartbeat both sides keep on an agent connection; 3 silent intervals drop it. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600_000)
  TICKET_SLA_HEARTBEAT_MS = 15_000;

  /** An agent connection must finish hello → auth within this long. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(120_000)
  TICKET_SLA_HANDSHAKE_TIMEOUT_MS = 10_000;

  /** SLA policies and business calendars as code: a YAML file `{ calendars: [...], policies: [...] }`. */
  @IsOptional()
  @IsString()
  TICKET_SLA_POLICY_FILE?: string;

  /** Tenant stamped on tickets read by agents and on their SLA events. */
  @IsOptional()
  @Matches(/^[\w.-]{1,128}$/, { message: 'TICKET_SLA_TENANT_ID: letters, digits, . _ - only' })
  TICKET_SLA_TENANT_ID?: string;

  /** Ticket system name given to tickets from itsm.tickets.v1 (matches an agent's `system` to merge). */
  @Matches(/^[a-z][a-z0-9_-]{0,63}$/, {
    message: 'TICKET_SLA_ITSM_SYSTEM must be a lower-case system name such as servicenow',
  })
  TICKET_SLA_ITSM_SYSTEM = 'servicenow';

  /** Name of this replica in leases and the agents list; default `<hostname>-<pid>`. */
  @IsOptional()
  @Matches(/^[\w.-]{1,128}$/, { message: 'TICKET_SLA_REPLICA_ID: letters, digits, . _ - only' })
  TICKET_SLA_REPLICA_ID?: string;

  /** The SLA timer loop and per-system dispatch leases expire this long after their holder stops renewing. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(300_000)
  TICKET_SLA_LEASE_TTL_MS = 15_000;

  /** How often the timer holder picks up clocks changed by other replicas, and catalogs are reloaded. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60_000)
  TICKET_SLA_TIMER_REFRESH_MS = 2000;
}
