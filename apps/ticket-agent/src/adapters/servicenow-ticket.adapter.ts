import type { AgentTicket } from '@telcomesh/ticket-agent-protocol';
import type { TicketQuery, TicketSystemAdapter } from '../ticket-system-adapter';
import {
  SERVICENOW_TABLE_DEFAULTS,
  parseServiceNowTicketAdapterConfig,
  type ServiceNowTicketAdapterConfig,
} from './servicenow-ticket.config';
import {
  composeEncodedQuery,
  isServiceNowAudit,
  serviceNowDisplay,
  serviceNowRecordToTicket,
  serviceNowValue,
  type ServiceNowAudit,
  type ServiceNowMapping,
} from './servicenow-ticket.mapping';
import { trimBaseUrl } from './ticket-adapter.config';
import {
  silentTicketLogger,
  type TicketAdapterDeps,
  type TicketAdapterLogger,
  type TicketHttpClient,
} from './ticket-http-client';
import { ticketSystemClient, type TicketCredentials } from './ticket-system-client';
import { TicketRecordError, TicketSystemError } from './ticket-system-error';

const AUDIT_PAGE = 1000;
/** Values per `IN` list: keeps URLs well under instance and proxy limits. */
const IN_CHUNK = 100;
const NUMBER = /^[A-Za-z0-9_.-]+$/;
const SYS_ID = /^[0-9a-f]{32}$/;

/** ServiceNow OAuth 2.0 at `/oauth_token.do`: refresh-token grants, and the password grant when
 * the config has a user (form-encoded). */
function serviceNowOAuth(c: ServiceNowTicketAdapterConfig, instanceUrl: string): TicketCredentials {
  const tokenUrl = new URL(`${instanceUrl}/oauth_token.do`);
  const client = { client_id: c.clientId ?? '', client_secret: c.clientSecret ?? '' };
  const { username, password } = c;
  return {
    kind: 'oauth',
    refreshToken: c.refreshToken,
    grants: {
      refresh: (refreshToken) => ({
        method: 'POST',
        url: tokenUrl,
        body: { form: { grant_type: 'refresh_token', ...client, refresh_token: refreshToken } },
      }),
      password:
        username !== undefined && password !== undefined
          ? () => ({
              method: 'POST',
              url: tokenUrl,
              body: { form: { grant_type: 'password', ...client, username, password } },
            })
          : undefined,
    },
  };
}

/**
 * Reads a ServiceNow task table (incident, sc_request, change_request, problem) through the
 * Table API: a saved filter (sys_filter sys_id) or an encoded query, paged with
 * sysparm_offset/sysparm_limit in a stable order, each page's field history read from sys_audit
 * in one batch, state values turned into labels (sys_choice) and group sys_ids into names
 * (sys_user_group). Basic auth or OAuth 2.0 with refresh.
 */
export class ServiceNowTicketAdapter implements TicketSystemAdapter {
  readonly system = 'servicenow';
  private readonly config: ServiceNowTicketAdapterConfig;
  private readonly http: TicketHttpClient;
  private readonly instanceUrl: string;
  private readonly logger: TicketAdapterLogger;
  private readonly customerField: string;
  private readonly resolvedAtField: string;
  private stateLabels: Map<string, string> | undefined;
  private readonly groupNames = new Map<string, string>();
  /** Group lookups that failed (ACL, deleted group): not asked again. */
  private readonly unknownGroups = new Set<string>();

  /** `config` is validated here (see ServiceNowTicketAdapterConfig); bad config throws. */
  constructor(config: unknown, deps: TicketAdapterDeps = {}) {
    const c = (this.config = parseServiceNowTicketAdapterConfig(config));
    this.instanceUrl = trimBaseUrl(c.baseUrl);
    this.logger = deps.logger ?? silentTicketLogger;
    const defaults = SERVICENOW_TABLE_DEFAULTS[c.table] ?? SERVICENOW_TABLE_DEFAULTS.incident;
    this.customerField = c.customerField ?? defaults.customerField;
    this.resolvedAtField = c.resolvedAtField ?? defaults.resolvedAtField;
    if (c.stateLabels) this.stateLabels = new Map(Object.entries(c.stateLabels));
    this.http = ticketSystemClient({
      system: this.system,
      settings: c,
      credentials:
        c.auth === 'basic'
          ? { kind: 'basic', user: c.username, password: c.password }
          : serviceNowOAuth(c, this.instanceUrl),
      secrets: [c.password, c.clientSecret, c.refreshToken],
      deps,
      logger: this.logger,
    });
  }

