/**
 * Coverage per technique, from evidence: what your logs let you see (visibility: the technique's
 * v18 analytics, or its <= v17 data components, whose log sources are in the newest log inventory),
 * what your rules let you detect (detection: its Sigma rules, and its sub-techniques', whose
 * logsource the inventory feeds) and what fired (the newest saved hunt's hits), with a declared
 * coverage file merged in (never lowering what the evidence shows). One level per technique:
 * none < visible < detectable < detected, with the reasons and what would close the gap.
 *
 * Computed for a whole dataset in a few queries (the matrix, `coverage --group`), or for one
 * technique (its page); both go through {@link assess}, so they never disagree.
 */
import type { Store } from '../../store/sqlite/store.ts';
import type { Dataset } from '../datasets.ts';
import { parsePlatforms } from '../relations.ts';
import { savedInventory, storedDeclaration } from '../inventory.ts';
import { latestHuntRun } from '../hunts.ts';
import { type Declaration, EMPTY_DECLARATION, mergeDeclarations, parseDeclaration } from './declared.ts';
import { Evidence } from './evidence.ts';
import { dataComponentSources, describeRequirement } from '../../core/log-sources.ts';
import { type CoverageLevel, levelRank, maxLevel } from './levels.ts';

export interface LogSourceCoverage {
  readonly name: string;
  readonly channel: string | null;
  readonly dataComponent: string | null;
  /** What the inventory must hold, for people (`Security event 4624, 4648`). */
  readonly needs: string;
  readonly present: boolean;
  readonly declared: boolean;
  readonly events: number;
  readonly presentEventIds: string[];
  readonly missingEventIds: string[];
}

export interface AnalyticCoverage {
  readonly id: string;
  readonly name: string;
  readonly strategy: string;
  readonly platforms: string[];
  /** all: every log source present; some: part of them; none. */
  readonly runnable: 'all' | 'some' | 'none';
  readonly logSources: LogSourceCoverage[];
}

export interface DataComponentCoverage {
  readonly id: string;
  readonly name: string;
  readonly present: boolean;
  readonly declared: boolean;
  readonly logSources: LogSourceCoverage[];
}

export interface RuleCoverage {
  readonly id: string;
  readonly title: string;
  readonly level: string | null;
  readonly logsource: { readonly product: string | null; readonly category: string | null; readonly service: string | null };
  /** The sub-technique the rule is tagged with, or null. */
  readonly subtechnique: string | null;
  readonly runnable: boolean;
  readonly declared: boolean;
  readonly needs: string;
  /** Hits in the newest saved hunt. */
  readonly hits: number;
}

export interface CoverageGap {
  /** The level that closing it would reach. */
  readonly reaches: CoverageLevel;
  readonly what: string;
}

export interface TechniqueCoverage {
  readonly id: string;
  readonly name: string;
  readonly level: CoverageLevel;
  /** The level the evidence alone gives (the declaration may raise `level`, never lower it). */
  readonly evidenceLevel: CoverageLevel;
  /** The level comes from the declaration. */
  readonly declared: boolean;
  readonly reasons: string[];
  readonly analytics: AnalyticCoverage[];
  readonly dataComponents: DataComponentCoverage[];
  readonly rules: RuleCoverage[];
  readonly hits: number;
  readonly gaps: CoverageGap[];
  /** What it was computed from: the inventory, the hunt and the declaration (null: none). */
  readonly basis: CoverageBasis;
}

export interface CoverageBasis {
  readonly inventory: { readonly id: number; readonly label: string | null; readonly createdAt: string; readonly events: number; readonly keys: number } | null;
  readonly hunt: { readonly id: number; readonly label: string | null; readonly finishedAt: string } | null;
  readonly declared: { readonly source: string; readonly format: string } | null;
}

export interface DatasetCoverage {
  readonly basis: CoverageBasis;
  readonly techniques: Map<string, TechniqueCoverage>;
}

/** What coverage is computed from: loaded once per state of the store (see {@link CoverageContextCache}). */
export interface CoverageContext {
  readonly basis: CoverageBasis;
  readonly evidence: Evidence;
  /** Hits of the newest saved hunt per ATT&CK ID and rule. */
  readonly hits: Map<string, Map<string, { title: string; hits: number }>>;
}

interface AnalyticRow {
  tid: string;
  sid: string | null;
  sname: string | null;
  aid: string | null;
  aname: string | null;
  aplat: string | null;
  lsname: string | null;
  lschannel: string | null;
  dcname: string | null;
}

interface RuleRow {
  attack_id: string;
  rule_id: string | null;
  rule_key: string;
  title: string;
  level: string | null;
  product: string | null;
  category: string | null;
  service: string | null;
}

