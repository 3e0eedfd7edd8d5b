/**
 * Condition lexer and precedence parser: or < and < not < `x of` < ( ).
 *
 *   expr    := andExpr ('or' andExpr)*
 *   andExpr := notExpr ('and' notExpr)*
 *   notExpr := 'not' notExpr | primary
 *   primary := '(' expr ')' | ('1' | 'any' | 'all') 'of' (pattern | 'them') | identifier
 *
 * `them` and patterns skip identifiers starting with `_` unless the pattern itself starts with `_`
 * (pySigma's rule, which meta filters rely on). A `|` (the v1 `| count() ...` aggregation) is
 * reported as `unsupported-aggregation`.
 *
 * Parentheses and `not`s nest at most MAX_CONDITION_DEPTH deep: the parser and every later walk of
 * the tree are recursive, and a hostile condition 5,000 parentheses deep would otherwise overflow
 * the stack with no word of which rule did it. (SigmaHQ's deepest condition nests 3.)
 */
import { SigmaBuildError } from '../issues.ts';
import type { ConditionNode } from '../rule/model.ts';

export type TokenType = 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'of' | 'quant' | 'them' | 'ident' | 'pipe';
export interface Token {
  readonly type: TokenType;
  readonly text: string;
  /** 0-based offset in the condition string. */
  readonly offset: number;
}

const WORDS: Record<string, TokenType> = { and: 'and', or: 'or', not: 'not', of: 'of', them: 'them' };

export function lexCondition(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', text: c, offset: i });
      i++;
      continue;
    }
    if (c === '|') {
      tokens.push({ type: 'pipe', text: text.slice(i), offset: i });
      break;
    }
    const m = /^[A-Za-z0-9_*-]+/.exec(text.slice(i));
    if (m === null) throw new SigmaBuildError('invalid-condition', `unexpected character '${c}' at offset ${i} in condition`);
    const word = m[0];
    const kw = WORDS[word];
    if (kw !== undefined) tokens.push({ type: kw, text: word, offset: i });
    else if ((word === '1' || word === 'any' || word === 'all') && /^\s+of\b/.test(text.slice(i + word.length))) tokens.push({ type: 'quant', text: word, offset: i });
    else tokens.push({ type: 'ident', text: word, offset: i });
    i += word.length;
  }
  return tokens;
}

/** `*` may appear anywhere in a pattern; it is matched against the whole identifier. */
export function expandPattern(pattern: string, names: readonly string[]): string[] {
  const underscoreOk = pattern.startsWith('_');
  if (pattern === 'them') return names.filter((n) => !n.startsWith('_'));
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`);
  return names.filter((n) => re.test(n) && (underscoreOk || !n.startsWith('_')));
}

export const MAX_CONDITION_DEPTH = 64;

export function parseCondition(text: string, identifiers: readonly string[]): ConditionNode {
  const tokens = lexCondition(text);
  let p = 0;
  let depth = 0;
  const deeper = (t: Token): void => {
    if (++depth > MAX_CONDITION_DEPTH) throw new SigmaBuildError('invalid-condition', `condition nested more than ${MAX_CONDITION_DEPTH} deep (parentheses and 'not') at offset ${t.offset}`);
  };
  const peek = (): Token | undefined => tokens[p];
  const fail = (msg: string): never => {
    throw new SigmaBuildError('invalid-condition', `${msg} in condition '${text.length > 120 ? `${text.slice(0, 117)}...` : text}'`);
  };
  const expr = (): ConditionNode => {
    const args = [andExpr()];
    while (peek()?.type === 'or') {
      p++;
      args.push(andExpr());
    }
    return args.length === 1 ? (args[0] as ConditionNode) : { type: 'or', args };
  };
  const andExpr = (): ConditionNode => {
    const args = [notExpr()];
    while (peek()?.type === 'and') {
      p++;
      args.push(notExpr());
    }
    return args.length === 1 ? (args[0] as ConditionNode) : { type: 'and', args };
  };
  const notExpr = (): ConditionNode => {
    const t = peek();
    if (t?.type === 'not') {
      p++;
      deeper(t);
      const arg = notExpr();
      depth--;
      return { type: 'not', arg };
    }
    return primary();
  };
  const primary = (): ConditionNode => {
    const t = peek();
    if (t === undefined) return fail('unexpected end');
    if (t.type === 'pipe') {
      throw new SigmaBuildError('unsupported-aggregation', `legacy Sigma v1 aggregation '${t.text.trim()}' (count/sum/near after '|') is not supported; rewrite it as a correlation rule`);
    }
    if (t.type === 'lparen') {
      p++;
      deeper(t);
      const e = expr();
      if (peek()?.type !== 'rparen') fail(`missing ')' at offset ${peek()?.offset ?? text.length}`);
      p++;
      depth--;
      return e;
    }
    if (t.type === 'quant') {
      p++;
      if (peek()?.type !== 'of') fail(`expected 'of' after '${t.text}'`);
      p++;
      const target = peek();
      if (target === undefined || (target.type !== 'ident' && target.type !== 'them')) return fail(`expected an identifier pattern or 'them' after '${t.text} of'`);
      p++;
      const names = expandPattern(target.text, identifiers);
      if (names.length === 0) throw new SigmaBuildError('undefined-identifier', `'${t.text} of ${target.text}' matches no search identifier`);
      return { type: 'of', quantifier: t.text === 'all' ? 'all' : 'any', pattern: target.text, names };
    }
    if (t.type === 'ident') {
      p++;
      if (t.text.includes('*')) fail(`wildcard identifier '${t.text}' outside 'x of'`);
      if (!identifiers.includes(t.text)) throw new SigmaBuildError('undefined-identifier', `condition uses undefined search identifier '${t.text}'`);
      return { type: 'id', name: t.text };
    }
    return fail(`unexpected '${t.text}' at offset ${t.offset}`);
  };
  const node = expr();
  const rest = peek();
  if (rest !== undefined) {
    if (rest.type === 'pipe') primary();
    fail(`unexpected '${rest.text}' at offset ${rest.offset}`);
  }
  return node;
}
