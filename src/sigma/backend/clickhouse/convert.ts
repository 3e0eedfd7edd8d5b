/**
 * Sigma rules -> ClickHouse SQL over the event table of row.ts (docs/formats/clickhouse.md).
 *
 *   convertCollection(col, pipeline) -> { rules: ConvertedRule[], groups: RouteGroup[], correlations, issues }
 *   ConvertedRule = { rule, condition (SQL boolean over one row), route (SQL: the rule's log source), sql }
 *   RouteGroup    = rules with the same route: one query (one pass over the events of that route)
 *                   tests them all and returns, per matching event, the rules it matched.
 *
 * The semantics are the in-process engine's (compile/compile.ts, evaluate/engine.ts), written as SQL:
 * a field resolves through the pipeline's mappings (first target present), its per-event aliases
 * (Security 4688: Image -> NewProcessName) and loose names (Defender, cloud); case-insensitive
 * comparisons lower both sides (lowerUTF8, and the rule's text with toLowerCase); an array value
 * matches when any element does; `not` over a missing field holds (no SQL NULLs: absent fields are
 * kind 0, never NULL). Log source recognition is the pipeline's `sources` as one multiIf, evaluated
 * per event; a rule sees the sources logsourceAdmits lets through and its logsource entries' conditions.
 */
import { SigmaBuildError, type SigmaIssue } from '../../issues.ts';
import { parseSigmaString } from '../../modifiers/modifiers.ts';
import { parseIp } from '../../modifiers/cidr.ts';
import { ANY, ONE, wrapAny, type ConditionNode, type Detection, type DetectionItem, type Logsource, type SigmaCorrelation, type SigmaFilter, type SigmaRule, type SigmaValue, type StringPart } from '../../rule/model.ts';
import type { ConditionMap, Pipeline } from '../../pipeline/pipeline.ts';
import type { SigmaCollection } from '../../parse/rule.ts';
import { normalizePattern, type NormalPattern } from '../../compile/strings.ts';
import { resolvePlaceholders } from '../../compile/placeholders.ts';
import { likeEscape, literal, literalList } from './sql.ts';
import { alternations, FOLDED_KS, fieldPrefilter, holdsNonAscii, NON_ASCII, nonAsciiSql, PREFILTER_CHARS, reEscape, type PrefilterPlace } from './prefilter.ts';
import { looseKey } from './row.ts';
import { detectionWitness, itemRuns, literalPlace, regexCnf, type LiteralPlace, type PlacedRun } from '../../compile/witness.ts';

export interface ConvertOptions {
  /**
   * False when the table holds no array values (no multi entries, as `hunt` checks first): the
   * any-element branches are left out, which halves the SQL and changes no result.
   */
  readonly arrays?: boolean;
  /**
   * At most this many rules per route group (default: all): ClickHouse 18.16 analyses a query in
   * time quadratic in its size (400 conditions: 3.6 s, 200: 0.8 s), so for it a route's rules are
   * split into several passes; current servers take a whole route in one.
   */
  readonly maxRulesPerGroup?: number;
  /** Logsource routing (default true); false: every rule sees every event (`hunt --no-routing`). */
  readonly routing?: boolean;
  /** Witness prefilters on route groups (default true; see groupQuery). False: for comparisons. */
  readonly prefilter?: boolean;
}

export interface ConvertedRule {
  readonly rule: SigmaRule;
  /** SQL boolean: the detection (and the meta filters that apply) over one row. */
  readonly condition: string;
  /** SQL boolean: the events of the rule's log source (recognised source and routing conditions), over the inner query. */
  readonly route: string;
  /**
   * SQL boolean over the sort key columns only (channel, event_id): holds for every event of the
   * route (the route's other tests dropped), so a count of it bounds the events a group scans.
   */
  readonly scope: string;
  /** The slots (resolved fields) the condition reads. */
  readonly slots: readonly number[];
  /**
   * Lower-cased literals one of which every event the rule matches holds, each where it may be found
   * (a set of the engine's witness, compile/witness.ts, with the fields of the items it came from),
   * or standing as the non-ASCII test (ruleWitness); undefined when there is none (the rule is
   * tested on every event of its route).
   */
  readonly witness?: readonly WitnessLiteral[];
  /**
   * The condition reads the event's entry arrays, not only its slots (keywords): a two-step pass,
   * which keeps only the slots, cannot run it.
   */
  readonly entries: boolean;
  /**
   * The sort key values every event the rule matches has (Converter.detectionKeys): per column, the values
   * besides ''; absent when the detection constrains no sort key column.
   */
  readonly keys?: KeySets;
}

/**
 * Per sort key column (`event_id`, `channel`), the values an event may have there ('' is always
 * allowed besides them, see keysSql). A column not in the map is not constrained.
 */
export type KeySets = ReadonlyMap<string, ReadonlySet<string>>;

/** Where a witness literal may be found: LEAVES, any scalar leaf of the event (a keyword's literal). */
export const LEAVES = -1;

/**
 * A prefilter literal and the slots whose lower-cased value holds it in every event it lets a rule
 * match: those of the detection items it comes from (LEAVES for keywords). Matching each literal
 * only against its own fields' values (not all of a group's fields at once) keeps each regex's text
 * short and its alternation small.
 */
export interface WitnessLiteral {
  readonly text: string;
  readonly slots: readonly number[];
  /**
   * Where the literal lies in those slots' values (compile/witness.ts itemRuns): the whole value,
   * its start, its end, or anywhere (always for LEAVES); or NON_ASCII (prefilter.ts): the literal is
   * not looked for, the slots' values are tested for a character outside ASCII instead.
   */
  readonly place: PrefilterPlace;
}

export interface RouteGroup {
  readonly route: string;
  /**
   * SQL over the sort key columns holding for every event any of the rules may match: the route's
   * scope, narrowed by the rules' keys when every rule has some (routeGroup).
   */
  readonly scope: string;
  readonly rules: readonly ConvertedRule[];
  /** The sort key values the rules' matches have (every rule's keys, united); tested beside the route. */
  readonly keys?: KeySets;
}

export interface ConvertResult {
  readonly converter: Converter;
  readonly rules: readonly ConvertedRule[];
  readonly groups: readonly RouteGroup[];
  readonly issues: SigmaIssue[];
}

// Columns of one entry, by index expression (inside the inner query, over the table's arrays).
const NAME = (ix: string): string => `fields.name[${ix}]`;
const VALUE = (ix: string): string => `fields.value[${ix}]`;
const KIND = (ix: string): string => `fields.kind[${ix}]`;

/** How a test reads one resolved field: its value, kind, lower-cased value, stored name, and the multi arrays. */
interface Access {
  readonly v: string;
  readonly k: string;
  readonly lv: string;
  /** The elements of an array value (a field's multi entries are contiguous) and their kinds. */
  readonly mv: string;
  readonly mk: string;
  /** The scalar elements, and them joined by NUL (as written, and lower-cased). */
  readonly se: string;
  readonly je: string;
  readonly lje: string;
}
// Lambdas never capture columns (ClickHouse 18.16 drops captured subquery columns): array elements
// are sliced out of multi by position instead.
const ELEMS = (arr: string, name: string): string => `arraySlice(${arr}, indexOf(multi.name, ${name}), countEqual(multi.name, ${name}))`;
/** A resolved field in the table's own arrays (routes, sources, aliases: the inner query). */
const SCALARS = (mv: string, mk: string): string => `arrayFilter((x, k) -> k BETWEEN 1 AND 3, ${mv}, ${mk})`;
const inner = (ix: string): Access => {
  const mv = ELEMS('multi.value', NAME(ix));
  const mk = ELEMS('multi.kind', NAME(ix));
  const se = SCALARS(mv, mk);
  return { v: VALUE(ix), k: KIND(ix), lv: `lowerUTF8(${VALUE(ix)})`, mv, mk, se, je: `arrayStringConcat(${se}, '\\0')`, lje: `lowerUTF8(arrayStringConcat(${se}, '\\0'))` };
};
/** A slot: a resolved field computed once per event by the inner query (columns v_fN, k_fN, lv_fN, n_fN). */
const slotAccess = (slot: string): Access => ({ v: `v_${slot}`, k: `k_${slot}`, lv: `lv_${slot}`, mv: `mv_${slot}`, mk: `mk_${slot}`, se: `se_${slot}`, je: `je_${slot}`, lje: `lje_${slot}` });

const andAll = (parts: readonly string[]): string => (parts.length === 0 ? '1' : parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(' AND '));
const orAll = (parts: readonly string[]): string => (parts.length === 0 ? '0' : parts.length === 1 ? (parts[0] as string) : parts.map((p) => `(${p})`).join(' OR '));
const and = andAll;
const or = orAll;
const not = (p: string): string => `NOT (${p})`;

/** A value test over one scalar: `v` its text, `k` its kind (0 absent, 1 string, 2 number, 3 bool, 4 null, 5 container). */
type ValueSql = (v: string, k: string) => string;

const SCALAR = (k: string): string => `${k} BETWEEN 1 AND 3`;

