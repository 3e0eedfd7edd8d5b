/**
 * Expands user-named paths (files and folders, recursively: walk.ts) into the text files under them
 * with the wanted extensions, in a stable order. Unreadable paths are errors naming the path. Each file
 * is read through readSource (regular files only, a size limit per file, allowed folders).
 */
import { checkAllowedPath, readSource, type ReadSourceOptions } from './read-source.ts';
import { walkFiles } from './walk.ts';

export interface TextFile {
  readonly path: string;
  readonly text: string;
}

/** At most this many files under the named paths (SigmaHQ has ~3,800 rules). */
const MAX_FILES = 100_000;

/** The files under the named paths (see walk.ts), each named path checked against `allowedDirs` first. */
export function listFiles(paths: readonly string[], extensions: readonly string[], options: ReadSourceOptions = {}): string[] {
  // A server checks each named path before looking at it, so a refusal says nothing of what is there.
  for (const p of paths) checkAllowedPath(p, options.allowedDirs);
  return walkFiles(paths, { extensions, maxFiles: MAX_FILES, ...(options.signal !== undefined ? { signal: options.signal } : {}) });
}

export async function readTextFiles(paths: readonly string[], extensions: readonly string[], options: ReadSourceOptions = {}): Promise<TextFile[]> {
  const files = listFiles(paths, extensions, options);
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
