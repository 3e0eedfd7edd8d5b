/**
 * SigmaHQ-style release archives built at test time from the rule tree in ../shared/data/sigma
 * (never copied into the project): entries at the archive's root as in the repository
 * (rules/windows/.../x.yml), deflated, with a version.txt the way SigmaHQ's packaging script
 * writes it; or under one top folder, the way GitHub's source archives are.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import Database from 'better-sqlite3';
import { dataPath } from '../helpers/paths.ts';

/** Repository paths ("rules/windows/x.yml") of the .yml files under a folder of ../shared/data/sigma whose name passes `keep`. */
export function sigmaFiles(folder: string, keep: (name: string) => boolean = () => true): string[] {
  const root = dataPath('sigma');
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const child = `${rel}/${name}`;
      if (statSync(path.join(root, child)).isDirectory()) walk(child);
      else if (name.endsWith('.yml') && keep(name)) out.push(child);
    }
  };
  walk(folder);
  return out;
}

export interface ArchiveSpec {
  /** Repository paths of rule files taken from ../shared/data/sigma. */
  readonly files: readonly string[];
  /** Extra entries: repository path → text (a changed rule, a broken one). */
  readonly extra?: Readonly<Record<string, string>>;
  /** version.txt's Label line; none when undefined. */
  readonly release?: string;
  /** A top folder every entry sits under ("sigma-master"). */
  readonly prefix?: string;
}

/** Writes the archive and returns its path. */
export function writeSigmaArchive(file: string, spec: ArchiveSpec): string {
  const tree: Record<string, Uint8Array> = {};
  const pre = spec.prefix === undefined ? '' : `${spec.prefix}/`;
  for (const f of spec.files) tree[`${pre}${f}`] = readFileSync(dataPath('sigma', ...f.split('/')));
  for (const [name, text] of Object.entries(spec.extra ?? {})) tree[`${pre}${name}`] = Buffer.from(text, 'utf8');
  if (spec.release !== undefined) tree[`${pre}version.txt`] = Buffer.from(`Release Date: 2025-01-01\nLabel: ${spec.release}\nCommit-Hash: 0123456789abcdef\n`);
  writeFileSync(file, zipSync(tree, { level: 6 }));
  return file;
}

/** The id of a rule file (its top-level `id:` line). */
export function ruleId(repoPath: string): string {
  const m = /^id:\s*(\S+)/m.exec(readFileSync(dataPath('sigma', ...repoPath.split('/')), 'utf8'));
  if (m?.[1] === undefined) throw new Error(`no id in ${repoPath}`);
  return m[1];
}

/** What the store holds of Sigma: per rule its key, source, path and a digest of its text; and the synced sets. */
export function sigmaState(db: string): { rules: string[]; sources: string[]; links: number } {
  const d = new Database(db, { readonly: true });
  try {
    return {
      rules: d
        .prepare("SELECT rule_key || ' ' || coalesce(source, '-') || ' ' || path || ' ' || length(file_text) || ' ' || imported_at AS r FROM sigma_rule ORDER BY rule_key")
        .pluck()
        .all() as string[],
      sources: d.prepare("SELECT name || ' ' || sha256 || ' ' || coalesce(release, '-') || ' ' || rules || ' ' || imported_at AS s FROM sigma_source").pluck().all() as string[],
      links: (d.prepare('SELECT count(*) FROM sigma_rule_technique').pluck().get() as number) ?? 0,
    };
  } finally {
    d.close();
  }
}