/** A Sigma string pattern (parts after placeholders) as a test over already-folded text `s`. */
export function patternSql(parts: readonly StringPart[], cased: boolean, s: string): string {
  const norm = normalizePattern(parts, cased);
  if (norm.length === 0) return `${s} = ''`;
  if (!norm.includes(ONE)) {
    if (norm.length === 1) return norm[0] === ANY ? '1' : `${s} = ${literal(norm[0] as string)}`;
    const [first, last] = [norm[0], norm[norm.length - 1]];
    if (norm.length === 2) return first === ANY ? `endsWith(${s}, ${literal(last as string)})` : `startsWith(${s}, ${literal(first as string)})`;
    if (norm.length === 3 && first === ANY && last === ANY) return `position(${s}, ${literal(norm[1] as string)}) > 0`;
  }
  const like = norm.map((p) => (p === ANY ? '%' : p === ONE ? '_' : likeEscape(p))).join('');
  return `${s} LIKE ${literal(like)}`;
}

/**
 * One RE2 alternative for a normalised pattern. `sep` false: over one value (anchored to its
 * ends); true: over array elements joined by NUL (anchored to element boundaries, wildcards never
 * cross one).
 */
function patternRe(norm: NormalPattern, sep: boolean): string {
  const start = sep ? '(?:^|\\x00)' : '^';
  const end = sep ? '(?:\\x00|$)' : '$';
  const any = sep ? '[^\\x00]*' : '.*';
  const one = sep ? '[^\\x00]' : '.';
  if (norm.length === 0) return `${start}${end}`;
  let body = norm.map((p) => (p === ANY ? any : p === ONE ? one : reEscape(p))).join('');
  // Leading and trailing `*` need no text: leave those ends unanchored.
  const lead = norm[0] === ANY;
  const trail = norm[norm.length - 1] === ANY;
  if (lead) body = body.slice(any.length);
  if (trail) body = body.slice(0, body.length - any.length);
  return `${lead ? '' : start}${body}${trail ? '' : end}`;
}

/**
 * String patterns OR-ed over one field, as few SQL tests as possible: plain equalities as one IN,
 * two or fewer other patterns as startsWith/endsWith/position/LIKE, more as one RE2 alternation
 * (ClickHouse 18.16 has no multiSearchAny). `s` is the (folded) value.
 */
function patternsSql(norms: readonly NormalPattern[], s: string): string {
  const eq: string[] = [];
  const rest: NormalPattern[] = [];
  for (const n of norms) {
    if (n.length === 1 && typeof n[0] === 'string') eq.push(n[0]);
    else if (n.length === 0) eq.push('');
    else rest.push(n);
  }
  if (rest.some((n) => n.length === 1 && n[0] === ANY)) return '1';
  const parts: string[] = [];
  if (eq.length === 1) parts.push(`${s} = ${literal(eq[0] as string)}`);
  else if (eq.length > 1) parts.push(`${s} IN (${literalList([...new Set(eq)])})`);
  if (rest.length <= 2) for (const n of rest) parts.push(patternSql(n, true, s));
  else parts.push(`match(${s}, ${literal(`(?s)${rest.map((n) => patternRe(n, false)).join('|')}`)})`);
  return or(parts);
}

/** The same patterns over array elements joined by NUL. */
function elementsPatternSql(norms: readonly NormalPattern[], joined: string, scalars: string): string {
  if (norms.some((n) => n.length === 1 && n[0] === ANY)) return `notEmpty(${scalars})`;
  return `match(${joined}, ${literal(`(?s)${norms.map((n) => patternRe(n, true)).join('|')}`)})`;
}

/** A regex as ClickHouse's match() (RE2) reads it: flags inline; `.` does not match a newline unless `s` (ClickHouse's default is the other way). */
function regexSql(value: Extract<SigmaValue, { type: 'regex' }>, v: string): string {
  const flags = value.flags.replace(/[^ims]/g, '');
  // Named groups as `(?P<name>`: the RE2 of ClickHouse before 2023 knows no `(?<name>`.
  const re = value.re2.replace(/(^|[^\\])\(\?<([A-Za-z_])/g, '$1(?P<$2');
  // The flags scope a group around the whole pattern: ClickHouse 18.16 reads a literal it requires
  // out of a pattern that starts with `(?i)` case-sensitively (match('powershell', '(?i)POWER') is 0
  // there), but not out of a group.
  return `match(${v}, ${literal(`(?${flags}${flags.includes('s') ? '' : '-s'}:${re})`)})`;
}

/** IPv4 / IPv6 containment over the text `v` (as cidr.ts: same family only, spaces and [] around the address allowed). */
function cidrSql(cidr: string, v: string): string {
  const slash = cidr.indexOf('/');
  const addr = parseIp(slash < 0 ? cidr : cidr.slice(0, slash));
  if (addr === undefined) throw new SigmaBuildError('invalid-cidr', `not a network: ${cidr}`);
  const bits = slash < 0 ? (addr.v6 ? 128 : 32) : Number(cidr.slice(slash + 1));
  const t = `replaceRegexpAll(${v}, '^\\\\s+|\\\\s+$', '')`;
  if (!addr.v6) {
    const net = (((addr.groups[0] ?? 0) << 16) | (addr.groups[1] ?? 0)) >>> 0;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return `match(${t}, '^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|0*[0-9]{1,2})(\\\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|0*[0-9]{1,2})){3}$') AND bitAnd(IPv4StringToNum(${t}), ${mask}) = ${(net & mask) >>> 0}`;
  }
  const bytes: number[] = [];
  for (const g of addr.groups) bytes.push(g >> 8, g & 0xff);
  const full = Math.floor(bits / 8);
  const rest = bits % 8;
  const ip = `IPv6StringToNum(replaceRegexpAll(${t}, '^\\\\[|%.*$|\\\\]$', ''))`;
  const parts = [`position(${t}, ':') > 0`, `${ip} != toFixedString(unhex('00000000000000000000000000000000'), 16) OR ${t} IN ('::', '[::]')`];
  if (full > 0) parts.push(`substring(${ip}, 1, ${full}) = unhex(${literal(bytes.slice(0, full).map((b) => b.toString(16).padStart(2, '0')).join(''))})`);
  if (rest > 0) {
    const mask = (0xff << (8 - rest)) & 0xff;
    parts.push(`bitAnd(reinterpretAsUInt8(substring(${ip}, ${full + 1}, 1)), ${mask}) = ${(bytes[full] ?? 0) & mask}`);
  }
  return and(parts);
}

const TRIM = (v: string): string => `replaceRegexpAll(${v}, '^\\\\s+|\\\\s+$', '')`;
const ISO = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}'`;
const ISO_HM = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}'`;

export class Converter {
  private readonly looseSources: number[];
  readonly pipeline: Pipeline;
  readonly options: ConvertOptions;
  constructor(pipeline: Pipeline, options: ConvertOptions = {}) {
    this.pipeline = pipeline;
    this.options = options;
    this.looseSources = pipeline.sources.flatMap((s, i) => (s.looseNames === true ? [i] : []));
  }

  /**
   * The index of the event's recognised log source in the pipeline's `sources` (-1: unknown), as SQL.
   * With `upTo`, only the sources up to that index are tested (-2 for any later one or none): exact
   * for events of those sources, and much cheaper when the later ones are the cloud sources, whose
   * conditions look up many names (ClickHouse 18.16 computes every arm of a multiIf for every row:
   * the whole expression took 9.3 s of CPU over 2,000,000 Windows events, the first three arms 0.7 s).
   */
  sourceExpr(upTo = Infinity): string {
    const arms: string[] = [];
    this.pipeline.sources.forEach((s, i) => {
      if (i <= upTo) arms.push(or(s.conditions.map((c) => this.conditionMap(c))), String(i));
    });
    const last = upTo >= this.pipeline.sources.length - 1 ? '-1' : '-2';
    return arms.length === 0 ? last : `multiIf(${arms.join(', ')}, ${last})`;
  }

  /** The sources a route string's own `src IN (...)` test admits (route()), when it has one. */
  readonly routeSources = new Map<string, readonly number[]>();

  /** Numbers of the field names idx() looked up (see nameCodes). */
  private readonly nameCode = new Map<string, number>();

  /**
   * Index in fields of an event field name (0: absent), as the index of the name's number in the
   * event's names turned into numbers (nameCodes, a column of the innermost query): one hash lookup
   * per entry and integer searches, instead of a string search of the entry names per field name.
   * 18.16 computes every arm of the resolutions' multiIf, so a process-creation route looked up 26
   * names per event: 2.5-2.7 s of CPU over 1,392,848 events as strings, 0.3-0.6 s as numbers.
   */
  private idx(name: string): string {
    let code = this.nameCode.get(name);
    if (code === undefined) this.nameCode.set(name, (code = this.nameCode.size + 1));
    return `indexOf(name_codes, ${code})`;
  }

  /**
   * The `name_codes` column for SQL over the innermost query (undefined when it looks up no name):
   * each entry's name as the number idx() gave it (0 for names it never looked up), through
   * `transform` (a hash lookup), for the names that SQL looks up.
   */
  nameCodes(sql: string): string | undefined {
    const used = new Set([...sql.matchAll(/\bindexOf\(name_codes, (\d+)\)/g)].map((m) => Number(m[1])));
    if (used.size === 0) return undefined;
    const names = [...this.nameCode].filter(([, c]) => used.has(c));
    return `arrayMap(x -> transform(x, [${literalList(names.map(([n]) => n))}], [${names.map(([, c]) => c).join(', ')}], 0), fields.name) AS name_codes`;
  }

