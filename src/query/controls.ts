/**
 * Control-framework requirements mapped to techniques (Mappings Explorer). A mapping made for one
 * ATT&CK version shows on the pages of others: for each framework version the page uses the
 * mapping set made for the closest ATT&CK version at or below the page's (else the closest above),
 * and says which version that was.
 */
import { versionKey } from '../core/attack.ts';
import { TtpgraphError } from '../errors.ts';
import type { Store } from '../store/sqlite/store.ts';

export interface TechniqueControl {
  readonly framework: string;
  readonly frameworkVersion: string;
  readonly id: string;
  readonly name: string | null;
  readonly group: string | null;
  readonly mappingType: string | null;
  /** The ATT&CK version the mapping was made for. */
  readonly attackVersion: string;
}

interface MappingSetRow {
  id: number;
  framework: string;
  framework_version: string;
  attack_version: string;
}

/** For each framework version, the one mapping set that speaks for a page of this domain and version. */
export function mappingSetsFor(store: Store, domain: string, attackVersion: string): MappingSetRow[] {
  const sets = store.all<MappingSetRow>('SELECT id, framework, framework_version, attack_version FROM mapping_set WHERE domain = ?', domain);
  const page = versionKey(attackVersion) ?? 0;
  const best = new Map<string, MappingSetRow>();
  const distance = (s: MappingSetRow): number => {
    const v = versionKey(s.attack_version) ?? 0;
    // At or below the page's version is preferred (the mapping's techniques exist on the page); above comes after.
    return v <= page ? page - v : 1_000_000 + (v - page);
  };
  for (const s of sets) {
    const key = `${s.framework}\u0000${s.framework_version}`;
    const current = best.get(key);
    if (current === undefined || distance(s) < distance(current)) best.set(key, s);
  }
  return [...best.values()];
}

