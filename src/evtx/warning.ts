/** Warnings: every damaged place the parser skips is reported as one, naming source, chunk and offset. */
export type EvtxWarningCode =
  | 'bad-file-header'
  | 'file-header-crc'
  | 'dirty-file'
  | 'truncated-file'
  | 'bad-chunk-magic'
  | 'truncated-chunk'
  | 'chunk-header-crc'
  | 'chunk-data-crc'
  | 'bad-chunk-header'
  | 'bad-record'
  | 'undecodable-record'
  | 'read-error';

export interface EvtxWarning {
  readonly code: EvtxWarningCode;
  /** One line naming the source, the chunk and the offset. */
  readonly message: string;
  readonly source: string;
  /** Chunk index, or -1 for the file header. */
  readonly chunk: number;
  /** Absolute file offset of the damaged place. */
  readonly offset: number;
}

export function makeWarning(code: EvtxWarningCode, source: string, chunk: number, offset: number, what: string): EvtxWarning {
  const where = chunk < 0 ? 'file header' : `chunk ${chunk}`;
  return { code, source, chunk, offset, message: `${source}: ${where}, offset 0x${offset.toString(16)} (${offset}): ${what}` };
}
