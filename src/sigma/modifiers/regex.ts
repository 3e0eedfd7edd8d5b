/**
 * PCRE (the regex dialect Sigma rules are written in) -> JavaScript RegExp.
 *
 * Translated: leading inline flags `(?i)`, `(?s)`, `(?m)` (and combinations) become RegExp flags;
 * `(?P<n>..)` / `(?P=n)` named groups; `\A`, `\z`, `\Z`, `\h`, `\Q..\E`, `\x{HH}`, `(?#comments)`,
 * POSIX classes `[[:alpha:]]`; atomic groups `(?>X)` and possessive quantifiers `X*+` become
 * the lookahead-capture idiom `(?=(?<aN>X))\k<aN>` (same matches, no backtracking into X).
 * Rejected with a clear message: inline flags that are not leading or scoped `(?i:..)`, `\p{..}`,
 * recursion, conditionals, `\G`, `\K`, backtracking verbs, and atomic forms in patterns that use
 * numbered backreferences (adding groups would renumber them).
 */
export interface TranslatedRegex {
  readonly source: string;
  readonly flags: string;
}

export class RegexTranslationError extends Error {}

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
  punct: '!-\\/:-@\\[-`{-~',
  blank: ' \\t',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

export function translatePcre(pattern: string, extraFlags = ''): TranslatedRegex {
  let src = pattern;
  const flags = new Set<string>(extraFlags.split('').filter((f) => f !== ''));
  // Leading inline flags, possibly repeated: (?i)(?s)...
  for (;;) {
    const m = /^\(\?([imsx]+)\)/.exec(src);
    if (m === null) break;
    for (const f of m[1] ?? '') {
      if (f === 'x') throw new RegexTranslationError('the (?x) extended flag has no JavaScript equivalent');
      flags.add(f);
    }
    src = src.slice(m[0].length);
  }
  const hasNumberedBackref = /\\[1-9]/.test(src.replace(/\\\\/g, ''));
  let out = '';
  let atomicCount = 0;
  // Start offsets (in `out`) of the last atom, so that a possessive quantifier can wrap it.
  let lastAtomStart = -1;
  const groupStarts: number[] = [];
  const groupKinds: ('plain' | 'atomic')[] = [];
  let i = 0;
  const atomic = (body: string): string => {
    if (hasNumberedBackref) throw new RegexTranslationError('atomic group or possessive quantifier in a pattern with numbered backreferences');
    atomicCount++;
    return `(?=(?<a${atomicCount}>${body}))\\k<a${atomicCount}>`;
  };
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) throw new RegexTranslationError('pattern ends with a lone backslash');
      lastAtomStart = out.length;
      if (n === 'A') out += '(?<![\\s\\S])';
      else if (n === 'z') out += '(?![\\s\\S])';
      else if (n === 'Z') out += '(?=\\n?(?![\\s\\S]))';
      else if (n === 'h') out += '[ \\t]';
      else if (n === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        out += lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
        i = end < 0 ? src.length : end + 2;
        continue;
      } else if (n === 'x' && src[i + 2] === '{') {
        const end = src.indexOf('}', i + 3);
        const hex = src.slice(i + 3, end);
        if (end < 0 || !/^[0-9a-fA-F]{1,4}$/.test(hex)) throw new RegexTranslationError(`unsupported escape \\x{${hex}}`);
        out += `\\u${hex.padStart(4, '0')}`;
        i = end + 1;
        continue;
      } else if (n === 'p' || n === 'P' || n === 'X') throw new RegexTranslationError(`unicode property escape \\${n} is not supported`);
      else if (n === 'G' || n === 'K' || n === 'R') throw new RegexTranslationError(`\\${n} has no JavaScript equivalent`);
      else if (n === 'E') out += '';
      else out += c + n;
      i += 2;
      continue;
    }
    if (c === '[') {
      const start = i;
      let body = '[';
      i++;
      if (src[i] === '^') {
        body += '^';
        i++;
      }
      if (src[i] === ']') {
        body += '\\]';
        i++;
      }
      while (i < src.length && src[i] !== ']') {
        if (src[i] === '\\') {
          body += (src[i] ?? '') + (src[i + 1] ?? '');
          i += 2;
          continue;
        }
        const pm = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (pm !== null) {
          const cls = POSIX[pm[2] ?? ''];
          if (cls === undefined || pm[1] === '^') throw new RegexTranslationError(`POSIX class ${pm[0]} is not supported`);
          body += cls;
          i += pm[0].length;
          continue;
        }
        if (src[i] === '[') body += '\\[';
        else body += src[i] ?? '';
        i++;
      }
      if (i >= src.length) throw new RegexTranslationError(`unterminated character class starting at offset ${start}`);
      body += ']';
      i++;
      lastAtomStart = out.length;
      out += body;
      continue;
    }
    if (c === '(') {
      if (src.startsWith('(?#', i)) {
        const end = src.indexOf(')', i);
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      groupStarts.push(out.length);
      if (src.startsWith('(?>', i)) {
        groupKinds.push('atomic');
        out += '(?:';
        i += 3;
        continue;
      }
      groupKinds.push('plain');
      if (src.startsWith('(?P<', i)) {
        out += '(?<';
        i += 4;
        continue;
      }
      if (src.startsWith('(?P=', i)) {
        const end = src.indexOf(')', i);
        groupStarts.pop();
        groupKinds.pop();
        lastAtomStart = out.length;
        out += `\\k<${src.slice(i + 4, end)}>`;
        i = end + 1;
        continue;
      }
      if (src.startsWith('(?', i)) {
        const rest = src.slice(i + 2);
        if (/^(<[=!]|[:=!]|<[A-Za-z_])/.test(rest)) {
          out += '(';
          i += 1;
          continue;
        }
        if (/^[imsx-]+[:)]/.test(rest)) throw new RegexTranslationError('inline flags are only supported at the start of the pattern');
        throw new RegexTranslationError(`unsupported group construct (?${rest.slice(0, 2)}`);
      }
      if (src.startsWith('(*', i)) throw new RegexTranslationError('backtracking control verbs are not supported');
      out += '(';
      i++;
      continue;
    }
    if (c === ')') {
      const start = groupStarts.pop();
      const kind = groupKinds.pop();
      if (start === undefined) throw new RegexTranslationError('unbalanced parenthesis');
      out += ')';
      i++;
      if (kind === 'atomic') {
        const body = out.slice(start + 3, out.length - 1);
        out = out.slice(0, start) + atomic(body);
      }
      lastAtomStart = start;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      let q = c;
      let j = i + 1;
      if (c === '{') {
        const m = /^\{\d*(,\d*)?\}/.exec(src.slice(i));
        if (m === null) {
          // a literal brace
          lastAtomStart = out.length;
          out += '\\{';
          i++;
          continue;
        }
        q = m[0];
        j = i + q.length;
      }
      if (src[j] === '+') {
        // possessive
        if (lastAtomStart < 0) throw new RegexTranslationError('quantifier without a target');
        const atom = out.slice(lastAtomStart);
        out = out.slice(0, lastAtomStart) + atomic(`(?:${atom})${q}`);
        i = j + 1;
        lastAtomStart = -1;
        continue;
      }
      out += q;
      i = j;
      if (src[i] === '?') {
        out += '?';
        i++;
      }
      continue;
    }
    lastAtomStart = out.length;
    out += c;
    i++;
  }
  if (groupStarts.length > 0) throw new RegexTranslationError('unbalanced parenthesis');
  const flagStr = ['i', 'm', 's'].filter((f) => flags.has(f)).join('');
  try {
    new RegExp(out, flagStr);
  } catch (e) {
    throw new RegexTranslationError((e as Error).message);
  }
  return { source: out, flags: flagStr };
}
