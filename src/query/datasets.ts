/**
 * Datasets (one ATT&CK domain at one version) and how a query picks one: named domain and
 * version when given, else the newest version of each domain, enterprise first.
 */
import { DOMAINS, type Domain, isDomain, normalizeVersion } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';

export interface Dataset {
  readonly id: number;
  readonly domain: Domain;
  readonly version: string;
  readonly versionKey: number;
  readonly name: string | null;
  readonly specVersion: string;
  readonly source: string;
  readonly importedAt: string;
  readonly objectCount: number;
  readonly relationshipCount: number;
}

/** Which dataset(s) a query may look in. */
export interface DatasetScope {
  readonly domain?: string | undefined;
  readonly version?: string | undefined;
}

interface DatasetRow {
  id: number;
  domain: Domain;
  version: string;
  version_key: number;
  name: string | null;
  spec_version: string;
  source: string;
  imported_at: string;
  object_count: number;
  relationship_count: number;
}

export function listDatasets(store: Store): Dataset[] {
  return store
    .all<DatasetRow>('SELECT * FROM dataset ORDER BY domain, version_key DESC')
    .map((r) => ({
      id: r.id,
      domain: r.domain,
      version: r.version,
      versionKey: r.version_key,
      name: r.name,
      specVersion: r.spec_version,
      source: r.source,
      importedAt: r.imported_at,
      objectCount: r.object_count,
      relationshipCount: r.relationship_count,
    }))
    .sort((a, b) => DOMAINS.indexOf(a.domain) - DOMAINS.indexOf(b.domain) || b.versionKey - a.versionKey);
}

/**
 * The datasets a lookup searches, most preferred first: with a domain and version, exactly that
 * one; with only one of them, the matching ones; with neither, the newest of each domain.
 * Errors name what the store does have, so the user can pick.
 */
export function datasetsInScope(store: Store, scope: DatasetScope = {}): Dataset[] {
  const all = listDatasets(store);
  if (all.length === 0) {
    throw new TtpgraphError('unknown-version', 'the store holds no ATT&CK data yet: run ttpgraph import attack FILE|URL (or ttpgraph sync)');
  }
  let domain: Domain | undefined;
  if (scope.domain !== undefined) {
    const d = scope.domain.replace(/-attack$/, '').toLowerCase();
    if (!isDomain(d)) throw new TtpgraphError('unknown-domain', `unknown domain "${scope.domain}": use one of ${DOMAINS.join(', ')}`);
    domain = d;
    if (!all.some((ds) => ds.domain === d)) {
      throw new TtpgraphError('unknown-domain', `no ${d} ATT&CK data in the store; have: ${describe(all)}`);
    }
  }
  let version: string | undefined;
  if (scope.version !== undefined) {
    version = normalizeVersion(scope.version);
    if (version === undefined) throw new TtpgraphError('unknown-version', `"${scope.version}" is not an ATT&CK version like 18.1`);
  }
  const chosen = all.filter((ds) => (domain === undefined || ds.domain === domain) && (version === undefined || ds.version === version));
  if (chosen.length === 0) {
    const where = domain === undefined ? '' : ` ${domain}`;
    const howToGet =
      version === undefined ? '' : `; get it with ttpgraph sync --attack-version ${version}${domain === undefined ? '' : ` --domain ${domain}`} (or ttpgraph import attack FILE)`;
    throw new TtpgraphError('unknown-version', `no${where} ATT&CK ${version ?? ''} in the store; have: ${describe(all)}${howToGet}`.replace('  ', ' '));
  }
  if (version !== undefined) return chosen;
  // Newest per domain.
  const newest = new Map<Domain, Dataset>();
  for (const ds of chosen) if (!newest.has(ds.domain)) newest.set(ds.domain, ds);
  return [...newest.values()];
}

function describe(all: readonly Dataset[]): string {
  return all.map((d) => `${d.domain} ${d.version}`).join(', ');
}
