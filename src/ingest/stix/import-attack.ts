/**
 * Imports one ATT&CK STIX bundle as a dataset (domain × version) in one transaction: a bundle that
 * fails half-way changes nothing. The same bytes imported twice is a no-op; a bundle for a version
 * the store already has with other content (say, the STIX 2.1 edition of a 2.0 bundle) replaces it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { type Domain, normalizeVersion, versionKey } from '../../core/attack.ts';
import { TtpgraphError } from '../../errors.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { type ExternalReference, type ObjectRecord, type ParsedBundle, type SkippedObject, parseBundle } from './bundle.ts';

export interface ImportAttackOptions {
  /** Version to use when the bundle does not declare one (STIX 2.0 bundles of mitre/cti do not). */
  readonly attackVersion?: string;
  /** Domain to use when the bundle has no matrix and no x_mitre_domains. */
  readonly domain?: Domain;
  /** Replace a dataset even with a bundle that has fewer than half its techniques (or none). */
  readonly force?: boolean;
  /** Called now and then during the write with (rows written, rows in all). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ImportAttackResult {
  readonly source: string;
  readonly status: 'imported' | 'replaced' | 'unchanged';
  readonly domain: Domain;
  readonly version: string;
  readonly specVersion: string;
  readonly objects: number;
  readonly relationships: number;
  readonly skipped: readonly SkippedObject[];
}

export function importAttackBundle(store: Store, bytes: Buffer, source: string, options: ImportAttackOptions = {}): ImportAttackResult {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const same = store.get<{ domain: Domain; version: string; spec_version: string; object_count: number; relationship_count: number }>(
    'SELECT domain, version, spec_version, object_count, relationship_count FROM dataset WHERE sha256 = ?',
    sha256,
  );
  if (same !== undefined) {
    // These exact bytes are already in the store: nothing to parse, nothing to write.
    return {
      source,
      status: 'unchanged',
      domain: same.domain,
      version: same.version,
      specVersion: same.spec_version,
      objects: same.object_count,
      relationships: same.relationship_count,
      skipped: [],
    };
  }
  const parsed = parseBundle(bytes.toString('utf8'), source);
  const domain = parsed.domain ?? options.domain;
  if (domain === undefined) {
    throw new TtpgraphError('invalid-stix', 'cannot tell the ATT&CK domain: the bundle has no matrix and no x_mitre_domains', { source });
  }
  const version = resolveVersion(parsed, source, options.attackVersion);
  const existing = store.get<{ id: number }>('SELECT id FROM dataset WHERE domain = ? AND version = ?', domain, version);
  if (existing !== undefined && options.force !== true) refuseShrinking(store, existing.id, parsed, { domain, version, source });
  store.transaction(() => {
    if (existing !== undefined) deleteDataset(store, existing.id);
    writeDataset(store, parsed, { domain, version, source, sha256 }, options.onProgress);
  });
  // Keeps the query planner's statistics current after a large write (cheap; see SQLite's PRAGMA optimize).
  store.db.pragma('optimize');
  return {
    source,
    status: existing === undefined ? 'imported' : 'replaced',
    domain,
    version,
    specVersion: parsed.specVersion,
    objects: parsed.objects.length,
    relationships: parsed.relationships.length,
    skipped: parsed.skipped,
  };
}

/**
 * A bundle that would replace a dataset with fewer than half its techniques (or none) is almost
 * surely broken or hostile, not a new release: refuse it, saying what was skipped, unless forced.
 */
function refuseShrinking(store: Store, datasetId: number, parsed: ParsedBundle, meta: { domain: Domain; version: string; source: string }): void {
  const had = store.get<{ n: number }>("SELECT count(*) AS n FROM object WHERE dataset_id = ? AND kind = 'technique'", datasetId)?.n ?? 0;
  const has = parsed.objects.filter((o) => o.kind === 'technique').length;
  if (had === 0 || (has > 0 && has * 2 >= had)) return;
  const skippedTechniques = parsed.skipped.filter((s) => s.id?.startsWith('attack-pattern--') === true).length;
  const why = parsed.skipped.length === 0 ? '' : ` (${parsed.skipped.length} objects skipped, ${skippedTechniques} of them techniques; first: ${parsed.skipped[0]?.reason ?? '?'})`;
  throw new TtpgraphError(
    'refused',
    `refused: it would replace ${meta.domain} ATT&CK ${meta.version} (${had} techniques) with ${has} techniques${why}; nothing was changed (--force to replace it anyway)`,
    { source: meta.source },
  );
}

