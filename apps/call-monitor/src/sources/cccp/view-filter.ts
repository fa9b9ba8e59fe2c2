import { type DispatchFieldValue } from './dispatch-client';

/**
 * View filters: the small, safe subset of CCCP's XPath-like predicates a view or query takes,
 * e.g. `.[session_state='ready' and not(profile='supervisor')]`. Parsed once into a tree and
 * evaluated against an item's fields; nothing is ever executed.
 *
 *   filter     := ''  |  '.' '[' or ']'  |  or
 *   or         := and ('or' and)*
 *   and        := unary ('and' unary)*
 *   unary      := 'not' '(' or ')'  |  '(' or ')'  |  function  |  comparison
 *   function   := ('contains' | 'starts-with') '(' operand ',' operand ')'
 *   comparison := operand (('=' | '!=' | '<' | '<=' | '>' | '>=') operand)?
 *   operand    := field | 'text' | "text" | number        field := ['@'] name
 *
 * A field alone is true when the item has it non-empty (`.[call_id]`). As in XPath, any
 * comparison with a missing (or null) field is false, `!=` included. `=`/`!=` compare as numbers
 * when either side is a number literal or both values are numbers, otherwise as text; ordering
 * operators compare as numbers when both sides read as numbers, otherwise as text (so ISO dates
 * order correctly). A quote inside a literal is doubled: `'O''Brien'`.
 */

export type ViewFilterFields = Readonly<Record<string, DispatchFieldValue | undefined>>;

export interface ViewFilter {
  /** The expression as given. */
  readonly expression: string;
  matches(fields: ViewFilterFields): boolean;
}

/** A filter that does not parse: `column` is 1-based in `expression`. */
export class ViewFilterSyntaxError extends Error {
  override name = 'ViewFilterSyntaxError';
  constructor(
    readonly expression: string,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`invalid view filter at column ${column}: ${detail} in ${JSON.stringify(expression)}`);
  }
}

const MAX_EXPRESSION_LENGTH = 4096;
const MAX_DEPTH = 64;

type Operand =
  | { kind: 'field'; name: string }
  | { kind: 'text'; value: string }
  | { kind: 'number'; value: number };

type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

type Condition =
  | { kind: 'all' }
  | { kind: 'or' | 'and'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'present'; field: string }
  | { kind: 'compare'; operator: ComparisonOperator; left: Operand; right: Operand }
  | { kind: 'contains' | 'starts-with'; left: Operand; right: Operand };

type Token =
  | { kind: 'punct'; value: '.' | '[' | ']' | '(' | ')' | ','; at: number }
  | { kind: 'operator'; value: ComparisonOperator; at: number }
  | { kind: 'text'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'name'; value: string; attribute: boolean; at: number }
  | { kind: 'end'; at: number };

/** Parses `expression` once; throws `ViewFilterSyntaxError` saying what is wrong and where. */
export function compileViewFilter(expression: string): ViewFilter {
  const condition = new FilterParser(expression).parse();
  return { expression, matches: (fields) => evaluate(condition, fields) };
}

class FilterParser {
  private readonly tokens: Token[];
  private index = 0;
  private depth = 0;

  constructor(private readonly expression: string) {
    if (expression.length > MAX_EXPRESSION_LENGTH) {
      throw this.error(MAX_EXPRESSION_LENGTH, `longer than ${MAX_EXPRESSION_LENGTH} characters`);
    }
    this.tokens = this.tokenize();
  }

  parse(): Condition {
    const first = this.peek();
    if (first.kind === 'end') return { kind: 'all' };
    let condition: Condition;
    if (first.kind === 'punct' && first.value === '.') {
      this.index += 1;
      this.expectPunct('[', "'[' after '.'");
      condition = this.parseOr();
      this.expectPunct(']', "']' closing the predicate");
    } else condition = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.error(rest.at, `unexpected ${describe(rest)}`);
    return condition;
  }

