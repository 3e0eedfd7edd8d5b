/**
 * Correlation rules over the stream of detection matches. Data structures:
 *
 *   Correlator  = per correlation, per group key (the `group-by` values, through `aliases`), a small
 *                 window state; windows slide on event time (ms) and a group's state is cleared when
 *                 it fires (one alert per burst; the next needs fresh matches).
 *   event_count       times[]                         count within timespan
 *   value_count       (time, value)[]                 distinct values of `field` within timespan
 *   temporal          rule -> last time               rules seen within timespan (default: all)
 *   temporal_ordered  progress[i] = start of a chain that matched rules 0..i in order
 *   value_sum/avg/percentile (time, number)[]         aggregate of `field` within timespan
 *
 * Conditions are evaluated when a match arrives. Events without a timestamp count as time 0 (their
 * windows never expire). Correlation hits feed correlations that reference them (chaining).
 */
import { showValue, type SigmaIssue } from '../issues.ts';
import type { CompareOp, SigmaCorrelation, SigmaRule } from '../rule/model.ts';
import { getField, unwrap, type EventContext } from '../runtime/event.ts';

export interface CorrelationHit {
  readonly correlation: SigmaCorrelation;
  /** group-by field -> value. */
  readonly group: Readonly<Record<string, string>>;
  readonly timeMs: number;
  /** The aggregate that met the condition (count, distinct count, sum...). */
  readonly value: number;
}

export interface Correlator {
  /** Feed the detection matches of one event; returns correlation hits (chained ones included). */
  feed(matched: readonly SigmaRule[], ctx: EventContext, timeMs: number | undefined): CorrelationHit[];
  /** True when a rule's standalone matches are hidden (only referenced by `generate: false` correlations). */
  suppressed(doc: SigmaRule | SigmaCorrelation): boolean;
  readonly correlations: readonly SigmaCorrelation[];
}

type Source = { kind: 'rule'; rule: SigmaRule; ctx: EventContext } | { kind: 'corr'; hit: CorrelationHit };

interface State {
  times: number[];
  values: unknown[];
  last: Map<number, number>;
  progress: (number | undefined)[];
}

function holds(cond: Readonly<Partial<Record<CompareOp, number>>>, x: number): boolean {
  for (const [op, n] of Object.entries(cond) as [CompareOp, number][]) {
    const ok = op === 'gt' ? x > n : op === 'gte' ? x >= n : op === 'lt' ? x < n : op === 'lte' ? x <= n : op === 'eq' ? x === n : x !== n;
    if (!ok) return false;
  }
  return true;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (rank - lo);
}

