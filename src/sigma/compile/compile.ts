/**
 * Rules -> plain JavaScript predicates, once. Data structures:
 *
 *   CompiledRule = { rule, predicate(ctx), witness, precondition(ctx), routed }
 *   witness      = up to MAX_SETS sets of lower-cased literals such that any event the rule
 *                  matches has, for every set, one of its literals as a substring of one of its
 *                  leaf values ([] when no such set exists: `not`, numeric compares...; see
 *                  witness.ts). The engine indexes rules by them and evaluates a rule only when
 *                  all its sets are hit.
 *   EvalCache    = the per-event memo the predicates of a collection share (field values, their
 *                  lower-case forms, item results; runtime/eval-cache.ts).
 *
 * Field names go through the pipeline's field mappings here; the event shapes are handled by
 * runtime/event.ts. Case folding is String.prototype.toLowerCase (full Unicode simple folding) on
 * both sides; `cased` and `re` compare as written.
 */
import { SigmaBuildError, type SigmaIssue } from '../issues.ts';
import { parseSigmaString } from '../modifiers/modifiers.ts';
import { compileCidr } from '../modifiers/cidr.ts';
import { compileLinearRegex } from '../modifiers/linear-regex.ts';
import { wrapAny, type DetectionItem, type Logsource, type SigmaFilter, type SigmaRule, type SigmaValue } from '../rule/model.ts';
import type { ConditionMap, Pipeline } from '../pipeline/pipeline.ts';
import { eventLeaves, eventLeavesLower, getField, unwrap, type EventContext } from '../runtime/event.ts';
import { EvalCache, scalarString, type Getter, type Predicate } from '../runtime/eval-cache.ts';
import { compilePattern, compileShapeSet, patternShape, regexPrefilter, type StringTest } from './strings.ts';
import { resolvePlaceholders } from './placeholders.ts';
import { detectionWitness } from './witness.ts';
import { factsOf } from './facts.ts';
import { foldDetection } from './fold.ts';

export type { Predicate } from '../runtime/eval-cache.ts';
export { EvalCache } from '../runtime/eval-cache.ts';

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
  /**
   * The detection evaluated on an event's routing fields alone (Channel, EventID...: the same for
   * every event of a route), in three-valued logic: 0 = cannot match any event of this route,
   * 1 or 2 = may. Undefined when the detection tests no routing field. The engine drops a rule
   * from a route on 0 (e.g. `EventID: 4624` on the route of Security 4688 events).
   */
  readonly routeCheck?: (ctx: EventContext) => number;
}

/** The fields logsource routing reads: the engine keys its routes on their values. */
export function routeFields(pipeline: Pipeline): string[] {
  const out = new Set<string>();
  const add = (m: ConditionMap): void => {
    for (const k of Object.keys(m)) out.add(k);
  };
  for (const r of pipeline.logsources) r.conditions.forEach(add);
  pipeline.fallback.forEach(add);
  for (const a of pipeline.eventAliases) add(a.when);
  return [...out];
}

export { WITNESS_MIN, MAX_SETS } from './witness.ts';


function mappedTargets(field: string, pipeline: Pipeline): readonly string[] {
  return pipeline.fieldMappings[field] ?? [field];
}

