/**
 * STIX bundle text → validated, normalized ATT&CK records. This is the boundary: everything after
 * it trusts these types. Structural problems (not JSON, not a bundle) throw and nothing is stored;
 * a single malformed object is skipped and reported, and the rest of the bundle goes on.
 */
import { KIND_OF_STIX_TYPE, type Domain, type Kind, domainFromStixName, normalizeVersion } from '../../core/attack.ts';
import { type Json, isObject, parseStixBundle, str, strings } from '../json.ts';

export interface ExternalReference {
  readonly sourceName: string;
  readonly description: string | null;
  readonly url: string | null;
  readonly externalId: string | null;
}

export interface LogSourceReference {
  readonly dataComponentRef: string | null;
  readonly name: string;
  readonly channel: string | null;
}

export interface ObjectRecord {
  readonly stixId: string;
  readonly stixType: string;
  readonly kind: Kind;
  readonly attackId: string | null;
  readonly name: string | null;
  readonly description: string | null;
  readonly url: string | null;
  /** Tactics only: the kill-chain phase name techniques refer to ("collection"). */
  readonly shortname: string | null;
  readonly platforms: readonly string[];
  readonly isSubtechnique: boolean;
  readonly revoked: boolean;
  readonly deprecated: boolean;
  readonly created: string | null;
  readonly modified: string | null;
  readonly aliases: readonly string[];
  readonly externalReferences: readonly ExternalReference[];
  /** Techniques: kill-chain phase names of the mitre-attack kill chains. */
  readonly tacticShortnames: readonly string[];
  /** Detection strategies: their analytics, in order. */
  readonly analyticRefs: readonly string[];
  /** Analytics: the data components and log sources they read. */
  readonly logSources: readonly LogSourceReference[];
  /** The object exactly as the bundle had it, as JSON text. */
  readonly json: string;
}

export interface RelationshipRecord {
  readonly stixId: string;
  readonly type: string;
  readonly sourceRef: string;
  readonly targetRef: string;
  readonly description: string | null;
  readonly revoked: boolean;
  readonly deprecated: boolean;
  readonly externalReferences: readonly ExternalReference[];
}

export interface SkippedObject {
  readonly index: number;
  readonly id: string | null;
  readonly reason: string;
}

export interface ParsedBundle {
  readonly specVersion: '2.0' | '2.1';
  readonly domain: Domain | null;
  /** ATT&CK release the bundle declares (x-mitre-collection), if it declares one. */
  readonly declaredVersion: string | null;
  readonly collectionName: string | null;
  readonly objects: readonly ObjectRecord[];
  readonly relationships: readonly RelationshipRecord[];
  readonly skipped: readonly SkippedObject[];
  /** STIX type → number of objects of that type in the bundle as read (before skipping). */
  readonly typeCounts: Readonly<Record<string, number>>;
}


export function parseBundle(text: string, source: string): ParsedBundle {
  const { root, objects: items } = parseStixBundle(text, source);
  const objects: ObjectRecord[] = [];
  const relationships: RelationshipRecord[] = [];
  const skipped: SkippedObject[] = [];
  const typeCounts: Record<string, number> = {};
  const seen = new Set<string>();
  let collection: Json | null = null;
  let spec21 = root['spec_version'] === '2.1';

  items.forEach((item, index) => {
    if (!isObject(item)) {
      skipped.push({ index, id: null, reason: 'not a JSON object' });
      return;
    }
    const type = item['type'];
    const id = item['id'];
    if (typeof type !== 'string' || typeof id !== 'string') {
      skipped.push({ index, id: typeof id === 'string' ? id : null, reason: 'missing "type" or "id"' });
      return;
    }
    typeCounts[type] = (typeCounts[type] ?? 0) + 1;
    if (!id.startsWith(`${type}--`)) {
      skipped.push({ index, id, reason: `id does not start with "${type}--"` });
      return;
    }
    if (seen.has(id)) {
      skipped.push({ index, id, reason: 'duplicate id in bundle' });
      return;
    }
    seen.add(id);
    if (item['spec_version'] === '2.1') spec21 = true;
    if (type === 'relationship') {
      const rel = toRelationship(item, id);
      if (typeof rel === 'string') skipped.push({ index, id, reason: rel });
      else relationships.push(rel);
      return;
    }
    const kind = KIND_OF_STIX_TYPE[type];
    if (kind === undefined) {
      skipped.push({ index, id, reason: `STIX type "${type}" is not part of ATT&CK` });
      return;
    }
    const problem = checkObject(item, kind);
    if (problem !== null) {
      skipped.push({ index, id, reason: problem });
      return;
    }
    if (kind === 'collection') collection = item;
    objects.push(toObject(item, id, type, kind));
  });

  const coll = collection as Json | null;
  const declared = coll !== null && typeof coll['x_mitre_version'] === 'string' ? normalizeVersion(coll['x_mitre_version']) : undefined;
  return {
    specVersion: spec21 ? '2.1' : '2.0',
    domain: detectDomain(objects),
    declaredVersion: declared ?? null,
    collectionName: coll !== null && typeof coll['name'] === 'string' ? coll['name'] : null,
    objects,
    relationships,
    skipped,
    typeCounts,
  };
}

/** Kinds that are nothing without their ATT&CK ID (T1114, TA0009, G0059, S0367, C0027, M1047). */
const NEEDS_ATTACK_ID: ReadonlySet<Kind> = new Set<Kind>(['technique', 'tactic', 'group', 'software', 'campaign', 'mitigation']);
const STRING_FIELDS = ['name', 'description', 'created', 'modified', 'x_mitre_shortname', 'x_mitre_version'] as const;
const BOOLEAN_FIELDS = ['revoked', 'x_mitre_deprecated', 'x_mitre_is_subtechnique'] as const;
const ARRAY_FIELDS = ['external_references', 'kill_chain_phases', 'x_mitre_platforms', 'aliases', 'x_mitre_aliases', 'x_mitre_analytic_refs', 'x_mitre_log_source_references'] as const;

