/** Option value parsers shared by commands. */
import { InvalidArgumentError } from 'commander';

/** `--threads N`: a whole number of threads, this one included. */
export function parseThreads(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('--threads takes a whole number from 1 to 256.');
  return n;
}
