/**
 * Expands user-named paths (files and folders, recursively) into the text files under them with
 * the wanted extensions, in a stable order. Unreadable paths are errors naming the path.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { TtpgraphError } from '../errors.ts';

export interface TextFile {
  readonly path: string;
  readonly text: string;
}

export async function listFiles(paths: readonly string[], extensions: readonly string[]): Promise<string[]> {
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
      const entries = (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const child = path.join(p, e.name);
        if (e.isDirectory()) await walk(child);
        else if (e.isFile() && wanted(e.name)) out.push(child);
      }
    } else {
      out.push(p);
    }
  };
  for (const p of paths) await walk(p);
  return out;
}

export async function readTextFiles(paths: readonly string[], extensions: readonly string[]): Promise<TextFile[]> {
  const files = await listFiles(paths, extensions);
  return Promise.all(
    files.map(async (f) => {
      try {
        return { path: f, text: await readFile(f, 'utf8') };
      } catch (err) {
        throw new TtpgraphError('file-unreadable', `cannot read: ${(err as Error).message}`, { source: f }, { cause: err });
      }
    }),
  );
}