  /**
   * The entry index a Sigma field resolves to (0: absent): pipeline targets in order, each through
   * its per-event alias first (when the alias' condition holds and the aliased field is present),
   * then its own name, then (events of a loose-named source) its loose name.
   */
  private resolve(field: string, loose: boolean): string {
    const targets = this.pipeline.fieldMappings[field] ?? [field];
    const chains = targets.map((t) => {
      const exact = this.idx(t);
      const chain = loose && this.looseSources.length > 0
        ? `multiIf(${exact} > 0, ${exact}, ${this.srcIn(this.looseSources)}, indexOf(fields.key, ${literal(looseKey(t))}), 0)`
        : exact;
      // Later aliases override earlier ones (engine.ts merges them in order): the last whose
      // condition holds decides; its field when present, else the name itself.
      const aliases = this.pipeline.eventAliases.filter((a) => a.fields[t] !== undefined).reverse();
      if (aliases.length === 0) return chain;
      const arms = aliases.flatMap((a) => {
        const target = this.idx(a.fields[t] as string);
        return [this.conditionMap(a.when), `if(${target} > 0, ${target}, ${chain})`];
      });
      return `multiIf(${arms.join(', ')}, ${chain})`;
    });
    if (chains.length === 1) return chains[0] as string;
    const arms: string[] = [];
    for (const c of chains.slice(0, -1)) arms.push(`(${c}) > 0`, c);
    return `multiIf(${arms.join(', ')}, ${chains[chains.length - 1] as string})`;
  }

  /** A field's scalar text (group-by and aggregated fields of correlations). */
  fieldValue(field: string): string {
    return `v_${this.slot(field, true)}`;
  }

  private srcIn(list: readonly number[]): string {
    return `src IN (${list.join(', ')})`;
  }

  private readonly slotIds = new Map<string, number>();
  private readonly slotExprs: string[] = [];
  private used: Set<number> | undefined;

  /** The slot (a column of the inner query) holding a Sigma field's resolved entry index. */
  slot(field: string, loose: boolean): string {
    const key = JSON.stringify([field, loose]);
    let id = this.slotIds.get(key);
    if (id === undefined) {
      id = this.slotExprs.length;
      this.slotIds.set(key, id);
      this.slotExprs.push(this.resolve(field, loose));
      this.slotFields.push([field, loose]);
    }
    this.used?.add(id);
    return `f${id}`;
  }

  private readonly slotFields: [string, boolean][] = [];
  /** The slot of each detection item of the rule being converted (LEAVES: a keyword item). */
  private itemSlots: Map<DetectionItem, number> | undefined;

  /**
   * SQL boolean over the table's own arrays: one of these slots may resolve to an entry (some name
   * resolve() tries is in the event). Every slot of an event that fails it is absent (its value
   * ''), so no witness literal can be found in it: a cheap test that needs only the names
   * (PREWHERE in innerQuery), before the values are read.
   */
  slotPresence(ids: Iterable<number>, admitted?: readonly number[]): string {
    const names = new Set<string>();
    const keys = new Set<string>();
    for (const id of ids) {
      const [field, loose] = this.slotFields[id] as [string, boolean];
      for (const t of this.pipeline.fieldMappings[field] ?? [field]) {
        names.add(t);
        for (const a of this.pipeline.eventAliases) if (a.fields[t] !== undefined) names.add(a.fields[t]);
        if (loose && this.looseSources.length > 0) keys.add(looseKey(t));
      }
    }
    const parts = [`hasAny(fields.name, [${literalList([...names].sort())}])`];
    if (keys.size > 0) {
      // A loose name is looked up only on the events of a loose-named source. When the route admits
      // only such sources as are known by their channel (Defender, for the Windows rules of no
      // channel), their events pass by that cheap column, and fields.key (as large as fields.name)
      // is not read for every event: the `file_access` group over 2,000,000 realistic events took
      // 1.9-2.7 s of server CPU this way, 4.4-5.1 s with fields.key.
      const channels = admitted === undefined || admitted.includes(-1) ? undefined : this.looseChannels(admitted);
      if (channels === undefined) parts.push(`hasAny(fields.key, [${literalList([...keys].sort())}])`);
      else if (channels.length > 0) parts.push(`channel IN (${literalList(channels)})`);
    }
    return or(parts);
  }

  /**
   * The channels (lower-cased, as the `channel` column) of the loose-named sources among `admitted`,
   * when each is recognised by its Channel alone (plain values); undefined otherwise.
   */
  private looseChannels(admitted: readonly number[]): string[] | undefined {
    const out: string[] = [];
    for (const i of this.looseSources) {
      if (!admitted.includes(i)) continue;
      for (const c of (this.pipeline.sources[i] as Pipeline['sources'][number]).conditions) {
        const want = c['Channel'];
        if (Object.keys(c).length !== 1 || want === undefined || want === null) return undefined;
        const list = (Array.isArray(want) ? want : [want]).map((w) => String(w));
        if (list.some((w) => /[*?\\]/.test(w))) return undefined;
        out.push(...list.map((w) => w.toLowerCase()));
      }
    }
    return [...new Set(out)].sort();
  }

  slotCount(): number {
    return this.slotExprs.length;
  }

  /** The innermost query's columns for these slots: the resolved entry index of each. */
  slotIndexColumns(ids: readonly number[]): string[] {
    return ids.map((id) => `${this.slotExprs[id] as string} AS f${id}`);
  }

  /** The middle query's columns for these slots, over the index columns (no expression is repeated inside another). */
  static slotValueColumns(ids: readonly number[], arrays: boolean): string[] {
    return ids.flatMap((id) => {
      const f = `f${id}`;
      const base = [`fv[${f}] AS v_${f}`, `fk[${f}] AS k_${f}`, `lowerUTF8(fv[${f}]) AS lv_${f}`];
      if (!arrays) return base;
      // Written out in full each time: an alias used inside a lambda of the same query level is
      // lost by ClickHouse 18.16's unused-column pruning.
      const mv = `arraySlice(mval, indexOf(mnam, fnam[${f}]), countEqual(mnam, fnam[${f}]))`;
      const mk = `arraySlice(mkin, indexOf(mnam, fnam[${f}]), countEqual(mnam, fnam[${f}]))`;
      const se = SCALARS(mv, mk);
      return [...base, `${mv} AS mv_${f}`, `${mk} AS mk_${f}`, `${se} AS se_${f}`, `arrayStringConcat(${se}, '\\0') AS je_${f}`, `lowerUTF8(arrayStringConcat(${se}, '\\0')) AS lje_${f}`];
    });
  }

  /** An item over one resolved field: the scalar case, and the any-element case for arrays. */
  private fieldItem(a: Access, tests: ValueSql[], all: boolean): string {
    const { v, k } = a;
    const scalar = (all ? and : or)(tests.map((t) => t(v, k)));
    const elem = (t: string): string => `arrayExists((mv, mk) -> ${t}, ${a.mv}, ${a.mk})`;
    const array = all ? and(tests.map((t) => elem(t('mv', 'mk')))) : elem(or(tests.map((t) => t('mv', 'mk'))));
    if (this.options.arrays === false) return `${k} != 5 AND (${scalar})`;
    return `(${k} != 5 AND (${scalar})) OR (${k} = 5 AND ${array})`;
  }

  private valueTests(value: SigmaValue, item: DetectionItem, loose: boolean): ValueSql[] {
    const cased = item.cased;
    // The slot's value is folded once per event (lv_fN); array elements are folded where tested.
    const fold = (v: string): string => (cased ? v : v.startsWith('v_') ? `l${v}` : `lowerUTF8(${v})`);
    switch (value.type) {
      case 'null':
        return [(_v, k) => `${k} IN (0, 4)`];
      case 'string':
        return resolvePlaceholders(value.parts, this.pipeline).map((p) => (v: string, k: string) => `${SCALAR(k)} AND ${patternSql(p, cased, fold(v))}`);
      case 'regex':
        return [(v, k) => `${SCALAR(k)} AND ${regexSql(value, v)}`];
      case 'cidr':
        return [(v, k) => `${k} = 1 AND ${cidrSql(value.cidr, v)}`];
      case 'compare': {
        const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[value.op];
        const n = Number.isFinite(value.value) ? String(value.value) : value.value > 0 ? 'inf' : '-inf';
        return [(v, k) => `(${k} = 2 OR (${k} = 1 AND ${TRIM(v)} != '')) AND ifNull(toFloat64OrNull(${TRIM(v)}) ${op} ${n}, 0)`];
      }
      case 'timepart': {
        const { part, value: n } = value;
        const sub = (from: number, len: number): string => `toUInt32OrZero(substring(v_, ${from}, ${len}))`;
        const expr = (v: string): string => {
          const x = (s: string): string => s.replace(/v_/g, v);
          switch (part) {
            case 'year':
              return `match(${v}, ${ISO}) AND ${x(sub(1, 4))} = ${n}`;
            case 'month':
              return `match(${v}, ${ISO}) AND ${x(sub(6, 2))} = ${n}`;
            case 'day':
              return `match(${v}, ${ISO}) AND ${x(sub(9, 2))} = ${n}`;
            case 'hour':
              return `match(${v}, ${ISO_HM}) AND ${x(sub(12, 2))} = ${n}`;
            case 'minute':
              return `match(${v}, ${ISO_HM}) AND ${x(sub(15, 2))} = ${n}`;
            default:
              return `match(${v}, ${ISO}) AND toISOWeek(toDate(substring(${v}, 1, 10))) = ${n}`;
          }
        };
        return [(v, k) => `${k} = 1 AND ${expr(v)}`];
      }
      case 'exists':
        // Scalar: present or not; an array element is always there.
        return [(_v, k) => (k === 'mk' ? (value.value ? '1' : '0') : value.value ? `${k} != 0` : `${k} = 0`)];
      case 'fieldref': {
        const o = slotAccess(this.slot(value.field, loose));
        const b = cased ? o.v : o.lv;
        const test = (a: string): string =>
          value.mode === 'eq' ? `${a} = ${b}` : value.mode === 'startswith' ? `startsWith(${a}, ${b})` : value.mode === 'endswith' ? `endsWith(${a}, ${b})` : `position(${a}, ${b}) > 0`;
        // The other field: its scalar, or any element of its array.
        // The other field's array elements: equality only (has() needs no lambda capture).
        const elems = cased ? o.se : `arrayMap(x -> lowerUTF8(x), ${o.se})`;
        const arrays = this.options.arrays === false || value.mode !== 'eq' ? '0' : `${o.k} = 5 AND has(${elems}, ${fold('v')})`;
        return [(v, k) => `${SCALAR(k)} AND ((${SCALAR(o.k)} AND ${test(fold(v))}) OR (${arrays.replace(fold('v'), fold(v))}))`];
      }
    }
  }

