import type { AgentTicket, TicketTransition } from '@telcomesh/ticket-agent-protocol';
import jsonata from 'jsonata';
import type { TicketQuery, TicketSystemAdapter } from '../ticket-system-adapter';
import {
  parseRestTicketAdapterConfig,
  type RestTicketAdapterConfig,
  type RestTicketFieldMapping,
} from './rest-ticket.config';
import { retryPolicyOf, trimBaseUrl } from './ticket-adapter.config';
import { completeHistory, toIsoTime } from './ticket-history';
import {
  TicketHttpClient,
  silentTicketLogger,
  systemTicketClock,
  type TicketAdapterDeps,
  type TicketAdapterLogger,
  type TicketAuth,
} from './ticket-http-client';
import { TicketRecordError } from './ticket-system-error';

type Expression = ReturnType<typeof jsonata>;
type FieldName = keyof RestTicketFieldMapping;

const FIELD_NAMES: FieldName[] = [
  'key',
  'externalId',
  'title',
  'status',
  'priority',
  'category',
  'customer',
  'assignmentGroup',
  'assignee',
  'createdAt',
  'updatedAt',
  'resolvedAt',
  'url',
  'history',
];

/** The `rel="next"` target of a Link header, if any. */
export function nextLinkFromHeader(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(match[2]))
      return match[1];
  }
  return undefined;
}

/**
 * A generic REST ticket API described by config: auth, the search endpoint and its parameters,
 * a paging strategy (offset/limit, page number, cursor, next link), and a JSONata expression per
 * AgentTicket field, optionally with a per-ticket history request.
 */
export class RestTicketAdapter implements TicketSystemAdapter {
  readonly system: string;
  private readonly config: RestTicketAdapterConfig;
  private readonly http: TicketHttpClient;
  private readonly baseUrl: string;
  private readonly logger: TicketAdapterLogger;
  private readonly fields = new Map<FieldName, Expression>();
  private readonly items: Expression;
  private readonly fetchItem: Expression;
  private readonly nextCursor: Expression | undefined;
  private readonly nextLink: Expression | undefined;
  private readonly total: Expression | undefined;