export function createCorrelator(correlations: readonly SigmaCorrelation[], rules: readonly SigmaRule[]): { correlator: Correlator; issues: SigmaIssue[] } {
  const issues: SigmaIssue[] = [];
  const byRef = new Map<string, SigmaRule | SigmaCorrelation>();
  for (const r of [...rules, ...correlations]) {
    if (r.id !== undefined) byRef.set(r.id, r);
    if (r.name !== undefined) byRef.set(r.name, r);
  }
  // doc -> [(correlation, index of the doc in correlation.rules)]
  const listeners = new Map<SigmaRule | SigmaCorrelation, { corr: SigmaCorrelation; idx: number }[]>();
  const generated = new Set<SigmaRule | SigmaCorrelation>();
  const referenced = new Set<SigmaRule | SigmaCorrelation>();
  const valid: SigmaCorrelation[] = [];
  for (const c of correlations) {
    const targets: (SigmaRule | SigmaCorrelation)[] = [];
    let ok = true;
    for (const ref of c.rules) {
      const t = byRef.get(ref);
      if (t === undefined || t === c) {
        ok = false;
        issues.push({ code: 'unknown-rule-reference', severity: 'error', message: `correlation references unknown rule '${ref}'`, ...(c.file !== undefined ? { file: c.file } : {}), line: c.line, ...(c.id !== undefined ? { ruleId: c.id } : {}) });
      } else targets.push(t);
    }
    if (!ok) continue;
    valid.push(c);
    targets.forEach((t, idx) => {
      const l = listeners.get(t) ?? [];
      l.push({ corr: c, idx });
      listeners.set(t, l);
      referenced.add(t);
      if (c.generate) generated.add(t);
    });
  }
  const states = new Map<SigmaCorrelation, Map<string, State>>();

  const fieldFor = (c: SigmaCorrelation, doc: SigmaRule | SigmaCorrelation, field: string): string => {
    const m = c.aliases.get(field);
    if (m === undefined) return field;
    return (doc.name !== undefined ? m.get(doc.name) : undefined) ?? (doc.id !== undefined ? m.get(doc.id) : undefined) ?? field;
  };
  const valueOf = (src: Source, c: SigmaCorrelation, doc: SigmaRule | SigmaCorrelation, field: string): unknown => {
    const f = fieldFor(c, doc, field);
    if (src.kind === 'corr') return src.hit.group[f] ?? src.hit.group[field];
    const v = unwrap(getField(src.ctx, f));
    return Array.isArray(v) ? v.map(showValue).join(',') : v;
  };

  const process = (doc: SigmaRule | SigmaCorrelation, src: Source, t: number, out: CorrelationHit[]): void => {
    for (const { corr: c, idx } of listeners.get(doc) ?? []) {
      const group: Record<string, string> = {};
      let missing = false;
      for (const g of c.groupBy) {
        const v = valueOf(src, c, doc, g);
        if (v === undefined || v === null) missing = true;
        else group[g] = showValue(v);
      }
      if (missing) continue;
      const key = JSON.stringify(c.groupBy.map((g) => group[g]));
      let perGroup = states.get(c);
      if (perGroup === undefined) states.set(c, (perGroup = new Map<string, State>()));
      let st = perGroup.get(key);
      if (st === undefined) perGroup.set(key, (st = { times: [], values: [], last: new Map(), progress: [] }));
      const span = c.timespanMs;
      const prune = (s: State): void => {
        let k = 0;
        while (k < s.times.length && t - (s.times[k] as number) > span) k++;
        if (k > 0) {
          s.times.splice(0, k);
          s.values.splice(0, k);
        }
      };
      let fired: number | undefined;
      switch (c.type) {
        case 'event_count': {
          st.times.push(t);
          st.values.push(undefined);
          prune(st);
          if (holds(c.condition, st.times.length)) fired = st.times.length;
          break;
        }
        case 'value_count':
        case 'value_sum':
        case 'value_avg':
        case 'value_percentile': {
          const vals = c.field.map((f) => valueOf(src, c, doc, f));
          if (vals.some((v) => v === undefined || v === null)) break;
          st.times.push(t);
          st.values.push(c.type === 'value_count' ? JSON.stringify(vals) : Number(vals[0]));
          prune(st);
          if (c.type === 'value_count') {
            const d = new Set(st.values).size;
            if (holds(c.condition, d)) fired = d;
          } else {
            const nums = (st.values as number[]).filter((x) => Number.isFinite(x));
            const sum = nums.reduce((a, b) => a + b, 0);
            const agg = c.type === 'value_sum' ? sum : c.type === 'value_avg' ? sum / nums.length : percentile([...nums].sort((a, b) => a - b), c.percentile ?? 50);
            if (nums.length > 0 && holds(c.condition, agg)) fired = agg;
          }
          break;
        }
        case 'temporal': {
          st.last.set(idx, t);
          for (const [k, lt] of st.last) if (t - lt > span) st.last.delete(k);
          if (holds(c.condition, st.last.size)) fired = st.last.size;
          break;
        }
        case 'temporal_ordered': {
          const p = st.progress;
          if (idx === 0) p[0] = t;
          else {
            const prev = p[idx - 1];
            if (prev !== undefined && t - prev <= span) p[idx] = Math.max(p[idx] ?? -Infinity, prev);
          }
          const done = p[c.rules.length - 1];
          if (done !== undefined && t - done <= span && holds(c.condition, c.rules.length)) fired = c.rules.length;
          break;
        }
      }
      if (fired !== undefined) {
        perGroup.delete(key);
        const hit: CorrelationHit = { correlation: c, group, timeMs: t, value: fired };
        out.push(hit);
        process(c, { kind: 'corr', hit }, t, out);
      }
    }
  };

  const correlator: Correlator = {
    correlations: valid,
    feed(matched, ctx, timeMs) {
      const out: CorrelationHit[] = [];
      if (listeners.size === 0) return out;
      const t = timeMs ?? 0;
      for (const r of matched) if (listeners.has(r)) process(r, { kind: 'rule', rule: r, ctx }, t, out);
      return out;
    },
    suppressed(doc) {
      return referenced.has(doc) && !generated.has(doc);
    },
  };
  return { correlator, issues };
}
