/**
 * The SQL of witness prefilters (convert.ts groupQuery, passQuery, passBatchQuery): a test over an
 * event that holds when one of a group's witness literals is where it may be found. It must let
 * through every event one of the group's rules matches (a superset), and costs what ClickHouse
 * 18.16 spends on it per event, which was most of a large pass (docs/formats/clickhouse.md,
 * "Hunting"; docs/benchmarks.md, issue 17 sixth round). Per field (slot), its literals are tested:
 *
 *   whole value          `lv IN (...)`: one hash lookup
 *   at the start         `match(lv, '^(?:a|b|...)')`: RE2 stops at the first byte no literal starts with
 *   at the end           `match(lv, '(?:a|b|...)$')`: RE2 runs backwards from the end
 *   anywhere             alternations, literals sharing a prefix or suffix of 4+ characters (or a
 *                        first character that is no letter or digit) as `key(?:rest|...)`: ClickHouse
 *                        looks for the key as a plain substring before it runs RE2 at all
 *
 * and a literal that holds another literal of the field (where that one may be anywhere; or the same
 * start or end) is left out: an event holding it holds the shorter one. Literals that stand as the
 * non-ASCII test (NON_ASCII) are not looked for: `length(lv) != lengthUTF8(lv)` once per field, beside
 * which a literal holding a character outside ASCII is left out too (a value holding it passes that test).
 */
import { literal, literalList } from './sql.ts';
import type { LiteralPlace } from '../../compile/witness.ts';

/**
 * Not where a literal lies but the test that stands for it: the value holds a character outside
 * ASCII, `length(lv) != lengthUTF8(lv)` (lengthUTF8 counts the bytes that start a character, so the
 * two differ exactly when some byte continues a UTF-8 sequence, i.e. when the text holds a character
 * outside ASCII, or a stray byte of one). For literals that JavaScript's toLowerCase and ClickHouse's
 * lowerUTF8 may fold apart (convert.ts ruleWitness says when it is sound): a literal outside ASCII
 * in a lower-cased value is a character outside ASCII in it, and lowerUTF8 replaces a character only
 * by one of the same UTF-8 length, so the value, raw or lower-cased, holds one too.
 */
export const NON_ASCII = 'non-ascii';

/**
 * A literal a case-insensitive regex of its field may match with the Kelvin sign for `k` or `ſ` for
 * `s`: RE2 folds those with the ASCII letters, `lowerUTF8` keeps them (toLowerCase makes `k` of the
 * Kelvin sign and keeps `ſ`), so the literal as lower-cased would miss a value the regex matches.
 * Looked for anywhere, each `k` as `[kK]` and `s` as `[sſ]` (FOLDED_KS).
 */
export const FOLDED_KS = 'folded-ks';

/** How a prefilter finds a witness literal in a value: at its place, by the non-ASCII test, or with `k`/`s` folded. */
export type PrefilterPlace = LiteralPlace | typeof NON_ASCII | typeof FOLDED_KS;

/** RE2 text of a FOLDED_KS literal: reEscape's, each `k` and `s` also matching the Kelvin sign and `ſ`. */
export function foldedEscape(text: string): string {
  return reEscape(text).replace(/k/g, '[k\u212a]').replace(/s/g, '[s\u017f]');
}

/** Does the text hold a character outside ASCII (then the non-ASCII test keeps every value holding it)? */
export function holdsNonAscii(text: string): boolean {
  return /[\u0080-\u{10ffff}]/u.test(text);
}

/** The non-ASCII test (NON_ASCII) over a text expression. */
export function nonAsciiSql(text: string): string {
  return `length(${text}) != lengthUTF8(${text})`;
}

/**
 * Most witness literals, and most characters of them, in one RE2 alternation of a prefilter: one
 * alternation of too many outgrows RE2's DFA memory on 18.16 and runs for minutes, so a field's
 * literals are matched as several alternations. Within the limit, fewer and larger alternations
 * cost less: the process-creation pass of 2,000,000 realistic events took 17.8 s of server CPU in
 * alternations of 64 literals, 13.2 s of 128, 10.9 s of 256, 10.0-10.4 s of 4,000-6,000
 * characters, and 47.6 s of 512 (past the DFA's memory).
 */
export const PREFILTER_LITERALS = 256;
export const PREFILTER_CHARS = 4000;

