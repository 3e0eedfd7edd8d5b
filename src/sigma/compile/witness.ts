/**
 * Witnesses: literals that any event a rule matches must contain, used by the engine's index to skip
 * rules. A witness is in conjunctive form (Cnf): a list of sets, each a list of lower-cased literals;
 * an event the rule matches has, for every set, one of the set's literals as a substring of one of
 * its lower-cased leaf values. [] means "no constraint" (the rule is evaluated on every event of
 * its route).
 *
 *   item `f|contains: [a, b]`          [[a, b]]
 *   item `f|contains|all: [a, b]`      [[a], [b]]
 *   `a*b` (one value)                  [[a], [b]]
 *   map (AND of items)                 the sets of all items, best first
 *   list / `or` / `1 of`               one set per rank: the union of each branch's rank-th set
 *                                      (any choice of one set per branch is sound; zipping by rank
 *                                      keeps the selective sets together)
 *   `not x`, neq, numbers, cidr, null  [] (nothing certain)
 *   re                                 the literal runs every match must contain, through groups
 *                                      and alternations (see regexCnf)
 *
 * Literals of 4 or more characters are indexed by a 4-character window; shorter ones only when they
 * hold a character that is rare in logs (punctuation such as ` $ { ^ %, or anything outside ASCII):
 * the index keys those on one or two characters. A short literal of letters, digits and common
 * punctuation would be hit by nearly every event, so a set holding one is no constraint at all.
 */
import type { Detection, DetectionItem, SigmaValue, StringPart } from '../rule/model.ts';
import { foldDetection, type ConditionFold } from './fold.ts';
import { skipBracket } from './strings.ts';

export type Cnf = string[][];

/** At most this many sets per rule (the engine keeps 2 bits per set index). */
export const MAX_SETS = 4;
/** Literals at least this long are indexed by a 4-character window. */
export const WITNESS_MIN = 4;

