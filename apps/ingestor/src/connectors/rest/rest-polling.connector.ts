import type { ConnectorDeps } from '../connector';
import {
  HttpPollingConnector,
  pageRequest,
  unexpectedShape,
  type PolledStream,
} from '../http-polling-connector';
import {
  cursorPaging,
  nextLinkPaging,
  offsetPaging,
  pageNumberPaging,
  singlePage,
  type Paging,
} from '../http/pagination';
import { SourceError } from '../http/source-error';
import {
  alarmOf,
  compileRestMapping,
  mapPage,
  metricOf,
  type MappedPage,
  type MappedItem,
  type RestMapping,
} from './rest-mapping';
import { RestPollingConfig, type RestPagingDto, type RestWindowDto } from './rest-polling-config';

export const REST_SOURCE_TYPE = 'rest_api';

/** Key under which a mapped answer replaces the source's body (see `mappingFetch`). */
const MAPPED_PAGE = 'telcomesh_mapped_page';

/**
 * Wraps `fetch` so every successful GET answer reaches the connector already mapped: JSONata 2
 * evaluates asynchronously, and the polling framework reads pages and items synchronously. Token
 * and login requests (POST) and failures pass through untouched; a body that is not JSON too, so
 * the client reports it as a parse error as for any source.
 */
function mappingFetch(
  mapping: RestMapping,
  inner: typeof globalThis.fetch,
): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' || response.status < 200 || response.status >= 300) return response;
    if (response.status === 204 || response.status === 205) return response;
    const text = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return new Response(text, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    }
    const page = await mapPage(mapping, body, response.headers.get('link'));
    headers.set('content-type', 'application/json');
    return new Response(JSON.stringify({ [MAPPED_PAGE]: page }), {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

function pagingOf(paging: RestPagingDto): Paging {
  switch (paging.type) {
    case 'none':
      return singlePage;
    case 'offset':
      return offsetPaging({
        limit: paging.size ?? 100,
        offsetParam: paging.offset_param,
        limitParam: paging.limit_param,
      });
    case 'page_number':
      return pageNumberPaging({
        size: paging.size ?? 100,
        pageParam: paging.page_param,
        sizeParam: paging.size_param,
        firstPage: paging.first_page,
      });
    case 'cursor':
      return cursorPaging({
        cursorParam: paging.cursor_param,
        size: paging.size,
        sizeParam: paging.size_param,
      });
    case 'next_link':
      return nextLinkPaging({ size: paging.size, sizeParam: paging.size_param });
  }
}

/** `X-Total-Count`, when the source sends one. */
function headerTotal(text: string | undefined): number | undefined {
  const total = text === undefined ? NaN : Number(text);
  return Number.isFinite(total) ? total : undefined;
}

function timeParam(date: Date | undefined, format: RestWindowDto['format']): string | undefined {
  if (date === undefined) return undefined;
  switch (format) {
    case 'iso':
      return date.toISOString();
    case 'epoch_ms':
      return String(date.getTime());
    case 'epoch_s':
      return String(Math.floor(date.getTime() / 1000));
  }
}

/**
 * A generic REST poller: `GET <endpoint>` with `query`, the window's bounds when `window` names
 * their parameters, and the configured paging; each answer's items become metrics or alarms
 * through the config's JSONata field mapping. An item whose mapping fails or gives an unusable
 * value is refused with the field named; an answer whose `items` expression fails stops the
 * stream at stage parse.
 */
export class RestPollingConnector extends HttpPollingConnector<RestPollingConfig> {
  readonly sourceType = REST_SOURCE_TYPE;

  constructor(config: RestPollingConfig, deps: ConnectorDeps) {
    super(RestPollingConfig, config, {
      ...deps,
      fetch: mappingFetch(compileRestMapping(config), deps.fetch ?? globalThis.fetch),
    });
  }

  protected createStreams(): PolledStream[] {
    const config = this.config;
    const window = config.window;
    const sourceSystem = config.source_system ?? 'REST';
    return [
      {
        name: config.record_kind === 'metric' ? 'metrics' : 'alarms',
        paging: pagingOf(config.paging),
        lagMs: (window?.lag_seconds ?? 0) * 1000,
        limit: config.max_records,
        firstSince: window
          ? (untilMs) => untilMs - window.initial_lookback_minutes * 60_000
          : undefined,
        request: ({ since, until }, page) => {
          const query: Record<string, string | undefined> = { ...config.query };
          if (window?.since_param) query[window.since_param] = timeParam(since, window.format);
          if (window?.until_param) query[window.until_param] = timeParam(until, window.format);
          return pageRequest(config.endpoint, query, page);
        },
        readPage: (body, response) => {
          const page =
            typeof body === 'object' && body !== null
              ? (body as Record<string, MappedPage | undefined>)[MAPPED_PAGE]
              : undefined;
          if (!page) throw unexpectedShape(response, 'a JSON answer');
          if (page.error !== undefined) {
            throw new SourceError('parse', `${response.target}: ${page.error}`);
          }
          return {
            items: page.items,
            info: {
              count: page.items.length,
              total: page.total ?? headerTotal(response.header('x-total-count')),
              nextCursor: page.nextCursor,
              nextLink: page.nextLink,
            },
          };
        },
        toRecord: (item) =>
          config.record_kind === 'metric'
            ? metricOf(item as MappedItem)
            : alarmOf(item as MappedItem, sourceSystem),
      },
    ];
  }
}