/**
 * A prefix or suffix shared by at least this many of a field's literals (anywhere) becomes a key
 * tested as a plain substring first (`key(?:...)`), when it is at least KEY_CHARS long; a first
 * character that is no letter or digit, when FIRST_CHAR_GROUP share it. Fewer calls of match() cost
 * less too, so only large groups are worth one (measured: docs/benchmarks.md, sixth round).
 */
export const KEY_GROUP = 30;
export const KEY_CHARS = 4;
export const FIRST_CHAR_GROUP = 20;

/** RE2 text matching `text` literally: every ASCII punctuation character escaped (RE2 allows it), the rest as is. */
export function reEscape(text: string): string {
  return controlEscape(text.replace(/[\\^$.|?*+()[\]{}\-/#&~!"%',:;<=>@`_]/g, (m) => `\\${m}`));
}

/** Newline, carriage return, tab and NUL written as RE2 escapes. */
function controlEscape(text: string): string {
  return text.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/\0/g, '\\x00');
}

/**
 * RE2 text matching `text` literally with only RE2's own metacharacters escaped: ClickHouse reads
 * the literal run of a pattern (its required substring) through `\.` and the like but stops at any
 * other escape (`\-`, `\=`), so a key written this way is looked for whole.
 */
function keyEscape(text: string): string {
  return controlEscape(text.replace(/[\\^$.|?*+()[\]{}]/g, (m) => `\\${m}`));
}

/** Escaped literals joined into alternations of at most PREFILTER_LITERALS and `maxChars` characters. */
export function alternations(escaped: readonly string[], maxChars = PREFILTER_CHARS): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const e of escaped) {
    if (current.length > 0 && (current.length >= PREFILTER_LITERALS || chars + e.length + 1 > maxChars)) {
      out.push(current.join('|'));
      current = [];
      chars = 0;
    }
    current.push(e);
    chars += e.length + 1;
  }
  if (current.length > 0) out.push(current.join('|'));
  return out;
}

/** A field's literals by place, each left out when a shorter one it holds suffices (see the module comment). */
export function minimalLiterals(byPlace: ReadonlyMap<LiteralPlace, ReadonlySet<string>>): Map<LiteralPlace, string[]> {
  const get = (p: LiteralPlace): string[] => [...(byPlace.get(p) ?? [])].sort();
  const [anyL, start, end, whole] = [get('any'), get('start'), get('end'), get('whole')];
  // Shortest first: a literal is kept when no kept (shorter or equal-length, other) literal suffices.
  const inAny = (t: string, self?: string): boolean => anyL.some((o) => o !== self && o.length <= t.length && t.includes(o));
  const keptAny = anyL.filter((t) => !inAny(t, t));
  const anyOf = (t: string): boolean => keptAny.some((o) => t.includes(o));
  const keptStart = start.filter((t) => !anyOf(t) && !start.some((o) => o !== t && t.startsWith(o)));
  const keptEnd = end.filter((t) => !anyOf(t) && !end.some((o) => o !== t && t.endsWith(o)));
  const keptWhole = whole.filter((t) => !anyOf(t) && !keptStart.some((o) => t.startsWith(o)) && !keptEnd.some((o) => t.endsWith(o)));
  return new Map<LiteralPlace, string[]>([
    ['any', keptAny],
    ['start', keptStart],
    ['end', keptEnd],
    ['whole', keptWhole],
  ]);
}

/** A key shared by literals: a prefix (`pre`) or a suffix, and the rest of each literal. */
interface Keyed {
  readonly key: string;
  readonly pre: boolean;
  readonly rests: string[];
}

/**
 * Literals that may be anywhere, grouped by shared keys: greedily the prefix or suffix of at least
 * KEY_CHARS characters that most literals share (KEY_GROUP or more), then first characters that are
 * no letter or digit (FIRST_CHAR_GROUP or more); the rest alone.
 */