/** Reads the declaration stored with `coverage declare` (several files as a JSON list of {source, text}). */
export function storedDeclarations(store: Store): Declaration {
  const stored = storedDeclaration(store);
  if (stored === undefined) return EMPTY_DECLARATION;
  const files = JSON.parse(stored.text) as { source: string; text: string }[];
  return mergeDeclarations(files.map((f) => parseDeclaration(f.text, f.source)));
}

/**
 * The state of the store coverage depends on; a change of it means recomputing. The declaration
 * counts by its text, not only its time: two declarations within one millisecond (a fast machine,
 * a script) have the same `declared_at`, and the first one's coverage was served for the second.
 */
export function coverageStamp(store: Store): string {
  const r = store.get<{ i: number | null; h: number | null; d: string | null; t: string | null; s: number; m: string | null; ds: number | null }>(
    `SELECT (SELECT max(id) FROM log_inventory) AS i, (SELECT max(id) FROM hunt_run) AS h, (SELECT declared_at FROM declared_coverage WHERE id = 1) AS d,
       (SELECT source || char(0) || text FROM declared_coverage WHERE id = 1) AS t,
       (SELECT count(*) FROM sigma_rule) AS s, (SELECT max(imported_at) FROM sigma_rule) AS m, (SELECT max(id) FROM dataset) AS ds`,
  );
  return JSON.stringify(r);
}

export function loadCoverageContext(store: Store, declaration?: Declaration): CoverageContext {
  const inv = savedInventory(store);
  const run = latestHuntRun(store);
  const decl = declaration ?? storedDeclarations(store);
  const hits = new Map<string, Map<string, { title: string; hits: number }>>();
  if (run !== undefined) {
    for (const r of store.all<{ attack_id: string; rule_id: string; title: string; hits: number }>(
      'SELECT attack_id, rule_id, title, sum(hits) AS hits FROM hunt_technique_hit WHERE run_id = ? GROUP BY attack_id, rule_id',
      run.id,
    )) {
      let m = hits.get(r.attack_id);
      if (m === undefined) hits.set(r.attack_id, (m = new Map<string, { title: string; hits: number }>()));
      m.set(r.rule_id, { title: r.title, hits: r.hits });
    }
  }
  return {
    basis: {
      inventory: inv === undefined ? null : { id: inv.id, label: inv.label, createdAt: inv.createdAt, events: inv.events, keys: inv.entries.length },
      hunt: run === undefined ? null : { id: run.id, label: run.label, finishedAt: run.finishedAt },
      declared: decl === EMPTY_DECLARATION || decl.source === '' ? null : { source: decl.source, format: decl.format },
    },
    evidence: new Evidence(inv?.entries ?? [], decl),
    hits,
  };
}

interface TechniqueInputs {
  readonly id: string;
  readonly name: string;
  readonly analytics: { id: string; name: string; strategy: string; platforms: string[]; logSources: { name: string; channel: string | null; dataComponent: string | null }[] }[];
  readonly dataComponents: { id: string; name: string }[];
  readonly rules: (RuleRow & { subtechnique: string | null })[];
}

