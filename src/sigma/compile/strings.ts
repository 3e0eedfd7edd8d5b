/**
 * String patterns -> plain predicates over an already case-folded string: equality, startsWith,
 * endsWith, includes, or an ordered indexOf scan for `a*b*c`; a wildcard scan when `?` appears.
 */
import { ANY, ONE, type StringPart } from '../rule/model.ts';

export type StringTest = (s: string) => boolean;

const ANY_CODE = -1;
const ONE_CODE = -2;

/**
 * `*` and `?` over UTF-16 code units, by the two-pointer scan that goes back only to the last `*`:
 * at most (text length x pattern length) steps. A RegExp `^.*a.*a.*a..$` backtracks polynomially
 * (a rule value of twenty `*a` and one `?` never finished on a few thousand `a`s).
 */
function wildcardTest(norm: readonly (string | typeof ANY | typeof ONE)[]): StringTest {
  const pat: number[] = [];
  for (const p of norm) {
    if (p === ANY) pat.push(ANY_CODE);
    else if (p === ONE) pat.push(ONE_CODE);
    else for (let i = 0; i < p.length; i++) pat.push(p.charCodeAt(i));
  }
  return (s) => {
    let si = 0;
    let pi = 0;
    let star = -1;
    let mark = 0;
    while (si < s.length) {
      const pc = pat[pi];
      if (pc === ANY_CODE) {
        star = pi++;
        mark = si;
      } else if (pc !== undefined && (pc === ONE_CODE || pc === s.charCodeAt(si))) {
        si++;
        pi++;
      } else if (star >= 0) {
        pi = star + 1;
        si = ++mark;
      } else return false;
    }
    while (pat[pi] === ANY_CODE) pi++;
    return pi === pat.length;
  };
}

/** A pattern's parts as matchers use them: literals merged (folded unless cased), runs of `*` collapsed. */
export type NormalPattern = (string | typeof ANY | typeof ONE)[];

/** Normalises a Sigma string pattern: the one form both the engine and the ClickHouse backend match. */
export function normalizePattern(parts: readonly StringPart[], cased: boolean): NormalPattern {
  const norm: NormalPattern = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      const t = cased ? p : p.toLowerCase();
      const last = norm[norm.length - 1];
      if (typeof last === 'string') norm[norm.length - 1] = last + t;
      else if (t !== '') norm.push(t);
    } else if (p === ANY) {
      if (norm[norm.length - 1] !== ANY) norm.push(ANY);
    } else if (p === ONE) norm.push(ONE);
  }
  return norm;
}

export function compilePattern(parts: readonly StringPart[], cased: boolean): StringTest {
  const norm = normalizePattern(parts, cased);
  if (norm.length === 0) return (s) => s === '';
  if (norm.includes(ONE)) return wildcardTest(norm);
  if (norm.length === 1) {
    const only = norm[0];
    if (only === ANY) return () => true;
    const lit = only as string;
    return (s) => s === lit;
  }
  const first = norm[0];
  const last = norm[norm.length - 1];
  if (norm.length === 2) {
    if (first === ANY) {
      const lit = last as string;
      return (s) => s.endsWith(lit);
    }
    const lit = first as string;
    return (s) => s.startsWith(lit);
  }
  if (norm.length === 3 && first === ANY && last === ANY) {
    const lit = norm[1] as string;
    return (s) => s.includes(lit);
  }
  // General `*`-only pattern: prefix, ordered middles, suffix.
  const prefix = first === ANY ? '' : (first as string);
  const suffix = last === ANY ? '' : (last as string);
  const middles = norm.slice(first === ANY ? 0 : 1, last === ANY ? norm.length : norm.length - 1).filter((p): p is string => typeof p === 'string');
  const minLen = prefix.length + suffix.length;
  return (s) => {
    if (s.length < minLen || !s.startsWith(prefix) || !s.endsWith(suffix)) return false;
    let pos = prefix.length;
    const end = s.length - suffix.length;
    for (const m of middles) {
      const at = s.indexOf(m, pos);
      if (at < 0 || at + m.length > end) return false;
      pos = at + m.length;
    }
    return true;
  };
}

/** The longest literal run of a pattern, folded as the evaluator folds: a witness any match contains. */
export function longestLiteral(parts: readonly StringPart[]): string {
  let best = '';
  let cur = '';
  for (const p of parts) {
    if (typeof p === 'string') cur += p;
    else {
      if (cur.length > best.length) best = cur;
      cur = '';
    }
  }
  if (cur.length > best.length) best = cur;
  return best.toLowerCase();
}

