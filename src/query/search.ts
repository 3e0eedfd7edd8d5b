/**
 * Ranked full-text search over IDs, names, aliases and descriptions (FTS5, bm25), in the datasets
 * of a scope (by default the newest of each domain). An exact ID or name match always ranks first.
 */
import { type Domain, type Kind, isKind, PAGE_KINDS } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';
import { type DatasetScope, datasetsInScope } from './datasets.ts';
import { reportId } from './reports.ts';
import { compareVersionsNewestFirst, frameworkName } from '../core/frameworks.ts';

export interface SearchOptions extends DatasetScope {
  /** Only this kind of node (technique, group, software...). */
  readonly type?: string | undefined;
  readonly limit?: number | undefined;
  /** Also revoked and deprecated objects. */
  readonly includeHidden?: boolean | undefined;
}

export interface SearchHit {
  readonly id: string;
  readonly name: string;
  readonly type: Kind;
  readonly domain: Domain;
  readonly attackVersion: string;
  /** A short piece of the description around the first matched word. */
  readonly snippet: string;
  readonly revoked: boolean;
  readonly deprecated: boolean;
}

interface HitRow {
  pk: number;
  attack_id: string | null;
  stix_id: string;
  name: string | null;
  kind: Kind;
  description: string | null;
  revoked: number;
  deprecated: number;
  dataset_id: number;
  rank: number;
}

const KIND_PRIOR: Partial<Record<Kind, number>> = {
  technique: 1.6,
  tactic: 1.4,
  group: 1.4,
  software: 1.3,
  campaign: 1.3,
  mitigation: 1.2,
  'data-component': 1.1,
  analytic: 0.7,
};

// bm25 column weights: attack_id, name, aliases, description.
const RANK = 'bm25(object_fts, 20.0, 8.0, 5.0, 1.0)';

export function search(store: Store, text: string, options: SearchOptions = {}): SearchHit[] {
  const words = (text.normalize('NFKC').match(/[\p{L}\p{N}_.]+/gu) ?? []).map((w) => w.replace(/^\.+|\.+$/g, '')).filter((w) => w !== '');
  if (words.length === 0) throw new TtpgraphError('invalid-argument', 'search needs at least one word or ID');
  if (options.type !== undefined && (!isKind(options.type) || !PAGE_KINDS.includes(options.type))) {
    throw new TtpgraphError('invalid-argument', `unknown type "${options.type}": use one of ${PAGE_KINDS.join(', ')}`);
  }
  const limit = Math.max(1, Math.min(options.limit ?? 20, 500));
  const datasets = datasetsInScope(store, options);
  const byId = new Map(datasets.map((d) => [d.id, d]));
  // Every word must appear (as a prefix) somewhere; quotes keep FTS5 syntax out of user text.
  const match = words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
  const placeholders = datasets.map(() => '?').join(', ');
  const hidden = options.includeHidden === true ? '' : 'AND o.revoked = 0 AND o.deprecated = 0';
  const typeFilter = options.type === undefined ? '' : 'AND o.kind = ?';
  const params: (string | number)[] = [match, ...datasets.map((d) => d.id)];
  if (options.type !== undefined) params.push(options.type);
  params.push(limit * 4);
  const rows = store.all<HitRow>(
    `SELECT o.pk, o.attack_id, o.stix_id, o.name, o.kind, o.description, o.revoked, o.deprecated, o.dataset_id, ${RANK} AS rank
     FROM object_fts JOIN object o ON o.pk = object_fts.rowid
     WHERE object_fts MATCH ? AND o.dataset_id IN (${placeholders}) ${hidden} ${typeFilter}
     ORDER BY rank LIMIT ?`,
    ...params,
  );
  const phrase = text.trim().toLowerCase();
  const exact = (r: HitRow): number => (r.attack_id?.toLowerCase() === phrase ? 0 : r.name?.toLowerCase() === phrase ? 1 : 2);
  // bm25 scores are negative (lower is better); the prior scales them so that, at equal text
  // relevance, the nodes people look for (techniques, groups) come before the plumbing (analytics).
  const score = (r: HitRow): number => r.rank * (KIND_PRIOR[r.kind] ?? 1);
  return rows
    .sort((a, b) => exact(a) - exact(b) || score(a) - score(b))
    .slice(0, limit)
    .map((r) => {
      const ds = byId.get(r.dataset_id);
      return {
        id: r.attack_id ?? r.stix_id,
        name: r.name ?? '',
        type: r.kind,
        domain: ds?.domain ?? 'enterprise',
        attackVersion: ds?.version ?? '',
        snippet: snippet(r.description ?? '', words),
        revoked: r.revoked === 1,
        deprecated: r.deprecated === 1,
      };
    });
}

