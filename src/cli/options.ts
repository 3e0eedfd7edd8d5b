/** Option value parsers shared by commands. */
import { InvalidArgumentError } from 'commander';
import { parseSize } from '../sources/read-source.ts';

/** `--threads N`: a whole number of threads, this one included. */
export function parseThreads(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('--threads takes a whole number from 1 to 256.');
  return n;
}

/** `--max-size 300M`: bytes, or with a k, M or G suffix. */
export function parseMaxSize(v: string): number {
  const n = parseSize(v);
  if (n === undefined) throw new InvalidArgumentError('--max-size takes a size such as 500M, 2G or a number of bytes.');
  return n;
}
