/**
 * The file header (libevtx "File header"; MS-EVEN6 does not describe the file layout): the first
 * 4096 bytes, of which 128 are used.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 8 | magic `ElfFile\0` |
 * | 8 | 8 | first chunk number |
 * | 16 | 8 | last chunk number |
 * | 24 | 8 | next record identifier |
 * | 32 | 4 | header size (128) |
 * | 36 | 2 | minor version (1 or 2) |
 * | 38 | 2 | major version (3) |
 * | 40 | 2 | header block size (4096) |
 * | 42 | 2 | number of chunks |
 * | 120 | 4 | flags: 0x1 dirty, 0x2 full |
 * | 124 | 4 | CRC32 of bytes 0–119 |
 */
import { crc32 } from 'node:zlib';
import { EvtxFormatError, byteView, hasMagic, u16, u32, u64 } from './bytes.ts';
import { makeWarning } from './warning.ts';
import type { EvtxWarning } from './warning.ts';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;

export interface FileHeader {
  readonly firstChunk: number | bigint;
  readonly lastChunk: number | bigint;
  readonly nextRecordId: number | bigint;
  readonly headerSize: number;
  readonly minorVersion: number;
  readonly majorVersion: number;
  readonly headerBlockSize: number;
  readonly chunkCount: number;
  readonly flags: number;
  /** Flag 0x1: the file was not closed cleanly; the header may lag behind the chunks. */
  readonly dirty: boolean;
  /** Flag 0x2: the log reached its maximum size. */
  readonly full: boolean;
  readonly checksum: number;
  readonly checksumOk: boolean;
}

/** Decodes the file header; throws {@link EvtxFormatError} on a bad magic or short input. */
export function parseFileHeader(bytes: Uint8Array): FileHeader {
  const v = byteView(bytes);
  if (!hasMagic(bytes, 0, 'ElfFile\0')) throw new EvtxFormatError('bad-magic', 'not an EVTX file (bad file header magic)', 0);
  const flags = u32(v, 120, 'file_header.flags');
  const checksum = u32(v, 124, 'file_header.checksum');
  return {
    firstChunk: u64(v, 8, 'file_header.first_chunk'),
    lastChunk: u64(v, 16, 'file_header.last_chunk'),
    nextRecordId: u64(v, 24, 'file_header.next_record_id'),
    headerSize: u32(v, 32, 'file_header.header_size'),
    minorVersion: u16(v, 36, 'file_header.minor'),
    majorVersion: u16(v, 38, 'file_header.major'),
    headerBlockSize: u16(v, 40, 'file_header.block_size'),
    chunkCount: u16(v, 42, 'file_header.chunk_count'),
    flags,
    dirty: (flags & 1) !== 0,
    full: (flags & 2) !== 0,
    checksum,
    checksumOk: crc32(bytes.subarray(0, 120)) === checksum,
  };
}

/** Chunks a file of `size` bytes holds (the last one may be short). */
export function chunkCount(size: number): number {
  return size <= FILE_HEADER_SIZE ? 0 : Math.ceil((size - FILE_HEADER_SIZE) / CHUNK_SIZE);
}

/** Warnings about the file header; never throws. Chunks are then located by file size. */
export function checkFileHeader(bytes: Uint8Array, fileSize: number, source: string): { header: FileHeader | null; warnings: EvtxWarning[] } {
  const warnings: EvtxWarning[] = [];
  let header: FileHeader | null = null;
  try {
    header = parseFileHeader(bytes);
    if (!header.checksumOk) warnings.push(makeWarning('file-header-crc', source, -1, 124, 'file header CRC32 mismatch: header ignored, chunks read by file size'));
    if (header.dirty) warnings.push(makeWarning('dirty-file', source, -1, 120, 'file is dirty (not closed cleanly): header counts may be stale, every chunk present is read'));
  } catch (err) {
    const msg = err instanceof EvtxFormatError ? err.message : String(err);
    warnings.push(makeWarning('bad-file-header', source, -1, 0, `${msg}: reading chunks anyway`));
  }
  if (fileSize < FILE_HEADER_SIZE) {
    warnings.push(makeWarning('truncated-file', source, -1, fileSize, `file truncated to ${fileSize} bytes, inside the file header`));
  } else if (header !== null && header.checksumOk && header.chunkCount > chunkCount(fileSize)) {
    warnings.push(makeWarning('truncated-file', source, -1, fileSize, `file truncated: the header lists ${header.chunkCount} chunks, the file holds ${chunkCount(fileSize)}`));
  }
  return { header, warnings };
}
