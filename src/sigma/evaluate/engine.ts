/**
 * The evaluator: routes an event by logsource and tests it only against the rules that can match.
 *
 *   Route      = per distinct tuple of routing-field values (Channel, EventID, ...): which rules'
 *                logsource preconditions hold, which pipeline field aliases apply. Computed on the
 *                first event of that tuple and cached.
 *   Index      = each rule with a witness (see compile.ts) is filed under one 4-character window of
 *                each witness literal (the window rarest among all literals). An event's lower-cased
 *                leaves are scanned once with a rolling 32-bit window hash against a bitset; only
 *                rules filed under a hit window are candidates. Rules without a witness are always
 *                candidates on their routes.
 */
import { compileConditionMap, type CompiledRule, type Predicate, WITNESS_MIN } from '../compile/compile.ts';
import type { ConditionMap, Pipeline } from '../pipeline/pipeline.ts';
import { eventContext, eventLeavesLower, getField, type EventContext } from './event.ts';

export interface EngineOptions {
  /** Logsource routing (default true). Off: every rule sees every event. */
  readonly routing?: boolean;
  /** Witness index (default true). Off: every routed rule is evaluated. */
  readonly index?: boolean;
}

export interface EngineStats {
  readonly rules: number;
  readonly indexed: number;
  readonly unrouted: number;
}

export interface EngineCounters {
  /** Events matched so far. */
  events: number;
  /** Rule predicates evaluated so far (candidates after routing and the index). */
  evaluated: number;
  /** Index entries visited (cost of the candidate search). */
  visited: number;
}

export interface Engine {
  readonly rules: readonly CompiledRule[];
  readonly stats: EngineStats;
  readonly counters: EngineCounters;
  /** Rules whose detection matches the event (parsed JSON). */
  match(event: unknown): CompiledRule[];
  /** Same, for an event already wrapped (the correlator and hunt runner reuse the context). */
  matchContext(ctx: EventContext): CompiledRule[];
}

interface Route {
  readonly enabled: Uint8Array;
  readonly always: Int32Array;
  readonly aliases: Readonly<Record<string, string>> | undefined;
}

const BITS = 20;
const MUL = 0x9e3779b1;

function fold(c: number): number {
  return (c ^ (c >>> 8)) & 0xff;
}
function gramHash(s: string, at: number): number {
  let h = 0;
  for (let i = at; i < at + 4; i++) h = ((h << 8) | fold(s.charCodeAt(i))) & 0x3fffffff;
  return h;
}

function routeFields(pipeline: Pipeline): string[] {
  const out = new Set<string>();
  const add = (m: ConditionMap): void => {
    for (const k of Object.keys(m)) out.add(k);
  };
  for (const r of pipeline.logsources) r.conditions.forEach(add);
  pipeline.fallback.forEach(add);
  for (const a of pipeline.eventAliases) add(a.when);
  return [...out];
}

