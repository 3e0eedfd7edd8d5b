/**
 * Rules -> plain JavaScript predicates, once. Data structures:
 *
 *   CompiledRule = { rule, predicate(ctx), witness, precondition(ctx), routed }
 *   witness      = up to 3 sets of lower-cased literals such that any event the rule matches has,
 *                  for every set, one of its literals as a substring of one of its leaf values
 *                  ([] when no such set exists: `not`, regex, numeric compares...). The engine
 *                  indexes rules by them and evaluates a rule only when all its sets are hit.
 *
 * Field names go through the pipeline's field mappings here; the event shapes are handled by
 * evaluate/event.ts. Case folding is String.prototype.toLowerCase (full Unicode simple folding) on
 * both sides; `cased` and `re` compare as written.
 */
import { SigmaBuildError, type SigmaIssue } from '../issues.ts';
import { parseSigmaString } from '../modifiers/modifiers.ts';
import { ANY, wrapAny, type ConditionNode, type DetectionItem, type Logsource, type SigmaFilter, type SigmaRule, type SigmaValue, type StringPart } from '../rule/model.ts';
import type { ConditionMap, Pipeline } from '../pipeline/pipeline.ts';
import { eventLeaves, eventLeavesLower, getField, lowerOf, unwrap, type EventContext } from '../evaluate/event.ts';
import { compilePattern, compileShapeSet, longestLiteral, patternShape, regexLiteral, type StringTest } from './strings.ts';

export type Predicate = (ctx: EventContext) => boolean;

export interface CompiledRule {
  readonly rule: SigmaRule;
  readonly predicate: Predicate;
  /** Conjunction of literal sets: a matching event has, for every set, one of its literals in a leaf. [] = no index. */
  readonly witness: readonly (readonly string[])[];
  readonly precondition: Predicate;
  /** False when no pipeline logsource entry matched the rule (the fallback conditions were used). */
  readonly routed: boolean;
  /** Meta filters applied to this rule. */
  readonly filters: readonly string[];
}

/** Minimum witness length; the index hashes 4-character windows. */
export const WITNESS_MIN = 4;

type Getter = (ctx: EventContext) => unknown;

