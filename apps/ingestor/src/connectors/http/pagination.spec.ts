import {
  cursorPaging,
  nextLinkPaging,
  offsetPaging,
  pageNumberPaging,
  singlePage,
  type Paging,
} from './pagination';

/** Walks a paging scheme over page answers, returning the locations it asked for. */
function walk(
  paging: Paging,
  answers: { count: number; total?: number; nextCursor?: string; nextLink?: string }[],
) {
  const asked = [];
  let position: string | undefined;
  for (const answer of answers) {
    asked.push(paging.locate(position));
    position = paging.next(position, answer);
    if (position === undefined) break;
  }
  return { asked, done: position === undefined };
}

describe('offsetPaging', () => {
  it('steps offset by the page size and stops at the total', () => {
    const { asked, done } = walk(offsetPaging({ limit: 10 }), [
      { count: 10, total: 25 },
      { count: 10, total: 25 },
      { count: 5, total: 25 },
    ]);
    expect(asked).toEqual([
      { query: { offset: '0', limit: '10' } },
      { query: { offset: '10', limit: '10' } },
      { query: { offset: '20', limit: '10' } },
    ]);
    expect(done).toBe(true);
  });

  it('without a total, stops at the first short page', () => {
    const { asked, done } = walk(
      offsetPaging({ limit: 10, offsetParam: 'start', limitParam: 'count' }),
      [{ count: 10 }, { count: 3 }],
    );
    expect(asked.map((a) => ('query' in a ? a.query.start : ''))).toEqual(['0', '10']);
    expect(done).toBe(true);
  });

  it('steps back by the drop in the total so items that shifted left are read', () => {
    const paging = offsetPaging({ limit: 10 });
    const second = paging.next(undefined, { count: 10, total: 30 });
    // Two items before offset 10 left the result before page 2 was read.
    const third = paging.next(second, { count: 10, total: 28 });
    expect(paging.locate(third)).toEqual({ query: { offset: '8', limit: '10' } });
    const fourth = paging.next(third, { count: 10, total: 28 });
    expect(paging.locate(fourth)).toEqual({ query: { offset: '18', limit: '10' } });
    // Only the stepped-back page re-reads items; the caller de-duplicates from there on.
    expect([second, third, fourth].map((p) => paging.overlaps?.(p))).toEqual([false, true, false]);
  });

  it('steps back even when the drop emptied the page it read', () => {
    const paging = offsetPaging({ limit: 10 });
    const second = paging.next(undefined, { count: 10, total: 11 });
    expect(paging.locate(paging.next(second, { count: 0, total: 9 }))).toEqual({
      query: { offset: '8', limit: '10' },
    });
  });

  it('refuses a position that is not its own, naming it', () => {
    expect(() => offsetPaging({ limit: 10 }).locate('page-7')).toThrow(
      'paging position "page-7" is not an offset position',
    );
  });
});

describe('pageNumberPaging', () => {
  it('counts pages from the first page number until the total is covered', () => {
    const { asked, done } = walk(
      pageNumberPaging({ size: 10, pageParam: 'offset', sizeParam: 'limit' }),
      [
        { count: 10, total: 21 },
        { count: 10, total: 21 },
        { count: 1, total: 21 },
      ],
    );
    expect(asked.map((a) => ('query' in a ? a.query.offset : ''))).toEqual(['1', '2', '3']);
    expect(done).toBe(true);
  });

  it('starts where told (page 0) and stops on a short page without a total', () => {
    const { asked } = walk(pageNumberPaging({ size: 5, firstPage: 0 }), [
      { count: 5 },
      { count: 2 },
    ]);
    expect(asked).toEqual([
      { query: { page: '0', size: '5' } },
      { query: { page: '1', size: '5' } },
    ]);
  });
});

describe('cursorPaging and nextLinkPaging', () => {
  it('cursor: sends back the cursor the page named, until none', () => {
    const { asked, done } = walk(cursorPaging({ cursorParam: 'cursor', size: 50 }), [
      { count: 50, nextCursor: 'abc' },
      { count: 50, nextCursor: 'def' },
      { count: 3 },
    ]);
    expect(asked).toEqual([
      { query: { limit: '50' } },
      { query: { limit: '50', cursor: 'abc' } },
      { query: { limit: '50', cursor: 'def' } },
    ]);
    expect(done).toBe(true);
  });

  it('next link: the first page by query, then the links as given', () => {
    const { asked, done } = walk(nextLinkPaging({ size: 25 }), [
      { count: 25, nextLink: '/items?cursor=1' },
      { count: 4 },
    ]);
    expect(asked).toEqual([{ query: { pageSize: '25' } }, { link: '/items?cursor=1' }]);
    expect(done).toBe(true);
  });

  it('single page: one request', () => {
    expect(walk(singlePage, [{ count: 1000 }, { count: 1 }]).asked).toHaveLength(1);
  });
});