  /** `config` is validated here (see RestTicketAdapterConfig); bad config throws. */
  constructor(config: unknown, deps: TicketAdapterDeps = {}) {
    const c = (this.config = parseRestTicketAdapterConfig(config));
    this.system = c.system;
    this.baseUrl = trimBaseUrl(c.baseUrl);
    this.logger = deps.logger ?? silentTicketLogger;
    for (const name of FIELD_NAMES) {
      const expression = c.fields[name];
      if (expression !== undefined) this.fields.set(name, jsonata(expression));
    }
    this.items = jsonata(c.items);
    this.fetchItem = jsonata(c.fetchItem);
    this.nextCursor = c.paging.nextCursor === undefined ? undefined : jsonata(c.paging.nextCursor);
    this.nextLink = c.paging.nextLink === undefined ? undefined : jsonata(c.paging.nextLink);
    this.total = c.paging.total === undefined ? undefined : jsonata(c.paging.total);
    const secrets = [c.password, c.token].filter((s): s is string => s !== undefined);
    let header: string | undefined;
    if (c.auth === 'basic') {
      header = `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
      secrets.push(header.slice(6));
    } else if (c.auth === 'bearer') {
      header = `Bearer ${c.token ?? ''}`;
    }
    const auth: TicketAuth = { authorization: () => Promise.resolve(header), secrets: () => [] };
    this.http = new TicketHttpClient({
      system: this.system,
      retry: retryPolicyOf(c),
      auth,
      clock: deps.clock ?? systemTicketClock,
      logger: this.logger,
      random: deps.random,
      secrets,
    });
  }

  async check(): Promise<void> {
    const url = this.url(
      this.config.checkPath ?? this.config.searchPath,
      this.config.searchParams ?? {},
    );
    await this.http.json(
      this.get(url),
      AbortSignal.timeout(this.config.timeoutMs * this.config.maxAttempts),
    );
  }

  async *search(query: TicketQuery, signal: AbortSignal): AsyncIterable<AgentTicket[]> {
    const c = this.config;
    const { paging, pageSize } = c;
    const params = { ...c.searchParams, ...this.queryParams(query) };
    let url = this.url(c.searchPath, params);
    const seenLinks = new Set<string>();
    let cursor: string | undefined;
    for (let page = 1, fetched = 0; ; page++) {
      if (page > c.maxPages) {
        throw this.http.error(
          'malformed',
          `search still paging after ${c.maxPages} pages (maxPages)`,
        );
      }
      if (paging.kind !== 'next-link' || page === 1) {
        url = this.url(c.searchPath, params);
        if (paging.limitParam) url.searchParams.set(paging.limitParam, String(pageSize));
        if (paging.kind === 'offset') url.searchParams.set(paging.offsetParam, String(fetched));
        if (paging.kind === 'page')
          url.searchParams.set(paging.pageParam, String(paging.firstPage + page - 1));
        if (paging.kind === 'cursor' && cursor !== undefined)
          url.searchParams.set(paging.cursorParam, cursor);
      }
      const { body, headers } = await this.http.json(this.get(url), signal);
      const records = await this.list(this.items, body, `GET ${url.pathname}`);
      const tickets = await this.toTickets(records, signal);
      // An empty page (the end of an exact multiple, all records skipped) is not worth a message.
      if (tickets.length > 0) yield tickets;
      fetched += paging.kind === 'offset' ? pageSize : records.length;
      if (paging.kind === 'cursor') {
        const next = await this.optionalText(this.nextCursor, body);
        if (next === undefined) return;
        if (next === cursor)
          throw this.http.error(
            'malformed',
            `GET ${url.pathname} sent the same cursor twice (page ${page})`,
          );
        cursor = next;
        continue;
      }
      if (paging.kind === 'next-link') {
        const link = this.nextLink
          ? await this.optionalText(this.nextLink, body)
          : nextLinkFromHeader(headers.get('link'));
        if (link === undefined) return;
        const next = this.followLink(link, url);
        if (seenLinks.has(next.href))
          throw this.http.error(
            'malformed',
            `GET ${url.pathname} sent the same next link twice (page ${page})`,
          );
        seenLinks.add(next.href);
        url = next;
        continue;
      }
      const total = this.total ? Number(await this.total.evaluate(body)) : Number.NaN;
      const done = Number.isFinite(total) ? fetched >= total : records.length < pageSize;
      if (done || records.length === 0) return;
    }
  }

  async fetch(keys: string[], signal: AbortSignal): Promise<AgentTicket[]> {
    const c = this.config;
    if (c.fetchPath) {
      const tickets: AgentTicket[] = [];
      for (const key of keys) {
        signal.throwIfAborted();
        const url = this.url(c.fetchPath.replace('{key}', encodeURIComponent(key)), {});
        const answer = await this.http.json(this.get(url), signal, [404]);
        if (answer.status === 404) {
          this.logger.debug('ticket not found', { system: this.system, key });
          continue;
        }
        const record: unknown = await this.fetchItem.evaluate(answer.body);
        tickets.push(...(await this.toTickets(record === undefined ? [] : [record], signal)));
      }
      return tickets;
    }
    if (!c.keysParam) {
      throw this.http.error('config', 'fetch needs fetchPath or keysParam in the adapter config');
    }
    const tickets: AgentTicket[] = [];
    for (let i = 0; i < keys.length; i += c.pageSize) {
      const chunk = keys.slice(i, i + c.pageSize);
      const url = this.url(c.searchPath, { ...c.searchParams, [c.keysParam]: chunk.join(',') });
      if (c.paging.limitParam) url.searchParams.set(c.paging.limitParam, String(chunk.length));
      const { body } = await this.http.json(this.get(url), signal);
      tickets.push(
        ...(await this.toTickets(await this.list(this.items, body, `GET ${url.pathname}`), signal)),
      );
    }
    const wanted = new Set(keys);
    return tickets.filter((t) => wanted.has(t.key));
  }

  private get(url: URL): { method: 'GET'; url: URL; headers?: Record<string, string> } {
    const c = this.config;
    return c.auth === 'header' && c.headerName && c.token
      ? { method: 'GET', url, headers: { [c.headerName.toLowerCase()]: c.token } }
      : { method: 'GET', url };
  }

  private url(path: string, params: Record<string, string>): URL {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  }

  private queryParams(query: TicketQuery): Record<string, string> {
    const c = this.config;
    const params: Record<string, string> = {};
    const put = (param: string | undefined, value: string | undefined, what: string): void => {
      if (value === undefined) return;
      if (!param)
        throw this.http.error(
          'config',
          `the adapter config has no ${what}Param to send the task's ${what} in`,
        );
      params[param] = value;
    };
    put(c.filterParam, query.filterId, 'filter');
    put(c.queryParam, query.query, 'query');
    if (query.updatedSince !== undefined) {
      const since = Date.parse(query.updatedSince);
      if (Number.isNaN(since)) {
        throw this.http.error(
          'config',
          `updatedSince must be an ISO-8601 time, got ${JSON.stringify(query.updatedSince.slice(0, 40))}`,
        );
      }
      const formatted =
        c.updatedSinceFormat === 'epoch-ms'
          ? String(since)
          : c.updatedSinceFormat === 'epoch-s'
            ? String(Math.floor(since / 1000))
            : new Date(since).toISOString();
      put(c.updatedSinceParam, formatted, 'updatedSince');
    }
    return params;
  }

  /** A next link as a URL; links leaving the configured origin are refused (credentials). */
  private followLink(link: string, current: URL): URL {
    let next: URL;
    try {
      next = new URL(link, current);
    } catch {
      throw this.http.error(
        'malformed',
        `next link ${JSON.stringify(link.slice(0, 100))} is not a URL`,
      );
    }
    if (next.origin !== new URL(this.baseUrl).origin) {
      throw this.http.error(
        'malformed',
        `next link points to ${next.origin}, outside ${new URL(this.baseUrl).origin}; not following it with credentials`,
      );
    }
    return next;
  }

  /** An expression's result as a list of records (a single object counts as one). */
  private async list(expression: Expression, body: unknown, where: string): Promise<unknown[]> {
    let result: unknown;
    try {
      result = await expression.evaluate(body);
    } catch (error) {
      throw this.http.error(
        'malformed',
        `${where}: items expression failed: ${(error as Error).message}`,
      );
    }
    if (result === undefined || result === null) return [];
    if (Array.isArray(result)) return result as unknown[];
    if (typeof result === 'object') return [result];
    throw this.http.error(
      'malformed',
      `${where}: items expression gave a ${typeof result}, not a list of records`,
    );
  }

  private async optionalText(
    expression: Expression | undefined,
    body: unknown,
  ): Promise<string | undefined> {
    if (!expression) return undefined;
    const value: unknown = await expression.evaluate(body);
    if (typeof value === 'number') return String(value);
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  /** Maps records one by one; a bad record is logged and skipped. */
  private async toTickets(records: unknown[], signal: AbortSignal): Promise<AgentTicket[]> {
    const tickets: AgentTicket[] = [];
    for (const [index, record] of records.entries()) {
      signal.throwIfAborted();
      try {
        tickets.push(await this.toTicket(record, signal));
      } catch (error) {
        if (!(error instanceof TicketRecordError)) throw error;
        this.logger.warn('skipping a ticket that cannot be read', {
          system: this.system,
          record: index,
          problem: error.message,
        });
      }
    }
    return tickets;
  }

  private async toTicket(record: unknown, signal: AbortSignal): Promise<AgentTicket> {
    const bindings: Record<string, unknown> = { baseUrl: this.baseUrl };
    const evaluate = async (name: FieldName): Promise<unknown> => {
      const expression = this.fields.get(name);
      if (!expression) return undefined;
      try {
        return (await expression.evaluate(record, bindings)) as unknown;
      } catch (error) {
        throw new TicketRecordError(`fields.${name} failed: ${(error as Error).message}`);
      }
    };
    const text = async (name: FieldName): Promise<string | null> => {
      const value = await evaluate(name);
      if (value === undefined || value === null || value === '') return null;
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new TicketRecordError(
        `fields.${name} gave ${Array.isArray(value) ? 'a list' : 'an object'}, not text`,
      );
    };
    const required = async (name: FieldName, label: string): Promise<string> => {
      const value = await text(name);
      if (value === null) throw new TicketRecordError(`${label} has no ${name}`);
      return value;
    };
    const key = await required('key', 'record');
    const externalId = await required('externalId', `ticket ${key}`);
    const time = async (name: FieldName): Promise<string | null> => {
      const value = await evaluate(name);
      if (value === undefined || value === null || value === '') return null;
      const iso = toIsoTime(value, this.config.timeZone);
      if (!iso) throw new TicketRecordError(`ticket ${key}: fields.${name} is not a time`);
      return iso;
    };
    const createdAt = await time('createdAt');
    if (!createdAt) throw new TicketRecordError(`ticket ${key} has no createdAt`);
    if (this.config.historyPath && this.fields.has('history')) {
      const path = this.config.historyPath
        .replace('{key}', encodeURIComponent(key))
        .replace('{id}', encodeURIComponent(externalId));
      const { body } = await this.http.json(this.get(this.url(path, {})), signal);
      bindings.history = body;
    }
    const status = await required('status', `ticket ${key}`);
    const assignmentGroup = await text('assignmentGroup');
    return {
      key,
      system: this.system,
      externalId,
      title: (await text('title')) ?? '',
      status,
      priority: await text('priority'),
      category: await text('category'),
      customer: await text('customer'),
      assignmentGroup,
      assignee: await text('assignee'),
      createdAt,
      updatedAt: (await time('updatedAt')) ?? createdAt,
      resolvedAt: await time('resolvedAt'),
      url: await text('url'),
      history: completeHistory(this.history(key, await evaluate('history')), {
        createdAt,
        status,
        assignmentGroup,
      }),
    };
  }

  private history(key: string, value: unknown): TicketTransition[] {
    if (value === undefined || value === null) return [];
    const entries = Array.isArray(value) ? (value as unknown[]) : [value];
    return entries.map((entry, index) => {
      const e = (entry ?? {}) as Record<string, unknown>;
      if (e.field !== 'status' && e.field !== 'assignment_group') {
        throw new TicketRecordError(
          `ticket ${key}: history[${index}].field must be status or assignment_group`,
        );
      }
      const at = toIsoTime(e.at, this.config.timeZone);
      if (!at) throw new TicketRecordError(`ticket ${key}: history[${index}].at is not a time`);
      const side = (v: unknown, which: string): string | null => {
        if (v === undefined || v === null || v === '') return null;
        if (typeof v === 'string' || typeof v === 'number') return String(v);
        throw new TicketRecordError(`ticket ${key}: history[${index}].${which} is not text`);
      };
      return { at, field: e.field, from: side(e.from, 'from'), to: side(e.to, 'to') };
    });
  }
}