/**
 * What an object of this kind needs, and fields of the wrong type: null when it is fine, else the
 * reason it is skipped. Reading on with a wrong-typed field would store an object that silently
 * lost its name, tactics or ID (the defect of issue 12, point 5).
 */
function checkObject(o: Json, kind: Kind): string | null {
  for (const f of STRING_FIELDS) if (o[f] !== undefined && o[f] !== null && typeof o[f] !== 'string') return `"${f}" is not a string`;
  for (const f of BOOLEAN_FIELDS) if (o[f] !== undefined && o[f] !== null && typeof o[f] !== 'boolean') return `"${f}" is not true or false`;
  for (const f of ARRAY_FIELDS) if (o[f] !== undefined && o[f] !== null && !Array.isArray(o[f])) return `"${f}" is not a list`;
  if (kind === 'marking-definition' || kind === 'collection') return null;
  if (typeof o['name'] !== 'string' || o['name'].trim() === '') return `a ${kind} needs a "name"`;
  const retired = o['revoked'] === true || o['x_mitre_deprecated'] === true;
  // Retired objects of old releases may carry their ID under another source name ("mitre-ics-attack").
  if (NEEDS_ATTACK_ID.has(kind) && !retired) {
    const refs = Array.isArray(o['external_references']) ? (o['external_references'] as unknown[]) : [];
    const hasId = refs.some((r) => isObject(r) && r['source_name'] === 'mitre-attack' && typeof r['external_id'] === 'string' && r['external_id'] !== '');
    if (!hasId) return `a ${kind} needs an ATT&CK ID (an external reference "mitre-attack" with an external_id)`;
  }
  if (kind === 'technique' && !retired && !Array.isArray(o['kill_chain_phases'])) {
    return 'a technique needs "kill_chain_phases" (its tactics)';
  }
  return null;
}

function toObject(o: Json, stixId: string, stixType: string, kind: Kind): ObjectRecord {
  const refs = externalReferences(o['external_references']);
  const attackRef = refs.find((r) => r.sourceName === 'mitre-attack' && r.externalId !== null);
  const killChain = Array.isArray(o['kill_chain_phases']) ? (o['kill_chain_phases'] as unknown[]) : [];
  return {
    stixId,
    stixType,
    kind,
    attackId: attackRef?.externalId ?? null,
    name: str(o['name']),
    description: str(o['description']),
    url: attackRef?.url ?? null,
    shortname: str(o['x_mitre_shortname']),
    platforms: strings(o['x_mitre_platforms']),
    isSubtechnique: o['x_mitre_is_subtechnique'] === true,
    revoked: o['revoked'] === true,
    deprecated: o['x_mitre_deprecated'] === true,
    created: str(o['created']),
    modified: str(o['modified']),
    aliases: [...new Set([...strings(o['aliases']), ...strings(o['x_mitre_aliases'])])],
    externalReferences: refs,
    tacticShortnames: killChain.flatMap((p) =>
      isObject(p) && typeof p['phase_name'] === 'string' && String(p['kill_chain_name']).startsWith('mitre') ? [p['phase_name']] : [],
    ),
    analyticRefs: strings(o['x_mitre_analytic_refs']),
    logSources: logSources(o['x_mitre_log_source_references']),
    json: JSON.stringify(o),
  };
}

function toRelationship(o: Json, stixId: string): RelationshipRecord | string {
  const type = o['relationship_type'];
  const sourceRef = o['source_ref'];
  const targetRef = o['target_ref'];
  if (typeof type !== 'string' || typeof sourceRef !== 'string' || typeof targetRef !== 'string') {
    return 'relationship without relationship_type, source_ref or target_ref';
  }
  return {
    stixId,
    type,
    sourceRef,
    targetRef,
    description: str(o['description']),
    revoked: o['revoked'] === true,
    deprecated: o['x_mitre_deprecated'] === true,
    externalReferences: externalReferences(o['external_references']),
  };
}

function externalReferences(value: unknown): ExternalReference[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r: unknown) =>
    isObject(r) && typeof r['source_name'] === 'string'
      ? [{ sourceName: r['source_name'], description: str(r['description']), url: str(r['url']), externalId: str(r['external_id']) }]
      : [],
  );
}

function logSources(value: unknown): LogSourceReference[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((r: unknown) =>
    isObject(r) && typeof r['name'] === 'string'
      ? [{ dataComponentRef: str(r['x_mitre_data_component_ref']), name: r['name'], channel: str(r['channel']) }]
      : [],
  );
}

/** The domain from the matrix's external_id ("enterprise-attack"), else the objects' x_mitre_domains. */
function detectDomain(objects: readonly ObjectRecord[]): Domain | null {
  for (const o of objects) {
    if (o.kind !== 'matrix' || o.deprecated || o.revoked) continue;
    const d = o.attackId !== null ? domainFromStixName(o.attackId) : undefined;
    if (d !== undefined) return d;
  }
  const votes = new Map<Domain, number>();
  for (const o of objects) {
    const parsed = JSON.parse(o.json) as Json;
    for (const name of strings(parsed['x_mitre_domains'])) {
      const d = domainFromStixName(name);
      if (d !== undefined) votes.set(d, (votes.get(d) ?? 0) + 1);
    }
    if (votes.size > 0 && [...votes.values()].some((v) => v >= 20)) break;
  }
  let best: Domain | null = null;
  for (const [d, n] of votes) if (best === null || n > (votes.get(best) ?? 0)) best = d;
  return best;
}



