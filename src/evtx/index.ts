/**
 * EVTX (Windows XML Event Log) parser: a leaf library that imports only Node built-ins and takes
 * bytes or a random-access reader, never paths.
 *
 *   file bytes → file-header → chunks (names, templates) → records (BinXML → tree) → JSON | XML
 */
export { parseEvtx, parseEvtxSync, bytesReader, fileHandleReader, checkFileHeader } from './parser.ts';
export type { EvtxResult, ParseOptions, ParseStats, RandomAccessReader, FileHandleLike } from './parser.ts';
export { parseChunk } from './chunk.ts';
export type { ChunkOptions, ChunkResult, EvtxFormat, EvtxRecord, EvtxWarning, EvtxWarningCode } from './chunk.ts';
export { parseFileHeader, CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.ts';
export type { FileHeader } from './file-header.ts';
export { stringifyJson } from './render/json.ts';
export type { JsonObject, JsonValue } from './render/json.ts';
export { EvtxFormatError } from './bytes.ts';
export type { EvtxErrorCode } from './bytes.ts';
