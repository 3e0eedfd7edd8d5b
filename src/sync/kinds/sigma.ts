/**
 * SigmaHQ detection rules. Over HTTP: the release archive named in official.ts (sigma_all_rules.zip
 * of the latest release), unzipped in memory. From a mirror directory (`--from DIR`):
 * DIR/sigma/sigma_all_rules.zip when it is there, else the rule folders of a SigmaHQ/sigma clone
 * laid out like ../shared/data/sigma (rules/, rules-threat-hunting/, rules-emerging-threats/,
 * rules-compliance/, rules-dfir/, rules-placeholder/), packed into the same kind of archive so that
 * its SHA-256 says whether anything changed.
 *
 * The rules of the rule folders (deprecated/ and unsupported/ are not read) are imported as one set
 * in one transaction: afterwards the store's SigmaHQ rules are exactly the archive's valid rules
 * (rules gone upstream are deleted; rules imported with `import sigma` are not touched). A rule the
 * Sigma engine rejects is skipped, with its file and line in the warnings. The same archive again
 * (same ETag, so a 304; or the same SHA-256) imports nothing. `--domain` does not apply.
 */
import { TtpgraphError } from '../../errors.ts';
import { importSigmaFiles, planSigmaImport, type SigmaFile, type SigmaSourceInfo } from '../../ingest/sigma/import-sigma.ts';
import { formatIssue, type SigmaIssue } from '../../sigma/index.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { sha256Hex } from '../http-cache.ts';
import { SIGMA_MIRROR_FOLDER, SIGMA_RULE_FOLDERS, SIGMAHQ_ARCHIVE } from '../official.ts';
import type { ListContext, SourceKind, SyncItem } from '../types.ts';
import { packZip, readZip, zipEntryNames } from '../zip.ts';

/** The set's name in the store (sigma_source.name, sigma_rule.source). */
export const SIGMAHQ_SOURCE = 'sigmahq';
const ARCHIVE_NAME = SIGMAHQ_ARCHIVE.mirrorPath.split('/').at(-1) ?? 'sigma_all_rules.zip';
const RULE_EXTENSIONS = ['.yml', '.yaml'] as const;
const FOLDERS: readonly string[] = SIGMA_RULE_FOLDERS;

export const sigmaSource: SourceKind = {
  name: 'sigma',
  description: 'SigmaHQ detection rules (release archive of SigmaHQ/sigma)',
  async list(context: ListContext): Promise<SyncItem[]> {
    const names = await context.listMirrorFolder(SIGMA_MIRROR_FOLDER);
    if (names === undefined || names.includes(ARCHIVE_NAME)) return [sigmaItem()];
    return [sigmaItem(context)];
  },
};

/** The archive (over HTTP, or DIR/sigma/sigma_all_rules.zip); with a context, a mirror's rule folders instead. */
function sigmaItem(tree?: ListContext): SyncItem {
  const item: SyncItem = {
    source: 'sigma',
    label: 'SigmaHQ rules',
    location: tree === undefined ? SIGMAHQ_ARCHIVE : { ...SIGMAHQ_ARCHIVE, mirrorPath: SIGMA_MIRROR_FOLDER },
    stored: (store, sha256) => store.get('SELECT 1 AS x FROM sigma_source WHERE name = ? AND sha256 = ?', SIGMAHQ_SOURCE, sha256) !== undefined,
    change: (store) => (hasSet(store) ? 'updated' : 'new'),
    preview(store, bytes, source) {
      const { files, info } = readRuleArchive(bytes, source);
      const p = planSigmaImport(store, files, info);
      return {
        counts: `${p.added} rules to add, ${p.changed} to update, ${p.removed} to remove, ${p.unchanged} unchanged${release(info)}; ${skipped(p.issues)}`,
        warnings: warnings(p.issues),
      };
    },
    apply(store, bytes, source, onProgress) {
      const { files, info } = readRuleArchive(bytes, source);
      const existed = hasSet(store);
      const r = importSigmaFiles(store, files, { replace: info, onProgress });
      const status = !existed ? 'imported' : r.rules === 0 && r.removed === 0 ? 'unchanged' : 'replaced';
      const counts =
        `${r.rules + r.unchanged} rules from ${r.files} files${release(info)}: ${r.rules} new or updated, ${r.unchanged} unchanged, ` +
        `${r.removed} removed, ${r.techniqueLinks} technique links written; ${skipped(r.issues)}`;
      return { status, counts, warnings: warnings(r.issues) };
    },
  };
  if (tree === undefined) return item;
  return {
    ...item,
    async fetch() {
      const read = await tree.readMirrorTree(SIGMA_MIRROR_FOLDER, FOLDERS, RULE_EXTENSIONS);
      if (read === undefined) throw new TtpgraphError('file-unreadable', 'not a mirror directory', { source: SIGMA_MIRROR_FOLDER });
      if (read.files.length === 0) {
        const folders = FOLDERS.map((f) => `${f}/`).join(', ');
        throw new TtpgraphError('file-unreadable', `no Sigma rules here: neither ${ARCHIVE_NAME} nor rule files in ${folders}`, { source: read.where });
      }
      return { where: read.where, bytes: packZip(read.files) };
    },
  };
}

function hasSet(store: Store): boolean {
  return store.get('SELECT 1 AS x FROM sigma_source WHERE name = ?', SIGMAHQ_SOURCE) !== undefined;
}

const release = (info: SigmaSourceInfo): string => (info.release === null ? '' : ` (release ${info.release})`);
const skipped = (issues: readonly SigmaIssue[]): string => `${issues.length} skipped for errors`;
const warnings = (issues: readonly SigmaIssue[]): string[] => issues.map((i) => `${formatIssue(i)} (skipped)`);

/**
 * The rule files of an archive laid out like the SigmaHQ repository: entries under the rule folders
 * at its root (the release packages), or under one top folder (GitHub's source archives,
 * sigma-master/rules/...). Stored paths are the repository's (rules/windows/x.yml).
 */
export function readRuleArchive(bytes: Buffer, where: string): { files: SigmaFile[]; info: SigmaSourceInfo } {
  const names = zipEntryNames(bytes, where);
  const inFolder = (name: string): boolean => FOLDERS.includes(name.split('/')[0] ?? '');
  let prefix = '';
  if (!names.some(inFolder)) {
    const top = names[0]?.split('/')[0];
    if (top !== undefined && names.every((n) => n.startsWith(`${top}/`)) && names.some((n) => inFolder(n.slice(top.length + 1)))) prefix = `${top}/`;
  }
  const isRule = (name: string): boolean => {
    if (!name.startsWith(prefix)) return false;
    const rel = name.slice(prefix.length);
    return inFolder(rel) && RULE_EXTENSIONS.some((e) => rel.toLowerCase().endsWith(e)) && !rel.split('/').some((p) => p === '..' || p === '');
  };
  const entries = readZip(bytes, where, { select: (name) => isRule(name) || name === `${prefix}version.txt` });
  const text = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  const files: SigmaFile[] = [];
  let label: string | null = null;
  for (const e of entries) {
    if (e.name === `${prefix}version.txt`) label = /^Label:\s*(\S+)/m.exec(text(e.data))?.[1] ?? null;
    else files.push({ path: e.name.slice(prefix.length), text: text(e.data) });
  }
  if (files.length === 0) {
    throw new TtpgraphError('invalid-input', `the archive holds no Sigma rule file under ${FOLDERS.map((f) => `${f}/`).join(', ')}`, { source: where });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, info: { name: SIGMAHQ_SOURCE, location: where, sha256: sha256Hex(bytes), release: label } };
}
