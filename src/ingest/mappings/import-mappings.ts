/**
 * Imports one Center for Threat-Informed Defense Mappings Explorer file (one JSON format for NIST
 * SP 800-53, AWS, Azure, GCP, M365, CSA CCM, CRI Profile, VERIS, KEV...) in one transaction.
 * Every mapping row is kept, `non_mappable` ones included and flagged by their status; each
 * capability becomes a control node shared by every file of the same framework version.
 */
import { createHash } from 'node:crypto';
import { normalizeVersion } from '../../core/attack.ts';
import { TtpgraphError } from '../../errors.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { isObject, parseJson, str } from '../json.ts';

export interface ImportMappingsResult {
  readonly source: string;
  readonly status: 'imported' | 'replaced' | 'unchanged';
  readonly framework: string;
  readonly frameworkVersion: string;
  readonly attackVersion: string;
  readonly domain: string;
  /** Mapping rows stored (every row of the file that could be read). */
  readonly mappings: number;
  readonly nonMappable: number;
  readonly controls: number;
  readonly skipped: readonly { readonly index: number; readonly reason: string }[];
}


interface MappingRow {
  readonly controlId: string | null;
  readonly controlName: string | null;
  readonly group: string | null;
  readonly attackId: string | null;
  readonly attackName: string | null;
  readonly mappingType: string | null;
  readonly status: string;
  readonly comments: string | null;
  readonly references: string[];
  readonly scoreCategory: string | null;
  readonly scoreValue: string | null;
}