export type PatternShape = { readonly kind: 'eq' | 'prefix' | 'suffix' | 'contains'; readonly lit: string };

/** Classifies a folded pattern as one of the four literal shapes, or undefined (other wildcards). */
export function patternShape(parts: readonly StringPart[], cased: boolean): PatternShape | undefined {
  const lits: string[] = [];
  let lead = false;
  let trail = false;
  parts.forEach((p, i) => {
    if (typeof p === 'string') lits.push(p);
    else if (p === ANY && i === 0) lead = true;
    else if (p === ANY && i === parts.length - 1) trail = true;
    else lits.push('\u0000INVALID');
  });
  if (lits.length !== 1 || (lits[0] ?? '').includes('\u0000INVALID')) return undefined;
  const lit = cased ? (lits[0] as string) : (lits[0] as string).toLowerCase();
  if (lit === '') return undefined;
  return { kind: lead && trail ? 'contains' : lead ? 'suffix' : trail ? 'prefix' : 'eq', lit };
}

/** A character trie over prefixes (forward) or suffixes (from the end). */
interface TrieNode {
  end: boolean;
  next: Map<number, TrieNode> | undefined;
}

function trieAdd(root: TrieNode, lit: string, fromEnd: boolean): void {
  let n = root;
  for (let k = 0; k < lit.length; k++) {
    const c = lit.charCodeAt(fromEnd ? lit.length - 1 - k : k);
    n.next ??= new Map();
    let m = n.next.get(c);
    if (m === undefined) {
      m = { end: false, next: undefined };
      n.next.set(c, m);
    }
    n = m;
  }
  n.end = true;
}

/** Does `s` start (fromEnd: end) with one of the trie's literals? No allocation. */
function trieHit(root: TrieNode, s: string, fromEnd: boolean): boolean {
  let n: TrieNode | undefined = root;
  const len = s.length;
  for (let k = 0; k < len; k++) {
    n = n.next?.get(s.charCodeAt(fromEnd ? len - 1 - k : k));
    if (n === undefined) return false;
    if (n.end) return true;
  }
  return false;
}

/**
 * Many literal patterns on one field -> one test over the folded value: a Set for equality, a trie
 * each for prefixes and suffixes (walked from the value's start or end: no substring allocated),
 * and one alternation RegExp for substrings (faster than indexOf per literal, or a hand-rolled
 * multi-pattern scan, on V8).
 */
