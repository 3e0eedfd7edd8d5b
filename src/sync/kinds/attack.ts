/**
 * ATT&CK from the collection index of mitre-attack/attack-stix-data: the index lists, per domain,
 * every release with its bundle URL. By default the newest release of every domain is synced;
 * `--attack-version` picks a release and `--domain` limits the domains. From a mirror directory
 * (`--from DIR`) without `--attack-version`, every bundle in its attack/ folder is synced, newest
 * release first.
 */
import path from 'node:path';
import { DOMAINS, type Domain, isDomain, normalizeVersion, versionKey } from '../../core/attack.ts';
import { TtpgraphError } from '../../errors.ts';
import { importAttackBundle } from '../../ingest/stix/import-attack.ts';
import { ATTACK_BUNDLE_BASE_URL, ATTACK_INDEX, ATTACK_MIRROR_FOLDER } from '../official.ts';
import type { ListContext, SourceKind, SyncItem } from '../types.ts';

export interface IndexRelease {
  readonly domain: Domain;
  readonly version: string;
  readonly url: string;
}

export const attackSource: SourceKind = {
  name: 'attack',
  description: 'MITRE ATT&CK bundles (collection index of mitre-attack/attack-stix-data)',
  async list(context: ListContext): Promise<SyncItem[]> {
    const bytes = await context.fetch(ATTACK_INDEX);
    const releases = parseCollectionIndex(bytes, ATTACK_INDEX.url);
    const { domains: asked, attackVersion } = context.options;
    const wanted = normalizeVersion(attackVersion ?? '');
    if (attackVersion !== undefined && wanted === undefined) {
      throw new TtpgraphError('invalid-argument', `--attack-version "${attackVersion}" is not a version like 18.1`);
    }
    const domains = asked.length > 0 ? asked : DOMAINS.filter((d) => releases.some((r) => r.domain === d));
    // A mirror directory is imported whole: every release of every domain its attack/ folder holds.
    const inFolder = wanted === undefined ? mirrorReleases(await context.listMirrorFolder(ATTACK_MIRROR_FOLDER).catch(() => undefined), releases) : [];
    const chosen: IndexRelease[] = [];
    const missing: Domain[] = [];
    for (const domain of domains) {
      const mirrored = inFolder.filter((r) => r.domain === domain);
      if (mirrored.length > 0) {
        chosen.push(...mirrored);
        continue;
      }
      const ofDomain = releases.filter((r) => r.domain === domain);
      const release =
        wanted === undefined
          ? ofDomain.reduce<IndexRelease | undefined>((best, r) => (best === undefined || (versionKey(r.version) ?? 0) > (versionKey(best.version) ?? 0) ? r : best), undefined)
          : ofDomain.find((r) => r.version === wanted);
      if (release === undefined) missing.push(domain);
      else chosen.push(release);
    }
    // Newest release first (each domain's default is usable early), domains in their usual order within one.
    chosen.sort((a, b) => (versionKey(b.version) ?? 0) - (versionKey(a.version) ?? 0) || DOMAINS.indexOf(a.domain) - DOMAINS.indexOf(b.domain));
    const items = chosen.map(attackItem);
    if (missing.length > 0) {
      const what = wanted === undefined ? 'no release' : `no ATT&CK ${wanted}`;
      const message = `the collection index has ${what} for ${missing.join(', ')}`;
      // A domain the user named must be there; of "every domain", the ones without that release are skipped.
      if (asked.length > 0 || items.length === 0) throw new TtpgraphError('unknown-version', message, { source: ATTACK_INDEX.url });
      context.warn(`${message}; skipped`);
    }
    return items;
  },
};

/**
 * The bundles of a mirror folder named like the index's files (enterprise-attack-15.1.json), with
 * their official URL from the index when it lists them. Other files (the index, licences, a STIX 2.1
 * copy of a bundle) are not bundles to import.
 */
function mirrorReleases(names: readonly string[] | undefined, index: readonly IndexRelease[]): IndexRelease[] {
  const out: IndexRelease[] = [];
  for (const name of names ?? []) {
    const m = /^([a-z]+)-attack-(\d{1,3}\.\d{1,3})\.json$/.exec(name);
    const domain = m?.[1];
    const version = normalizeVersion(m?.[2] ?? '');
    if (domain === undefined || !isDomain(domain) || version === undefined) continue;
    const listed = index.find((r) => r.domain === domain && r.version === version);
    out.push(listed ?? { domain, version, url: `${ATTACK_BUNDLE_BASE_URL}${domain}-attack/${name}` });
  }
  return out;
}

function attackItem(release: IndexRelease): SyncItem {
  const { domain, version, url } = release;
  const file = path.posix.basename(new URL(url).pathname);
  return {
    source: 'attack',
    label: `${domain} ATT&CK ${version}`,
    location: { url, mirrorPath: `${ATTACK_MIRROR_FOLDER}/${file}`, format: 'json' },
    stored: (store, sha256) => store.get('SELECT 1 AS x FROM dataset WHERE sha256 = ?', sha256) !== undefined,
    change: (store) => (store.get('SELECT 1 AS x FROM dataset WHERE domain = ? AND version = ?', domain, version) === undefined ? 'new' : 'updated'),
    apply(store, bytes, source, onProgress) {
      const r = importAttackBundle(store, bytes, source, { attackVersion: version, domain, onProgress });
      const warnings = r.skipped.map((s) => `object #${s.index}${s.id === null ? '' : ` ${s.id}`} skipped: ${s.reason}`);
      return { status: r.status, counts: `STIX ${r.specVersion}, ${r.objects} objects, ${r.relationships} relationships`, warnings };
    },
  };
}

/**
 * The index's shape: { collections: [{ name: "Enterprise ATT&CK", versions: [{ version, url, modified }] }] }.
 * The domain comes from the bundle's file name (enterprise-attack-18.1.json), else from the collection name.
 */
export function parseCollectionIndex(bytes: Buffer, source: string): IndexRelease[] {
  let root: unknown;
  try {
    root = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new TtpgraphError('invalid-json', `not valid JSON (${(err as Error).message})`, { source }, { cause: err });
  }
  const collections = isRecord(root) ? root['collections'] : undefined;
  if (!Array.isArray(collections)) {
    throw new TtpgraphError('invalid-input', 'not an ATT&CK collection index (expected {"collections": [...]})', { source });
  }
  const releases: IndexRelease[] = [];
  for (const c of collections) {
    if (!isRecord(c) || !Array.isArray(c['versions'])) continue;
    const name = typeof c['name'] === 'string' ? c['name'] : '';
    for (const v of c['versions']) {
      if (!isRecord(v) || typeof v['url'] !== 'string' || typeof v['version'] !== 'string') continue;
      const version = normalizeVersion(v['version']);
      let url: URL;
      try {
        url = new URL(v['url']);
      } catch {
        continue;
      }
      const fromFile = /^([a-z]+)-attack-/.exec(path.posix.basename(url.pathname))?.[1];
      const fromName = name.split(/\s+/)[0]?.toLowerCase();
      const domain = fromFile !== undefined && isDomain(fromFile) ? fromFile : fromName !== undefined && isDomain(fromName) ? fromName : undefined;
      if (version !== undefined && domain !== undefined) releases.push({ domain, version, url: url.href });
    }
  }
  if (releases.length === 0) throw new TtpgraphError('invalid-input', 'the collection index lists no ATT&CK release', { source });
  return releases;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