  /** Keywords: any scalar leaf of the event contains the value. */
  private keywordItem(item: DetectionItem): string {
    const tests = item.values.flatMap((v): ((x: string) => string)[] => {
      if (v.type === 'regex') return [(x) => regexSql(v, x)];
      if (v.type !== 'string') return [];
      return resolvePlaceholders(v.parts, this.pipeline).map((p) => (x: string) => patternSql(wrapAny(p), item.cased, item.cased ? x : `lowerUTF8(${x})`));
    });
    const leaf = (t: (x: string) => string): string =>
      `arrayExists((lv, lk) -> lk BETWEEN 1 AND 3 AND (${t('lv')}), fv, fk) OR arrayExists((lv, lk) -> lk BETWEEN 1 AND 3 AND (${t('lv')}), mval, mkin) OR arrayExists(lv -> ${t('lv')}, xl)`;
    const p = (item.all ? and : or)(tests.map(leaf));
    return item.neq ? not(p) : p;
  }

  item(item: DetectionItem, loose: boolean): string {
    if (item.field === null) {
      this.itemSlots?.set(item, LEAVES);
      return this.keywordItem(item);
    }
    const slot = this.slot(item.field, loose);
    this.itemSlots?.set(item, Number(slot.slice(1)));
    const a = slotAccess(slot);
    if (!item.all && item.values.length > 0 && item.values.every((v) => v.type === 'string')) {
      // The common item: string patterns OR-ed. Few SQL nodes, no lambda (large rule sets make
      // large queries, and ClickHouse's analysis time grows with them).
      const norms = item.values.flatMap((v) => (v.type === 'string' ? resolvePlaceholders(v.parts, this.pipeline) : [])).map((p) => normalizePattern(p, item.cased));
      const scalar = `${SCALAR(a.k)} AND (${patternsSql(norms, item.cased ? a.v : a.lv)})`;
      const array = `${a.k} = 5 AND (${elementsPatternSql(norms, item.cased ? a.je : a.lje, a.se)})`;
      const p = this.options.arrays === false ? scalar : `(${scalar}) OR (${array})`;
      return item.neq ? not(p) : p;
    }
    const tests = item.values.flatMap((v) => this.valueTests(v, item, loose));
    const p = this.fieldItem(a, tests, item.all);
    return item.neq ? not(p) : p;
  }

  detection(detection: SigmaRule['detection'], loose: boolean): string {
    const ids = new Map<string, string>();
    for (const [name, sid] of detection.identifiers) ids.set(name, or(sid.groups.map((g) => and(g.map((it) => this.item(it, loose))))));
    const walk = (n: ConditionNode): string => {
      switch (n.type) {
        case 'id':
          return ids.get(n.name) as string;
        case 'not':
          return not(walk(n.arg));
        case 'and':
          return and(n.args.map(walk));
        case 'or':
          return or(n.args.map(walk));
        case 'of': {
          const parts = n.names.map((name) => ids.get(name) as string);
          return n.quantifier === 'all' ? and(parts) : or(parts);
        }
      }
    };
    return walk(detection.condition);
  }

  /**
   * A pipeline condition map (values OR-ed, case-insensitive, `*` wildcards; a lone `*` = present and
   * not null; null = absent or null), fields AND-ed. Channel and EventID with plain values use the
   * lower-cased key columns, so the table's sort key skips other channels and event ids.
   */
  conditionMap(map: ConditionMap, keyOnly = false): string {
    const parts = Object.entries(map).map(([field, want]) => {
      const ix = this.idx(field);
      // Key-only (a route's scope): the tests on the sort key columns; any other test may hold.
      if (keyOnly && (want === null || want === '*' || (field !== 'Channel' && field !== 'EventID'))) return '1';
      if (want === null) return `${KIND(ix)} IN (0, 4)`;
      if (want === '*') return `${KIND(ix)} NOT IN (0, 4)`;
      const list = (Array.isArray(want) ? want : [want]).map((w) => (typeof w === 'string' ? parseSigmaString(w) : [String(w)]));
      const column = field === 'Channel' ? 'channel' : field === 'EventID' ? 'event_id' : undefined;
      const plain = list.every((p) => p.every((x) => typeof x === 'string'));
      if (column !== undefined && plain) return `${column} IN (${literalList(list.map((p) => (p).join('').toLowerCase()))})`;
      if (column !== undefined) return or(list.map((p) => patternSql(p, false, column)));
      const a = inner(ix);
      const norms = list.map((p) => normalizePattern(p, false));
      const scalar = `${SCALAR(a.k)} AND (${patternsSql(norms, a.lv)})`;
      return this.options.arrays === false ? scalar : `(${scalar}) OR (${a.k} = 5 AND (${elementsPatternSql(norms, a.lje, a.se)}))`;
    });
    return and(parts.filter((p) => p !== '1'));
  }

  /** Which sources' events a rule of this logsource may see (compile.ts logsourceAdmits), -1 for unknown. */
  admittedSources(ls: Logsource): number[] {
    const out: number[] = [];
    if (ls.product === undefined) out.push(-1);
    this.pipeline.sources.forEach((s, i) => {
      const src = s.logsource;
      const ok = ls.product === undefined
        ? (ls.category !== undefined && ls.category === src.category) || (ls.service !== undefined && ls.service === src.service)
        : ls.product === src.product &&
          (src.service === undefined || ls.service === undefined || ls.service === src.service) &&
          (src.category === undefined || ls.category === undefined || ls.category === src.category);
      if (ok) out.push(i);
    });
    return out;
  }

  /** The rule's route: admitted sources and the pipeline's logsource conditions (compile.ts compileLogsource). */
  route(ls: Logsource, keyOnly = false): string {
    if (this.options.routing === false) return '1';
    // In a scope a disjunction with a part that may always hold may always hold.
    const or = (parts: readonly string[]): string => (keyOnly && parts.includes('1') ? '1' : orAll(parts));
    const and = (parts: readonly string[]): string => andAll(parts.filter((p) => p !== '1'));
    const fits = (m: Logsource, l: Logsource): boolean =>
      (m.product === undefined || m.product === l.product) && (m.category === undefined || m.category === l.category) && (m.service === undefined || m.service === l.service);
    const all = this.pipeline.logsources.filter((r) => fits(r.match, ls));
    const declared = this.pipeline.declared;
    const entries = all.filter((r) => declared === undefined || !fits(r.match, declared));
    let pre: string;
    if (all.length > 0 && entries.length === 0) pre = '1';
    else if (entries.length === 0) pre = this.pipeline.fallback.length === 0 ? '1' : or(this.pipeline.fallback.map((c) => this.conditionMap(c, keyOnly)));
    else pre = and(entries.map((e) => or(e.conditions.map((c) => this.conditionMap(c, keyOnly)))));
    const admitted = this.admittedSources(ls);
    if (admitted.length === 0) return '0';
    const srcTest = keyOnly || this.impliesSources(entries, admitted) ? '1' : `src IN (${admitted.join(', ')})`;
    const route = and([pre, srcTest].filter((x) => x !== '1'));
    if (srcTest !== '1') this.routeSources.set(route, admitted);
    return route;
  }

  /**
   * The log source an event of this (lower-cased) Channel is recognised as, when recognition
   * depends on the Channel alone up to the first source that settles it; undefined otherwise.
   */
  private channelSource(channel: string): number | undefined {
    for (const [i, s] of this.pipeline.sources.entries()) {
      for (const c of s.conditions) {
        const keys = Object.keys(c);
        if (keys.length !== 1 || keys[0] !== 'Channel') return undefined;
        const want = c['Channel'];
        if (want === '*') return i;
        if (want === null || want === undefined) return undefined;
        const list = (Array.isArray(want) ? want : [want]).map((w) => String(w));
        if (list.some((w) => /[*?\\]/.test(w))) return undefined;
        if (list.some((w) => w.toLowerCase() === channel)) return i;
      }
    }
    return undefined;
  }

  /** Do the route's entries restrict events to channels that are all recognised as admitted sources? Then no source test is needed. */
  private impliesSources(entries: readonly { conditions: readonly ConditionMap[] }[], admitted: readonly number[]): boolean {
    const possible = this.possibleSources(entries);
    return possible !== undefined && possible.every((i) => admitted.includes(i));
  }