function logSourceCoverage(ctx: CoverageContext, name: string, channel: string | null, dataComponent: string | null): LogSourceCoverage {
  const p = ctx.evidence.logSource(name, channel, dataComponent);
  return { name, channel, dataComponent, needs: describeRequirement(ctx.evidence.requirement(name, channel)), present: p.present, declared: p.declared, events: p.events, presentEventIds: p.presentEventIds, missingEventIds: p.missingEventIds };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The level, reasons and gaps of one technique from its analytics, data components, rules and the context. */
export function assess(ctx: CoverageContext, t: TechniqueInputs): TechniqueCoverage {
  const analytics: AnalyticCoverage[] = t.analytics.map((a) => {
    const logSources = a.logSources.map((l) => logSourceCoverage(ctx, l.name, l.channel, l.dataComponent));
    const present = logSources.filter((l) => l.present).length;
    return { ...a, runnable: present === 0 ? 'none' : present === logSources.length ? 'all' : 'some', logSources };
  });
  const dataComponents: DataComponentCoverage[] = t.dataComponents.map((dc) => {
    const logSources = dataComponentSources(dc.name).map((s) => logSourceCoverage(ctx, s.name, s.channel, dc.name));
    const declaredByName = ctx.evidence.declaration.dataComponents.some((d) => d.toLowerCase() === dc.name.toLowerCase());
    const seen = logSources.filter((l) => l.present && !l.declared);
    return { id: dc.id, name: dc.name, present: seen.length > 0 || declaredByName || logSources.some((l) => l.present), declared: seen.length === 0 && (declaredByName || logSources.some((l) => l.present)), logSources };
  });
  const ruleHits = (r: RuleRow & { subtechnique: string | null }): number => ctx.hits.get(r.subtechnique ?? t.id)?.get(r.rule_id ?? r.title)?.hits ?? 0;
  const rules: RuleCoverage[] = t.rules.map((r) => {
    const p = ctx.evidence.rule(r);
    return {
      id: r.rule_id ?? r.rule_key,
      title: r.title,
      level: r.level,
      logsource: { product: r.product, category: r.category, service: r.service },
      subtechnique: r.subtechnique,
      runnable: p.runnable,
      declared: p.declared,
      needs: p.needs,
      hits: ruleHits(r),
    };
  });
  // Hits of the technique and its sub-techniques, whichever rules they came from.
  let hits = 0;
  const firedBy: string[] = [];
  for (const [attackId, byRule] of ctx.hits) {
    if (attackId !== t.id && !attackId.startsWith(`${t.id}.`)) continue;
    for (const [, h] of byRule) {
      hits += h.hits;
      firedBy.push(`${h.title}${attackId === t.id ? '' : ` (${attackId})`}`);
    }
  }

  const reasons: string[] = [];
  let evidenceLevel: CoverageLevel = 'none';
  if (hits > 0) {
    evidenceLevel = 'detected';
    reasons.push(`${plural(hits, 'hit')} in saved hunt ${ctx.basis.hunt?.id ?? '?'}${ctx.basis.hunt?.label ? ` "${ctx.basis.hunt.label}"` : ''}: ${[...new Set(firedBy)].slice(0, 5).join('; ')}${firedBy.length > 5 ? '; ...' : ''}`);
  }
  const runnable = rules.filter((r) => r.runnable);
  if (runnable.length > 0) {
    evidenceLevel = maxLevel(evidenceLevel, 'detectable');
    const fromLogs = runnable.filter((r) => !r.declared);
    reasons.push(`${plural(runnable.length, 'Sigma rule')} of ${rules.length} can run on your logs${fromLogs.length === 0 ? ' (declared)' : ''}`);
  } else if (rules.length > 0) reasons.push(`none of its ${plural(rules.length, 'Sigma rule')} has its logs`);
  else reasons.push('no Sigma rule for it (or its sub-techniques) in the store');
  const visibleAnalytics = analytics.filter((a) => a.runnable !== 'none');
  const visibleComponents = dataComponents.filter((d) => d.present);
  if (visibleAnalytics.length > 0 || visibleComponents.length > 0) {
    evidenceLevel = maxLevel(evidenceLevel, 'visible');
    if (visibleAnalytics.length > 0) reasons.push(`${plural(visibleAnalytics.length, 'analytic')} of ${analytics.length} ha${visibleAnalytics.length === 1 ? 's' : 've'} log sources in your logs: ${visibleAnalytics.map((a) => a.id).join(', ')}`);
    if (visibleComponents.length > 0) reasons.push(`data components present: ${visibleComponents.map((d) => d.name).join(', ')}`);
  } else if (analytics.length > 0) reasons.push(`no log source of its ${plural(analytics.length, 'analytic')} is in your logs`);
  else if (dataComponents.length > 0) reasons.push(`no log source of its ${plural(dataComponents.length, 'data component')} is in your logs`);
  else reasons.push('ATT&CK names no analytic or data component for it');
  // Which evidence is declared only: a level reached by declared log sources or rules alone.
  const fromEvidence = ((): CoverageLevel => {
    if (hits > 0) return 'detected';
    if (runnable.some((r) => !r.declared)) return 'detectable';
    if (analytics.some((a) => a.logSources.some((l) => l.present && !l.declared)) || dataComponents.some((d) => d.present && !d.declared)) return 'visible';
    return 'none';
  })();
  let level = evidenceLevel;
  const declaredTechniques = ctx.evidence.declaration.techniques.filter((d) => d.id === t.id);
  for (const d of declaredTechniques) {
    if (levelRank(d.level) > levelRank(level)) level = d.level;
    reasons.push(`declared ${d.level}${d.note === null ? '' : `: ${d.note}`} (${ctx.evidence.declaration.source})`);
  }
  const declared = levelRank(level) > levelRank(fromEvidence);
  return {
    id: t.id,
    name: t.name,
    level,
    evidenceLevel: fromEvidence,
    declared,
    reasons,
    analytics,
    dataComponents,
    rules,
    hits,
    gaps: gapsOf(level, analytics, dataComponents, rules),
    basis: ctx.basis,
  };
}

/** What would raise the level: the missing log source that most analytics or rules need. */
function gapsOf(level: CoverageLevel, analytics: readonly AnalyticCoverage[], components: readonly DataComponentCoverage[], rules: readonly RuleCoverage[]): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  if (level === 'none') gaps.push(...visibilityGap(analytics, components));
  if (levelRank(level) < levelRank('detectable')) {
    const byNeed = new Map<string, number>();
    for (const r of rules) if (!r.runnable) byNeed.set(r.needs, (byNeed.get(r.needs) ?? 0) + 1);
    const best = [...byNeed].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0];
    if (best !== undefined) gaps.push({ reaches: 'detectable', what: `collect ${best[0]}: ${plural(best[1], 'Sigma rule')} would run` });
    else if (rules.length === 0) gaps.push({ reaches: 'detectable', what: `write a Sigma rule for it${analytics[0] !== undefined ? ` (analytic ${analytics[0].id} says what to look for)` : ''}` });
  }
  if (level === 'detectable') gaps.push({ reaches: 'detected', what: 'no rule fired in the newest saved hunt: run one over logs that hold the behaviour, or test it with an emulation' });
  return gaps;
}