export function createEngine(rules: readonly CompiledRule[], pipeline: Pipeline, options: EngineOptions = {}): Engine {
  const routing = options.routing ?? true;
  const useIndex = options.index ?? true;
  const n = rules.length;
  const fields = routeFields(pipeline);
  const aliasPreds: { when: Predicate; fields: Readonly<Record<string, string>> }[] = pipeline.eventAliases.map((a) => ({ when: compileConditionMap(a.when), fields: a.fields }));

  // Index: entries are rule * 4 + set index; a rule is a candidate when all its sets are hit.
  const bits = new Uint32Array(1 << (BITS - 5));
  const buckets = new Map<number, number[]>();
  const indexed = new Uint8Array(n);
  const full = new Uint8Array(n);
  if (useIndex) {
    const freq = new Map<number, number>();
    for (const r of rules) {
      for (const set of r.witness) {
        for (const w of set) {
          const seen = new Set<number>();
          for (let i = 0; i + 4 <= w.length; i++) seen.add(gramHash(w, i));
          for (const h of seen) freq.set(h, (freq.get(h) ?? 0) + 1);
        }
      }
    }
    rules.forEach((r, idx) => {
      const sets = r.witness.slice(0, 3);
      if (sets.length === 0 || sets.some((set) => set.some((w) => w.length < WITNESS_MIN))) return;
      indexed[idx] = 1;
      full[idx] = (1 << sets.length) - 1;
      sets.forEach((set, si) => {
        for (const w of set) {
          let best = -1;
          let bestFreq = Infinity;
          for (let i = 0; i + 4 <= w.length; i++) {
            const h = gramHash(w, i);
            const f = freq.get(h) ?? 0;
            if (f <= bestFreq) {
              bestFreq = f;
              best = h;
            }
          }
          const entry = idx * 4 + si;
          const list = buckets.get(best);
          if (list === undefined) buckets.set(best, [entry]);
          else if (!list.includes(entry)) list.push(entry);
          const b = Math.imul(best, MUL) >>> (32 - BITS);
          bits[b >>> 5] = (bits[b >>> 5] ?? 0) | (1 << (b & 31));
        }
      });
    });
  }
  const bucketArrays = new Map<number, Int32Array>();
  for (const [h, l] of buckets) bucketArrays.set(h, Int32Array.from(l));

  const routes = new Map<string, Route>();
  const routeFor = (ctx: EventContext): Route => {
    let key = '';
    for (let k = 0; k < fields.length; k++) {
      const v = getField(ctx, fields[k]!);
      key += typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
      key += '\u0001';
    }
    let r = routes.get(key);
    if (r === undefined) {
      const enabled = new Uint8Array(n);
      const always: number[] = [];
      let aliases: Record<string, string> | undefined;
      for (const a of aliasPreds) if (a.when(ctx)) aliases = { ...aliases, ...a.fields };
      for (let i = 0; i < n; i++) {
        const ok = !routing || (rules[i] as CompiledRule).precondition(ctx);
        if (ok) {
          enabled[i] = 1;
          if (indexed[i] === 0) always.push(i);
        }
      }
      r = { enabled, always: Int32Array.from(always), aliases };
      if (routes.size > 10_000) routes.clear();
      routes.set(key, r);
    }
    return r;
  };

  const counters: EngineCounters = { events: 0, evaluated: 0, visited: 0 };
  const stamp = new Uint32Array(n);
  const mask = new Uint8Array(n);
  let epoch = 0;
  const candidates: number[] = [];

  const matchContext = (ctx: EventContext): CompiledRule[] => {
    const route = routeFor(ctx);
    ctx.aliases = route.aliases;
    epoch = (epoch + 1) >>> 0;
    if (epoch === 0) {
      stamp.fill(0);
      epoch = 1;
    }
    candidates.length = 0;
    const enabled = route.enabled;
    if (bucketArrays.size > 0) {
      const leaves = eventLeavesLower(ctx);
      for (const s of leaves) {
        const len = s.length;
        if (len < 4) continue;
        let h = 0;
        for (let i = 0; i < len; i++) {
          h = ((h << 8) | fold(s.charCodeAt(i))) & 0x3fffffff;
          if (i < 3) continue;
          const b = Math.imul(h, MUL) >>> (32 - BITS);
          if ((bits[b >>> 5]! & (1 << (b & 31))) === 0) continue;
          const list = bucketArrays.get(h);
          if (list === undefined) continue;
          counters.visited += list.length;
          for (let k = 0; k < list.length; k++) {
            const e = list[k]!;
            const r = e >>> 2;
            if (enabled[r] !== 1) continue;
            if (stamp[r] !== epoch) {
              stamp[r] = epoch;
              mask[r] = 0;
            }
            const m = mask[r]!;
            if (m === 0xff) continue;
            const nm = m | (1 << (e & 3));
            if (nm === full[r]) {
              mask[r] = 0xff;
              candidates.push(r);
            } else mask[r] = nm;
          }
        }
      }
    }
    const always = route.always;
    for (let k = 0; k < always.length; k++) candidates.push(always[k]!);
    const out: CompiledRule[] = [];
    counters.events++;
    counters.evaluated += candidates.length;
    if (candidates.length > 1) candidates.sort((a, b) => a - b);
    for (const r of candidates) {
      const rule = rules[r]!;
      if (rule.predicate(ctx)) out.push(rule);
    }
    return out;
  };

  return {
    rules,
    stats: { rules: n, indexed: indexed.reduce((a, b) => a + b, 0), unrouted: rules.filter((r) => !r.routed).length },
    counters,
    match: (event) => matchContext(eventContext(event)),
    matchContext,
  };
}
