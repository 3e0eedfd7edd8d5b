/**
 * `|re` values are matched by RE2 (the re2js package, pure JavaScript): time linear in the length
 * of the text, whatever the pattern. JavaScript's own RegExp backtracks, so one rule such as
 * `^(a+)+$` could stall a hunt for hours on a 40-character field.
 *
 * RE2 reads PCRE's syntax for what it supports (inline and scoped flags, `(?P<n>..)`, `\A`, `\z`,
 * `\Q..\E`, `\x{..}`, `\p{..}`, POSIX classes). Two PCRE escapes are rewritten first: `\Z` (end, or
 * before a final newline) and `\h` (horizontal space). What RE2 cannot do in linear time -
 * backreferences, lookarounds, atomic groups, possessive quantifiers, recursion - is an
 * `invalid-regex` error for that rule, never a silent fallback to a backtracking engine.
 *
 * The parsed rule keeps plain data (the pattern and flags; rules are cloned to worker threads) and
 * compileLinearRegex builds the matcher when the rule is compiled.
 */
import { RE2JS } from 're2js';
import { RegexTranslationError, translatePcre } from './regex.ts';

export interface CheckedRegex {
  /** The pattern as RE2 reads it. */
  readonly re2: string;
  /** Of i, m, s. */
  readonly flags: string;
  /**
   * The same pattern in JavaScript's syntax, only for finding the literals every match contains
   * (the engine's fast path); undefined when it has no JavaScript form (no fast path then).
   */
  readonly witness: string | undefined;
}

export interface LinearRegex {
  test(text: string): boolean;
}

const FLAG_BITS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL };

function flagBits(flags: string): number {
  let bits = 0;
  for (const f of flags) bits |= FLAG_BITS[f] ?? 0;
  return bits;
}

/** `\Z` and `\h` (outside `\Q..\E`) in RE2's terms; everything else is left as written. */
export function pcreToRe2(pattern: string): string {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] ?? '';
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end < 0 ? pattern.length : end + 2;
        out += pattern.slice(i, stop);
        i = stop;
        continue;
      }
      if (n === 'Z' && !inClass) out += '(?:\\n?\\z)';
      else if (n === 'h') out += inClass ? ' \\t' : '[ \\t]';
      else out += c + n;
      i += 2;
      continue;
    }
    if (c === '[' && !inClass) {
      inClass = true;
      out += c;
      i++;
      // A `]` right after `[` or `[^` is a literal.
      if (pattern[i] === '^') out += pattern[i++];
      if (pattern[i] === ']') out += pattern[i++];
      continue;
    }
    if (c === '[' && inClass && pattern[i + 1] === ':') {
      const end = pattern.indexOf(':]', i + 2);
      if (end > 0) {
        out += pattern.slice(i, end + 2);
        i = end + 2;
        continue;
      }
    }
    if (c === ']' && inClass) inClass = false;
    out += c;
    i++;
  }
  return out;
}

function re2Message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^error parsing regexp:\s*/, '');
}

/**
 * Checks that RE2 can match `pattern` (PCRE syntax, Sigma's) with the flags; throws
 * RegexTranslationError saying why not.
 */
export function checkLinearRegex(pattern: string, flags: string): CheckedRegex {
  const re2 = pcreToRe2(pattern);
  try {
    RE2JS.compile(re2, flagBits(flags));
  } catch (e) {
    throw new RegexTranslationError(`not supported by the linear-time regex engine (RE2): ${re2Message(e)}`);
  }
  let witness: string | undefined;
  try {
    witness = translatePcre(pattern, flags).source;
  } catch (e) {
    if (!(e instanceof RegexTranslationError)) throw e;
    witness = undefined;
  }
  return { re2, flags, witness };
}

export function compileLinearRegex(re2: string, flags: string): LinearRegex {
  const compiled = RE2JS.compile(re2, flagBits(flags));
  return { test: (text) => compiled.test(text) };
}