/** The missing log source most of the analytics (or data components) need. */
function visibilityGap(analytics: readonly AnalyticCoverage[], components: readonly DataComponentCoverage[]): CoverageGap[] {
  const gaps: CoverageGap[] = [];
  {
    const byNeed = new Map<string, { n: number; source: string }>();
    for (const a of analytics) for (const l of a.logSources) if (!l.present) {
      const key = `${l.name} (${l.needs})`;
      const e = byNeed.get(key);
      byNeed.set(key, { n: (e?.n ?? 0) + 1, source: l.name });
    }
    for (const d of components) for (const l of d.logSources) if (!l.present) {
      const key = `${l.name} (${l.needs})`;
      const e = byNeed.get(key);
      byNeed.set(key, { n: (e?.n ?? 0) + 1, source: l.name });
    }
    const mapped = [...byNeed].filter(([k]) => !k.includes('does not read'));
    const best = (mapped.length > 0 ? mapped : [...byNeed]).sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]))[0];
    if (best !== undefined) gaps.push({ reaches: 'visible', what: `collect ${best[0]}` });
  }
  return gaps;
}

/** Per technique, its analytics (v18), data components (<= v17) and Sigma rules, for a dataset (or one technique). */
function techniqueInputs(store: Store, dataset: Dataset, only?: string): TechniqueInputs[] {
  const filter = only === undefined ? '' : 'AND t.attack_id = ?';
  const args = only === undefined ? [dataset.id] : [dataset.id, only];
  const techniques = store.all<{ attack_id: string; name: string | null }>(
    `SELECT t.attack_id, t.name FROM object t WHERE t.dataset_id = ? AND t.kind = 'technique' AND t.revoked = 0 AND t.deprecated = 0 AND t.attack_id IS NOT NULL ${filter} ORDER BY t.attack_id`,
    ...args,
  );
  const analytics = store.all<AnalyticRow>(
    `SELECT t.attack_id AS tid, s.attack_id AS sid, s.name AS sname, a.attack_id AS aid, a.name AS aname, a.platforms AS aplat,
       ls.name AS lsname, ls.channel AS lschannel, dc.name AS dcname
     FROM object t
     JOIN relationship r ON r.target_pk = t.pk AND r.type = 'detects' AND r.revoked = 0 AND r.deprecated = 0
     JOIN object s ON s.pk = r.source_pk AND s.kind = 'detection-strategy' AND s.revoked = 0 AND s.deprecated = 0
     JOIN strategy_analytic sa ON sa.strategy_pk = s.pk
     JOIN object a ON a.pk = sa.analytic_pk AND a.revoked = 0 AND a.deprecated = 0
     LEFT JOIN analytic_log_source ls ON ls.analytic_pk = a.pk
     LEFT JOIN object dc ON dc.pk = ls.data_component_pk
     WHERE t.dataset_id = ? AND t.kind = 'technique' ${filter}
     ORDER BY t.attack_id, s.attack_id, sa.position, ls.position`,
    ...args,
  );
  const components = store.all<{ tid: string; id: string | null; stix_id: string; name: string | null }>(
    `SELECT t.attack_id AS tid, o.attack_id AS id, o.stix_id, o.name FROM object t
     JOIN relationship r ON r.target_pk = t.pk AND r.type = 'detects' AND r.revoked = 0 AND r.deprecated = 0
     JOIN object o ON o.pk = r.source_pk AND o.kind = 'data-component' AND o.revoked = 0 AND o.deprecated = 0
     WHERE t.dataset_id = ? AND t.kind = 'technique' ${filter} ORDER BY t.attack_id, o.name`,
    ...args,
  );
  const ruleRows = store.all<RuleRow>(
    only === undefined
      ? `SELECT t.attack_id, r.rule_id, r.rule_key, r.title, r.level, r.product, r.category, r.service FROM sigma_rule_technique t JOIN sigma_rule r ON r.pk = t.rule_pk`
      : `SELECT t.attack_id, r.rule_id, r.rule_key, r.title, r.level, r.product, r.category, r.service FROM sigma_rule_technique t JOIN sigma_rule r ON r.pk = t.rule_pk WHERE t.attack_id = ? OR t.attack_id LIKE ?`,
    ...(only === undefined ? [] : [only, `${only}.%`]),
  );
  const byTechnique = new Map<string, TechniqueInputs>();
  for (const t of techniques) byTechnique.set(t.attack_id, { id: t.attack_id, name: t.name ?? '', analytics: [], dataComponents: [], rules: [] });
  for (const row of analytics) {
    const t = byTechnique.get(row.tid);
    if (t === undefined || row.aid === null) continue;
    let a = t.analytics[t.analytics.length - 1];
    if (a === undefined || a.id !== row.aid || a.strategy !== (row.sid ?? '')) {
      a = { id: row.aid, name: row.aname ?? '', strategy: row.sid ?? '', platforms: parsePlatforms(row.aplat), logSources: [] };
      t.analytics.push(a);
    }
    if (row.lsname !== null) a.logSources.push({ name: row.lsname, channel: row.lschannel, dataComponent: row.dcname });
  }
  for (const c of components) byTechnique.get(c.tid)?.dataComponents.push({ id: c.id ?? c.stix_id, name: c.name ?? '' });
  // A rule tagged with a technique and one of its sub-techniques counts once, as the technique's own.
  const own = new Map<string, Set<string>>();
  for (const r of ruleRows) {
    const id = r.attack_id.toUpperCase();
    let s = own.get(id);
    if (s === undefined) own.set(id, (s = new Set()));
    s.add(r.rule_key);
  }
  const seen = new Map<string, Set<string>>();
  for (const r of ruleRows) {
    const id = r.attack_id.toUpperCase();
    const parent = id.split('.')[0]!;
    const t = byTechnique.get(parent);
    const sub = parent === id ? null : id;
    for (const target of sub === null ? [t] : [t, byTechnique.get(id)]) {
      if (target === undefined) continue;
      const isSub = target.id !== id;
      if (isSub && own.get(target.id)?.has(r.rule_key) === true) continue;
      let s = seen.get(target.id);
      if (s === undefined) seen.set(target.id, (s = new Set()));
      if (s.has(r.rule_key)) continue;
      s.add(r.rule_key);
      target.rules.push({ ...r, subtechnique: isSub ? id : null });
    }
  }
  return [...byTechnique.values()];
}

