/**
 * Ranked full-text search over IDs, names, aliases and descriptions (FTS5, bm25), in the datasets
 * of a scope (by default the newest of each domain). An exact ID or name match always ranks first.
 */
import { type Domain, type Kind, isKind, PAGE_KINDS } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';
import { type DatasetScope, datasetsInScope } from './datasets.ts';

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