export function techniqueControls(store: Store, attackId: string, domain: string, attackVersion: string): TechniqueControl[] {
  const sets = mappingSetsFor(store, domain, attackVersion);
  if (sets.length === 0) return [];
  const bySet = new Map(sets.map((s) => [s.id, s]));
  const rows = store.all<{ mapping_set_id: number; control_id: string; name: string | null; group_name: string | null; mapping_type: string | null }>(
    `SELECT m.mapping_set_id, c.control_id, c.name, c.group_name, m.mapping_type
     FROM control_mapping m JOIN control c ON c.pk = m.control_pk
     WHERE m.attack_id = ? AND m.status != 'non_mappable' AND m.mapping_set_id IN (${sets.map(() => '?').join(', ')})
     ORDER BY c.framework, c.framework_version, c.control_id`,
    attackId,
    ...sets.map((s) => s.id),
  );
  const seen = new Set<string>();
  const out: TechniqueControl[] = [];
  for (const r of rows) {
    const set = bySet.get(r.mapping_set_id);
    if (set === undefined) continue;
    const key = `${set.framework}\u0000${set.framework_version}\u0000${r.control_id}\u0000${r.mapping_type ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      framework: set.framework,
      frameworkVersion: set.framework_version,
      id: r.control_id,
      name: r.name,
      group: r.group_name,
      mappingType: r.mapping_type,
      attackVersion: set.attack_version,
    });
  }
  return out;
}

export interface ControlTechnique {
  readonly id: string;
  readonly name: string | null;
  readonly domain: string;
  readonly attackVersion: string;
  readonly mappingType: string | null;
  readonly status: string;
  readonly comments: string | null;
  readonly references: string[];
  readonly scoreCategory: string | null;
  readonly scoreValue: string | null;
}

export interface ControlPage {
  readonly framework: string;
  readonly frameworkVersion: string;
  readonly id: string;
  readonly name: string | null;
  readonly group: string | null;
  readonly techniques: ControlTechnique[];
  /** The same control ID in other framework versions in the store. */
  readonly otherVersions: string[];
}

interface ControlRow {
  pk: number;
  framework: string;
  framework_version: string;
  control_id: string;
  name: string | null;
  group_name: string | null;
}

export interface ControlLookup {
  readonly framework?: string | undefined;
  readonly frameworkVersion?: string | undefined;
}

/** Finds a control by ID ("AC-16", also "AC-3" for "AC-03"); several frameworks having it is an error that lists them. */
export function findControls(store: Store, id: string, lookup: ControlLookup = {}): ControlRow[] {
  const wanted = id.trim();
  const padded = wanted.replace(/^([A-Za-z]{2})-(\d)(?!\d)/, '$1-0$2');
  return store
    .all<ControlRow>(
      'SELECT pk, framework, framework_version, control_id, name, group_name FROM control WHERE control_id = ? COLLATE NOCASE OR control_id = ? COLLATE NOCASE',
      wanted,
      padded,
    )
    .filter((c) => (lookup.framework === undefined || c.framework === lookup.framework) && (lookup.frameworkVersion === undefined || c.framework_version === lookup.frameworkVersion));
}

export function controlPage(store: Store, id: string, lookup: ControlLookup = {}): ControlPage {
  const found = findControls(store, id, lookup);
  if (found.length === 0) {
    const frameworks = store.all<{ framework: string }>('SELECT DISTINCT framework FROM mapping_set ORDER BY 1').map((f) => f.framework);
    throw new TtpgraphError(
      'unknown-id',
      `no control "${id}"${lookup.framework === undefined ? '' : ` in ${lookup.framework}`}; frameworks in the store: ${frameworks.join(', ') || 'none (run ttpgraph import mappings FILE)'}`,
      { id },
    );
  }
  const frameworks = [...new Set(found.map((c) => c.framework))];
  if (frameworks.length > 1) {
    throw new TtpgraphError('ambiguous-id', `"${id}" is a control of ${frameworks.join(', ')}: add --framework`, { id });
  }
  // Several versions of the framework: the one with the newest mappings speaks, the others are listed.
  const ranked = found
    .map((c) => ({
      c,
      newest: Math.max(
        0,
        ...store
          .all<{ attack_version: string }>(
            'SELECT DISTINCT s.attack_version FROM control_mapping m JOIN mapping_set s ON s.id = m.mapping_set_id WHERE m.control_pk = ?',
            c.pk,
          )
          .map((s) => versionKey(s.attack_version) ?? 0),
      ),
    }))
    .sort((a, b) => b.newest - a.newest || b.c.framework_version.localeCompare(a.c.framework_version));
  const control = ranked[0]!.c;
  const techniques = store
    .all<{
      attack_id: string | null;
      attack_name: string | null;
      domain: string;
      attack_version: string;
      mapping_type: string | null;
      status: string;
      comments: string | null;
      refs: string;
      score_category: string | null;
      score_value: string | null;
    }>(
      `SELECT m.attack_id, m.attack_name, s.domain, s.attack_version, m.mapping_type, m.status, m.comments, m.refs, m.score_category, m.score_value
       FROM control_mapping m JOIN mapping_set s ON s.id = m.mapping_set_id WHERE m.control_pk = ?
       ORDER BY s.attack_version DESC, m.attack_id`,
      control.pk,
    )
    .map((m) => ({
      id: m.attack_id ?? '',
      name: m.attack_name,
      domain: m.domain,
      attackVersion: m.attack_version,
      mappingType: m.mapping_type,
      status: m.status,
      comments: m.comments,
      references: JSON.parse(m.refs) as string[],
      scoreCategory: m.score_category,
      scoreValue: m.score_value,
    }));
  return {
    framework: control.framework,
    frameworkVersion: control.framework_version,
    id: control.control_id,
    name: control.name,
    group: control.group_name,
    techniques,
    otherVersions: ranked.slice(1).map((r) => r.c.framework_version),
  };
}