  /** Whether a rule of this logsource may see events of a loose-named source. */
  private mayBeLoose(ls: Logsource): boolean {
    if (this.options.routing === false) return this.looseSources.length > 0;
    const admitted = this.admittedSources(ls);
    if (!this.looseSources.some((i) => admitted.includes(i))) return false;
    // A route restricted to channels recognised as sources that are not loose (Sysmon, Security...) never is.
    const fits = (m: Logsource): boolean => (m.product === undefined || m.product === ls.product) && (m.category === undefined || m.category === ls.category) && (m.service === undefined || m.service === ls.service);
    const entries = this.pipeline.logsources.filter((r) => fits(r.match));
    const possible = this.possibleSources(entries);
    return possible === undefined || possible.some((i) => this.looseSources.includes(i));
  }

  /** The sources a route's events can be recognised as, when its entries restrict the Channel to plain values; else undefined. */
  private possibleSources(entries: readonly { conditions: readonly ConditionMap[] }[]): number[] | undefined {
    if (this.pipeline.declared !== undefined) return undefined;
    for (const e of entries) {
      const channels: string[] = [];
      let plain = true;
      for (const c of e.conditions) {
        const want = c['Channel'];
        if (want === undefined || want === null || want === '*') {
          plain = false;
          break;
        }
        channels.push(...(Array.isArray(want) ? want : [want]).map((w) => String(w).toLowerCase()));
      }
      if (!plain || channels.length === 0 || channels.some((ch) => /[*?\\]/.test(ch))) continue;
      const srcs = channels.map((ch) => this.channelSource(ch));
      if (srcs.every((x) => x !== undefined)) return [...new Set(srcs)];
    }
    return undefined;
  }

  /**
   * The sort key column a rule field provably reads, when it has one. row.ts writes `event_id` and
   * `channel` as the lower-cased scalar of the engine's own getField(EventID / Channel) (no alias, no
   * loose lookup: the exact name), the lookup that also made the field's entry, and '' when that is
   * absent or not a scalar (array, object). A rule field reads the same when the pipeline maps it to
   * that name alone (no second target, no per-event alias of it): then a value test that holds on
   * the field's scalar holds on the column's value, lower-cased; an array value leaves the column
   * ''. On a loose-named source (Defender) the engine falls back to a loose name only when the exact
   * one is absent, and the column is then '' too.
   */
  private keyColumn(field: string): string | undefined {
    const targets = this.pipeline.fieldMappings[field] ?? [field];
    if (targets.length !== 1) return undefined;
    const target = targets[0] as string;
    const column = KEY_COLUMNS[target];
    if (column === undefined || this.pipeline.eventAliases.some((a) => a.fields[target] !== undefined)) return undefined;
    return column;
  }

  /**
   * An item's constraint on the sort key: `EventID: 4624` (plain values, no wildcard, no negation)
   * -> event_id in {'4624'}. Only printable ASCII values: for them lowerUTF8 (the SQL's) and
   * toLowerCase (the column's) agree, and a value whose lowerUTF8 is ASCII is ASCII.
   */
  private itemKeys(item: DetectionItem): KeySets {
    const column = item.field === null ? undefined : this.keyColumn(item.field);
    if (column === undefined || item.neq || item.values.length === 0) return NO_KEYS;
    const sets: Set<string>[] = [];
    for (const v of item.values) {
      if (v.type !== 'string') return NO_KEYS;
      const set = new Set<string>();
      for (const parts of resolvePlaceholders(v.parts, this.pipeline)) {
        const norm = normalizePattern(parts, item.cased);
        if (norm.length > 1 || (norm.length === 1 && typeof norm[0] !== 'string')) return NO_KEYS;
        const text = norm.length === 0 ? '' : (norm[0] as string);
        if (!/^[ -~]*$/.test(text)) return NO_KEYS;
        set.add(text.toLowerCase());
      }
      sets.push(set);
    }
    // Values OR-ed: any of them; `all`: every one (an event has one value).
    const values = item.all ? sets.reduce((a, b) => new Set([...a].filter((x) => b.has(x)))) : new Set(sets.flatMap((x) => [...x]));
    return new Map([[column, values]]);
  }

  /**
   * The sort key values every event the detection matches has (a necessary condition, like a
   * witness): items AND-ed intersect, OR-ed unite (a column left free by one branch is free), `not`
   * constrains nothing.
   */
  detectionKeys(detection: Detection): KeySets {
    const ids = new Map<string, KeySets>();
    for (const [name, sid] of detection.identifiers) ids.set(name, orKeys(sid.groups.map((g) => andKeys(g.map((it) => this.itemKeys(it))))));
    const walk = (n: ConditionNode): KeySets => {
      switch (n.type) {
        case 'id':
          return ids.get(n.name) ?? NO_KEYS;
        case 'not':
          return NO_KEYS;
        case 'and':
          return andKeys(n.args.map(walk));
        case 'or':
          return orKeys(n.args.map(walk));
        case 'of': {
          const parts = n.names.map((name) => ids.get(name) ?? NO_KEYS);
          return n.quantifier === 'all' ? andKeys(parts) : orKeys(parts);
        }
      }
    };
    return walk(detection.condition);
  }

  rule(rule: SigmaRule, filters: readonly SigmaFilter[]): ConvertedRule {
    const loose = this.mayBeLoose(rule.logsource);
    const applied = filters.filter((f) => filterApplies(f, rule));
    const used = new Set<number>();
    this.used = used;
    const itemSlots = new Map<DetectionItem, number>();
    this.itemSlots = itemSlots;
    try {
      const det = this.detection(rule.detection, loose);
      const condition = applied.length === 0 ? det : and([det, ...applied.map((f) => this.detection(f.detection, loose))]);
      const witness = this.options.prefilter === false ? undefined : ruleWitness(rule.detection, itemSlots);
      const entries = BEYOND_SLOTS.test(condition);
      // The filters only narrow the matches further: the detection's keys hold for them too.
      const keys = this.detectionKeys(rule.detection);
      return {
        rule,
        condition,
        route: this.route(rule.logsource),
        scope: this.route(rule.logsource, true),
        slots: [...used],
        entries,
        ...(witness !== undefined ? { witness } : {}),
        ...(keys.size > 0 ? { keys } : {}),
      };
    } finally {
      this.used = undefined;
      this.itemSlots = undefined;
    }
  }
}

function filterApplies(filter: SigmaFilter, rule: SigmaRule): boolean {
  const listed = filter.rules === 'any' || filter.rules.some((r) => r === rule.id || (rule.name !== undefined && r === rule.name));
  const m = filter.logsource;
  const l = rule.logsource;
  return listed && (m.product === undefined || m.product === l.product) && (m.category === undefined || m.category === l.category) && (m.service === undefined || m.service === l.service);
}

/** Rule fields that the table holds in a sort key column too (row.ts), and those columns. */
const KEY_COLUMNS: Readonly<Record<string, string>> = { EventID: 'event_id', Channel: 'channel' };
const NO_KEYS: KeySets = new Map();

/** Both hold: per column, the values both allow. */
function andKeys(parts: readonly KeySets[]): KeySets {
  const out = new Map<string, ReadonlySet<string>>();
  for (const p of parts) {
    for (const [column, values] of p) {
      const have = out.get(column);
      out.set(column, have === undefined ? values : new Set([...have].filter((x) => values.has(x))));
    }
  }
  return out;
}

/** One holds: the columns every part constrains, with the values any allows. */
function orKeys(parts: readonly KeySets[]): KeySets {
  if (parts.length === 0) return NO_KEYS;
  const out = new Map<string, ReadonlySet<string>>();
  for (const [column, values] of parts[0] as KeySets) {
    const all = new Set(values);
    let everywhere = true;
    for (const p of parts.slice(1)) {
      const more = p.get(column);
      if (more === undefined) {
        everywhere = false;
        break;
      }
      for (const x of more) all.add(x);
    }
    if (everywhere) out.set(column, all);
  }
  return out;
}

/** The keys as SQL over the sort key columns ('' always allowed: an absent or array field's column). */
export function keysSql(keys: KeySets | undefined): string {
  if (keys === undefined) return '1';
  return and([...keys].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([column, values]) => `${column} IN (${literalList([...new Set(['', ...values])].sort())})`));
}

/**
 * A group of rules of one route: its scope is the route's, narrowed to the sort key values the rules'
 * matches have when every rule has some (the Sysmon rules whose only test is `EventID: 16` read the
 * granules of event 16, not every Sysmon event).
 */
export function routeGroup(route: string, rules: readonly ConvertedRule[]): RouteGroup {
  const routeScope = rules[0]?.scope ?? '1';
  const keys = rules.length > 0 && rules.every((r) => r.keys !== undefined) ? orKeys(rules.map((r) => r.keys as KeySets)) : NO_KEYS;
  if (keys.size === 0) return { route, scope: routeScope, rules };
  const narrow = keysSql(keys);
  return { route, scope: routeScope === '1' ? narrow : and([routeScope, narrow]), rules, keys };
}