/** Characters that occur in almost every Windows or Linux event: not selective alone. */
const COMMON = /^[a-z0-9 .\\/\-:_=,'"()\t\r\n]*$/;

/** Does the string hold a character outside COMMON? */
export function hasRareChar(s: string): boolean {
  return !COMMON.test(s);
}

/** Can this (lower-cased) literal stand in a witness set? */
export function usableLiteral(l: string): boolean {
  if (l.length >= WITNESS_MIN) return true;
  return l.length > 0 && hasRareChar(l);
}

function litCost(l: string): number {
  if (l.length >= WITNESS_MIN) return 16 / Math.min(l.length, 16);
  return usableLiteral(l) ? 5 : Infinity;
}

function setCost(set: readonly string[]): number {
  let worst = 0;
  for (const l of set) worst = Math.max(worst, litCost(l));
  return worst * (1 + set.length / 8);
}

/** Drops duplicates and literals that contain another literal of the set (the shorter one suffices). */
function simplifySet(set: readonly string[]): string[] {
  if (set.length === 1) return set as string[];
  const uniq = [...new Set(set)];
  if (uniq.length > 64) return uniq;
  uniq.sort((a, b) => a.length - b.length);
  const out: string[] = [];
  for (const l of uniq) if (!out.some((o) => l.includes(o))) out.push(l);
  return out;
}

/** AND: every set of every part holds; keep the MAX_SETS best. */
export function andCnf(parts: readonly Cnf[]): Cnf {
  let total = 0;
  let only: string[] | undefined;
  for (const p of parts) {
    total += p.length;
    if (p.length > 0) only = p[0];
  }
  if (total === 0) return [];
  if (total === 1) {
    const set = simplifySet(only as string[]);
    return set.length === 0 || setCost(set) === Infinity ? [] : [set];
  }
  const seen = new Set<string>();
  const all: { set: string[]; cost: number }[] = [];
  for (const p of parts) {
    for (const s of p) {
      const set = simplifySet(s);
      const cost = setCost(set);
      if (set.length === 0 || cost === Infinity) continue;
      const key = set.length === 1 ? (set[0] as string) : [...set].sort().join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      all.push({ set, cost });
    }
  }
  all.sort((a, b) => a.cost - b.cost);
  return all.slice(0, MAX_SETS).map((x) => x.set);
}

/** OR: sound when each result set takes one set from every branch; sets zipped by rank. */
export function orCnf(parts: readonly Cnf[]): Cnf {
  if (parts.length === 0) return [];
  if (parts.length === 1) return andCnf(parts);
  let width = 0;
  for (const p of parts) {
    if (p.length === 0) return [];
    width = Math.max(width, p.length);
  }
  const sets: Cnf = [];
  for (let r = 0; r < width; r++) {
    const u: string[] = [];
    for (const p of parts) u.push(...(p[Math.min(r, p.length - 1)] as string[]));
    sets.push(u);
  }
  return andCnf([sets]);
}

/** The literal runs of a string pattern (wildcards split them), lower-cased. */
function patternRuns(parts: readonly StringPart[]): string[] | null {
  const runs: string[] = [];
  let cur = '';
  for (const p of parts) {
    if (typeof p === 'string') cur += p;
    else if (typeof p === 'object') return null; // unresolved placeholder
    else {
      if (cur !== '') runs.push(cur);
      cur = '';
    }
  }
  if (cur !== '') runs.push(cur);
  return runs.map((r) => r.toLowerCase());
}

function valueCnf(v: SigmaValue): Cnf | null {
  if (v.type === 'regex') return v.witness === undefined ? null : regexCnf(v.witness);
  if (v.type !== 'string') return null;
  const runs = patternRuns(v.parts);
  if (runs === null) return null;
  return andCnf(runs.filter(usableLiteral).map((r) => [[r]]));
}

/** Witness of one detection item (field or keyword). */
export function itemCnf(item: DetectionItem): Cnf {
  if (item.neq) return [];
  const parts: Cnf[] = [];
  for (const v of item.values) {
    const c = valueCnf(v);
    if (c === null || c.length === 0) {
      if (item.all) continue;
      return [];
    }
    parts.push(c);
  }
  if (parts.length === 0) return [];
  return item.all ? andCnf(parts) : orCnf(parts);
}

/**
 * Where a literal run lies in a value matched through its pattern: the whole value (no wildcard),
 * its start (no wildcard before it), its end (none after it), or anywhere. Not part of the witness
 * (the engine's index looks for literals anywhere); other engines that test a value for a witness
 * literal (the ClickHouse backend's prefilters) may test an anchored literal the cheaper way.
 */
export type LiteralPlace = 'whole' | 'start' | 'end' | 'any';

/** A literal run of an item's value pattern (lower-cased) and where it lies in a value that pattern matches. */
export interface PlacedRun {
  readonly text: string;
  readonly place: LiteralPlace;
}

/**
 * Every literal run of the item's values with its place: string patterns' runs (all of them, usable
 * or not, before the witness drops or unites any), regex values' witness literals (anywhere).
 * Keywords match anywhere in a leaf. Empty for `neq` items (they give no witness literal).
 */
export function itemRuns(item: DetectionItem): PlacedRun[] {
  if (item.neq) return [];
  const out: PlacedRun[] = [];
  for (const v of item.values) {
    if (v.type === 'regex') {
      if (v.witness !== undefined) for (const text of regexCnf(v.witness).flat()) out.push({ text, place: 'any' });
      continue;
    }
    if (v.type !== 'string') continue;
    const runs = patternRuns(v.parts);
    if (runs === null || runs.length === 0) continue;
    // A wildcard before the first run / after the last (empty text parts are no text).
    const text = v.parts.filter((x) => x !== '');
    const lead = typeof text[0] !== 'string';
    const trail = typeof text[text.length - 1] !== 'string';
    runs.forEach((text, i) => {
      const start = i === 0 && !lead && item.field !== null;
      const end = i === runs.length - 1 && !trail && item.field !== null;
      out.push({ text, place: start && end ? 'whole' : start ? 'start' : end ? 'end' : 'any' });
    });
  }
  return out;
}

/** The weaker of two places (each a fact about every value it describes: what both guarantee). */
function weaker(a: LiteralPlace, b: LiteralPlace): LiteralPlace {
  if (a === b) return a;
  if (a === 'whole') return b;
  if (b === 'whole') return a;
  return 'any';
}

/**
 * Where `literal` lies in a value that holds one of these runs at its place, for every run that
 * contains it (the witness keeps a literal, or a shorter one it contains, of the run a matched value
 * holds): the weakest. Undefined when no run contains it.
 */
export function literalPlace(runs: readonly PlacedRun[], literal: string): LiteralPlace | undefined {
  let place: LiteralPlace | undefined;
  for (const r of runs) {
    if (!r.text.includes(literal)) continue;
    let p: LiteralPlace = 'any';
    if (r.text === literal) p = r.place;
    else if ((r.place === 'whole' || r.place === 'end') && r.text.endsWith(literal)) p = 'end';
    else if ((r.place === 'whole' || r.place === 'start') && r.text.startsWith(literal)) p = 'start';
    place = place === undefined ? p : weaker(place, p);
    if (place === 'any') return place;
  }
  return place;
}

const ESCAPED_LITERAL = new Set('.\\/-()[]{}*+?|^$ #&~,:;=!<>@%\'"`'.split(''));

/** Splits a pattern at its top-level `|`. */
function alternatives(src: string): string[] {
  const out: string[] = [];
  let start = 0;
  let depth = 0;
  for (let k = 0; k < src.length; k++) {
    const c = src[k];
    if (c === '\\') k++;
    else if (c === '[') k = skipBracket(src, k) - 1;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(src.slice(start, k));
      start = k + 1;
    }
  }
  out.push(src.slice(start));
  return out;
}