function makeGetter(field: string, pipeline: Pipeline): Getter {
  const targets = mappedTargets(field, pipeline);
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

/** Does the leading inline flag group of a PCRE pattern, or Sigma's flags, make it ignore case? */
function ignoresCase(value: { readonly source: string; readonly flags: string }): boolean {
  return value.flags.includes('i') || (/^(?:\(\?[imsx]+\))+/.exec(value.source)?.[0].includes('i') ?? false);
}

/** A `re` value's test: RE2, behind the literal prefilter of its JavaScript form when it has one. */
function regexTest(value: Extract<SigmaValue, { type: 'regex' }>): StringTest {
  const re = compileLinearRegex(value.re2, value.flags);
  const pre = value.witness === undefined ? undefined : regexPrefilter(value.witness, ignoresCase(value));
  if (pre === undefined) return (s) => re.test(s);
  return (s) => pre(s) && re.test(s);
}

/**
 * One value -> a test over one scalar event value (unwrapped; undefined = absent). String patterns
 * are `str` tests over the scalar's string form, already lower-cased unless the item is `cased`;
 * the rest look at the value itself.
 */
type ValueTest = { readonly str: StringTest; readonly any?: undefined } | { readonly str?: undefined; readonly any: (v: unknown, ctx: EventContext) => boolean };

function compileValue(value: SigmaValue, item: DetectionItem, pipeline: Pipeline): ValueTest[] {
  switch (value.type) {
    case 'null':
      return [{ any: (v) => v === undefined || v === null }];
    case 'string':
      return resolvePlaceholders(value.parts, pipeline).map((p) => ({ str: compilePattern(p, item.cased) }));
    case 'regex': {
      const test = regexTest(value);
      return [{ any: (v) => {
        const s = scalarString(v);
        return s !== undefined && test(s);
      } }];
    }
    case 'cidr': {
      const test = compileCidr(value.cidr);
      if (test === undefined) return [{ any: () => false }]; // not reached: the parser rejects bad networks
      return [{ any: (v) => typeof v === 'string' && test(v) }];
    }
    case 'compare': {
      const { op, value: n } = value;
      return [{ any: (v) => {
        const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        if (Number.isNaN(x)) return false;
        return op === 'lt' ? x < n : op === 'lte' ? x <= n : op === 'gt' ? x > n : x >= n;
      } }];
    }
    case 'timepart': {
      const { part, value: n } = value;
      return [{ any: (v) => typeof v === 'string' && timePart(v, part) === n }];
    }
    case 'exists': {
      const want = value.value;
      return [{ any: (v) => (v !== undefined) === want }];
    }
    case 'fieldref': {
      const other = makeGetter(value.field, pipeline);
      const { mode } = value;
      const cased = item.cased;
      return [{ any: (v, ctx) => {
        const a = scalarString(v);
        if (a === undefined) return false;
        const av = cased ? a : a.toLowerCase();
        return anyScalar(other(ctx), (o) => {
          const b = scalarString(o);
          if (b === undefined) return false;
          const bv = cased ? b : b.toLowerCase();
          return mode === 'eq' ? av === bv : mode === 'startswith' ? av.startsWith(bv) : mode === 'endswith' ? av.endsWith(bv) : av.includes(bv);
        });
      } }];
    }
  }
}

/** One scalar (already unwrapped) against a list of value tests, OR-ed or (all) AND-ed. */
function scalarPasses(tests: readonly ValueTest[], v: unknown, s: string | undefined, ctx: EventContext, all: boolean): boolean {
  for (let k = 0; k < tests.length; k++) {
    const t = tests[k] as ValueTest;
    const ok = t.str !== undefined ? s !== undefined && t.str(s) : t.any(v, ctx);
    if (ok !== all) return ok;
  }
  return all;
}

/** The canonical form of an item: two items with the same key give the same result on any event. */
function itemKey(item: DetectionItem, pipeline: Pipeline): string {
  const values = item.values.map((v) => {
    switch (v.type) {
      case 'regex':
        return ['re', v.re2, v.flags];
      case 'cidr':
        return ['cidr', v.cidr];
      default:
        return v;
    }
  });
  const field = item.field === null ? null : mappedTargets(item.field, pipeline);
  return JSON.stringify([field, item.all, item.neq, item.cased, values]);
}

function compileItem(item: DetectionItem, pipeline: Pipeline, cache: EvalCache): Predicate {
  const key = itemKey(item, pipeline);
  return cache.memo(cache.itemSlot(key), compileItemPlain(item, pipeline, cache));
}

function compileItemPlain(item: DetectionItem, pipeline: Pipeline, cache: EvalCache): Predicate {
  // Keywords: implicit `contains` over every leaf value of the event.
  if (item.field === null) {
    const kwTests = item.values.flatMap((v): ((s: string) => boolean)[] => {
      if (v.type === 'regex') return [regexTest(v)];
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
  const slot = cache.fieldSlot(JSON.stringify(mappedTargets(item.field, pipeline)), makeGetter(item.field, pipeline));
  const cased = item.cased;
  let tests: ValueTest[];
  // Fast path: many literal patterns on one field, OR-ed: one test.
  const shapes = !item.all && item.values.length >= 4 && item.values.every((v) => v.type === 'string' && v.parts.every((x) => typeof x !== 'object'))
    ? item.values.map((v) => (v.type === 'string' ? patternShape(v.parts, item.cased) : undefined))
    : [];
  if (shapes.length > 0 && shapes.every((s) => s !== undefined)) tests = [{ str: compileShapeSet(shapes) }];
  else tests = item.values.flatMap((v) => compileValue(v, item, pipeline));
  const all = item.all;
  const p: Predicate = (ctx) => {
    const v = cache.value(ctx, slot);
    if (Array.isArray(v)) {
      // Arrays: any element (all: every test on some element).
      const one = (t: ValueTest): boolean => anyScalar(v, (x) => {
        const s = scalarString(x);
        return scalarPasses([t], x, s === undefined || cased ? s : s.toLowerCase(), ctx, false);
      });
      return all ? tests.every(one) : tests.some(one);
    }
    return scalarPasses(tests, v, cased ? cache.str(slot) : cache.low(slot), ctx, all);
  };
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

type Detection = SigmaRule['detection'];

function detectionPredicate(detection: Detection, pipeline: Pipeline, cache: EvalCache): Predicate {
  return foldDetection<Predicate>(detection, {
    item: (it) => compileItem(it, pipeline, cache),
    and,
    or,
    not: (inner) => (ctx) => !inner(ctx),
  });
}

const NO = 0;
const YES = 1;
const MAYBE = 2;
type Tri = (ctx: EventContext) => number;

function and3(parts: Tri[]): Tri {
  return (ctx) => {
    let r = YES;
    for (const p of parts) {
      const v = p(ctx);
      if (v === NO) return NO;
      if (v === MAYBE) r = MAYBE;
    }
    return r;
  };
}
function or3(parts: Tri[]): Tri {
  return (ctx) => {
    let r = NO;
    for (const p of parts) {
      const v = p(ctx);
      if (v === YES) return YES;
      if (v === MAYBE) r = MAYBE;
    }
    return r;
  };
}
function not3(inner: Tri): Tri {
  return (ctx) => {
    const v = inner(ctx);
    return v === MAYBE ? MAYBE : v === YES ? NO : YES;
  };
}

/**
 * What the rules of one collection share while compiling: the per-event memo of their predicates,
 * the memo of their route checks (kept apart: route checks run on a route's first event only), and
 * what depends on the pipeline alone (the fields route checks test; each distinct logsource's
 * precondition, built once for all the rules that declare it).
 */
export class CompileShared {
  readonly cache = new EvalCache();
  readonly routeCache = new EvalCache();
  /** Routing fields that no pipeline alias renames: the fields route checks evaluate. */
  readonly checkFields: ReadonlySet<string>;
  private readonly logsources = new Map<string, { precondition: Predicate; routed: boolean }>();

  readonly pipeline: Pipeline;

  constructor(pipeline: Pipeline) {
    this.pipeline = pipeline;
    const fields = new Set(routeFields(pipeline));
    for (const a of pipeline.eventAliases) for (const k of Object.keys(a.fields)) fields.delete(k);
    this.checkFields = fields;
  }

  /** compileLogsource, once per distinct (product, category, service). */
  logsource(ls: Logsource): { precondition: Predicate; routed: boolean } {
    const key = JSON.stringify([ls.product, ls.category, ls.service]);
    let r = this.logsources.get(key);
    if (r === undefined) this.logsources.set(key, (r = compileLogsource(ls, this.pipeline)));
    return r;
  }
}

/** Is the field one a route check evaluates (a routing field no alias renames)? */
function routeField(field: string, shared: CompileShared): boolean {
  const targets = mappedTargets(field, shared.pipeline);
  return targets.length === 1 && shared.checkFields.has(targets[0] as string);
}

/** Is the item one a route check evaluates (on a routing field no alias renames)? */
function routeItem(it: DetectionItem, shared: CompileShared): boolean {
  return it.field !== null && routeField(it.field, shared);
}

/**
 * The detection's route check (see CompiledRule.routeCheck): items on a routing field that no
 * pipeline alias renames are evaluated, every other item is MAYBE. Undefined when no item is on
 * such a field (told by `fields`, the detection's item fields, when known: the detection itself is
 * then read only when the check is built); otherwise built when first called (on the first event
 * of a route where the rule's logsource holds: most rules of a large set never get there).
 */
function detectionRouteCheck(detectionOf: () => Detection, fields: readonly string[] | undefined, shared: CompileShared): Tri | undefined {
  let any = false;
  if (fields !== undefined) any = fields.some((f) => routeField(f, shared));
  else for (const sid of detectionOf().identifiers.values()) for (const g of sid.groups) for (const it of g) any ||= routeItem(it, shared);
  if (!any) return undefined;
  const build = (): Tri =>
    foldDetection<Tri>(detectionOf(), {
      item: (it) => {
        if (!routeItem(it, shared)) return () => MAYBE;
        const p = compileItemPlain(it, shared.pipeline, shared.routeCache);
        return (ctx) => (p(ctx) ? YES : NO);
      },
      and: and3,
      or: or3,
      not: not3,
    });
  let check: Tri | undefined;
  return (ctx) => (check ??= build())(ctx);
}

/** The only compile-time error of a detection: a placeholder the pipeline has no value for (under placeholder_fallback: error). */
function checkPlaceholders(detection: Detection, pipeline: Pipeline): void {
  if (pipeline.placeholderFallback !== 'error') return;
  for (const sid of detection.identifiers.values())
    for (const g of sid.groups)
      for (const it of g)
        for (const v of it.values) if (v.type === 'string') resolvePlaceholders(v.parts, pipeline);
}

/** A condition map as one test per field, each over that field's value (getField's result). */
export function conditionTests(map: ConditionMap): { field: string; test: (v: unknown) => boolean }[] {
  return Object.entries(map).map(([field, want]) => {
    if (want === null) return { field, test: (v) => v === undefined || v === null };
    if (want === '*') return { field, test: (v) => v !== undefined && v !== null };
    const list = Array.isArray(want) ? want : [want];
    const tests = list.map((w) => compilePattern(typeof w === 'string' ? parseSigmaString(w) : [String(w)], false));
    return {
      field,
      test: (value) => anyScalar(value, (v) => {
        const s = scalarString(v);
        if (s === undefined) return false;
        const l = s.toLowerCase();
        return tests.some((t) => t(l));
      }),
    };
  });
}

/** A pipeline condition map -> predicate (values OR-ed, case-insensitive with `*`; a lone `*` = present; null = absent). */
export function compileConditionMap(map: ConditionMap): Predicate {
  const preds: Predicate[] = conditionTests(map).map(({ field, test }) => (ctx) => test(getField(ctx, field)));
  return and(preds.length === 0 ? [() => true] : preds);
}

function logsourceFits(match: Logsource, ls: Logsource): boolean {
  return (
    (match.product === undefined || match.product === ls.product) &&
    (match.category === undefined || match.category === ls.category) &&
    (match.service === undefined || match.service === ls.service)
  );
}

/** Does the declared log source settle a pipeline entry (name every attribute it matches on, with that value)? */
function settles(declared: Logsource | undefined, match: Logsource): boolean {
  if (declared === undefined) return false;
  return (
    (match.product === undefined || match.product === declared.product) &&
    (match.category === undefined || match.category === declared.category) &&
    (match.service === undefined || match.service === declared.service)
  );
}

/** The routing precondition of a logsource under a pipeline. */
export function compileLogsource(ls: Logsource, pipeline: Pipeline): { precondition: Predicate; routed: boolean } {
  const all = pipeline.logsources.filter((r) => logsourceFits(r.match, ls));
  // Entries the declared log source settles hold for every event (see declareLogsource).
  const entries = all.filter((r) => !settles(pipeline.declared, r.match));
  if (all.length > 0 && entries.length === 0) return { precondition: () => true, routed: true };
  if (entries.length === 0) {
    if (pipeline.fallback.length === 0) return { precondition: () => true, routed: false };
    return { precondition: or(pipeline.fallback.map(compileConditionMap)), routed: false };
  }
  return { precondition: and(entries.map((e) => or(e.conditions.map(compileConditionMap)))), routed: true };
}

/**
 * May a rule of logsource `rule` see an event of recognised log source `source` (undefined:
 * unknown)? A rule with a product: only that product's events, and of its service and category
 * when both the rule and the source name one. A rule without a product (`category: proxy`...): events
 * of unknown source, or of a source with the rule's category or service.
 */
export function logsourceAdmits(rule: Logsource, source: Logsource | undefined): boolean {
  if (source === undefined) return rule.product === undefined;
  if (rule.product === undefined) {
    return (rule.category !== undefined && rule.category === source.category) || (rule.service !== undefined && rule.service === source.service);
  }
  return (
    rule.product === source.product &&
    (source.service === undefined || rule.service === undefined || rule.service === source.service) &&
    (source.category === undefined || rule.category === undefined || rule.category === source.category)
  );
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

/**
 * Compiles one rule. Rules compiled with the same `shared` (compileCollection passes one per
 * collection; its pipeline must be `pipeline`) share their per-event field lookups and item
 * results, and their logsource preconditions; without one the rule gets its own.
 */
export function compileRule(rule: SigmaRule, pipeline: Pipeline, filters: readonly SigmaFilter[] = [], shared: CompileShared = new CompileShared(pipeline)): CompileResult {
  const { cache } = shared;
  try {
    const applied = filters.filter((f) => filterApplies(f, rule));
    // A rule decoded from the stored form has these facts of its detection (compile/facts.ts), which
    // then is decoded only when the rule is first evaluated.
    const facts = factsOf(rule);
    if (facts === undefined || facts.placeholders) checkPlaceholders(rule.detection, pipeline);
    for (const f of applied) checkPlaceholders(f.detection, pipeline);
    const witness = facts?.witness ?? detectionWitness(rule.detection);
    // The predicate is built on the rule's first evaluation: most rules of a large set never see an
    // event of their logsource in a given log, and building closures is most of compiling.
    let real: Predicate | undefined;
    const build = (): Predicate => {
      const det = detectionPredicate(rule.detection, pipeline, cache);
      // pySigma semantics: (rule condition) and (filter condition) for each filter.
      return applied.length === 0 ? det : and([det, ...applied.map((f) => detectionPredicate(f.detection, pipeline, cache))]);
    };
    const predicate: Predicate = (ctx) => (real ??= build())(ctx);
    const { precondition, routed } = shared.logsource(rule.logsource);
    const checks = [detectionRouteCheck(() => rule.detection, facts?.fields, shared), ...applied.map((f) => detectionRouteCheck(() => f.detection, undefined, shared))].filter((c): c is Tri => c !== undefined);
    const routeCheck: Tri | undefined = checks.length === 0 ? undefined : (ctx) => (checks.some((c) => c(ctx) === NO) ? NO : MAYBE);
    return { compiled: { rule, predicate, witness, precondition, routed, filters: applied.map((f) => f.id ?? f.title), ...(routeCheck !== undefined ? { routeCheck } : {}) }, issues: [] };
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
