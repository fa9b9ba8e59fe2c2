import { ViewFilterSyntaxError, compileViewFilter } from './view-filter';

const alice = {
  item_id: 'S-1',
  login: 'alice',
  state: 'active',
  queue: 'support',
  priority: 5,
  hold_seconds: '12',
  remote_name: "O'Brien",
  call_id: '',
  created: '2025-03-14T09:00:00Z',
  vip: true,
  gone: null,
};

function matches(expression: string, fields: Record<string, unknown> = alice): boolean {
  return compileViewFilter(expression).matches(fields as typeof alice);
}

function syntaxError(expression: string): ViewFilterSyntaxError {
  try {
    compileViewFilter(expression);
  } catch (error) {
    if (error instanceof ViewFilterSyntaxError) return error;
    throw error;
  }
  throw new Error(`${expression} parsed`);
}

describe('compileViewFilter', () => {
  it('matches everything with an empty filter', () => {
    expect(matches('')).toBe(true);
    expect(matches('   ')).toBe(true);
  });

  it('evaluates the seed-style predicate with and/or/not', () => {
    expect(matches(".[state='active' and queue='support']")).toBe(true);
    expect(matches(".[state='active' and queue='sales']")).toBe(false);
    expect(matches(".[state='ringing' or queue='support']")).toBe(true);
    expect(matches(".[not(queue='support')]")).toBe(false);
    expect(matches("state='active'")).toBe(true);
    expect(matches(".[@state!='ended']")).toBe(true);
  });

  it('binds and tighter than or, and honours parentheses', () => {
    // false and false or true → true; false and (false or true) → false
    expect(matches(".[queue='x' and state='x' or login='alice']")).toBe(true);
    expect(matches(".[queue='x' and (state='x' or login='alice')]")).toBe(false);
  });

  it('compares numbers as numbers and text as text', () => {
    expect(matches('.[priority >= 5]')).toBe(true);
    expect(matches('.[priority > 5]')).toBe(false);
    expect(matches('.[hold_seconds > 9]')).toBe(true); // '12' read as a number, not '12' < '9'
    expect(matches(".[hold_seconds = '12.0']")).toBe(false); // text equality
    expect(matches('.[hold_seconds = 12.0]')).toBe(true); // a number literal compares numerically
    expect(matches(".[created < '2025-03-14T10:00:00Z']")).toBe(true);
    expect(matches(".[created > '2025-03-14T10:00:00Z']")).toBe(false);
    expect(matches(".[vip = 'true']")).toBe(true);
    expect(matches('.[priority = -5]')).toBe(false);
  });

  it('treats comparisons with a missing or null field as false, != included', () => {
    expect(matches(".[missing='x']")).toBe(false);
    expect(matches(".[missing!='x']")).toBe(false);
    expect(matches(".[gone!='x']")).toBe(false);
    expect(matches(".[not(missing='x')]")).toBe(true);
  });

  it('tests presence with a field alone (empty counts as absent)', () => {
    expect(matches('.[login]')).toBe(true);
    expect(matches('.[call_id]')).toBe(false);
    expect(matches('.[gone]')).toBe(false);
    expect(matches('.[item_id]')).toBe(true);
  });

  it('has contains() and starts-with()', () => {
    expect(matches(".[contains(queue, 'port')]")).toBe(true);
    expect(matches(".[starts-with(queue, 'sup')]")).toBe(true);
    expect(matches(".[starts-with(queue, 'port')]")).toBe(false);
    expect(matches(".[contains(missing, 'x')]")).toBe(false);
  });

  it('reads doubled quotes inside text and both quote kinds', () => {
    expect(matches(".[remote_name='O''Brien']")).toBe(true);
    expect(matches(`.[remote_name="O'Brien"]`)).toBe(true);
  });

  it('parses once and is reusable on many items', () => {
    const filter = compileViewFilter(".[queue='support']");
    expect(filter.expression).toBe(".[queue='support']");
    expect(filter.matches({ queue: 'support' })).toBe(true);
    expect(filter.matches({ queue: 'sales' })).toBe(false);
  });

  it.each([
    [".[state='active'", 17, "expected ']' closing the predicate but found the end of the filter"],
    [".[state=='active']", 9, "expected a field, text or number but found '='"],
    [".[state='active]", 9, 'text starting here has no closing'],
    [".[state='a' and]", 16, "expected a field, text or number but found ']'"],
    [".[state ! 'a']", 9, "'!' must be followed by '='"],
    [".[state='a'] x", 14, "unexpected 'x'"],
    [".[lower(state)='a']", 3, "unknown function 'lower()'"],
    [".['active']", 3, 'a literal alone is not a condition'],
    ['.[state # 1]', 9, 'unexpected character "#"'],
    ['.state', 2, "expected '[' after '.'"],
    [".[contains(state 'a')]", 18, "expected ',' between the arguments of contains()"],
  ])('rejects %s at column %i', (expression, column, detail) => {
    const error = syntaxError(expression);
    expect(error.column).toBe(column);
    expect(error.message).toContain(detail);
    expect(error.message).toContain(`at column ${column}`);
    expect(error.message).toContain(JSON.stringify(expression));
  });

  it('refuses absurd nesting and length instead of exhausting the stack', () => {
    expect(syntaxError(`.[${'('.repeat(100)}a${')'.repeat(100)}]`).detail).toMatch(/nested deeper/);
    expect(syntaxError(`.[a='${'x'.repeat(5000)}']`).detail).toMatch(/longer than/);
    expect(matches(`.[${'('.repeat(30)}login${')'.repeat(30)}]`)).toBe(true);
  });
});