  async check(): Promise<void> {
    const url = this.tableUrl(this.config.table, { sysparm_limit: '1', sysparm_fields: 'sys_id' });
    await this.records(url, AbortSignal.timeout(this.config.timeoutMs * this.config.maxAttempts));
  }

  async *search(query: TicketQuery, signal: AbortSignal): AsyncIterable<AgentTicket[]> {
    const encoded = await this.resolveQuery(query, signal);
    this.logger.debug('servicenow search', { table: this.config.table, query: encoded });
    const limit = this.config.pageSize;
    const seen = new Set<string>();
    for (let page = 1, offset = 0; ; page++, offset += limit) {
      if (page > this.config.maxPages) {
        throw this.http.error(
          'malformed',
          `search still paging after ${this.config.maxPages} pages (maxPages)`,
        );
      }
      const url = this.tableUrl(this.config.table, {
        ...this.recordParams(),
        sysparm_query: encoded,
        sysparm_limit: String(limit),
        sysparm_offset: String(offset),
      });
      const { rows, total } = await this.records(url, signal);
      const fresh = rows.filter((row) => {
        // Offset paging can show a record twice when others are inserted underneath.
        const id =
          typeof row === 'object' && row !== null
            ? serviceNowValue(row as Record<string, unknown>, 'sys_id')
            : '';
        if (id === '') return true;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      const tickets = await this.toTickets(fresh, signal);
      // An empty page (the end of an exact multiple, all records skipped) is not worth a message.
      if (tickets.length > 0) yield tickets;
      // ACLs may drop rows from a page, so a short page ends the search only without a count.
      const done = total !== undefined ? offset + limit >= total : rows.length < limit;
      if (done || rows.length === 0) return;
    }
  }

  async fetch(keys: string[], signal: AbortSignal): Promise<AgentTicket[]> {
    const bad = keys.filter((k) => !NUMBER.test(k));
    if (bad.length > 0) {
      throw this.http.error(
        'config',
        `not ServiceNow record numbers: ${bad
          .slice(0, 5)
          .map((k) => JSON.stringify(k.slice(0, 40)))
          .join(', ')}`,
      );
    }
    const tickets: AgentTicket[] = [];
    for (let i = 0; i < keys.length; i += IN_CHUNK) {
      const chunk = keys.slice(i, i + IN_CHUNK);
      const url = this.tableUrl(this.config.table, {
        ...this.recordParams(),
        sysparm_query: `numberIN${chunk.join(',')}^ORDERBYnumber`,
        sysparm_limit: String(chunk.length * 2),
      });
      const { rows } = await this.records(url, signal);
      tickets.push(...(await this.toTickets(rows, signal)));
    }
    const order = new Map(keys.map((k, i) => [k, i]));
    return tickets.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  }

  private tableUrl(table: string, params: Record<string, string>): URL {
    const url = new URL(`${this.instanceUrl}/api/now/table/${table}`);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  }

  private recordParams(): Record<string, string> {
    const fields = [
      'sys_id',
      'number',
      'short_description',
      'state',
      'priority',
      'category',
      'assignment_group',
      'assigned_to',
      this.customerField,
      'opened_at',
      'sys_created_on',
      'sys_updated_on',
      this.resolvedAtField,
    ];
    return {
      sysparm_display_value: 'all',
      sysparm_exclude_reference_link: 'true',
      sysparm_fields: [...new Set(fields)].join(','),
    };
  }

  /** GETs a Table API list: its `result` rows and X-Total-Count when sent. */
  private async records(
    url: URL,
    signal: AbortSignal,
    accept: number[] = [],
  ): Promise<{ rows: unknown[]; total?: number; status: number }> {
    const answer = await this.http.json({ method: 'GET', url }, signal, accept);
    if (answer.status !== 200) return { rows: [], status: answer.status };
    const result = (answer.body as { result?: unknown } | null)?.result;
    if (!Array.isArray(result)) {
      throw this.http.error('malformed', `GET ${url.pathname} answered without a result list`);
    }
    const count = Number(answer.headers.get('x-total-count') ?? Number.NaN);
    return {
      rows: result,
      total: Number.isFinite(count) ? count : undefined,
      status: answer.status,
    };
  }

  private async resolveQuery(query: TicketQuery, signal: AbortSignal): Promise<string> {
    const queries: string[] = [];
    if (query.filterId !== undefined) {
      if (!SYS_ID.test(query.filterId)) {
        throw this.http.error(
          'config',
          `filterId must be a sys_filter sys_id, got ${JSON.stringify(query.filterId.slice(0, 40))}`,
        );
      }
      const url = new URL(`${this.instanceUrl}/api/now/table/sys_filter/${query.filterId}`);
      url.searchParams.set('sysparm_fields', 'filter,table,title');
      const { body } = await this.http.json({ method: 'GET', url }, signal);
      const filter = (body as { result?: { filter?: unknown; table?: unknown } } | null)?.result;
      if (typeof filter?.filter !== 'string') {
        throw this.http.error(
          'malformed',
          `GET ${url.pathname} answered a filter without an encoded query`,
        );
      }
      if (
        typeof filter.table === 'string' &&
        filter.table !== '' &&
        filter.table !== this.config.table
      ) {
        throw this.http.error(
          'config',
          `filter ${query.filterId} is for table ${filter.table}, not ${this.config.table}`,
        );
      }
      queries.push(filter.filter);
    }
    if (query.query !== undefined) queries.push(query.query);
    if (query.updatedSince !== undefined && Number.isNaN(Date.parse(query.updatedSince))) {
      throw this.http.error(
        'config',
        `updatedSince must be an ISO-8601 time, got ${JSON.stringify(query.updatedSince.slice(0, 40))}`,
      );
    }
    return composeEncodedQuery(queries, query.updatedSince, this.config.timeZone);
  }

  /** Maps a page: one batched sys_audit read, labels resolved, bad records logged and skipped. */
  private async toTickets(rows: unknown[], signal: AbortSignal): Promise<AgentTicket[]> {
    if (rows.length === 0) return [];
    const records = rows.filter(
      (r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r),
    );
    for (const record of records) {
      // The page's display values already name the states and groups it shows.
      const groupId = serviceNowValue(record, 'assignment_group');
      const groupName = serviceNowDisplay(record, 'assignment_group');
      if (groupId && groupName && groupName !== groupId) this.groupNames.set(groupId, groupName);
    }
    const ids = records.map((r) => serviceNowValue(r, 'sys_id')).filter((id) => SYS_ID.test(id));
    const audits = await this.audits(ids, signal);
    await this.ensureLabels(audits, records, signal);
    const mapping: ServiceNowMapping = {
      table: this.config.table,
      instanceUrl: this.instanceUrl,
      customerField: this.customerField,
      resolvedAtField: this.resolvedAtField,
      labels: {
        state: (value) => this.stateLabels?.get(value) ?? value,
        group: (sysId) => this.groupNames.get(sysId) ?? sysId,
      },
    };
    const tickets: AgentTicket[] = [];
    for (const [index, row] of rows.entries()) {
      try {
        tickets.push(serviceNowRecordToTicket(row, audits, mapping));
      } catch (error) {
        if (!(error instanceof TicketRecordError)) throw error;
        const number =
          typeof row === 'object' && row !== null
            ? serviceNowValue(row as Record<string, unknown>, 'number')
            : '';
        this.logger.warn('skipping a ServiceNow record that cannot be read', {
          table: this.config.table,
          record: number || `#${index}`,
          problem: error.message,
        });
      }
    }
    return tickets;
  }

  private async audits(ids: string[], signal: AbortSignal): Promise<ServiceNowAudit[]> {
    const audits: ServiceNowAudit[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      const chunk = ids.slice(i, i + IN_CHUNK);
      for (let offset = 0; ; offset += AUDIT_PAGE) {
        signal.throwIfAborted();
        const url = this.tableUrl('sys_audit', {
          sysparm_query: `tablename=${this.config.table}^documentkeyIN${chunk.join(',')}^fieldnameINstate,assignment_group^ORDERBYsys_created_on^ORDERBYrecord_checkpoint`,
          sysparm_fields:
            'documentkey,fieldname,oldvalue,newvalue,sys_created_on,record_checkpoint',
          sysparm_limit: String(AUDIT_PAGE),
          sysparm_offset: String(offset),
        });
        const { rows, total } = await this.records(url, signal);
        const valid = rows.filter(isServiceNowAudit);
        if (valid.length < rows.length) {
          this.logger.warn('skipping sys_audit rows that cannot be read', {
            skipped: rows.length - valid.length,
          });
        }
        audits.push(...valid);
        const done = total !== undefined ? offset + AUDIT_PAGE >= total : rows.length < AUDIT_PAGE;
        if (done || rows.length === 0) break;
      }
    }
    return audits;
  }

  /** Loads state labels once, and the names of groups the history mentions but the page did not. */
  private async ensureLabels(
    audits: ServiceNowAudit[],
    records: Record<string, unknown>[],
    signal: AbortSignal,
  ): Promise<void> {
    if (!this.stateLabels) {
      const labels = new Map<string, string>();
      const url = this.tableUrl('sys_choice', {
        sysparm_query: `name=${this.config.table}^element=state^inactive=false`,
        sysparm_fields: 'value,label',
      });
      try {
        const { rows, status } = await this.records(url, signal, [403]);
        if (status === 403)
          this.logger.warn(
            'sys_choice is not readable: state history keeps raw values where the page shows no label',
            { table: this.config.table },
          );
        for (const row of rows) {
          const { value, label } = (row ?? {}) as { value?: unknown; label?: unknown };
          if (typeof value === 'string' && typeof label === 'string') labels.set(value, label);
        }
      } catch (error) {
        if (!(error instanceof TicketSystemError) || error.code !== 'http') throw error;
        this.logger.warn('could not read state labels from sys_choice', { problem: error.message });
      }
      for (const record of records) {
        const value = serviceNowValue(record, 'state');
        const label = serviceNowDisplay(record, 'state');
        if (value && label && !labels.has(value)) labels.set(value, label);
      }
      this.stateLabels = labels;
    }
    const missing = [
      ...new Set(
        audits
          .filter((a) => a.fieldname === 'assignment_group')
          .flatMap((a) => [a.oldvalue, a.newvalue])
          .filter(
            (id) => SYS_ID.test(id) && !this.groupNames.has(id) && !this.unknownGroups.has(id),
          ),
      ),
    ];
    for (let i = 0; i < missing.length; i += IN_CHUNK) {
      const chunk = missing.slice(i, i + IN_CHUNK);
      const url = this.tableUrl('sys_user_group', {
        sysparm_query: `sys_idIN${chunk.join(',')}`,
        sysparm_fields: 'sys_id,name',
        sysparm_limit: String(chunk.length),
      });
      const { rows, status } = await this.records(url, signal, [403]);
      if (status === 403)
        this.logger.warn('sys_user_group is not readable: group history keeps sys_ids');
      for (const row of rows) {
        const { sys_id: id, name } = (row ?? {}) as { sys_id?: unknown; name?: unknown };
        if (typeof id === 'string' && typeof name === 'string') this.groupNames.set(id, name);
      }
      for (const id of chunk) if (!this.groupNames.has(id)) this.unknownGroups.add(id);
    }
  }
}
