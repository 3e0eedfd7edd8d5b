/**
 * The one folder walker: what files a named folder stands for, for `import sigma`, `hunt --rules`
 * and hunt's log folders alike, so two commands given one folder read the same files.
 *
 * - Files named directly are taken whatever their name (the user asked for them).
 * - Below a folder: files whose names end with one of the wanted extensions (case-insensitive),
 *   in every subfolder, in code-point order of their names at each level (the same on every
 *   machine and locale).
 * - Names starting with a dot are skipped, files and folders alike (`.git/`, editor swap files,
 *   macOS `._x.yml` resource forks are not rules).
 * - Symbolic links are followed, to files and to folders; a folder reached twice (a link loop) is
 *   walked once. Devices, FIFOs and sockets are skipped.
 */
import { readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import { fileReason, TtpgraphError } from '../errors.ts';

export interface WalkOptions {
  /** Wanted extensions, with their dot (`.yml`); compared case-insensitively. */
  readonly extensions: readonly string[];
  /** At most this many files in all (a refusal past it names the folder). */
  readonly maxFiles?: number;
  /** Checked at every folder: an aborted walk throws `cancelled`. */
  readonly signal?: AbortSignal;
}

/** Code-point order, not the locale's: the same order on every machine. */
function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function statOrThrow(p: string): Stats {
  try {
    return statSync(p);
  } catch (err) {
    throw new TtpgraphError('file-unreadable', fileReason(err), { source: p }, { cause: err });
  }
}

/** The files the named paths stand for, in a stable order; a named path that cannot be read is an error naming it. */
export function walkFiles(paths: readonly string[], options: WalkOptions): string[] {
  const out: string[] = [];
  const extensions = options.extensions.map((e) => e.toLowerCase());
  const wanted = (name: string): boolean => {
    const lower = name.toLowerCase();
    return extensions.some((e) => lower.endsWith(e));
  };
  const maxFiles = options.maxFiles ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  const walkFolder = (dir: string): void => {
    if (options.signal?.aborted === true) throw new TtpgraphError('cancelled', 'cancelled: nothing was stored', { source: dir });
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new TtpgraphError('file-unreadable', fileReason(err), { source: dir }, { cause: err });
    }
    for (const e of entries.sort(byName)) {
      if (e.name.startsWith('.')) continue;
      const child = path.join(dir, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        // A dangling link is skipped like any other non-file.
        const target = statSync(child, { throwIfNoEntry: false });
        isDir = target?.isDirectory() === true;
        isFile = target?.isFile() === true;
      }
      if (isDir) walkFolder(child);
      else if (isFile && wanted(e.name)) out.push(child);
      if (out.length > maxFiles) throw new TtpgraphError('source-too-large', `more than ${maxFiles} files under it`, { source: dir });
    }
  };
  for (const p of paths) {
    if (statOrThrow(p).isDirectory()) walkFolder(p);
    else out.push(p);
  }
  return out;
}