export function importMappings(store: Store, bytes: Buffer, source: string): ImportMappingsResult {
  const root = parseJson(bytes.toString('utf8'), source);
  if (!isObject(root) || !isObject(root['metadata']) || !Array.isArray(root['mapping_objects'])) {
    throw new TtpgraphError('invalid-input', 'not a Mappings Explorer file (expected {"metadata": {...}, "mapping_objects": [...]})', { source });
  }
  const meta = root['metadata'];
  const framework = str(meta['mapping_framework']);
  const frameworkVersion = str(meta['mapping_framework_version']);
  const attackVersion = normalizeVersion(str(meta['attack_version']) ?? '');
  const domain = (str(meta['technology_domain']) ?? '').toLowerCase().replace(/-attack$/, '');
  if (framework === null || frameworkVersion === null || attackVersion === undefined || domain === '') {
    throw new TtpgraphError(
      'invalid-input',
      'metadata lacks mapping_framework, mapping_framework_version, attack_version or technology_domain',
      { source },
    );
  }
  const groups = isObject(meta['capability_groups']) ? meta['capability_groups'] : {};
  const skipped: { index: number; reason: string }[] = [];
  const rows: MappingRow[] = [];
  (root['mapping_objects'] as unknown[]).forEach((item, index) => {
    const row = toRow(item);
    if (typeof row === 'string') skipped.push({ index, reason: row });
    else rows.push(row);
  });
  if (rows.length === 0 && skipped.length > 0) {
    // Storing an empty mapping set would replace a good one with nothing and call it a success.
    const first = skipped[0];
    throw new TtpgraphError(
      'invalid-input',
      `none of its ${skipped.length} mapping rows is valid (row #${first?.index ?? 0}: ${first?.reason ?? '?'}); nothing was stored`,
      { source },
    );
  }

  const base = {
    source,
    framework,
    frameworkVersion,
    attackVersion,
    domain,
    mappings: rows.length,
    nonMappable: rows.filter((r) => r.status === 'non_mappable').length,
    controls: new Set(rows.flatMap((r) => (r.controlId === null ? [] : [r.controlId]))).size,
    skipped,
  };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const existing = store.get<{ id: number; sha256: string }>(
    'SELECT id, sha256 FROM mapping_set WHERE framework = ? AND framework_version = ? AND attack_version = ? AND domain = ?',
    framework,
    frameworkVersion,
    attackVersion,
    domain,
  );
  if (existing?.sha256 === sha256) return { ...base, status: 'unchanged' };

  store.transaction(() => {
    if (existing !== undefined) store.run('DELETE FROM mapping_set WHERE id = ?', existing.id);
    const setId = Number(
      store.run(
        `INSERT INTO mapping_set (framework, framework_version, attack_version, domain, source, sha256, imported_at, mapping_count, metadata)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        framework,
        frameworkVersion,
        attackVersion,
        domain,
        source,
        sha256,
        new Date().toISOString(),
        rows.length,
        JSON.stringify(meta),
      ).lastInsertRowid,
    );
    const upsertControl = store.statement(
      `INSERT INTO control (framework, framework_version, control_id, name, group_id, group_name) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (framework, framework_version, control_id) DO UPDATE SET
         name = coalesce(excluded.name, control.name), group_id = coalesce(excluded.group_id, control.group_id),
         group_name = coalesce(excluded.group_name, control.group_name)
       RETURNING pk, name, group_name`,
    );
    const insertMapping = store.statement(
      `INSERT INTO control_mapping (mapping_set_id, position, control_pk, attack_id, attack_name, mapping_type, status, comments, refs, score_category, score_value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const controlPk = new Map<string, number>();
    const unindex = store.statement('DELETE FROM control_fts WHERE rowid = ?');
    const index = store.statement('INSERT INTO control_fts (rowid, control_id, name, group_name, framework) VALUES (?, ?, ?, ?, ?)');
    rows.forEach((r, position) => {
      let pk: number | null = null;
      if (r.controlId !== null) {
        pk = controlPk.get(r.controlId) ?? null;
        if (pk === null) {
          const groupName = r.group === null ? null : (str(groups[r.group]) ?? r.group);
          const row = upsertControl.get(framework, frameworkVersion, r.controlId, r.controlName, r.group, groupName?.trim() ?? null) as { pk: number; name: string | null; group_name: string | null };
          pk = row.pk;
          controlPk.set(r.controlId, pk);
          unindex.run(pk);
          index.run(pk, r.controlId, row.name ?? '', row.group_name ?? '', `${framework} ${frameworkVersion}`);
        }
      }
      insertMapping.run(
        setId,
        position,
        pk,
        r.attackId,
        r.attackName,
        r.mappingType,
        r.status,
        r.comments,
        JSON.stringify(r.references),
        r.scoreCategory,
        r.scoreValue,
      );
    });
    // Controls no mapping set mentions any more (after a replace) go too, with their index rows.
    store.run('DELETE FROM control_fts WHERE rowid IN (SELECT pk FROM control WHERE NOT EXISTS (SELECT 1 FROM control_mapping m WHERE m.control_pk = control.pk))');
    store.run('DELETE FROM control WHERE NOT EXISTS (SELECT 1 FROM control_mapping m WHERE m.control_pk = control.pk)');
  });
  return { ...base, status: existing === undefined ? 'imported' : 'replaced' };
}

function toRow(item: unknown): MappingRow | string {
  if (!isObject(item)) return 'not a JSON object';
  const status = str(item['status']);
  if (status === null) return 'no "status"';
  const controlId = str(item['capability_id']);
  const attackId = str(item['attack_object_id']);
  if (controlId === null && attackId === null) return 'neither capability_id nor attack_object_id';
  const refs = Array.isArray(item['references']) ? item['references'].filter((x): x is string => typeof x === 'string') : [];
  return {
    controlId: controlId?.trim() ?? null,
    controlName: str(item['capability_description']),
    group: str(item['capability_group']),
    attackId: attackId?.trim().toUpperCase() ?? null,
    attackName: str(item['attack_object_name']),
    mappingType: str(item['mapping_type']),
    status,
    comments: str(item['comments']),
    references: refs,
    scoreCategory: str(item['score_category']),
    scoreValue: str(item['score_value']),
  };
}


