/** The reader registry: the first reader whose sniff() accepts a file reads it. */
import { evtxReader } from './evtx.ts';
import { jsonArrayReader } from './json-array.ts';
import { ndjsonReader } from './ndjson.ts';
import type { LogFile, LogReader } from './reader.ts';

export const READERS: readonly LogReader[] = [evtxReader, ndjsonReader, jsonArrayReader];

export function pickReader(file: LogFile, readers: readonly LogReader[] = READERS): LogReader | undefined {
  return readers.find((r) => r.sniff(file));
}
