/**
 * Zip archives in memory, for the SigmaHQ release archive (sigma_all_rules.zip) and for a mirror's
 * rule tree packed the same way: fflate does the format; this module bounds what an archive may
 * make us allocate and turns every failure into one TtpgraphError naming the URL or path.
 * Nothing is ever written to disk, so entry names cannot escape anywhere (no zip-slip).
 */
import { unzipSync, zipSync } from 'fflate';
import { TtpgraphError } from '../errors.ts';

export interface ZipEntry {
  /** The entry's name in the archive, '/'-separated ("rules/windows/.../x.yml"). */
  readonly name: string;
  readonly data: Uint8Array;
}

export interface ReadZipOptions {
  /** Which entries to decompress, by name; the others are skipped without being inflated. */
  readonly select: (name: string) => boolean;
  /** Refuse an entry that says it inflates to more than this (default 16 MB; a Sigma rule is a few kB). */
  readonly maxEntryBytes?: number;
  /** Refuse an archive whose selected entries inflate to more than this in all (default 512 MB). */
  readonly maxTotalBytes?: number;
}

const MB = 1024 * 1024;

/** Is this a readable zip archive? Reads the end record and the central directory, inflates nothing. */
export function checkZip(bytes: Uint8Array, where: string): void {
  try {
    unzipSync(bytes, { filter: () => false });
  } catch (err) {
    throw notAZip(where, err);
  }
}

/** The names of an archive's entries, directories included, in archive order; inflates nothing. */
export function zipEntryNames(bytes: Uint8Array, where: string): string[] {
  const names: string[] = [];
  try {
    unzipSync(bytes, {
      filter(file) {
        names.push(file.name);
        return false;
      },
    });
  } catch (err) {
    throw notAZip(where, err);
  }
  return names;
}

/** The selected entries of an archive, inflated, in archive order. Directories are left out. */
export function readZip(bytes: Uint8Array, where: string, options: ReadZipOptions): ZipEntry[] {
  const maxEntry = options.maxEntryBytes ?? 16 * MB;
  const maxTotal = options.maxTotalBytes ?? 512 * MB;
  let total = 0;
  let tooBig: TtpgraphError | undefined;
  const sizes = new Map<string, number>();
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter(file) {
        if (file.name.endsWith('/') || !options.select(file.name) || tooBig !== undefined) return false;
        if (file.originalSize > maxEntry) {
          tooBig = new TtpgraphError('invalid-input', `zip entry ${file.name} would inflate to ${file.originalSize} bytes (more than ${maxEntry})`, { source: where });
          return false;
        }
        total += file.originalSize;
        if (total > maxTotal) {
          tooBig = new TtpgraphError('invalid-input', `the archive would inflate to more than ${maxTotal} bytes`, { source: where });
          return false;
        }
        sizes.set(file.name, file.originalSize);
        return true;
      },
    });
  } catch (err) {
    throw notAZip(where, err);
  }
  if (tooBig !== undefined) throw tooBig;
  return Object.entries(files).map(([name, data]) => {
    // A damaged deflate stream that still ends cleanly shows as a length other than the declared one.
    if (data.length !== sizes.get(name)) {
      throw new TtpgraphError('invalid-input', `zip entry ${name} is damaged (inflated to ${data.length} bytes, the archive says ${sizes.get(name)})`, { source: where });
    }
    return { name, data };
  });
}

/**
 * Packs files into a zip without compression and with fixed dates, in name order: the same files
 * always give the same bytes, so their SHA-256 says whether anything changed.
 */
export function packZip(files: readonly { readonly name: string; readonly data: Uint8Array }[]): Buffer {
  const tree: Record<string, [Uint8Array, { level: 0; mtime: Date }]> = {};
  const mtime = new Date(Date.UTC(1980, 0, 2));
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) tree[f.name] = [f.data, { level: 0, mtime }];
  const bytes = zipSync(tree);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function notAZip(where: string, err: unknown): TtpgraphError {
  const why = err instanceof Error ? err.message : String(err);
  return new TtpgraphError('invalid-input', `not a readable zip archive (${why}); is the file truncated?`, { source: where }, { cause: err });
}