export function keyedLiterals(literals: readonly string[]): { keyed: Keyed[]; rest: string[] } {
  let rest = [...literals];
  const keyed: Keyed[] = [];
  for (;;) {
    const counts = new Map<string, number>();
    for (const t of rest) {
      for (let k = KEY_CHARS; k < t.length; k++) {
        const p = `p${t.slice(0, k)}`;
        const s = `s${t.slice(t.length - k)}`;
        counts.set(p, (counts.get(p) ?? 0) + 1);
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
    }
    let best = '';
    let most = 0;
    for (const [k, n] of counts) if (n > most || (n === most && k.length > best.length) || (n === most && k.length === best.length && k < best)) [best, most] = [k, n];
    if (most < KEY_GROUP) break;
    const key = best.slice(1);
    const pre = best.startsWith('p');
    const inGroup = new Set(rest.filter((t) => t !== key && (pre ? t.startsWith(key) : t.endsWith(key))));
    keyed.push({ key, pre, rests: [...inGroup].map((t) => (pre ? t.slice(key.length) : t.slice(0, t.length - key.length))) });
    rest = rest.filter((t) => !inGroup.has(t));
  }
  const byFirst = new Map<string, string[]>();
  for (const t of rest) {
    const first = String.fromCodePoint(t.codePointAt(0) as number);
    const list = byFirst.get(first);
    if (list === undefined) byFirst.set(first, [t]);
    else list.push(t);
  }
  const plain: string[] = [];
  for (const [first, list] of byFirst) {
    // A literal of the first character alone holds no other (minimalLiterals): it stays plain.
    const longer = list.filter((t) => t !== first);
    if (/[a-z0-9]/.test(first) || longer.length < FIRST_CHAR_GROUP) plain.push(...list);
    else {
      keyed.push({ key: first, pre: true, rests: longer.map((t) => t.slice(first.length)) });
      if (longer.length < list.length) plain.push(first);
    }
  }
  return { keyed, rest: plain };
}

/**
 * The prefilter tests of one field, OR-ed by the caller. `text` is the lower-cased value; with
 * `anywhere` (array elements joined beside the value, every leaf of an event), every literal is
 * tested anywhere in it: the places hold for a value, not for text joined around it (the non-ASCII
 * test holds for the joined text as for each of its parts: the joints are ASCII).
 */
export function fieldPrefilter(text: string, byPlace: ReadonlyMap<PrefilterPlace, ReadonlySet<string>>, anywhere: boolean): string[] {
  const nonAscii = (byPlace.get(NON_ASCII)?.size ?? 0) > 0;
  // Beside the non-ASCII test, a literal holding a character outside ASCII adds nothing.
  const placed = new Map<LiteralPlace, Set<string>>();
  for (const [place, set] of byPlace) if (place !== NON_ASCII && place !== FOLDED_KS) placed.set(place, new Set([...set].filter((t) => !(nonAscii && holdsNonAscii(t)))));
  // FOLDED_KS literals take part in leaving out longer literals that hold them (an event holding such
  // a literal lower-cased is kept by its folded test too), and are then all tested folded.
  const folded = new Set(byPlace.get(FOLDED_KS) ?? []);
  if (folded.size > 0) placed.set('any', new Set([...(placed.get('any') ?? []), ...folded]));
  const places: ReadonlyMap<LiteralPlace, ReadonlySet<string>> = anywhere ? new Map([['any', new Set([...placed.values()].flatMap((s) => [...s]))]]) : placed;
  const lits = minimalLiterals(places);
  lits.set('any', (lits.get('any') ?? []).filter((t) => !folded.has(t)));
  const out: string[] = nonAscii ? [nonAsciiSql(text)] : [];
  const whole = lits.get('whole') ?? [];
  if (whole.length > 0) out.push(whole.length === 1 ? `${text} = ${literal(whole[0] as string)}` : `${text} IN (${literalList(whole)})`);
  for (const a of alternations((lits.get('start') ?? []).map(reEscape), PREFILTER_CHARS - 6)) out.push(`match(${text}, ${literal(`^(?:${a})`)})`);
  for (const a of alternations((lits.get('end') ?? []).map(reEscape), PREFILTER_CHARS - 6)) out.push(`match(${text}, ${literal(`(?:${a})$`)})`);
  const { keyed, rest } = keyedLiterals(lits.get('any') ?? []);
  for (const k of keyed) {
    const key = keyEscape(k.key);
    for (const a of alternations(k.rests.sort().map(reEscape), PREFILTER_CHARS - key.length - 5)) out.push(`match(${text}, ${literal(k.pre ? `${key}(?:${a})` : `(?:${a})${key}`)})`);
  }
  for (const a of alternations(rest.sort().map(reEscape))) out.push(`match(${text}, ${literal(a)})`);
  for (const a of alternations([...folded].sort().map(foldedEscape))) out.push(`match(${text}, ${literal(a)})`);
  return out;
}