/** Every rule of a collection converted (a rule that cannot be is an issue naming it), grouped by route. */
export function convertCollection(col: SigmaCollection, pipeline: Pipeline, options: ConvertOptions = {}): ConvertResult {
  const conv = new Converter(pipeline, options);
  const rules: ConvertedRule[] = [];
  const issues: SigmaIssue[] = [];
  for (const rule of col.rules) {
    try {
      rules.push(conv.rule(rule, col.filters));
    } catch (e) {
      if (!(e instanceof SigmaBuildError)) throw e;
      issues.push({
        code: e.code,
        severity: 'error',
        message: e.message,
        ...(rule.file !== undefined ? { file: rule.file } : {}),
        line: e.pos?.line ?? rule.line,
        ...(rule.id !== undefined ? { ruleId: rule.id } : {}),
      });
    }
  }
  const byRoute = new Map<string, ConvertedRule[]>();
  for (const r of rules) {
    const list = byRoute.get(r.route);
    if (list === undefined) byRoute.set(r.route, [r]);
    else list.push(r);
  }
  const max = Math.max(1, options.maxRulesPerGroup ?? Infinity);
  const groups: RouteGroup[] = [];
  for (const [route, all] of byRoute) {
    // Rules with a witness over their slots first: their groups get a prefilter (groupQuery) and may
    // run in two steps (passQuery); then those with a witness that read the entry arrays (keywords:
    // a prefilter over every leaf, and no two steps); the rest share no prefilter. Groups are as
    // large as the server's analysis allows: each query computes the fields its rules read over
    // every event of the route, which costs more than the rules' own tests.
    // The classes run the one-query way (keywords, no witness) are cut further into the rules that
    // constrain the sort key and those that do not: the former's groups read only their granules
    // (routeGroup). The prefiltered class stays whole: its groups share one pass over the route.
    const keyed = (list: readonly ConvertedRule[]): ConvertedRule[][] => [list.filter((r) => r.keys !== undefined), list.filter((r) => r.keys === undefined)];
    const classes = [all.filter((r) => r.witness !== undefined && !r.entries), ...keyed(all.filter((r) => r.witness !== undefined && r.entries)), ...keyed(all.filter((r) => r.witness === undefined))];
    for (const list of classes) {
      const step = Number.isFinite(max) ? max : list.length;
      for (let i = 0; i < list.length; i += step) groups.push(routeGroup(route, list.slice(i, i + step)));
    }
  }
  return { converter: conv, rules, groups, issues };
}

/** Columns a condition reads beyond its slots: the whole entry arrays (keywords). */
const BEYOND_SLOTS = /\b(?:fv|fk|fnam|mval|mnam|mkin|xl)\b/;

/**
 * Can a witness literal be looked for in lowerUTF8 of a value? Its characters are printable ASCII or
 * have no case (dashes of `windash`, quotes, emoji), where JavaScript's toLowerCase (which made the
 * literal) and ClickHouse's lowerUTF8 agree; U+0307 is left out, as toLowerCase makes it of `İ`.
 */
function foldsAlike(literal: string): boolean {
  for (const c of literal) {
    if (c >= ' ' && c <= '~') continue;
    if (c < '\u00a0' || c === '\u0307' || c.toLowerCase() !== c || c.toUpperCase() !== c) return false;
  }
  return literal.length > 0;
}

/**
 * Can the non-ASCII test (prefilter.ts NON_ASCII) stand for a witness literal? When it holds a
 * character outside ASCII that no case folding relates to an ASCII letter: every one but `ſ` (U+017F,
 * folds with `s`) and the Kelvin sign (U+212A, with `k`), which is what `[a-z]` matches
 * case-insensitively in JavaScript's Unicode mode (simple case folding, as RE2's). Then every value
 * a test of the rule's items matches through this literal holds a character outside ASCII (the
 * literal is `toLowerCase` of a run R of an item's pattern or regex, and toLowerCase makes ASCII only
 * of ASCII and of the Kelvin sign, so the character c comes from a character d of R outside ASCII):
 *   - a case-insensitive pattern: lowerUTF8 of the value holds the literal, so holds c;
 *   - a `cased` pattern or a case-sensitive regex: the value holds R, so holds d;
 *   - a case-insensitive regex: the value holds R with its characters case-folded; d's counterpart
 *     is d or a character of its case (ASCII only if d folds with an ASCII letter: then d is ſ, whose
 *     lower case c is ſ, refused here, or the Kelvin sign, whose lower case `k` is ASCII).
 * (Literals of keywords likewise, in a leaf.) lowerUTF8 replaces a character only by one of the same
 * UTF-8 length, so the lower-cased value the prefilter reads holds a character outside ASCII too.
 */
function testsAsNonAscii(literal: string): boolean {
  for (const c of literal) if (c > '\u007f' && !/[a-z]/iu.test(c)) return true;
  return false;
}

/**
 * The rule's prefilter literals: the first set of its witness (every set is a necessary condition)
 * whose literals all fold alike in both engines (foldsAlike); else the first whose every literal
 * folds alike or can stand as the non-ASCII test (testsAsNonAscii: the Cyrillic lookalikes, `ß`, a
 * circled letter among emoji), the latter then each with the slots of the items holding it and
 * place NON_ASCII (an event holding it in a slot holds a character outside ASCII there). Literals
 * are each with the slots of the detection items one of whose literal runs contains it, and its place in
 * them. The witness is built from the items' literals (runs of their value patterns, literals of
 * their regexes) by keeping, dropping and uniting them, and drops a literal only for a shorter one
 * it contains, so an event the rule matches holds one literal of the set inside a run that a
 * matched value of such an item holds at the run's place: at the value's end when every run
 * containing it ends the value and ends with it (`*\\mimikatz.exe` gives `\\mimikatz.exe` there), at
 * its start likewise, the whole value when every such run is the literal and the whole pattern;
 * anywhere otherwise (literalPlace, the weakest over all such runs of the slot's items).
 */
