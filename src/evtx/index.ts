/**
 * EVTX (Windows XML Event Log) parser: a leaf library that imports only Node built-ins and takes
 * bytes or a random-access reader, never paths.
 *
 *   file bytes → file-header → chunks (names, templates) → records (BinXML → tree) → JSON | XML
 */
export { parseEvtx, parseEvtxSync } from './parser.ts';
export type { EvtxResult } from './parser.ts';
export { mapEvtx, loadMapper } from './threads/map.ts';
export type { EvtxMapper, EvtxMapperModule, MapOptions, MappedChunk } from './threads/map.ts';
export { startEvtxWorkers } from './threads/workers.ts';
export type { StartWorkersOptions } from './threads/workers.ts';
export { bytesReader, fileHandleReader } from './reader.ts';
export type { RandomAccessReader, FileHandleLike } from './reader.ts';
export type { BatchOwner, EvtxWorkers, ParseOptions, ParseStats } from './options.ts';
export { workersAvailable } from './threads/schedule.ts';
export { parseChunk } from './chunk.ts';
export type { ChunkOptions, ChunkResult, EvtxFormat, EvtxRecord } from './chunk.ts';
export type { EvtxWarning, EvtxWarningCode } from './warning.ts';
export { parseFileHeader, checkFileHeader, CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.ts';
export type { FileHeader } from './file-header.ts';
export { stringifyJson } from './render/json.ts';
export type { JsonObject, JsonValue } from './render/json.ts';
export { EvtxFormatError } from './bytes.ts';
export type { EvtxErrorCode } from './bytes.ts';
