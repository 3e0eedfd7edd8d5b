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
    // JSON.parse quotes the text around the problem: never pass that on (the source may be a file
    // that is not ours to show, such as /etc/shadow named in a web import). Say where, not what.
    throw new TtpgraphError('invalid-json', `not valid JSON (${whereJsonFails(text, (err as Error).message)}); is the file truncated?`, { source }, { cause: err });
  }
}

/** "syntax error at line 3, column 7" from JSON.parse's message, without any of the input. */
function whereJsonFails(text: string, message: string): string {
  if (/unexpected end/i.test(message)) return 'it ends too early';
  const position = /position (\d+)/.exec(message)?.[1];
  if (position === undefined) return 'syntax error';
  const at = Math.min(Number(position), text.length);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return `syntax error at line ${line}, column ${column}`;
}

/** The `objects` of a STIX bundle, or an error naming the file. */
export function parseStixBundle(text: string, source: string): { root: Json; objects: unknown[] } {
  const root = parseJson(text, source);
  if (!isObject(root) || root['type'] !== 'bundle' || !Array.isArray(root['objects'])) {
    throw new TtpgraphError('not-a-bundle', 'not a STIX bundle (expected {"type": "bundle", "objects": [...]})', { source });
  }
  return { root, objects: root['objects'] as unknown[] };
}
