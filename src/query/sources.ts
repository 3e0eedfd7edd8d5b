/**
 * What the store holds besides the ATT&CK datasets, for the home page and /datasets: control
 * mapping sets, Sigma rule sets (a synced release, and rules imported by hand), reports (STIX
 * reports and the citations of the newest ATT&CK), saved hunts; each with counts and dates.
 */
import type { Store } from '../store/sqlite/store.ts';

export interface MappingSetSummary {
  readonly framework: string;
  readonly frameworkVersion: string;
  readonly attackVersion: string;
  readonly domain: string;
  readonly mappings: number;
  readonly controls: number;
  readonly importedAt: string;
}

export interface SigmaSetSummary {
  /** "sigmahq", or null for rules imported with `import sigma`. */
  readonly name: string | null;
  readonly release: string | null;
  readonly location: string | null;
  readonly rules: number;
  readonly importedAt: string | null;
}

export interface StoreSources {
  readonly mappingSets: MappingSetSummary[];
  readonly sigma: SigmaSetSummary[];
  readonly reports: { readonly stixReports: number; readonly newestPublished: string | null; readonly citedReports: number };
  readonly hunts: { readonly runs: number; readonly newest: { readonly id: number; readonly label: string | null; readonly finishedAt: string; readonly hits: number } | null };
}

export function storeSources(store: Store): StoreSources {
  const mappingSets = store
    .all<{ framework: string; framework_version: string; attack_version: string; domain: string; mapping_count: number; imported_at: string; controls: number }>(
      `SELECT s.framework, s.framework_version, s.attack_version, s.domain, s.mapping_count, s.imported_at,
              (SELECT count(DISTINCT m.control_pk) FROM control_mapping m WHERE m.mapping_set_id = s.id) AS controls
       FROM mapping_set s ORDER BY s.framework, s.framework_version, s.domain`,
    )
    .map((r) => ({ framework: r.framework, frameworkVersion: r.framework_version, attackVersion: r.attack_version, domain: r.domain, mappings: r.mapping_count, controls: r.controls, importedAt: r.imported_at }));
  const sigma: SigmaSetSummary[] = store
    .all<{ name: string; release: string | null; location: string; imported_at: string; rules: number }>(
      'SELECT s.name, s.release, s.location, s.imported_at, (SELECT count(*) FROM sigma_rule r WHERE r.source = s.name) AS rules FROM sigma_source s ORDER BY s.name',
    )
    .map((r) => ({ name: r.name, release: r.release, location: r.location, rules: r.rules, importedAt: r.imported_at }));
  const own = store.get<{ n: number }>('SELECT count(*) AS n FROM sigma_rule WHERE source IS NULL')?.n ?? 0;
  if (own > 0) sigma.push({ name: null, release: null, location: null, rules: own, importedAt: null });
  const stix = store.get<{ n: number; newest: string | null }>('SELECT count(*) AS n, max(published) AS newest FROM stix_report') ?? { n: 0, newest: null };
  const cited =
    store.get<{ n: number }>(
      'SELECT count(DISTINCT source_name) AS n FROM citation WHERE dataset_id IN (SELECT id FROM dataset d WHERE version_key = (SELECT max(version_key) FROM dataset e WHERE e.domain = d.domain))',
    )?.n ?? 0;
  const runs = store.get<{ n: number }>('SELECT count(*) AS n FROM hunt_run')?.n ?? 0;
  const newest = store.get<{ id: number; label: string | null; finished_at: string; hits: number }>('SELECT id, label, finished_at, hits FROM hunt_run ORDER BY id DESC LIMIT 1');
  return {
    mappingSets,
    sigma,
    reports: { stixReports: stix.n, newestPublished: stix.newest, citedReports: cited },
    hunts: { runs, newest: newest === undefined ? null : { id: newest.id, label: newest.label, finishedAt: newest.finished_at, hits: newest.hits } },
  };
}