export function compileShapeSet(shapes: readonly PatternShape[]): StringTest {
  const eq = new Set<string>();
  const pre: TrieNode = { end: false, next: undefined };
  const suf: TrieNode = { end: false, next: undefined };
  const contains: string[] = [];
  for (const s of shapes) {
    if (s.kind === 'eq') eq.add(s.lit);
    else if (s.kind === 'contains') contains.push(s.lit);
    else trieAdd(s.kind === 'prefix' ? pre : suf, s.lit, s.kind === 'suffix');
  }
  const hasPre = pre.next !== undefined;
  const hasSuf = suf.next !== undefined;
  const re = contains.length > 3 ? new RegExp(contains.map((c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')) : undefined;
  return (s) => {
    if (eq.size > 0 && eq.has(s)) return true;
    if (hasSuf && trieHit(suf, s, true)) return true;
    if (hasPre && trieHit(pre, s, false)) return true;
    if (re !== undefined) return re.test(s);
    for (const c of contains) if (s.includes(c)) return true;
    return false;
  };
}

const ESCAPED_LITERAL = new Set('.\\/-()[]{}*+?|^$ #&~,:;=!<>@%\'"'.split(''));

/** Skips a group or class starting at `i` (`(` or `[`); returns the index after it. */
export function skipBracket(src: string, i: number): number {
  if (src[i] === '[') {
    let j = i + 1;
    if (src[j] === '^') j++;
    if (src[j] === ']') j++;
    while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  let depth = 0;
  let j = i;
  while (j < src.length) {
    const c = src[j];
    if (c === '\\') j += 2;
    else if (c === '[') j = skipBracket(src, j);
    else {
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return j + 1;
      j++;
    }
  }
  return j;
}

/** Splits a JavaScript regex source at its top-level `|`. */
function topAlternatives(src: string): string[] {
  const out: string[] = [];
  let from = 0;
  let depth = 0;
  for (let k = 0; k < src.length; k++) {
    const c = src[k];
    if (c === '\\') k++;
    else if (c === '[') k = skipBracket(src, k) - 1;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(src.slice(from, k));
      from = k + 1;
    }
  }
  out.push(src.slice(from));
  return out;
}

/** The literal runs (as written) of one alternative's top level: nothing from groups, classes, escapes other than escaped punctuation, or optional atoms. */
function sequenceRuns(src: string): string[] {
  const runs: string[] = [];
  let run = '';
  const end = (): void => {
    if (run !== '') runs.push(run);
    run = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    let lit: string | undefined;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      if (ESCAPED_LITERAL.has(n)) lit = n;
      i += 2;
      // Skip the arguments of \xHH, \uHHHH / \u{..}, \cX, \k<name> and numeric escapes.
      if (n === 'x') i += 2;
      else if (n === 'u') i = src[i] === '{' ? src.indexOf('}', i) + 1 : i + 4;
      else if (n === 'c') i += 1;
      else if (n === 'k') i = src.indexOf('>', i) + 1;
      else if (/[0-9]/.test(n)) while (/[0-9]/.test(src[i] ?? '')) i++;
      if (i <= 0) i = src.length;
    } else if (c === '(' || c === '[') {
      end();
      i = skipBracket(src, i);
    } else if (c === '.' || c === '^' || c === '$' || c === ')' || c === '|') {
      end();
      i++;
    } else if (c === '*' || c === '?' || c === '+' || c === '{') {
      // The atom before was already appended: keep it only if it must occur at least once.
      const m = /^(\*|\+|\?|\{(\d*)(,\d*)?\})\??/.exec(src.slice(i));
      const q = m?.[1] ?? c;
      const atLeastOnce = q === '+' || (q.startsWith('{') && Number(m?.[2] === '' || m?.[2] === undefined ? '0' : m[2]) >= 1);
      if (!atLeastOnce) run = run.slice(0, -1);
      end();
      i += m?.[0].length ?? 1;
      continue;
    } else {
      lit = c;
      i++;
    }
    if (lit === undefined) end();
    else run += lit;
  }
  end();
  return runs;
}

/**
 * Literal runs every match of a JavaScript regex source contains, as written: per top-level
 * alternative, its longest top-level runs (at most two, each at least `min` code units). A string
 * the regex matches holds, for some alternative, all of that alternative's runs. Undefined when an
 * alternative has no such run (nothing cheap is certain).
 */
export function regexRuns(src: string, min = 2): string[][] | undefined {
  const out: string[][] = [];
  for (const alt of topAlternatives(src)) {
    const runs = sequenceRuns(alt).filter((r) => r.length >= min).sort((a, b) => b.length - a.length).slice(0, 2);
    if (runs.length === 0) return undefined;
    out.push(runs);
  }
  return out;
}

const ASCII_ONLY = /^[^\u0080-\uffff]*$/;

/**
 * A cheap necessary condition for a `re` value, checked before its RE2 test (RE2 in JavaScript
 * costs microseconds per string; String.prototype.includes is native): the runs of regexRuns.
 * `source` is the JavaScript form (SigmaValue.witness); `insensitive` when the regex ignores case
 * (the `i` flag, leading or Sigma's). Case-insensitive: only ASCII runs, compared lower-cased
 * against the lower-cased string with U+017F (long s, which RE2 folds to `s` but toLowerCase keeps)
 * read as `s`; U+212A (Kelvin) already lower-cases to `k`, and no other character folds to ASCII.
 * Undefined when nothing is certain.
 */
export function regexPrefilter(source: string, insensitive: boolean): StringTest | undefined {
  const runs = regexRuns(source);
  if (runs === undefined) return undefined;
  if (!insensitive) return (s) => runs.some((alt) => alt.every((r) => s.includes(r)));
  const low = runs.map((alt) => alt.filter((r) => ASCII_ONLY.test(r)).map((r) => r.toLowerCase()));
  if (low.some((alt) => alt.length === 0)) return undefined;
  return (s) => {
    let l = s.toLowerCase();
    if (l.includes('\u017f')) l = l.replaceAll('\u017f', 's');
    return low.some((alt) => alt.every((r) => l.includes(r)));
  };
}
