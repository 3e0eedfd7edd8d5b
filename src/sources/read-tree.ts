/**
 * Expands user-named paths (files and folders, recursively) into the text files under them with
 * the wanted extensions, in a stable order. Unreadable paths are errors naming the path. Each file
 * is read through readSource (regular files only, a size limit per file, allowed folders).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { TtpgraphError } from '../errors.ts';
import { checkAllowedPath, readSource, type ReadSourceOptions } from './read-source.ts';

export interface TextFile {
  readonly path: string;
  readonly text: string;
}

/** At most this many files under the named paths (SigmaHQ has ~3,800 rules). */
const MAX_FILES = 100_000;

export async function listFiles(paths: readonly string[], extensions: readonly string[], options: ReadSourceOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const wanted = (name: string): boolean => extensions.some((e) => name.toLowerCase().endsWith(e));
  const walk = async (p: string): Promise<void> => {
    let info;
    try {
      info = await stat(p);
    } catch (err) {
      throw new TtpgraphError('file-unreadable', `cannot read: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message}`, { source: p }, { cause: err });
    }
    if (info.isDirectory()) {
      if (options.signal?.aborted === true) throw new TtpgraphError('cancelled', 'cancelled: nothing was stored', { source: p });
      const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const child = path.join(p, e.name);
        if (e.isDirectory()) await walk(child);
        else if (e.isFile() && wanted(e.name)) out.push(child);
        if (out.length > MAX_FILES) throw new TtpgraphError('source-too-large', `more than ${MAX_FILES} files under it`, { source: p });
      }
    } else {
      out.push(p);
    }
  };
  for (const p of paths) {
    // A server checks each named path before looking at it, so a refusal says nothing of what is there.
    checkAllowedPath(p, options.allowedDirs);
    await walk(p);
  }
  return out;
}

export async function readTextFiles(paths: readonly string[], extensions: readonly string[], options: ReadSourceOptions = {}): Promise<TextFile[]> {
  const files = await listFiles(paths, extensions, options);
  const out: TextFile[] = new Array<TextFile>(files.length);
  // A few at a time: a folder of thousands of rules must not open thousands of files at once.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const f = files[i] as string;
      out[i] = { path: f, text: (await readSource(f, { kind: 'sigma', ...options })).bytes.toString('utf8') };
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, files.length) }, worker));
  return out;
}
