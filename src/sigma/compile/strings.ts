/**
 * String patterns -> plain predicates over an already case-folded string: equality, startsWith,
 * endsWith, includes, or an ordered indexOf scan for `a*b*c`; a RegExp only when `?` appears.
 */
import { ANY, ONE, type StringPart } from '../rule/model.ts';

export type StringTest = (s: string) => boolean;

export function compilePattern(parts: readonly StringPart[], cased: boolean): StringTest {
  const norm: (string | typeof ANY | typeof ONE)[] = [];
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
  if (norm.length === 0) return (s) => s === '';
  if (norm.includes(ONE)) {
    const src = norm.map((p) => (p === ANY ? '[\\s\\S]*' : p === ONE ? '[\\s\\S]' : p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
    const re = new RegExp(`^${src}$`);
    return (s) => re.test(s);
  }
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
