/** Opens a log file: sniffs gzip by magic, gives the first decompressed bytes and a fresh stream. */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import type { LogFile } from './reader.ts';

const HEAD = 64 * 1024;

/**
 * Default cap on one NDJSON line or JSON element: far above real events (a PowerShell script block
 * event is a few hundred kB), far below what stalls a hunt (an 80 MB line took 37 s).
 */
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

export function openLogFile(path: string, options: { maxRecordBytes?: number } = {}): LogFile {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  const raw = Buffer.alloc(Math.min(HEAD, size));
  try {
    readSync(fd, raw, 0, raw.length, 0);
  } finally {
    closeSync(fd);
  }
  const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  let head = raw;
  if (gzip) {
    try {
      head = gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      head = Buffer.alloc(0);
    }
  }
  let counter: { n: number } = { n: 0 };
  return {
    path,
    head,
    rawHead: raw,
    gzip,
    size,
    open(): Readable {
      counter = { n: 0 };
      const c = counter;
      const file = createReadStream(path, { highWaterMark: 256 * 1024 });
      file.on('data', (b: string | Buffer) => {
        c.n += b.length;
      });
      if (!gzip) return file;
      const gz = createGunzip();
      file.on('error', (e) => gz.destroy(e));
      return file.pipe(gz);
    },
    bytesRead: () => counter.n,
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
  };
}