  private parseOr(): Condition {
    this.enter();
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      this.index += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    this.depth -= 1;
    return left;
  }

  private parseAnd(): Condition {
    let left = this.parseUnary();
    while (this.isKeyword('and')) {
      this.index += 1;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Condition {
    const token = this.peek();
    if (token.kind === 'punct' && token.value === '(') {
      this.index += 1;
      const inner = this.parseOr();
      this.expectPunct(')', "')'");
      return inner;
    }
    if (token.kind === 'name' && !token.attribute && this.nextIsOpenParen()) {
      const name = token.value;
      if (name === 'not') {
        this.index += 2;
        const operand = this.parseOr();
        this.expectPunct(')', "')' closing not(");
        return { kind: 'not', operand };
      }
      if (name === 'contains' || name === 'starts-with') {
        this.index += 2;
        const left = this.parseOperand();
        this.expectPunct(',', `',' between the arguments of ${name}()`);
        const right = this.parseOperand();
        this.expectPunct(')', `')' closing ${name}(`);
        return { kind: name, left, right };
      }
      throw this.error(
        token.at,
        `unknown function '${name}()' (known: not, contains, starts-with)`,
      );
    }
    const left = this.parseOperand();
    const operator = this.peek();
    if (operator.kind !== 'operator') {
      if (left.kind !== 'field') {
        throw this.error(token.at, 'a literal alone is not a condition (compare it to a field)');
      }
      return { kind: 'present', field: left.name };
    }
    this.index += 1;
    return { kind: 'compare', operator: operator.value, left, right: this.parseOperand() };
  }

  private parseOperand(): Operand {
    const token = this.peek();
    switch (token.kind) {
      case 'text':
        this.index += 1;
        return { kind: 'text', value: token.value };
      case 'number':
        this.index += 1;
        return { kind: 'number', value: token.value };
      case 'name':
        if (!token.attribute && (token.value === 'and' || token.value === 'or')) break;
        this.index += 1;
        return { kind: 'field', name: token.value };
      case 'punct':
      case 'operator':
      case 'end':
        break;
    }
    throw this.error(token.at, `expected a field, text or number but found ${describe(token)}`);
  }

  private enter(): void {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) {
      throw this.error(this.peek().at, `nested deeper than ${MAX_DEPTH} levels`);
    }
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private nextIsOpenParen(): boolean {
    const next = this.tokens[this.index + 1];
    return next.kind === 'punct' && next.value === '(';
  }

  private isKeyword(word: 'and' | 'or'): boolean {
    const token = this.peek();
    return token.kind === 'name' && !token.attribute && token.value === word;
  }

  private expectPunct(value: '[' | ']' | '(' | ')' | ',', what: string): void {
    const token = this.peek();
    if (token.kind === 'punct' && token.value === value) {
      this.index += 1;
      return;
    }
    throw this.error(token.at, `expected ${what} but found ${describe(token)}`);
  }

  private error(at: number, detail: string): ViewFilterSyntaxError {
    return new ViewFilterSyntaxError(this.expression, at + 1, detail);
  }

  private tokenize(): Token[] {
    const text = this.expression;
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
      const char = text[i];
      if (/\s/.test(char)) {
        i += 1;
        continue;
      }
      const at = i;
      if (char === '.' || char === '[' || char === ']' || char === '(' || char === ')') {
        tokens.push({ kind: 'punct', value: char, at });
        i += 1;
      } else if (char === ',') {
        tokens.push({ kind: 'punct', value: ',', at });
        i += 1;
      } else if (char === '=') {
        tokens.push({ kind: 'operator', value: '=', at });
        i += 1;
      } else if (char === '!') {
        if (text[i + 1] !== '=') throw this.error(at, "'!' must be followed by '='");
        tokens.push({ kind: 'operator', value: '!=', at });
        i += 2;
      } else if (char === '<' || char === '>') {
        const orEqual = text[i + 1] === '=';
        const value: ComparisonOperator =
          char === '<' ? (orEqual ? '<=' : '<') : orEqual ? '>=' : '>';
        tokens.push({ kind: 'operator', value, at });
        i += orEqual ? 2 : 1;
      } else if (char === "'" || char === '"') {
        let value = '';
        i += 1;
        for (;;) {
          if (i >= text.length) throw this.error(at, `text starting here has no closing ${char}`);
          if (text[i] === char) {
            if (text[i + 1] === char) {
              value += char;
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          value += text[i];
          i += 1;
        }
        tokens.push({ kind: 'text', value, at });
      } else if (/[0-9]/.test(char) || (char === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
        const match = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i));
        const literal = match ? match[0] : char;
        tokens.push({ kind: 'number', value: Number(literal), at });
        i += literal.length;
      } else if (/[A-Za-z_@]/.test(char)) {
        const match = /^@?[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i));
        if (!match) throw this.error(at, "'@' must be followed by a field name");
        const attribute = match[0].startsWith('@');
        tokens.push({ kind: 'name', value: match[0].slice(attribute ? 1 : 0), attribute, at });
        i += match[0].length;
      } else {
        throw this.error(at, `unexpected character ${JSON.stringify(char)}`);
      }
    }
    tokens.push({ kind: 'end', at: text.length });
    return tokens;
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the filter';
    case 'text':
      return `text '${token.value}'`;
    case 'number':
      return `number ${token.value}`;
    case 'name':
      return `'${token.attribute ? '@' : ''}${token.value}'`;
    case 'punct':
    case 'operator':
      return `'${token.value}'`;
  }
}

/** An operand's value for one item: undefined when the field is missing or null. */
function resolve(operand: Operand, fields: ViewFilterFields): string | number | undefined {
  switch (operand.kind) {
    case 'text':
    case 'number':
      return operand.value;
    case 'field': {
      const value = Object.hasOwn(fields, operand.name) ? fields[operand.name] : undefined;
      if (value === undefined || value === null) return undefined;
      return typeof value === 'boolean' ? String(value) : value;
    }
  }
}

function asNumber(value: string | number): number {
  return typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
}

function compare(
  operator: ComparisonOperator,
  left: Operand,
  right: Operand,
  fields: ViewFilterFields,
): boolean {
  const a = resolve(left, fields);
  const b = resolve(right, fields);
  if (a === undefined || b === undefined) return false;
  if (operator === '=' || operator === '!=') {
    const numeric =
      left.kind === 'number' ||
      right.kind === 'number' ||
      (typeof a === 'number' && typeof b === 'number');
    const equal = numeric ? asNumber(a) === asNumber(b) : String(a) === String(b);
    return operator === '=' ? equal : !equal;
  }
  const x = asNumber(a);
  const y = asNumber(b);
  const numeric = Number.isFinite(x) && Number.isFinite(y);
  const order = numeric
    ? Math.sign(x - y)
    : String(a) < String(b)
      ? -1
      : String(a) > String(b)
        ? 1
        : 0;
  switch (operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function evaluate(condition: Condition, fields: ViewFilterFields): boolean {
  switch (condition.kind) {
    case 'all':
      return true;
    case 'or':
      return evaluate(condition.left, fields) || evaluate(condition.right, fields);
    case 'and':
      return evaluate(condition.left, fields) && evaluate(condition.right, fields);
    case 'not':
      return !evaluate(condition.operand, fields);
    case 'present': {
      const value = resolve({ kind: 'field', name: condition.field }, fields);
      return value !== undefined && value !== '';
    }
    case 'compare':
      return compare(condition.operator, condition.left, condition.right, fields);
    case 'contains':
    case 'starts-with': {
      const haystack = resolve(condition.left, fields);
      const needle = resolve(condition.right, fields);
      if (haystack === undefined || needle === undefined) return false;
      return condition.kind === 'contains'
        ? String(haystack).includes(String(needle))
        : String(haystack).startsWith(String(needle));
    }
  }
}
