/**
 * Sigma rules in the graph: the rules that cover a technique (its own, then its sub-techniques',
 * marked as such), and one rule with its file for `sigma show`.
 */
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';

export interface SigmaLogsource {
  readonly product: string | null;
  readonly category: string | null;
  readonly service: string | null;
}

export interface TechniqueSigmaRule {
  readonly id: string;
  readonly title: string;
  readonly level: string | null;
  readonly status: string | null;
  readonly logsource: SigmaLogsource;
  readonly path: string;
  /** Null when the rule is tagged with this technique; the sub-technique's ID when it comes from one. */
  readonly subtechnique: string | null;
}

interface RuleRow {
  pk: number;
  rule_key: string;
  rule_id: string | null;
  kind: string;
  title: string;
  status: string | null;
  level: string | null;
  description: string | null;
  author: string | null;
  date: string | null;
  modified: string | null;
  product: string | null;
  category: string | null;
  service: string | null;
  tags: string;
  refs: string;
  falsepositives: string;
  path: string;
  line: number;
  file_text: string;
}

const LEVEL_ORDER = ['critical', 'high', 'medium', 'low', 'informational'];

export function techniqueSigma(store: Store, attackId: string, subtechniqueIds: readonly string[]): TechniqueSigmaRule[] {
  const ids = [attackId, ...subtechniqueIds];
  const rows = store.all<RuleRow & { attack_id: string }>(
    `SELECT r.*, t.attack_id FROM sigma_rule_technique t JOIN sigma_rule r ON r.pk = t.rule_pk
     WHERE t.attack_id IN (${ids.map(() => '?').join(', ')})`,
    ...ids,
  );
  const direct = new Set(rows.filter((r) => r.attack_id === attackId).map((r) => r.pk));
  const seen = new Set<number>();
  const out: TechniqueSigmaRule[] = [];
  for (const r of rows) {
    const fromSub = r.attack_id !== attackId;
    // A rule tagged with both the technique and a sub-technique is the technique's own.
    if (seen.has(r.pk) || (fromSub && direct.has(r.pk))) continue;
    seen.add(r.pk);
    out.push({
      id: r.rule_id ?? r.rule_key,
      title: r.title,
      level: r.level,
      status: r.status,
      logsource: { product: r.product, category: r.category, service: r.service },
      path: r.path,
      subtechnique: fromSub ? r.attack_id : null,
    });
  }
  const rank = (l: string | null): number => (l === null ? LEVEL_ORDER.length : LEVEL_ORDER.indexOf(l));
  return out.sort(
    (a, b) =>
      Number(a.subtechnique !== null) - Number(b.subtechnique !== null) ||
      (a.subtechnique ?? '').localeCompare(b.subtechnique ?? '') ||
      rank(a.level) - rank(b.level) ||
      a.title.localeCompare(b.title),
  );
}

export interface SigmaRulePage {
  readonly id: string;
  readonly kind: string;
  readonly title: string;
  readonly status: string | null;
  readonly level: string | null;
  readonly description: string | null;
  readonly author: string | null;
  readonly date: string | null;
  readonly modified: string | null;
  readonly logsource: SigmaLogsource;
  readonly tags: string[];
  readonly techniques: string[];
  readonly references: string[];
  readonly falsepositives: string[];
  readonly path: string;
  readonly line: number;
  /** The rule file as it was imported. */
  readonly yaml: string;
}

export function sigmaRulePage(store: Store, id: string): SigmaRulePage {
  const r =
    store.get<RuleRow>('SELECT * FROM sigma_rule WHERE rule_key = ?', id.trim()) ??
    store.get<RuleRow>('SELECT * FROM sigma_rule WHERE rule_id = ? COLLATE NOCASE', id.trim()) ??
    store.get<RuleRow>('SELECT * FROM sigma_rule WHERE title = ? COLLATE NOCASE', id.trim());
  if (r === undefined) {
    const n = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule')?.n ?? 0;
    throw new TtpgraphError(
      'unknown-id',
      n === 0 ? `no Sigma rule "${id}": the store has no Sigma rules yet (ttpgraph import sigma PATH)` : `no Sigma rule "${id}" among the ${n} in the store`,
      { id },
    );
  }
  return {
    id: r.rule_id ?? r.rule_key,
    kind: r.kind,
    title: r.title,
    status: r.status,
    level: r.level,
    description: r.description,
    author: r.author,
    date: r.date,
    modified: r.modified,
    logsource: { product: r.product, category: r.category, service: r.service },
    tags: JSON.parse(r.tags) as string[],
    techniques: store.all<{ attack_id: string }>('SELECT attack_id FROM sigma_rule_technique WHERE rule_pk = ? ORDER BY attack_id', r.pk).map((t) => t.attack_id),
    references: JSON.parse(r.refs) as string[],
    falsepositives: JSON.parse(r.falsepositives) as string[],
    path: r.path,
    line: r.line,
    yaml: r.file_text,
  };
}