/**
 * The bundle's own declaration (x-mitre-collection) wins; else the release in the file name
 * ("enterprise-attack-18.1.json", as both mitre/cti and attack-stix-data name them); else the
 * caller's --attack-version. The matrix's x_mitre_version is the matrix object's own revision
 * ("1.0"), not the ATT&CK release, so it is not used.
 */
function resolveVersion(parsed: ParsedBundle, source: string, requested: string | undefined): string {
  const wanted = requested === undefined ? undefined : normalizeVersion(requested);
  if (requested !== undefined && wanted === undefined) {
    throw new TtpgraphError('unknown-version', `--attack-version "${requested}" is not a version like 18.1`, { source });
  }
  if (parsed.declaredVersion !== null) {
    if (wanted !== undefined && wanted !== parsed.declaredVersion) {
      throw new TtpgraphError(
        'unknown-version',
        `the bundle declares ATT&CK ${parsed.declaredVersion}, not ${wanted} as --attack-version says`,
        { source },
      );
    }
    return parsed.declaredVersion;
  }
  if (wanted !== undefined) return wanted;
  const fromName = /-(v?\d{1,3}\.\d{1,3})\.json$/i.exec(path.basename(source.split(/[?#]/)[0] ?? source));
  const v = fromName?.[1] === undefined ? undefined : normalizeVersion(fromName[1]);
  if (v !== undefined) return v;
  throw new TtpgraphError(
    'unknown-version',
    'cannot tell the ATT&CK version: the bundle has no x-mitre-collection and the file name has none; pass --attack-version',
    { source },
  );
}

export function deleteDataset(store: Store, datasetId: number): void {
  store.run('DELETE FROM object_fts WHERE rowid IN (SELECT pk FROM object WHERE dataset_id = ?)', datasetId);
  // Rows below objects, relationships and citations go with them (ON DELETE CASCADE).
  store.run('DELETE FROM relationship WHERE dataset_id = ?', datasetId);
  store.run('DELETE FROM citation WHERE dataset_id = ?', datasetId);
  store.run('DELETE FROM object WHERE dataset_id = ?', datasetId);
  store.run('DELETE FROM dataset WHERE id = ?', datasetId);
}

interface DatasetMeta {
  readonly domain: Domain;
  readonly version: string;
  readonly source: string;
  readonly sha256: string;
}

function writeDataset(store: Store, parsed: ParsedBundle, meta: DatasetMeta, onProgress?: (done: number, total: number) => void): void {
  const datasetId = Number(
    store.run(
      `INSERT INTO dataset (domain, version, version_key, name, spec_version, source, sha256, imported_at, object_count, relationship_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      meta.domain,
      meta.version,
      versionKey(meta.version) ?? 0,
      parsed.collectionName,
      parsed.specVersion,
      meta.source,
      meta.sha256,
      new Date().toISOString(),
      parsed.objects.length,
      parsed.relationships.length,
    ).lastInsertRowid,
  );
  const total = parsed.objects.length + parsed.relationships.length;
  let done = 0;
  const tick = (): void => {
    done++;
    if (onProgress !== undefined && (done % 2000 === 0 || done === total)) onProgress(done, total);
  };

  const insertObject = store.statement(
    `INSERT INTO object (dataset_id, stix_id, stix_type, kind, attack_id, name, description, url, shortname, platforms,
                         is_subtechnique, revoked, deprecated, created, modified, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const linkCitations = citationWriter(store, datasetId);
  const insertAlias = store.statement('INSERT INTO alias (object_pk, alias) VALUES (?, ?)');
  const insertTactic = store.statement('INSERT INTO technique_tactic (technique_pk, shortname, position) VALUES (?, ?, ?)');
  const insertFts = store.statement('INSERT INTO object_fts (rowid, attack_id, name, aliases, description) VALUES (?, ?, ?, ?, ?)');

  const pkOf = new Map<string, number>();
  for (const o of parsed.objects) {
    const pk = Number(
      insertObject.run(
        datasetId,
        o.stixId,
        o.stixType,
        o.kind,
        o.attackId,
        o.name,
        o.description,
        o.url,
        o.shortname,
        o.platforms.length > 0 ? JSON.stringify(o.platforms) : null,
        o.isSubtechnique ? 1 : 0,
        o.revoked ? 1 : 0,
        o.deprecated ? 1 : 0,
        o.created,
        o.modified,
        o.json,
      ).lastInsertRowid,
    );
    pkOf.set(o.stixId, pk);
    linkCitations(o.externalReferences, pk, null);
    for (const a of o.aliases) insertAlias.run(pk, a);
    o.tacticShortnames.forEach((s, i) => insertTactic.run(pk, s, i));
    if (isSearchable(o)) insertFts.run(pk, o.attackId ?? '', o.name ?? '', o.aliases.join(' '), o.description ?? '');
    tick();
  }

  const insertAnalytic = store.statement('INSERT INTO strategy_analytic (strategy_pk, analytic_pk, position) VALUES (?, ?, ?)');
  const insertLogSource = store.statement(
    'INSERT INTO analytic_log_source (analytic_pk, position, data_component_pk, name, channel) VALUES (?, ?, ?, ?, ?)',
  );
  for (const o of parsed.objects) {
    const pk = pkOf.get(o.stixId) as number;
    o.analyticRefs.forEach((ref, i) => {
      const analyticPk = pkOf.get(ref);
      if (analyticPk !== undefined) insertAnalytic.run(pk, analyticPk, i);
    });
    o.logSources.forEach((ls, i) => {
      const dcPk = ls.dataComponentRef === null ? null : (pkOf.get(ls.dataComponentRef) ?? null);
      insertLogSource.run(pk, i, dcPk, ls.name, ls.channel);
    });
  }

  const insertRel = store.statement(
    `INSERT INTO relationship (dataset_id, stix_id, type, source_ref, target_ref, source_pk, target_pk, description, revoked, deprecated)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of parsed.relationships) {
    const relPk = insertRel.run(
      datasetId,
      r.stixId,
      r.type,
      r.sourceRef,
      r.targetRef,
      pkOf.get(r.sourceRef) ?? null,
      pkOf.get(r.targetRef) ?? null,
      r.description,
      r.revoked ? 1 : 0,
      r.deprecated ? 1 : 0,
    ).lastInsertRowid;
    linkCitations(r.externalReferences, null, Number(relPk));
    tick();
  }
}

/**
 * Stores each distinct external reference once per dataset (ATT&CK repeats the same citation on
 * hundreds of relationships) and links owners to it in order.
 */
function citationWriter(store: Store, datasetId: number): (refs: readonly ExternalReference[], objectPk: number | null, relationshipPk: number | null) => void {
  const insertCitation = store.statement('INSERT INTO citation (dataset_id, source_name, description, url, external_id) VALUES (?, ?, ?, ?, ?)');
  const insertLink = store.statement('INSERT INTO reference_link (citation_pk, object_pk, relationship_pk, position) VALUES (?, ?, ?, ?)');
  const known = new Map<string, number>();
  return (refs, objectPk, relationshipPk) => {
    refs.forEach((r, position) => {
      const key = `${r.sourceName}\u0000${r.description ?? ''}\u0000${r.url ?? ''}\u0000${r.externalId ?? ''}`;
      let pk = known.get(key);
      if (pk === undefined) {
        pk = Number(insertCitation.run(datasetId, r.sourceName, r.description, r.url, r.externalId).lastInsertRowid);
        known.set(key, pk);
      }
      insertLink.run(pk, objectPk, relationshipPk, position);
    });
  };
}

function isSearchable(o: ObjectRecord): boolean {
  return o.kind !== 'identity' && o.kind !== 'marking-definition' && o.kind !== 'collection' && o.name !== null;
}