/** About 160 characters of plain text around the first word that occurs in the description. */
function snippet(description: string, words: readonly string[]): string {
  const plainText = description
    .replace(/\(Citation: [^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<\/?code>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const lower = plainText.toLowerCase();
  let at = -1;
  for (const w of words) {
    at = lower.indexOf(w.toLowerCase());
    if (at >= 0) break;
  }
  const start = Math.max(0, at < 0 ? 0 : at - 60);
  const piece = plainText.slice(start, start + 160);
  return `${start > 0 ? '…' : ''}${piece}${start + 160 < plainText.length ? '…' : ''}`;
}

export interface RuleOrControlHit {
  readonly type: 'sigma-rule' | 'control';
  /** Rule id, or control ID. */
  readonly id: string;
  /** Rule title, or control name. */
  readonly name: string;
  /** Sigma: level and logsource; control: framework and version. */
  readonly detail: string;
  /** Control hits: the framework, for `show ID --framework F`. */
  readonly framework: string | null;
}

/** Full-text search over stored Sigma rules and controls (the graph's non-ATT&CK nodes). */
export function searchRulesAndControls(store: Store, text: string, options: { type?: 'sigma-rule' | 'control' | undefined; limit?: number | undefined } = {}): RuleOrControlHit[] {
  const words = (text.normalize('NFKC').match(/[\p{L}\p{N}_.-]+/gu) ?? []).map((w) => w.replace(/^[.-]+|[.-]+$/g, '')).filter((w) => w !== '');
  if (words.length === 0) return [];
  const match = words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
  const limit = Math.max(1, Math.min(options.limit ?? 20, 500));
  const hits: (RuleOrControlHit & { rank: number })[] = [];
  if (options.type !== 'control') {
    for (const r of store.all<{ rule_id: string | null; rule_key: string; title: string; level: string | null; product: string | null; category: string | null; service: string | null; rank: number }>(
      `SELECT r.rule_id, r.rule_key, r.title, r.level, r.product, r.category, r.service, bm25(sigma_fts, 8.0, 1.0, 3.0) AS rank
       FROM sigma_fts JOIN sigma_rule r ON r.pk = sigma_fts.rowid WHERE sigma_fts MATCH ? ORDER BY rank LIMIT ?`,
      match,
      limit,
    )) {
      const logsource = [r.product, r.category, r.service].filter((x) => x !== null).join('/');
      hits.push({ type: 'sigma-rule', id: r.rule_id ?? r.rule_key, name: r.title, detail: [r.level, logsource].filter((x) => x !== null && x !== '').join(', '), framework: null, rank: r.rank });
    }
  }
  if (options.type !== 'sigma-rule') {
    for (const c of store.all<{ control_id: string; name: string | null; framework: string; framework_version: string; rank: number }>(
      `SELECT c.control_id, c.name, c.framework, c.framework_version, bm25(control_fts, 10.0, 5.0, 2.0, 1.0) AS rank
       FROM control_fts JOIN control c ON c.pk = control_fts.rowid WHERE control_fts MATCH ? ORDER BY rank LIMIT ?`,
      match,
      limit,
    )) {
      hits.push({ type: 'control', id: c.control_id, name: c.name ?? '', detail: `${c.framework} ${c.framework_version}`, framework: c.framework, rank: c.rank });
    }
  }
  return hits
    .sort((a, b) => a.rank - b.rank)
    .slice(0, limit)
    .map(({ rank: _rank, ...hit }) => hit);
}

/** One suggestion: an ATT&CK node once per ID (with the domains that have it), or a rule, control, report or saved hunt. */
export interface NodeHit {
  /** An ATT&CK kind (technique, group...), or sigma-rule, control, report, hunt. */
  readonly type: string;
  readonly id: string;
  readonly name: string;
  /** Domains holding an ATT&CK node; a control's framework and version; a rule's level and log source. */
  readonly detail: string;
  readonly domains: readonly string[];
  /** Controls: the framework (its page needs it). */
  readonly framework: string | null;
}

function wordsOf(text: string): string[] {
  return (text.normalize('NFKC').match(/[\p{L}\p{N}_.-]+/gu) ?? []).map((w) => w.replace(/^[.-]+|[.-]+$/g, '').toLowerCase()).filter((w) => w !== '');
}

/** Reports (imported ones, ATT&CK citations of the newest dataset of each domain, and STIX reports) whose title has every word. */
export function searchReports(store: Store, text: string, limit = 10): { id: string; name: string; detail: string }[] {
  const words = wordsOf(text);
  if (words.length === 0) return [];
  const like = words.map(() => "lower(name) LIKE ? ESCAPE '\\'").join(' AND ');
  const args = words.map((w) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const stix = store.all<{ stix_id: string; name: string; published: string | null }>(`SELECT stix_id, name, published FROM stix_report WHERE ${like} ORDER BY published DESC LIMIT ?`, ...args, limit);
  // Reports imported with `import report` (rpt-...), by their title.
  const imported = store.all<{ id: string; title: string; publisher: string | null; published: string | null }>(
    `SELECT id, title, publisher, published FROM imported_report WHERE ${like.replace(/name/g, 'title')} ORDER BY coalesce(published, imported_at) DESC LIMIT ?`,
    ...args,
    limit,
  );
  const newest = store.all<{ id: number }>('SELECT id FROM dataset d WHERE version_key = (SELECT max(version_key) FROM dataset e WHERE e.domain = d.domain)');
  const cites =
    newest.length === 0
      ? []
      : store.all<{ name: string }>(
          `SELECT DISTINCT source_name AS name FROM citation WHERE dataset_id IN (${newest.map(() => '?').join(', ')}) AND ${like.replace(/name/g, 'source_name')} ORDER BY length(source_name) LIMIT ?`,
          ...newest.map((d) => d.id),
          ...args,
          limit,
        );
  return [
    ...imported.map((r) => ({ id: r.id, name: r.title, detail: ['imported report', r.publisher, r.published?.slice(0, 10)].filter((x) => x !== null && x !== undefined && x !== '').join(', ') })),
    ...stix.map((r) => ({ id: r.stix_id, name: r.name, detail: r.published === null ? 'STIX report' : `STIX report, ${r.published.slice(0, 10)}` })),
    ...cites.map((c) => ({ id: reportId(c.name), name: c.name, detail: 'cited by ATT&CK' })),
  ].slice(0, limit);
}

/** Saved hunts whose label (or run number) matches. */
export function searchHunts(store: Store, text: string, limit = 5): { id: string; name: string; detail: string }[] {
  const words = wordsOf(text);
  if (words.length === 0) return [];
  const rows = store.all<{ id: number; label: string | null; finished_at: string; hits: number }>('SELECT id, label, finished_at, hits FROM hunt_run ORDER BY id DESC LIMIT 500');
  return rows
    .filter((r) => {
      const hay = `${r.label ?? ''} hunt ${r.id}`.toLowerCase();
      return words.every((w) => hay.includes(w));
    })
    .slice(0, limit)
    .map((r) => ({ id: String(r.id), name: r.label ?? `hunt ${r.id}`, detail: `saved hunt, ${r.hits} hit(s), ${r.finished_at.slice(0, 10)}` }));
}

/**
 * Search over every kind of node, for suggestions: ATT&CK nodes one per ID (the domains that have
 * it listed), then Sigma rules, controls (one per ID and framework), reports and saved hunts.
 */
export function searchAll(store: Store, text: string, limit = 10): NodeHit[] {
  const out: NodeHit[] = [];
  let attack: SearchHit[] = [];
  try {
    attack = search(store, text, { limit: limit * 2 });
  } catch (err) {
    // No ATT&CK words (a lone "-") or no ATT&CK data yet: the other kinds may still match.
    if (!(err instanceof TtpgraphError) || (err.code !== 'invalid-argument' && err.code !== 'unknown-version')) throw err;
  }
  const byId = new Map<string, { hit: SearchHit; domains: string[] }>();
  for (const h of attack) {
    const key = `${h.type}\u0000${h.id}`;
    const seen = byId.get(key);
    if (seen === undefined) byId.set(key, { hit: h, domains: [h.domain] });
    else if (!seen.domains.includes(h.domain)) seen.domains.push(h.domain);
  }
  for (const { hit, domains } of byId.values()) out.push({ type: hit.type, id: hit.id, name: hit.name, detail: domains.join(', '), domains, framework: null });
  const controls = new Map<string, { hit: RuleOrControlHit; versions: string[] }>();
  for (const h of searchRulesAndControls(store, text, { limit: limit * 2 })) {
    if (h.type === 'sigma-rule') {
      out.push({ type: h.type, id: h.id, name: h.name, detail: h.detail, domains: [], framework: null });
      continue;
    }
    // One entry per control ID and framework, named as in its newest version.
    const version = h.detail.split(' ').slice(1).join(' ');
    const key = `${h.framework ?? ''}\u0000${h.id}`;
    const seen = controls.get(key);
    if (seen === undefined) controls.set(key, { hit: h, versions: [version] });
    else {
      seen.versions.push(version);
      if (compareVersionsNewestFirst(version, seen.versions[0] ?? '') < 0) seen.hit = h;
    }
  }
  for (const { hit, versions } of controls.values()) {
    const sorted = [...new Set(versions)].sort(compareVersionsNewestFirst);
    out.push({ type: 'control', id: hit.id, name: hit.name, detail: `${frameworkName(hit.framework ?? '')} ${sorted.join(', ')}`, domains: [], framework: hit.framework });
  }
  for (const r of searchReports(store, text, limit)) out.push({ type: 'report', id: r.id, name: r.name, detail: r.detail, domains: [], framework: null });
  for (const r of searchHunts(store, text)) out.push({ type: 'hunt', id: r.id, name: r.name, detail: r.detail, domains: [], framework: null });
  // An exact ID (AC-16, T1114) first, whatever its kind; then nodes whose name has every word; then
  // the rest (words found only in descriptions), each kind in its own ranking order.
  const exact = text.trim().toLowerCase();
  const words = wordsOf(text);
  const tier = (h: NodeHit): number => (h.id.toLowerCase() === exact ? 0 : words.every((w) => `${h.id} ${h.name}`.toLowerCase().includes(w)) ? 1 : 2);
  return out
    .map((h, i) => ({ h, i, t: tier(h) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .slice(0, limit)
    .map((x) => x.h);
}

/** Edit distance counting a swap of two neighbouring characters as one edit (T1141 is one from T1114); gives up past `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      let v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (before[j - 2] ?? 0) + 1);
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    before = prev;
    prev = row;
  }
  return prev[b.length] ?? max + 1;
}

/**
 * The nodes whose ATT&CK ID or name is closest to `text` (a mistyped T1141, "email colection"), in
 * the newest dataset of each domain: for a "not found" page.
 */
export function closestNodes(store: Store, text: string, limit = 6): { id: string; name: string; type: Kind }[] {
  const wanted = text.trim().toLowerCase();
  if (wanted === '' || wanted.length > 100) return [];
  const rows = store.all<{ attack_id: string; name: string; kind: Kind }>(
    `SELECT DISTINCT o.attack_id, o.name, o.kind FROM object o
     WHERE o.attack_id IS NOT NULL AND o.revoked = 0 AND o.deprecated = 0 AND o.kind NOT IN ('matrix')
       AND o.dataset_id IN (SELECT id FROM dataset d WHERE version_key = (SELECT max(version_key) FROM dataset e WHERE e.domain = d.domain))`,
  );
  const max = Math.max(2, Math.floor(wanted.length / 3));
  // At equal distance, the same characters in another order (a typo) before a different number.
  const letters = (x: string): string => [...x].sort().join('');
  const scored: { id: string; name: string; type: Kind; d: number }[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.attack_id)) continue;
    const id = r.attack_id.toLowerCase();
    const d = Math.min(distance(wanted, id, max), distance(wanted, r.name.toLowerCase(), max)) - (letters(id) === letters(wanted) ? 0.5 : 0);
    if (d > max) continue;
    seen.add(r.attack_id);
    scored.push({ id: r.attack_id, name: r.name, type: r.kind, d });
  }
  return scored
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map(({ d: _d, ...n }) => n);
}