/** Coverage of every technique of a dataset. */
export function datasetCoverage(store: Store, dataset: Dataset, ctx: CoverageContext): DatasetCoverage {
  const techniques = new Map<string, TechniqueCoverage>();
  for (const t of techniqueInputs(store, dataset)) techniques.set(t.id, assess(ctx, t));
  return { basis: ctx.basis, techniques };
}

/** Coverage of one technique (its page). */
export function techniqueCoverage(store: Store, dataset: Dataset, attackId: string, ctx: CoverageContext): TechniqueCoverage | undefined {
  const t = techniqueInputs(store, dataset, attackId)[0];
  return t === undefined ? undefined : assess(ctx, t);
}

/**
 * The context per store, reloaded when what it reads changed (a new inventory, hunt, declaration
 * or rules): the same store's pages and matrix reuse one.
 */
export class CoverageContextCache {
  private stamp: string | undefined;
  private ctx: CoverageContext | undefined;
  private full = new Map<number, DatasetCoverage>();
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  context(): CoverageContext {
    const stamp = coverageStamp(this.store);
    if (this.ctx === undefined || stamp !== this.stamp) {
      this.ctx = loadCoverageContext(this.store);
      this.stamp = stamp;
      this.full = new Map();
    }
    return this.ctx;
  }

  dataset(dataset: Dataset): DatasetCoverage {
    const ctx = this.context();
    let d = this.full.get(dataset.id);
    if (d === undefined) this.full.set(dataset.id, (d = datasetCoverage(this.store, dataset, ctx)));
    return d;
  }
}
