/** What a connector learned from one page about the pages after it. */
export interface PageInfo {
  /** Items on this page. */
  count: number;
  /** Items in the whole result, when the source says (body field or X-Total-Count). */
  total?: number;
  /** Opaque cursor of the next page (cursor paging). */
  nextCursor?: string;
  /** URL of the next page (next-link paging). */
  nextLink?: string;
}

/** Where a page is: query parameters to add to the stream's request, or a link to follow. */
export type PageLocation = { query: Record<string, string> } | { link: string };

/**
 * A source's paging scheme. Positions are opaque JSON-safe strings so they can sit in the cursor a
 * sync persists and resume exactly where a stopped sync left off. `undefined` is the first page.
 */
export interface Paging {
  locate(position: string | undefined): PageLocation;
  /** Position of the page after this one, or undefined when this was the last. */
  next(position: string | undefined, page: PageInfo): string | undefined;
  /** True for a position that re-reads items already read (the caller then de-duplicates). */
  overlaps?(position: string | undefined): boolean;
}

interface OffsetPosition {
  offset: number;
  /** Total reported with the previous page: a drop tells how many items left the result. */
  total?: number;
  /** This position steps back over items already read. */
  back?: boolean;
}

function readOffsetPosition(position: string | undefined): OffsetPosition {
  if (position === undefined) return { offset: 0 };
  let parsed: unknown;
  try {
    parsed = JSON.parse(position);
  } catch {
    parsed = undefined;
  }
  const { offset, total, back } = (parsed ?? {}) as Partial<Record<keyof OffsetPosition, unknown>>;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new Error(`paging position ${JSON.stringify(position)} is not an offset position`);
  }
  return { offset, total: typeof total === 'number' ? total : undefined, back: back === true };
}

/**
 * `offset`/`limit` paging (TMF630, ENM, most REST APIs). Items that leave the result while it is
 * being read (an alarm acknowledged mid-sync moves past the window end) shift later items left, so
 * a page read after the shift starts past items never seen. When the source reports a total, a drop
 * in it since the previous page sends the next request back by that many places; the re-read items
 * are de-duplicated by the caller (it remembers the last two pages).
 */
export function offsetPaging(options: {
  limit: number;
  offsetParam?: string;
  limitParam?: string;
}): Paging {
  const offsetParam = options.offsetParam ?? 'offset';
  const limitParam = options.limitParam ?? 'limit';
  return {
    locate(position) {
      const { offset } = readOffsetPosition(position);
      return { query: { [offsetParam]: String(offset), [limitParam]: String(options.limit) } };
    },
    next(position, page) {
      const current = readOffsetPosition(position);
      const left =
        current.total !== undefined && page.total !== undefined
          ? Math.max(0, current.total - page.total)
          : 0;
      if (left > 0) {
        // `left` items vanished before this page was read: up to that many unseen ones now sit
        // just before it, so read again from there instead of moving on.
        const offset = Math.max(0, current.offset - left);
        return JSON.stringify({ offset, total: page.total, back: true } satisfies OffsetPosition);
      }
      const offset = current.offset + page.count;
      const last =
        page.count === 0 ||
        (page.total !== undefined ? offset >= page.total : page.count < options.limit);
      if (last) return undefined;
      return JSON.stringify({ offset, total: page.total } satisfies OffsetPosition);
    },
    overlaps(position) {
      return readOffsetPosition(position).back === true;
    },
  };
}

/** Page-number paging (`page`/`size`, first page 1 unless told otherwise). */
export function pageNumberPaging(options: {
  size: number;
  pageParam?: string;
  sizeParam?: string;
  firstPage?: number;
}): Paging {
  const pageParam = options.pageParam ?? 'page';
  const sizeParam = options.sizeParam ?? 'size';
  const first = options.firstPage ?? 1;
  return {
    locate(position) {
      return {
        query: { [pageParam]: position ?? String(first), [sizeParam]: String(options.size) },
      };
    },
    next(position, page) {
      const current = position === undefined ? first : Number(position);
      const seen = (current - first + 1) * options.size;
      const last = page.total !== undefined ? seen >= page.total : page.count < options.size;
      return last || page.count === 0 ? undefined : String(current + 1);
    },
  };
}

/** Opaque-cursor paging: the body names the next cursor, sent back as `cursorParam`. */
export function cursorPaging(options: {
  cursorParam?: string;
  size?: number;
  sizeParam?: string;
}): Paging {
  const cursorParam = options.cursorParam ?? 'cursor';
  return {
    locate(position) {
      const query: Record<string, string> = {};
      if (options.size !== undefined) query[options.sizeParam ?? 'limit'] = String(options.size);
      if (position !== undefined) query[cursorParam] = position;
      return { query };
    },
    next(_position, page) {
      return page.nextCursor ? page.nextCursor : undefined;
    },
  };
}

/**
 * Next-link paging (HAL `_links.next.href`, RFC 8288 Link headers): later pages are whatever URL
 * the source names; the client refuses links to another origin so credentials never leave it.
 */
export function nextLinkPaging(options: { size?: number; sizeParam?: string } = {}): Paging {
  return {
    locate(position) {
      if (position !== undefined) return { link: position };
      return {
        query:
          options.size === undefined
            ? {}
            : { [options.sizeParam ?? 'pageSize']: String(options.size) },
      };
    },
    next(_position, page) {
      return page.nextLink ? page.nextLink : undefined;
    },
  };
}

/** A stream served whole in one answer (e.g. the 3GPP alarm list). */
export const singlePage: Paging = {
  locate: () => ({ query: {} }),
  next: () => undefined,
};
