/**
 * Inputs of a parse: random-access readers over bytes or an open file handle. (What a caller may
 * set is in options.ts.)
 */

/** Random access to the bytes of one file (a file handle, a buffer, a remote blob…). */
export interface RandomAccessReader {
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer only at the end of the input). */
  read(position: number, length: number): Promise<Uint8Array>;
  /**
   * Optional: fills `target` from `position` (less only at the end of the input) and says how many
   * bytes it read. With it the parser reuses its buffers instead of allocating one per batch.
   */
  readInto?(target: Uint8Array, position: number): Promise<number>;
}

/** Minimal shape of `node:fs/promises` FileHandle that {@link fileHandleReader} needs. */
export interface FileHandleLike {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
}

export function bytesReader(bytes: Uint8Array): RandomAccessReader {
  return {
    size: bytes.length,
    read: (position, length) => Promise.resolve(bytes.subarray(position, Math.min(bytes.length, position + length))),
  };
}

/** A reader over an open file handle (the caller opens and closes it). */
export async function fileHandleReader(fh: FileHandleLike): Promise<RandomAccessReader> {
  const { size } = await fh.stat();
  const readInto = async (buf: Uint8Array, position: number): Promise<number> => {
    const want = Math.max(0, Math.min(buf.length, size - position));
    let done = 0;
    while (done < want) {
      const { bytesRead } = await fh.read(buf, done, want - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  };
  return {
    size,
    readInto,
    async read(position, length) {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - position)));
      const done = await readInto(buf, position);
      return done === buf.length ? buf : buf.subarray(0, done);
    },
  };
}