function ruleWitness(detection: Detection, itemSlots: ReadonlyMap<DetectionItem, number>): WitnessLiteral[] | undefined {
  const sets = detectionWitness(detection);
  const set = sets.find((lits) => lits.length > 0 && lits.every(foldsAlike)) ?? sets.find((lits) => lits.length > 0 && lits.every((l) => foldsAlike(l) || testsAsNonAscii(l)));
  if (set === undefined) return undefined;
  const runsBySlot = new Map<number, PlacedRun[]>();
  // Per slot, the literal runs of its case-insensitive regexes (FOLDED_KS).
  const foldingBySlot = new Map<number, string[]>();
  for (const sid of detection.identifiers.values()) {
    for (const item of sid.groups.flat()) {
      const slot = itemSlots.get(item);
      if (slot === undefined) continue;
      let runs = runsBySlot.get(slot);
      if (runs === undefined) runsBySlot.set(slot, (runs = []));
      runs.push(...itemRuns(item));
      if (slot === LEAVES || item.neq) continue;
      for (const v of item.values) {
        if (v.type !== 'regex' || v.witness === undefined || !(v.flags.includes('i') || /\(\?[a-zA-Z]*i/.test(v.re2))) continue;
        let folding = foldingBySlot.get(slot);
        if (folding === undefined) foldingBySlot.set(slot, (folding = []));
        folding.push(...regexCnf(v.witness).flat());
      }
    }
  }
  const out: WitnessLiteral[] = [];
  for (const text of new Set(set)) {
    // Per place, the slots where the literal lies there (weakest over every run containing it).
    const byPlace = new Map<LiteralPlace, number[]>();
    for (const [slot, runs] of runsBySlot) {
      const place = literalPlace(runs, text);
      if (place === undefined) continue;
      const slots = byPlace.get(place);
      if (slots === undefined) byPlace.set(place, [slot]);
      else slots.push(slot);
    }
    // Every literal comes from an item; were one not found, no prefilter rather than a wrong one.
    if (byPlace.size === 0) return undefined;
    if (!foldsAlike(text)) {
      // Wherever it lies, the non-ASCII test over the value stands for it.
      out.push({ text, slots: [...byPlace.values()].flat().sort((a, b) => a - b), place: NON_ASCII });
      continue;
    }
    // Where a case-insensitive regex of the slot holds it, `k` and `s` folded (FOLDED_KS), anywhere.
    const folds = (slot: number): boolean => /[ks]/.test(text) && (foldingBySlot.get(slot) ?? []).some((r) => r.includes(text));
    const folded = [...byPlace.values()].flat().filter(folds);
    if (folded.length > 0) out.push({ text, slots: [...new Set(folded)].sort((a, b) => a - b), place: FOLDED_KS });
    for (const [place, slots] of byPlace) {
      const plain = slots.filter((slot) => !folds(slot));
      if (plain.length > 0) out.push({ text, slots: plain.sort((a, b) => a - b), place });
    }
  }
  return out;
}

/**
 * Rules that can run in two steps (passQuery): none reads more than its slots, and some have a
 * witness (the others are kept by their own conditions in the pass: see passQuery).
 */
export function passable(rules: readonly ConvertedRule[]): boolean {
  return rules.every((r) => !r.entries) && rules.some((r) => r.witness !== undefined);
}

/**
 * Does the group join its route's two-step pass (hunt --clickhouse)? A route's prefiltered groups
 * share one; a group of rules with no witness joins it (their tests run in its scan, not one of
 * their own), unless its rules fix the sort key (its own query reads only those granules).
 */
export function sharesPass(g: RouteGroup): boolean {
  return g.rules.every((r) => !r.entries) && (g.rules.every((r) => r.witness !== undefined) || g.keys === undefined);
}

export interface QueryOptions {
  /** Quoted table name (sql.ts tableName). */
  readonly table: string;
  /** Epoch ms bounds on the event time: since inclusive, until exclusive. */
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

function timeBounds(o: QueryOptions): string[] {
  const out: string[] = [];
  if (o.sinceMs !== undefined) out.push(`time >= toDateTime(${Math.floor(o.sinceMs / 1000)})`, `time_ms >= ${Math.floor(o.sinceMs)}`);
  if (o.untilMs !== undefined) out.push(`time <= toDateTime(${Math.floor(o.untilMs / 1000)})`, `time_ms < ${Math.floor(o.untilMs)}`);
  return out;
}

/**
 * The inner query: the route's events (the sort key prunes by channel and event id) with their
 * recognised source and each resolved field the rules read computed once per event, as columns.
 */
function innerQuery(conv: Converter, route: string, slots: Iterable<number>, o: QueryOptions, extra: readonly string[], prefilter?: readonly WitnessLiteral[], entries = true, keys?: KeySets, readers?: string, unfiltered: readonly string[] = []): string {
  const ids = [...new Set(slots)].sort((x, y) => x - y);
  const indexColumns = conv.slotIndexColumns(ids);
  const src = sourceColumn(conv, route, [...indexColumns, ...extra]);
  const l1 = [
    ...extra,
    'fields.value AS fv',
    'fields.kind AS fk',
    'fields.name AS fnam',
    'multi.value AS mval',
    'multi.name AS mnam',
    'multi.kind AS mkin',
    'extra_leaves AS xl',
    ...(src !== undefined ? [`${src} AS src`] : []),
    ...indexColumns,
  ];
  // The rules' sort key values beside the route's: ClickHouse reads only the granules holding them.
  const narrow = keysSql(keys);
  const where = and([...(route === '1' ? [] : [route]), ...(narrow === '1' ? [] : [narrow]), ...timeBounds(o)]);
  // With a prefilter over slots only, events holding none of the names its slots resolve through
  // are dropped before the values (the largest column) are read: most events of a wide route (the
  // channel-less Windows rules read every Windows event) have none of a few rules' fields.
  const witnessSlots = new Set((prefilter ?? []).flatMap((w) => w.slots));
  const arrays = conv.options.arrays !== false;
  // A prefilter with a keyword literal looks for every literal in every leaf (leavesPrewhere).
  const leaves = witnessSlots.has(LEAVES);
  // Rules kept by their own conditions (`unfiltered`) may match events that hold none of those names.
  const pre = prefilter === undefined || witnessSlots.size === 0 || unfiltered.length > 0 ? '' : leaves ? leavesPrewhere(prefilter, arrays) : conv.slotPresence([...witnessSlots].sort((x, y) => x - y), conv.routeSources.get(route));
  const codes = conv.nameCodes(`${l1.join(', ')} ${where}`);
  const first = `SELECT ${[...(codes !== undefined ? [codes] : []), ...l1].join(', ')} FROM ${o.table}${pre === '' ? '' : ` PREWHERE ${pre}`}${where === '1' ? '' : ` WHERE ${where}`}`;
  const passed = extra.map(columnName);
  // The prefilter: events whose slots hold none of the group's witness literals cannot match any of
  // its rules; the rule conditions (above this level) are computed only for the events left (one
  // RE2 pass per field over its lower-cased value instead of every rule's tests over every event).
  // With `unfiltered` (the conditions of a pass's rules that have no witness), an event one of them
  // matches is kept too: their tests run over every event of the route here, in the pass's one scan,
  // rather than in a scan of their own.
  const witnessed = prefilter !== undefined && !leaves ? prefilterWhere(prefilter, arrays) : '';
  const filter = unfiltered.length === 0 ? witnessed : ` WHERE ${[...(witnessed === '' ? [] : [witnessed.slice(' WHERE '.length)]), ...unfiltered.map((c) => `(${c})`)].join(' OR ')}`;
  // With `readers` (the SQL that will read these rows: a pass's rule conditions), only the value
  // columns it or the prefilter names: ClickHouse prunes unread columns of a subquery itself, but a
  // pass's rows are kept in a table, and every column is filtered and stored (the process-creation
  // pass of 10,000,000 events carried 13 unread values of 48 columns: ~2 s of server CPU).
  const named = readers === undefined ? undefined : `${readers}\n${filter}`;
  const values = Converter.slotValueColumns(ids, arrays).filter((c) => named === undefined || new RegExp(`\\b${columnName(c)}\\b`).test(named));
  const l2 = [...passed, ...(entries ? ['fv', 'fk', 'mval', 'mkin', 'xl'] : []), ...values];
  return `SELECT ${l2.join(', ')} FROM (${first})${filter}`;
}

/** The name a select-list entry gives its column: its alias (`expr AS name`), or the entry itself. */
function columnName(entry: string): string {
  return /\sAS\s+(\w+)$/.exec(entry)?.[1] ?? entry;
}

/**
 * The prefilter of a group with keyword rules, over the table's own columns (PREWHERE): every
 * literal, wherever the rules look for it, in any leaf of the event (a field's value is one of the
 * event's entries or array elements, so this holds whenever the per-slot test would). Each of
 * fields.value, multi.value and extra_leaves joined by newlines, matched case-insensitively by RE2
 * (`(?i:...)`; a group, as 18.16 misreads a leading `(?i)`): no lower-cased copy of every value,
 * and the route and the fields (indexOf over fields.name, the resolved entries) are computed only
 * for the events kept, as ClickHouse reads the other columns only for them. On 2,000,000 realistic
 * events the keyword rule's group took 5.4 s of server CPU this way against 10.5 s with the
 * literals over lowerUTF8 of the joined leaves in the middle query (docs/benchmarks.md, sixth round).
 *
 * It keeps every event the rules' lowerUTF8 tests can match: where lowerUTF8 of a leaf holds a
 * literal (printable ASCII, or characters of no case: foldsAlike), the leaf holds it with its ASCII
 * letters in either case (lowerUTF8 changes a character only to one of the same UTF-8 length, so
 * only ASCII letters become ASCII, and the characters it makes are of a case), which `(?i:...)`
 * matches, whether RE2 reads the bytes as UTF-8 or Latin-1 (its folding only adds matches).
 * Literals that stand as the non-ASCII test (and, beside it, every literal holding a character
 * outside ASCII) are not looked for: each column's joined leaves are tested for a character outside
 * ASCII instead (a leaf holding one keeps it under lowerUTF8, and the newlines are ASCII).
 */
function leavesPrewhere(prefilter: readonly WitnessLiteral[], arrays: boolean): string {
  const columns = ['fields.value', ...(arrays ? ['multi.value'] : []), 'extra_leaves'];
  const nonAscii = prefilter.some((w) => w.place === NON_ASCII);
  const texts = [...new Set(prefilter.filter((w) => w.place !== NON_ASCII && !(nonAscii && holdsNonAscii(w.text))).map((w) => w.text))].sort().map(reEscape);
  const joined = (c: string): string => `arrayStringConcat(${c}, '\\n')`;
  return [
    ...(nonAscii ? columns.map((c) => nonAsciiSql(joined(c))) : []),
    ...alternations(texts, PREFILTER_CHARS - 5).flatMap((a) => columns.map((c) => `match(${joined(c)}, ${literal(`(?i:${a})`)})`)),
  ].join(' OR ');
}

/**
 * The `src` column an inner query needs (undefined: none reads it). When the route itself admits
 * only some sources (its `src IN (...)`), only the sources up to the last of those are tested: the
 * query keeps no event of another source, and for the events it keeps every `src` test (the slots'
 * loose lookups too) reads the same value. Otherwise up to the last source any test names, or all
 * when one admits an unrecognised event (-1).
 */
function sourceColumn(conv: Converter, route: string, others: readonly string[]): string | undefined {
  const lists = [route, ...others].flatMap((t) => [...t.matchAll(/\bsrc IN \(([-\d, ]+)\)/g)].map((m) => (m[1] as string).split(',').map(Number)));
  if (lists.length === 0) return undefined;
  const own = conv.routeSources.get(route);
  const decisive = own !== undefined && !own.includes(-1) ? [own] : lists;
  return decisive.some((l) => l.includes(-1)) ? conv.sourceExpr() : conv.sourceExpr(Math.max(...decisive.flat()));
}

/**
 * ` WHERE ...` keeping the events in which some witness literal is in one of the slots it may be
 * found in, at its place, or a character outside ASCII is in one of the slots of a NON_ASCII literal
 * (empty when there is nothing to test): per slot, prefilter.ts's tests of its literals over its
 * lower-cased value (with arrays, the value and its elements joined, where the literals are looked
 * for anywhere). Keyword literals (LEAVES) never come here: their groups filter in
 * PREWHERE (leavesPrewhere), and passes take no rule that reads the entries.
 */
function prefilterWhere(prefilter: readonly WitnessLiteral[], arrays: boolean): string {
  const bySlot = new Map<number, Map<PrefilterPlace, Set<string>>>();
  for (const w of prefilter) {
    for (const slot of w.slots) {
      let places = bySlot.get(slot);
      if (places === undefined) bySlot.set(slot, (places = new Map<PrefilterPlace, Set<string>>()));
      let set = places.get(w.place);
      if (set === undefined) places.set(w.place, (set = new Set()));
      set.add(w.text);
    }
  }
  if (bySlot.size === 0) return '';
  const chunks: string[] = [];
  for (const [slot, places] of [...bySlot].sort((a, b) => a[0] - b[0])) {
    const text = arrays ? `concat(lv_f${slot}, '\\n', lje_f${slot})` : `lv_f${slot}`;
    chunks.push(...fieldPrefilter(text, places, arrays));
  }
  return ` WHERE ${chunks.join(' OR ')}`;
}

/**
 * A large group in two steps (hunt --clickhouse): first the events of its route that pass the
 * group's prefilter, with the fields its rules read computed once (this query, kept in a temporary
 * table), then the rules in small batches over those few rows (passBatchQuery). ClickHouse 18.16's
 * execution slows down faster than the number of expressions in a query (300 rules over 7,043 rows:
 * 12 s in one query, 2 s in batches of 10), and each batch here skips the route's full scan.
 */
export function passQuery(conv: Converter, group: RouteGroup, o: QueryOptions): string {
  const slots = new Set(group.rules.flatMap((r) => r.slots));
  const unfiltered = group.rules.filter((r) => r.witness === undefined).map((r) => r.condition);
  return innerQuery(conv, group.route, slots, o, ['source', 'line'], group.rules.flatMap((r) => r.witness ?? []), false, group.keys, group.rules.map((r) => r.condition).join('\n'), unfiltered);
}

/**
 * Rules of a group run by passQuery, over its rows in `from` (each batch with its own prefilter;
 * none when a rule of the batch has no witness: every row may be one of its matches).
 */
export function passBatchQuery(conv: Converter, rules: readonly ConvertedRule[], from: string): string {
  const matched = `arrayFilter(x -> x > 0, [${rules.map((r, i) => `if(${r.condition}, ${i + 1}, 0)`).join(', ')}])`;
  const where = rules.some((r) => r.witness === undefined) ? '' : prefilterWhere(rules.flatMap((r) => r.witness ?? []), conv.options.arrays !== false);
  return `SELECT source, line, ${matched} AS matched FROM (SELECT * FROM ${from}${where}) WHERE notEmpty(matched)`;
}

/**
 * One pass over a route's events for all its rules: per matching event its place (source, line)
 * and the positions (1-based, in `group.rules`) of the rules it matched. The events themselves are
 * fetched afterwards (rawQuery), once each, only for the events that matched.
 */
export function groupQuery(conv: Converter, group: RouteGroup, o: QueryOptions): string {
  const slots = new Set(group.rules.flatMap((r) => r.slots));
  const matched = `arrayFilter(x -> x > 0, [${group.rules.map((r, i) => `if(${r.condition}, ${i + 1}, 0)`).join(', ')}])`;
  const prefilter = group.rules.every((r) => r.witness !== undefined) ? group.rules.flatMap((r) => r.witness ?? []) : undefined;
  return `SELECT source, line, ${matched} AS matched FROM (${innerQuery(conv, group.route, slots, o, ['source', 'line'], prefilter, true, group.keys)}) WHERE notEmpty(matched)`;
}

/** The events at these places, as read. */
export function rawQuery(table: string, keys: readonly { source: string; line: number }[], scope = '1'): string {
  // The places are no key prefix: the scope (a route's sort key tests, RouteGroup) lets ClickHouse
  // read only the granules of the route the events matched in. Lines are listed per log file (a
  // set of numbers per file name, not a tuple per event: a short query, a cheap lookup per row).
  // The scope and every line wanted go in PREWHERE, the places in WHERE: ClickHouse 18.16 reads
  // the whole table when an OR of several files' places stands beside the scope (its key analysis
  // gives up), and with the lines first it reads `raw` only in granules holding one of them.
  const bySource = new Map<string, number[]>();
  const all = new Set<number>();
  for (const k of keys) {
    const line = Math.floor(k.line);
    all.add(line);
    const lines = bySource.get(k.source);
    if (lines === undefined) bySource.set(k.source, [line]);
    else lines.push(line);
  }
  const places = or([...bySource].map(([source, lines]) => `source = ${literal(source)} AND line IN (${lines.join(', ')})`));
  const lines = `line IN (${[...all].sort((a, b) => a - b).join(', ')})`;
  return `SELECT source, line, raw FROM ${table} PREWHERE ${scope === '1' ? lines : `(${scope}) AND ${lines}`} WHERE ${places}`;
}

/**
 * The events at the places held in `keys` (a table of `source String, line UInt64`, e.g. a
 * temporary table the hunt filled): rawQuery for many places. A query listing hundreds of thousands
 * of lines costs 18.16 seconds to parse and test per block (the process-creation fetch of
 * 10,000,000 realistic events: its 306,621 places counted in 7.5 s as literals, 0.7 s from a
 * table). GLOBAL: a Distributed table's remote shards get the places from here, where the temporary
 * table is (shards on this server, as in the tests, see it either way).
 */
export function keyedRawQuery(table: string, keys: string, scope = '1'): string {
  const lines = `line GLOBAL IN (SELECT line FROM ${keys})`;
  return `SELECT source, line, raw FROM ${table} PREWHERE ${scope === '1' ? lines : `(${scope}) AND ${lines}`} WHERE (source, line) GLOBAL IN (SELECT source, line FROM ${keys})`;
}

/** One rule as a stand-alone query (what `sigma convert --target clickhouse` prints per rule). */
export function ruleQuery(conv: Converter, r: ConvertedRule, o: QueryOptions): string {
  const cols = ['time', 'host', 'channel', 'event_id', 'source', 'line', 'raw'];
  return `SELECT ${cols.join(', ')} FROM (${innerQuery(conv, r.route, r.slots, o, cols, undefined, true, r.keys)}) WHERE ${r.condition}`;
}

/**
 * A correlation as GROUP BY over time windows: the events of its rules, bucketed into windows of its
 * timespan (tumbling, from the epoch; toStartOfInterval is not in 18.16), grouped by window and its group-by fields, kept when the
 * aggregate meets the condition. (The in-process correlator slides its windows; `hunt --clickhouse`
 * feeds the matches ClickHouse returns through that correlator, so hunts agree with it exactly.)
 */
export function correlationQuery(c: SigmaCorrelation, byName: ReadonlyMap<string, ConvertedRule>, conv: Converter, o: QueryOptions): string {
  const refs = c.rules.map((n) => byName.get(n));
  const missing = c.rules.filter((_n, i) => refs[i] === undefined);
  if (missing.length > 0) throw new SigmaBuildError('unknown-rule-reference', `correlation ${c.id ?? c.title}: no convertible rule ${missing.join(', ')}`);
  const rules = refs as ConvertedRule[];
  const slots = new Set(rules.flatMap((r) => r.slots));
  // Each rule's route is computed in the inner query (it reads the table's own columns).
  const hit = (r: ConvertedRule): string => and([`route_${rules.indexOf(r)}`, r.condition]);
  const fieldOf = (alias: string, r: ConvertedRule): string => c.aliases.get(alias)?.get(r.rule.name ?? '') ?? c.aliases.get(alias)?.get(r.rule.id ?? '') ?? alias;
  // One row per (event, rule it matched), as the in-process correlator counts them.
  const groupCols = c.groupBy.map((g, gi) => `multiIf(${rules.map((r, i) => `rule_index = ${i}, ${conv.fieldValue(fieldOf(g, r))}`).join(', ')}, '') AS g${gi}`);
  const ruleIndex = `arrayJoin(arrayFilter(x -> x >= 0, [${rules.map((r, i) => `if(${hit(r)}, ${i}, -1)`).join(', ')}])) AS rule_index`;
  const valueCol = c.field.length > 0 ? `, ${conv.fieldValue(c.field[0] as string)} AS agg_value` : '';
  const span = Math.max(1, Math.floor(c.timespanMs / 1000));
  const seq = 'arrayMap(x -> x.2, arraySort(x -> x.1, groupArray((t, rule_index))))';
  const aggs: Record<SigmaCorrelation['type'], string> = {
    event_count: 'count()',
    value_count: 'uniqExact(agg_value)',
    value_sum: 'sum(toFloat64OrZero(agg_value))',
    value_avg: 'avg(toFloat64OrZero(agg_value))',
    value_percentile: `quantileExact(${(c.percentile ?? 50) / 100})(toFloat64OrZero(agg_value))`,
    temporal: 'uniqExact(rule_index)',
    // In order: the rules' first matches, by time, are 0, 1, 2, ... (no lambda captures a column: 18.16 loses those).
    temporal_ordered: `if(arrayDistinct(${seq}) = range(${rules.length}), uniqExact(rule_index), 0)`,
  };
  const cond = Object.keys(c.condition).length === 0 && (c.type === 'temporal' || c.type === 'temporal_ordered') ? { gte: rules.length } : c.condition;
  const ops: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=', eq: '=', neq: '!=' };
  const having = Object.entries(cond).map(([op, n]) => `aggregate ${ops[op] ?? '='} ${Number(n)}`);
  const groups = c.groupBy.map((_g, i) => `, g${i}`).join('');
  // The group-by and aggregated fields' slots too.
  for (const m of [...groupCols, valueCol].join(' ').matchAll(/\bv_f(\d+)\b/g)) slots.add(Number(m[1]));
  const base = innerQuery(conv, '1', slots, o, ['time', 'time_ms', ...rules.map((r, i) => `${r.route} AS route_${i}`)]);
  const inner = `SELECT toDateTime(intDiv(toUInt32(time), ${span}) * ${span}) AS window, ${ruleIndex}${groupCols.map((g) => `, ${g}`).join('')}${valueCol}, time_ms AS t FROM (${base}) WHERE ${or(rules.map(hit))}`;
  return `SELECT window${groups}, ${aggs[c.type]} AS aggregate FROM (${inner}) GROUP BY window${groups} HAVING ${and(having)}`;
}