const QUANT = /^(\*|\+|\?|\{(\d*)(,\d*)?\})\??/;

/** Does the quantifier at `i` (if any) let the atom before it occur zero times? Returns [optional, length]. */
function quantifier(src: string, i: number): [boolean, number] {
  const c = src[i];
  if (c !== '*' && c !== '+' && c !== '?' && c !== '{') return [false, 0];
  const m = QUANT.exec(src.slice(i));
  if (m === null) return [true, 1];
  const q = m[1] ?? '';
  const atLeastOnce = q === '+' || (q.startsWith('{') && Number(m[2] === '' || m[2] === undefined ? '0' : m[2]) >= 1);
  return [!atLeastOnce, m[0].length];
}

/**
 * Literals every match of a JavaScript regex source must contain, in conjunctive form, lower-cased:
 * literal runs of the top level, and of groups that must occur (no `?`, `*` or `{0,..}` after them),
 * through alternations (one literal per branch). Lookarounds, backreferences, classes and escapes
 * other than escaped punctuation contribute nothing. [] when nothing is certain.
 */
export function regexCnf(src: string, depth = 0): Cnf {
  if (depth > 8) return [];
  const alts = alternatives(src);
  if (alts.length > 1) return orCnf(alts.map((a) => sequenceCnf(a, depth)));
  return sequenceCnf(src, depth);
}

function sequenceCnf(src: string, depth: number): Cnf {
  const sets: Cnf[] = [];
  let run = '';
  const end = (): void => {
    const l = run.toLowerCase();
    if (usableLiteral(l)) sets.push([[l]]);
    run = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '\\') {
      const n = src[i + 1] ?? '';
      let lit: string | undefined;
      if (ESCAPED_LITERAL.has(n)) lit = n;
      i += 2;
      if (n === 'x') i += 2;
      else if (n === 'u') i = src[i] === '{' ? src.indexOf('}', i) + 1 : i + 4;
      else if (n === 'c') i += 1;
      else if (n === 'k') i = src.indexOf('>', i) + 1;
      else if (n >= '0' && n <= '9') while ((src[i] ?? '') >= '0' && (src[i] ?? '') <= '9') i++;
      if (i <= 0) i = src.length;
      const [optional, qlen] = quantifier(src, i);
      if (lit === undefined) {
        end();
      } else if (qlen > 0) {
        if (!optional) run += lit;
        end();
      } else run += lit;
      i += qlen;
      continue;
    }
    if (c === '[') {
      end();
      i = skipBracket(src, i);
      i += quantifier(src, i)[1];
      continue;
    }
    if (c === '(') {
      end();
      const close = skipBracket(src, i);
      const inner = src.slice(i + 1, close - 1);
      const [optional, qlen] = quantifier(src, close);
      i = close + qlen;
      if (optional) continue;
      if (inner.startsWith('?=') || inner.startsWith('?!') || inner.startsWith('?<=') || inner.startsWith('?<!')) continue;
      let body = inner;
      if (body.startsWith('?:')) body = body.slice(2);
      else if (body.startsWith('?<')) body = body.slice(body.indexOf('>') + 1);
      else if (body.startsWith('?')) continue;
      sets.push(regexCnf(body, depth + 1));
      continue;
    }
    if (c === '.' || c === '^' || c === '$' || c === ')' || c === '|') {
      end();
      i++;
      i += quantifier(src, i)[1];
      continue;
    }
    const [optional, qlen] = quantifier(src, i + 1);
    if (qlen > 0) {
      if (!optional) run += c;
      end();
      i += 1 + qlen;
      continue;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') {
      // A quantifier with nothing literal before it (already handled): skip it.
      end();
      i++;
      continue;
    }
    run += c;
    i++;
  }
  end();
  return andCnf(sets);
}

/**
 * Bump whenever what a witness is changes (this file's rules, MAX_SETS, usableLiteral): witnesses
 * stored with a parsed form (parse/stored-form.ts) under another version are not used.
 */
export const WITNESS_VERSION = 1;

/** The detection's witness by the condition walk (fold.ts): nothing is certain under `not`. */
const WITNESS_FOLD: ConditionFold<Cnf> = { item: itemCnf, and: andCnf, or: orCnf, not: () => [] };

/**
 * Witnesses already known, by detection: computed once per detection object, or given with it (a
 * stored parsed form, a worker's init). A pure function of the detection, so a memo by identity.
 */
const known = new WeakMap<Detection, Cnf>();

/** The detection's witness (computed on first asking, or as given to rememberWitness). */
export function detectionWitness(detection: Detection): Cnf {
  let w = known.get(detection);
  if (w === undefined) {
    w = foldDetection(detection, WITNESS_FOLD);
    known.set(detection, w);
  }
  return w;
}

/** Records the witness detectionWitness computed for this detection earlier (kept with its parsed form, or sent to a worker). */
export function rememberWitness(detection: Detection, witness: Cnf): void {
  known.set(detection, witness);
}
