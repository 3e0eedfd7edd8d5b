/**
 * Center for Threat-Informed Defense Mappings Explorer files (control frameworks ↔ ATT&CK).
 * Over HTTP the files are those listed in official.ts; a local mirror directory (`--from`) is
 * listed instead, so an air-gapped site imports whatever mapping files it keeps.
 * `--domain` limits the files to the ATT&CK domains named.
 */
import { normalizeVersion } from '../../core/attack.ts';
import { importMappings } from '../../ingest/mappings/import-mappings.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { MAPPING_FILES, MAPPINGS_MIRROR_FOLDER, type MappingFileSpec, mappingFileName, mappingFileUrl, parseMappingFileName } from '../official.ts';
import type { ListContext, SourceKind, SyncItem } from '../types.ts';

export const mappingsSource: SourceKind = {
  name: 'mappings',
  description: 'Mappings Explorer control mappings (center-for-threat-informed-defense/mappings-explorer)',
  async list(context: ListContext): Promise<SyncItem[]> {
    const names = await context.listMirrorFolder(MAPPINGS_MIRROR_FOLDER);
    const specs: { spec: MappingFileSpec; name: string }[] =
      names === undefined
        ? MAPPING_FILES.map((spec) => ({ spec, name: mappingFileName(spec) }))
        : names.flatMap((name) => {
            const spec = parseMappingFileName(name);
            return spec === undefined ? [] : [{ spec, name }];
          });
    const { domains } = context.options;
    return specs.filter(({ spec }) => domains.length === 0 || domains.includes(spec.domain)).map(({ spec, name }) => mappingItem(spec, name));
  },
};

function mappingItem(spec: MappingFileSpec, name: string): SyncItem {
  return {
    source: 'mappings',
    label: `${spec.framework} ${spec.frameworkVersion} mappings for ATT&CK ${spec.attackVersion} ${spec.domain}`,
    location: { url: mappingFileUrl(spec), mirrorPath: `${MAPPINGS_MIRROR_FOLDER}/${name}`, format: 'json' },
    stored: (store, sha256) => store.get('SELECT 1 AS x FROM mapping_set WHERE sha256 = ?', sha256) !== undefined,
    change: (store, bytes) => (hasMappingSet(store, bytes) ? 'updated' : 'new'),
    apply(store, bytes, source) {
      const r = importMappings(store, bytes, source);
      const warnings = r.skipped.map((s) => `mapping #${s.index} skipped: ${s.reason}`);
      const counts = `${r.mappings} mappings (${r.nonMappable} non_mappable), ${r.controls} controls`;
      return { status: r.status, counts, warnings };
    },
  };
}

/**
 * Does the store hold a mapping set with the same identity as this file (framework, framework
 * version, ATT&CK version, domain, read from its metadata the way importMappings reads them)?
 */
function hasMappingSet(store: Store, bytes: Buffer): boolean {
  let meta: Record<string, unknown> = {};
  try {
    const root = JSON.parse(bytes.toString('utf8')) as { metadata?: unknown };
    if (typeof root.metadata === 'object' && root.metadata !== null) meta = root.metadata as Record<string, unknown>;
  } catch {
    return false;
  }
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const domain = text(meta['technology_domain']).toLowerCase().replace(/-attack$/, '');
  const row = store.get(
    'SELECT 1 AS x FROM mapping_set WHERE framework = ? AND framework_version = ? AND attack_version = ? AND domain = ?',
    text(meta['mapping_framework']),
    text(meta['mapping_framework_version']),
    normalizeVersion(text(meta['attack_version'])) ?? '',
    domain,
  );
  return row !== undefined;
}
