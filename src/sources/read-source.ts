/**
 * The one place that reads user-named inputs: a local path or an http(s) URL, to bytes.
 * Errors name the path or URL and say what went wrong.
 */
import { readFile } from 'node:fs/promises';
import { fileReason, TtpgraphError } from '../errors.ts';

export interface SourceBytes {
  /** The path or URL as the user gave it, for messages and provenance. */
  readonly name: string;
  readonly bytes: Buffer;
}

export function isUrl(spec: string): boolean {
  return /^https?:\/\//i.test(spec);
}

export async function readSource(spec: string, options: { timeoutMs?: number } = {}): Promise<SourceBytes> {
  if (isUrl(spec)) return { name: spec, bytes: await fetchBytes(spec, options.timeoutMs ?? 120_000) };
  try {
    return { name: spec, bytes: await readFile(spec) };
  } catch (err) {
    throw new TtpgraphError('file-unreadable', fileReason(err), { source: spec }, { cause: err });
  }
}

async function fetchBytes(url: string, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : describeFetchError(err);
    throw new TtpgraphError('fetch-failed', `cannot fetch: ${reason}`, { source: url }, { cause: err });
  }
  if (!response.ok) {
    throw new TtpgraphError('fetch-failed', `cannot fetch: HTTP ${response.status} ${response.statusText}`, { source: url });
  }
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch (err) {
    throw new TtpgraphError('fetch-failed', `download interrupted: ${describeFetchError(err)}`, { source: url }, { cause: err });
  }
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) return `${err.message} (${cause.message})`;
    return err.message;
  }
  return String(err);
}
