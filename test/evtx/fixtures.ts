/**
 * Named EVTX fixtures built in memory from the regression corpus (never written into the project):
 * a multi-chunk file and deliberately damaged copies of it, one helper per kind of damage; and a
 * runner for scripts over the built library in a process of their own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { projectRoot } from '../helpers/paths.ts';
import { regressionFiles } from './helpers.ts';

export const HEADER = 4096;
export const CHUNK = 65536;

/** The regression files whose single chunk holds several records, then some one-record files. */
export function sourceFiles(): string[] {
  const all = regressionFiles();
  const multi = all.filter((f) => /findstr_security_keyword_lookup|cred_dump_tools_dropped_files|shai_hulud_malicious_node_bun/.test(f));
  const single = all.filter((f) => !multi.includes(f)).slice(0, 3);
  return [multi[0]!, single[0]!, multi[1]!, single[1]!, multi[2]!, single[2]!];
}

/** A valid file header for `chunks` chunks (CRC32 set). */
export function fileHeader(chunks: number, flags = 0): Buffer {
  const h = Buffer.alloc(HEADER);
  h.write('ElfFile\0', 0, 'latin1');
  h.writeBigUInt64LE(BigInt(Math.max(0, chunks - 1)), 16);
  h.writeBigUInt64LE(1n, 24);
  h.writeUInt32LE(128, 32);
  h.writeUInt16LE(2, 36);
  h.writeUInt16LE(3, 38);
  h.writeUInt16LE(HEADER, 40);
  h.writeUInt16LE(chunks, 42);
  h.writeUInt32LE(flags, 120);
  h.writeUInt32LE(crc32(h.subarray(0, 120)), 124);
  return h;
}

/** Six chunks taken from six regression files behind one header: a well-formed multi-chunk file. */
export function multiChunkFile(): Buffer {
  const chunks = sourceFiles().map((f) => readFileSync(f).subarray(HEADER, HEADER + CHUNK));
  return Buffer.concat([fileHeader(chunks.length), ...chunks]);
}

export function chunkOffset(i: number): number {
  return HEADER + i * CHUNK;
}

/** Offsets (chunk-relative) and sizes of the records of chunk `i`, read from the framing. */
export function recordsOf(file: Buffer, i: number): { off: number; size: number }[] {
  const base = chunkOffset(i);
  const free = file.readUInt32LE(base + 48);
  const out: { off: number; size: number }[] = [];
  for (let off = 512; off + 24 <= free; ) {
    const size = file.readUInt32LE(base + off + 4);
    out.push({ off, size });
    off += size;
  }
  return out;
}

export function sampleWithBadChunkMagic(chunk: number): Buffer {
  const f = multiChunkFile();
  f[chunkOffset(chunk) + 3] = f[chunkOffset(chunk) + 3]! ^ 0xff;
  return f;
}

/** A flipped byte inside the chunk header's CRC-covered fields (the last-record-number field). */
export function sampleWithDamagedChunkHeader(chunk: number): Buffer {
  const f = multiChunkFile();
  f[chunkOffset(chunk) + 17] = f[chunkOffset(chunk) + 17]! ^ 0x5a;
  return f;
}

/** The size field of record `rec` of chunk `chunk` damaged. */
export function sampleWithDamagedRecordHeader(chunk: number, rec: number): Buffer {
  const f = multiChunkFile();
  const r = recordsOf(f, chunk)[rec]!;
  f[chunkOffset(chunk) + r.off + 5] = f[chunkOffset(chunk) + r.off + 5]! ^ 0x11;
  return f;
}

/** Record `rec` of chunk `chunk` claims a size that runs past the end of its chunk. */
export function sampleWithRecordOutsideChunk(chunk: number, rec: number): Buffer {
  const f = multiChunkFile();
  const r = recordsOf(f, chunk)[rec]!;
  f.writeUInt32LE(70000, chunkOffset(chunk) + r.off + 4);
  return f;
}

/**
 * The first element token of the template defined inline in the chunk's first record replaced by
 * an invalid token: every record of that chunk using the template fails; other chunks are intact.
 */
export function sampleWithDamagedTemplate(chunk: number): Buffer {
  const f = multiChunkFile();
  const base = chunkOffset(chunk);
  const rec = recordsOf(f, chunk)[0]!;
  // record: 24-byte header, fragment header (4), template instance token at +28.
  const tok = base + rec.off + 28;
  if (f[tok] !== 0x0c) throw new Error('fixture: expected a template instance token');
  const defOff = f.readUInt32LE(tok + 6);
  // definition: 24-byte header, fragment header (4), then the root element's open token.
  const open = base + defOff + 24 + 4;
  if ((f[open]! & 0x0f) !== 0x01) throw new Error('fixture: expected an open-element token');
  f[open] = 0x3f;
  return f;
}

export function sampleDirty(): Buffer {
  const f = multiChunkFile();
  fileHeader(6, 1).copy(f, 0);
  return f;
}

/** `n` chunks cycling through the six of {@link multiChunkFile} (from chunk `shift` on), behind a valid header. */
export function bigFile(n: number, shift = 0): Buffer {
  const six = multiChunkFile();
  const chunks = Array.from({ length: n }, (_, i) => six.subarray(chunkOffset((i + shift) % 6), chunkOffset((i + shift) % 6) + CHUNK));
  return Buffer.concat([fileHeader(n), ...chunks]);
}

/** {@link bigFile} of 48 chunks with chunk 17's magic broken (skipped) and a record of chunk 30 damaged (skipped alone). */
export function damagedBigFile(): Buffer {
  const f = bigFile(48);
  f[chunkOffset(17) + 3] = f[chunkOffset(17) + 3]! ^ 0xff;
  const rec = recordsOf(f, 30)[1]!;
  f[chunkOffset(30) + rec.off + 5] = f[chunkOffset(30) + rec.off + 5]! ^ 0x11;
  return f;
}

/** What a script run by {@link runLibScript} left behind. */
export interface ScriptRun {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `body` in its own Node process with `lib` (the built dist/evtx) and `bytes` (a
 * {@link bigFile} of 96 chunks, written to `dir` as `name` once) defined: the process must end by
 * itself, so a worker left running shows as a timeout.
 */
export function runLibScript(dir: string, name: string, body: string): ScriptRun {
  const file = path.join(dir, name);
  if (!existsSync(file)) writeFileSync(file, bigFile(96));
  const src = `const lib = await import(${JSON.stringify(pathToFileURL(path.join(projectRoot, 'dist', 'evtx', 'index.js')).href)});
const { readFileSync } = await import('node:fs');
const bytes = readFileSync(${JSON.stringify(file)});
${body}`;
  const p = path.join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(p, src);
  const r = spawnSync(process.execPath, [p], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
