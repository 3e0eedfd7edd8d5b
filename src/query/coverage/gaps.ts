/**
 * Gaps against an adversary: the techniques a group, campaign or software uses (or a report
 * describes), each with your coverage level, worst first, and what would close each gap.
 */
import { TtpgraphError } from '../../errors.ts';
import type { Store } from '../../store/sqlite/store.ts';
import type { Dataset, DatasetScope } from '../datasets.ts';
import { resolveObject } from '../lookup.ts';
import { related } from '../relations.ts';
import { reportPage } from '../reports.ts';
import { importedReportPage, isImportedReportId } from '../imported-reports.ts';
import type { CoverageBasis, DatasetCoverage, TechniqueCoverage } from './coverage.ts';
import { COVERAGE_LEVELS, type CoverageLevel, levelRank } from './levels.ts';
import type { NavigatorLayer } from '../navigator.ts';

export type GapTargetKind = 'group' | 'campaign' | 'software' | 'report';

export interface GapRow {
  readonly id: string;
  readonly name: string;
  readonly level: CoverageLevel;
  readonly declared: boolean;
  readonly reasons: string[];
  /** What would raise the level (each gap, `; `-separated), or null at `detected`. */
  readonly closeWith: string | null;
  readonly hits: number;
}

export interface GapList {
  readonly target: { readonly id: string; readonly name: string; readonly type: string };
  readonly domain: string;
  readonly attackVersion: string;
  readonly basis: CoverageBasis;
  /** Techniques per level, and the share at or above each. */
  readonly summary: Record<CoverageLevel, number>;
  readonly techniques: GapRow[];
}

/** The ATT&CK IDs the target uses (or describes), and its name. */
export function targetTechniques(store: Store, kind: GapTargetKind, id: string, dataset: Dataset, scope: DatasetScope): { id: string; name: string; type: string; techniques: string[] } {
  if (kind === 'report') {
    if (isImportedReportId(id)) {
      const page = importedReportPage(store, id);
      return { id: page.id, name: page.title, type: 'report', techniques: page.techniques.filter((t) => t.status === 'accepted').map((t) => t.id) };
    }
    const page = reportPage(store, id, dataset);
    if (page === undefined) throw new TtpgraphError('unknown-id', `no report "${id}" in ${dataset.domain} ${dataset.version}`, { id });
    return { id: page.id, name: page.title, type: 'report', techniques: page.supports.filter((s) => s.type === 'technique').map((s) => s.id) };
  }
  const { object } = resolveObject(store, id, { ...scope, domain: dataset.domain, version: dataset.version }, { kind });
  if (object.kind !== kind) throw new TtpgraphError('unknown-id', `${id} is a ${object.kind}, not a ${kind}`, { id });
  const techniques = related(store, object.pk, 'uses', 'out', ['technique']).map((t) => t.attack_id).filter((t): t is string => t !== null);
  return { id: object.attack_id ?? object.stix_id, name: object.name ?? '', type: kind, techniques: [...new Set(techniques)] };
}

export function gapList(target: { id: string; name: string; type: string; techniques: readonly string[] }, dataset: Dataset, coverage: DatasetCoverage): GapList {
  const rows = gapRows(target.techniques, coverage);
  const summary = Object.fromEntries(COVERAGE_LEVELS.map((l) => [l, rows.filter((r) => r.level === l).length])) as Record<CoverageLevel, number>;
  return { target: { id: target.id, name: target.name, type: target.type }, domain: dataset.domain, attackVersion: dataset.version, basis: coverage.basis, summary, techniques: rows };
}

/** The techniques' coverage as rows, worst first (IDs the dataset does not have are left out). */
export function gapRows(techniques: Iterable<string>, coverage: DatasetCoverage): GapRow[] {
  const rows: GapRow[] = [];
  for (const id of techniques) {
    const c: TechniqueCoverage | undefined = coverage.techniques.get(id);
    if (c === undefined) continue;
    rows.push({ id, name: c.name, level: c.level, declared: c.declared, reasons: c.reasons, closeWith: c.gaps.length === 0 ? null : c.gaps.map((g) => `${g.what} → ${g.reaches}`).join('; '), hits: c.hits });
  }
  return rows.sort((a, b) => levelRank(a.level) - levelRank(b.level) || a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** Percent of the rows at `level` or better (100 for an empty list). */
export function shareAtLeast(rows: readonly GapRow[], level: CoverageLevel): number {
  if (rows.length === 0) return 100;
  return (100 * rows.filter((t) => levelRank(t.level) >= levelRank(level)).length) / rows.length;
}

/** Colours per level, worst first (none: red ... detected: green), shared by the layer and the web page. */
export const LEVEL_COLORS: Record<CoverageLevel, string> = { none: '#d7191c', visible: '#fdae61', detectable: '#a6d96a', detected: '#1a9641' };

/** An ATT&CK Navigator 4.5 layer: each technique's level as its score (0 none ... 3 detected), coloured, the reasons as comment. */
export function coverageLayer(rows: readonly GapRow[], title: string, domain: string, attackVersion: string): NavigatorLayer {
  return {
    name: `ttpgraph coverage: ${title}`,
    versions: { attack: attackVersion.split('.')[0] ?? attackVersion, navigator: '5.1.0', layer: '4.5' },
    domain: `${domain}-attack`,
    description: `Your coverage (${COVERAGE_LEVELS.map((l, i) => `${i} ${l}`).join(', ')}) in ATT&CK ${domain} ${attackVersion}, exported by ttpgraph.`,
    sorting: 0,
    hideDisabled: false,
    techniques: rows.map((r) => ({
      techniqueID: r.id,
      score: levelRank(r.level),
      color: LEVEL_COLORS[r.level],
      comment: `${r.level}${r.declared ? ' (declared)' : ''}: ${r.reasons.join('; ')}${r.closeWith === null ? '' : `. To close: ${r.closeWith}`}`,
      enabled: true,
      showSubtechniques: false,
    })),
    gradient: { colors: COVERAGE_LEVELS.map((l) => LEVEL_COLORS[l]), minValue: 0, maxValue: 3 },
    legendItems: COVERAGE_LEVELS.map((l) => ({ label: l, color: LEVEL_COLORS[l] })),
    metadata: [{ name: 'metric', value: 'coverage' }],
    showTacticRowBackground: false,
    selectTechniquesAcrossTactics: true,
    selectSubtechniquesWithParent: false,
  };
}
