/**
 * Reading untrusted JSON at the import boundary: parse with an error that names the file, and
 * small guards for picking typed values out of parsed objects.
 */
import { TtpgraphError } from '../errors.ts';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse quotes the offending text, newlines included: keep the message on one line.
    const why = (err as Error).message.replace(/\s+/g, ' ');
    throw new TtpgraphError('invalid-json', `not valid JSON (${why}); is the file truncated?`, { source }, { cause: err });
  }
}

/** The `objects` of a STIX bundle, or an error naming the file. */
export function parseStixBundle(text: string, source: string): { root: Json; objects: unknown[] } {
  const root = parseJson(text, source);
  if (!isObject(root) || root['type'] !== 'bundle' || !Array.isArray(root['objects'])) {
    throw new TtpgraphError('not-a-bundle', 'not a STIX bundle (expected {"type": "bundle", "objects": [...]})', { source });
  }
  return { root, objects: root['objects'] as unknown[] };
}