function makeGetter(field: string, pipeline: Pipeline): Getter {
  const targets = pipeline.fieldMappings[field] ?? [field];
  if (targets.length === 1) {
    const t = targets[0] as string;
    return (ctx) => getField(ctx, t);
  }
  return (ctx) => {
    for (const t of targets) {
      const v = getField(ctx, t);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/** Calls `test` on each scalar of a field value (arrays: any element). */
function anyScalar(v: unknown, test: (s: unknown) => boolean): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (anyScalar(x, test)) return true;
    return false;
  }
  return test(unwrap(v));
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

function resolvePlaceholders(parts: readonly StringPart[], pipeline: Pipeline): StringPart[][] {
  let variants: StringPart[][] = [[]];
  for (const p of parts) {
    if (typeof p === 'object') {
      const vals = pipeline.placeholders[p.placeholder];
      if (vals === undefined) {
        if (pipeline.placeholderFallback === 'error') throw new SigmaBuildError('unresolved-placeholder', `placeholder %${p.placeholder}% has no value in the pipeline`);
        variants = variants.map((v) => [...v, ANY]);
      } else {
        const next: StringPart[][] = [];
        for (const v of variants) for (const val of vals) next.push([...v, ...parseSigmaString(val)]);
        variants = next;
      }
    } else variants = variants.map((v) => [...v, p]);
  }
  return variants;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/;
function timePart(s: string, part: string): number | undefined {
  const m = ISO.exec(s);
  if (m === null) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  switch (part) {
    case 'year':
      return y;
    case 'month':
      return mo;
    case 'day':
      return d;
    case 'hour':
      return m[4] === undefined ? undefined : Number(m[4]);
    case 'minute':
      return m[5] === undefined ? undefined : Number(m[5]);
    default: {
      // ISO 8601 week number.
      const date = new Date(Date.UTC(y, mo - 1, d));
      const day = date.getUTCDay() || 7;
      date.setUTCDate(date.getUTCDate() + 4 - day);
      const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
      return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
    }
  }
}

/** One value -> a test over one scalar event value (already unwrapped; undefined = absent). */
function compileValue(value: SigmaValue, item: DetectionItem, pipeline: Pipeline): ((v: unknown, ctx: EventContext) => boolean)[] {
  switch (value.type) {
    case 'null':
      return [(v) => v === undefined || v === null];
    case 'string': {
      const tests: StringTest[] = resolvePlaceholders(value.parts, pipeline).map((p) => compilePattern(p, item.cased));
      const cased = item.cased;
      return tests.map((t) => (v: unknown, ctx: EventContext) => {
        const s = scalarString(v);
        return s !== undefined && t(cased ? s : lowerOf(ctx, s));
      });
    }
    case 'regex': {
      const re = value.regex;
      return [(v) => {
        const s = scalarString(v);
        return s !== undefined && re.test(s);
      }];
    }
    case 'cidr': {
      const test = value.test;
      return [(v) => typeof v === 'string' && test(v)];
    }
    case 'compare': {
      const { op, value: n } = value;
      return [(v) => {
        const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isNaN(x)) return false;
        return op === 'lt' ? x < n : op === 'lte' ? x <= n : op === 'gt' ? x > n : x >= n;
      }];
    }
    case 'timepart': {
      const { part, value: n } = value;
      return [(v) => typeof v === 'string' && timePart(v, part) === n];
    }
    case 'exists': {
      const want = value.value;
      return [(v) => (v !== undefined) === want];
    }
    case 'fieldref': {
      const other = makeGetter(value.field, pipeline);
      const { mode } = value;
      const cased = item.cased;
      return [(v, ctx) => {
        const a = scalarString(v);
        if (a === undefined) return false;
        const av = cased ? a : a.toLowerCase();
        return anyScalar(other(ctx), (o) => {
          const b = scalarString(o);
          if (b === undefined) return false;
          const bv = cased ? b : b.toLowerCase();
          return mode === 'eq' ? av === bv : mode === 'startswith' ? av.startsWith(bv) : mode === 'endswith' ? av.endsWith(bv) : av.includes(bv);
        });
      }];
    }
  }
}

function compileItem(item: DetectionItem, pipeline: Pipeline): Predicate {
  const tests = item.values.flatMap((v) => compileValue(v, item, pipeline));
  // Keywords: implicit `contains` over every leaf value of the event.
  if (item.field === null) {
    const kwTests = item.values.flatMap((v): ((s: string) => boolean)[] => {
      if (v.type === 'regex') return [(s) => v.regex.test(s)];
      if (v.type !== 'string') return [];
      const variants = resolvePlaceholders(v.parts, pipeline).map((p) => {
        const wrapped = wrapAny(p);
        return compilePattern(wrapped, item.cased);
      });
      return variants;
    });
    const cased = item.cased;
    const anyLeaf = (t: (s: string) => boolean) => (ctx: EventContext): boolean => {
      const leaves = cased ? eventLeaves(ctx) : eventLeavesLower(ctx);
      for (const l of leaves) if (t(l)) return true;
      return false;
    };
    const preds = kwTests.map(anyLeaf);
    const p: Predicate = item.all ? (ctx) => preds.every((f) => f(ctx)) : (ctx) => preds.some((f) => f(ctx));
    return item.neq ? (ctx) => !p(ctx) : p;
  }
  const get = makeGetter(item.field, pipeline);
  let p: Predicate;
  // Fast path: many literal patterns on one field, OR-ed.
  const shapes = !item.all && item.values.length >= 4 && item.values.every((v) => v.type === 'string' && v.parts.every((x) => typeof x !== 'object'))
    ? item.values.map((v) => (v.type === 'string' ? patternShape(v.parts, item.cased) : undefined))
    : [];
  if (shapes.length > 0 && shapes.every((s) => s !== undefined)) {
    const test = compileShapeSet(shapes);
    const cased = item.cased;
    const one = (x: unknown, ctx: EventContext): boolean => {
      const s = scalarString(x);
      return s !== undefined && test(cased ? s : lowerOf(ctx, s));
    };
    p = (ctx) => {
      const v = get(ctx);
      return Array.isArray(v) ? anyScalar(v, (x) => one(x, ctx)) : one(unwrap(v), ctx);
    };
    return item.neq ? (ctx) => !p(ctx) : p;
  }
  if (item.all) {
    p = (ctx) => {
      const v = get(ctx);
      for (const t of tests) if (!anyScalar(v, (x) => t(x, ctx))) return false;
      return true;
    };
  } else if (tests.length === 1) {
    const t = tests[0] as (v: unknown, ctx: EventContext) => boolean;
    p = (ctx) => {
      const v = get(ctx);
      return Array.isArray(v) ? anyScalar(v, (x) => t(x, ctx)) : t(unwrap(v), ctx);
    };
  } else {
    p = (ctx) => {
      const v = get(ctx);
      if (Array.isArray(v)) return anyScalar(v, (x) => tests.some((t) => t(x, ctx)));
      const u = unwrap(v);
      for (const t of tests) if (t(u, ctx)) return true;
      return false;
    };
  }
  // An empty array is "present" for exists but matches nothing else.
  return item.neq ? (ctx) => !p(ctx) : p;
}

function and(preds: Predicate[]): Predicate {
  if (preds.length === 1) return preds[0] as Predicate;
  if (preds.length === 2) {
    const [a, b] = preds as [Predicate, Predicate];
    return (ctx) => a(ctx) && b(ctx);
  }
  return (ctx) => {
    for (const p of preds) if (!p(ctx)) return false;
    return true;
  };
}
function or(preds: Predicate[]): Predicate {
  if (preds.length === 1) return preds[0] as Predicate;
  return (ctx) => {
    for (const p of preds) if (p(ctx)) return true;
    return false;
  };
}

interface CompiledDetection {
  readonly predicate: Predicate;
  readonly witness: Cnf;
}

function itemWitness(item: DetectionItem): string[] | null {
  if (item.neq) return null;
  const lits: string[] = [];
  for (const v of item.values) {
    if (v.type === 'regex') {
      const l = regexLiteral(v.regex.source);
      if (l.length < WITNESS_MIN) {
        if (!item.all) return null;
        continue;
      }
      lits.push(l);
      continue;
    }
    if (v.type !== 'string') return null;
    if (v.parts.some((p) => typeof p === 'object')) return null;
    const l = longestLiteral(v.parts);
    if (l.length < WITNESS_MIN) {
      if (!item.all) return null;
      continue;
    }
    lits.push(l);
  }
  if (lits.length === 0) return null;
  if (item.all) return [lits.reduce((a, b) => (b.length > a.length ? b : a))];
  return lits;
}

/** Witness in conjunctive form: every set must have a literal in the event; [] = no constraint. */
type Cnf = string[][];
const MAX_SETS = 3;

function setScore(x: readonly string[]): number {
  // Fewer, longer literals are better.
  return x.length * 100 - Math.min(...x.map((s) => s.length));
}
function andCnf(parts: readonly Cnf[]): Cnf {
  const all = parts.flat();
  all.sort((a, b) => setScore(a) - setScore(b));
  return all.slice(0, MAX_SETS);
}
function orCnf(parts: readonly Cnf[]): Cnf {
  const out = new Set<string>();
  for (const p of parts) {
    const best = p[0];
    if (best === undefined) return [];
    for (const s of best) out.add(s);
  }
  return out.size === 0 ? [] : [[...out]];
}

function compileDetection(rule: { detection: SigmaRule['detection'] }, pipeline: Pipeline): CompiledDetection {
  const ids = new Map<string, CompiledDetection>();
  for (const [name, sid] of rule.detection.identifiers) {
    const groups = sid.groups.map((g) => ({
      predicate: and(g.map((it) => compileItem(it, pipeline))),
      witness: andCnf(g.map((it) => {
        const w = itemWitness(it);
        return w === null ? [] : [w];
      })),
    }));
    ids.set(name, { predicate: or(groups.map((g) => g.predicate)), witness: orCnf(groups.map((g) => g.witness)) });
  }
  const walk = (n: ConditionNode): CompiledDetection => {
    switch (n.type) {
      case 'id':
        return ids.get(n.name) as CompiledDetection;
      case 'not': {
        const inner = walk(n.arg).predicate;
        return { predicate: (ctx) => !inner(ctx), witness: [] };
      }
      case 'and': {
        const parts = n.args.map(walk);
        return { predicate: and(parts.map((p) => p.predicate)), witness: andCnf(parts.map((p) => p.witness)) };
      }
      case 'or': {
        const parts = n.args.map(walk);
        return { predicate: or(parts.map((p) => p.predicate)), witness: orCnf(parts.map((p) => p.witness)) };
      }
      case 'of': {
        const parts = n.names.map((name) => ids.get(name) as CompiledDetection);
        if (n.quantifier === 'all') return { predicate: and(parts.map((p) => p.predicate)), witness: andCnf(parts.map((p) => p.witness)) };
        return { predicate: or(parts.map((p) => p.predicate)), witness: orCnf(parts.map((p) => p.witness)) };
      }
    }
  };
  return walk(rule.detection.condition);
}

/** A pipeline condition map -> predicate (values OR-ed, case-insensitive with `*`; null = absent). */
export function compileConditionMap(map: ConditionMap): Predicate {
  const preds: Predicate[] = Object.entries(map).map(([field, want]) => {
    if (want === null) return (ctx) => {
      const v = getField(ctx, field);
      return v === undefined || v === null;
    };
    const list = Array.isArray(want) ? want : [want];
    const tests = list.map((w) => compilePattern(typeof w === 'string' ? parseSigmaString(w) : [String(w)], false));
    return (ctx) => anyScalar(getField(ctx, field), (v) => {
      const s = scalarString(v);
      if (s === undefined) return false;
      const l = s.toLowerCase();
      return tests.some((t) => t(l));
    });
  });
  return and(preds.length === 0 ? [() => true] : preds);
}

function logsourceFits(match: Logsource, ls: Logsource): boolean {
  return (
    (match.product === undefined || match.product === ls.product) &&
    (match.category === undefined || match.category === ls.category) &&
    (match.service === undefined || match.service === ls.service)
  );
}

/** The routing precondition of a logsource under a pipeline. */
export function compileLogsource(ls: Logsource, pipeline: Pipeline): { precondition: Predicate; routed: boolean } {
  const entries = pipeline.logsources.filter((r) => logsourceFits(r.match, ls));
  if (entries.length === 0) {
    if (pipeline.fallback.length === 0) return { precondition: () => true, routed: false };
    return { precondition: or(pipeline.fallback.map(compileConditionMap)), routed: false };
  }
  return { precondition: and(entries.map((e) => or(e.conditions.map(compileConditionMap)))), routed: true };
}

/** Does a meta filter apply to a rule? Listed by id/name (or `any`) and its logsource contained in the rule's. */
export function filterApplies(filter: SigmaFilter, rule: SigmaRule): boolean {
  const listed = filter.rules === 'any' || filter.rules.some((r) => r === rule.id || (rule.name !== undefined && r === rule.name));
  return listed && logsourceFits(filter.logsource, rule.logsource);
}

export interface CompileResult {
  readonly compiled: CompiledRule | undefined;
  readonly issues: SigmaIssue[];
}

export function compileRule(rule: SigmaRule, pipeline: Pipeline, filters: readonly SigmaFilter[] = []): CompileResult {
  try {
    const det = compileDetection(rule, pipeline);
    const applied = filters.filter((f) => filterApplies(f, rule));
    let predicate = det.predicate;
    if (applied.length > 0) {
      // pySigma semantics: (rule condition) and (filter condition) for each filter.
      const fp = applied.map((f) => compileDetection(f, pipeline).predicate);
      predicate = and([det.predicate, ...fp]);
    }
    const { precondition, routed } = compileLogsource(rule.logsource, pipeline);
    return { compiled: { rule, predicate, witness: det.witness, precondition, routed, filters: applied.map((f) => f.id ?? f.title) }, issues: [] };
  } catch (e) {
    if (e instanceof SigmaBuildError) {
      return {
        compiled: undefined,
        issues: [
          {
            code: e.code,
            severity: 'error',
            message: e.message,
            ...(rule.file !== undefined ? { file: rule.file } : {}),
            line: e.pos?.line ?? rule.line,
            ...(e.pos !== undefined ? { column: e.pos.column } : {}),
            ...(rule.id !== undefined ? { ruleId: rule.id } : {}),
          },
        ],
      };
    }
    throw e;
  }
}
