/**
 * YAML text -> plain documents with positions. SigmaHQ rules are YAML 1.1 (pySigma reads them with
 * PyYAML), so we parse with the `yaml` package in 1.1 mode and then undo the two places where it
 * types differently from PyYAML: single-letter `y`/`n` stay strings, and dates become `YYYY-MM-DD`
 * strings again. yaml-fast.ts reads the subset of YAML rule files use into the same result first,
 * and leaves every other text to the `yaml` package. Positions of map keys and sequence items are
 * kept in a side table so errors can name a line and column without the model carrying YAML nodes
 * around.
 *
 * Aliases are expanded here (each `*ref` becomes a copy of what its anchor names), so this is where
 * a hostile file's expansion is bounded: a document may expand at most YAML_LIMITS.aliases aliases
 * and produce at most YAML_LIMITS.nodes values in all (a "billion laughs" file of 1 KB would
 * otherwise expand to billions), nested at most YAML_LIMITS.depth deep (an alias to its own
 * ancestor never ends). Over a limit, the document is refused with a `yaml-limit` issue at the
 * alias or node where it happened; the other documents of the file go on.
 */
import { createRequire } from 'node:module';
import type * as YamlPackage from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Position, SigmaIssue } from '../issues.ts';
import { fastYamlPlain } from './yaml-fast.ts';

export interface YamlDocument {
  readonly value: unknown;
  readonly pos: Position;
  /** Position of a key of a map object, or an index of an array. */
  posOf(container: object, key: string | number): Position | undefined;
}

export interface YamlParseResult {
  readonly documents: YamlDocument[];
  readonly issues: SigmaIssue[];
}

/**
 * The same result as plain data that structured clone copies (postMessage between threads): the
 * positions are a Map keyed by the document's own containers, and one message keeps those
 * identities. {@link fromPlainYaml} turns it back into a YamlParseResult.
 */
export interface PlainYamlResult {
  readonly documents: { readonly value: unknown; readonly pos: Position }[];
  readonly positions: Map<object, Map<string | number, Position>>;
  readonly issues: SigmaIssue[];
}

export function fromPlainYaml(p: PlainYamlResult): YamlParseResult {
  const posOf = (c: object, k: string | number): Position | undefined => p.positions.get(c)?.get(k);
  return { documents: p.documents.map((d) => ({ value: d.value, pos: d.pos, posOf })), issues: p.issues };
}

export function parseYamlDocuments(text: string, file?: string): YamlParseResult {
  return fromPlainYaml(parseYamlPlain(text, file));
}

const SINGLE_LETTER_BOOL = /^[yYnN]$/;

/**
 * Per document. SigmaHQ's 4,039 rule files use no aliases at all; their largest document has under
 * 4,500 values nested at most 5 deep. These leave room for any real rule and stop a bomb at once.
 */
export const YAML_LIMITS = { aliases: 1_000, nodes: 100_000, depth: 64 } as const;

class YamlLimitError extends Error {
  readonly offset: number | undefined;
  constructor(message: string, offset: number | undefined) {
    super(message);
    this.offset = offset;
  }
}

/**
 * parseYamlDocuments as plain, cloneable data. Texts within the YAML that rule files use are read by
 * yaml-fast.ts (the same result, several times faster); any other text, and every text with an
 * error, by the `yaml` package below.
 */
export function parseYamlPlain(text: string, file?: string): PlainYamlResult {
  return fastYamlPlain(text) ?? parseYamlFull(text, file);
}

/**
 * The `yaml` package, loaded on first use: texts the fast path reads (every rule file of SigmaHQ,
 * in 2026-12) and rules loaded from a cache or the store never need it, and loading it is
 * ~25-50 ms of every process start. Its CommonJS build, the one `import` also gets under Node.
 */
let yamlPackage: typeof YamlPackage | undefined;
function yamlLib(): typeof YamlPackage {
  return (yamlPackage ??= createRequire(import.meta.url)('yaml') as typeof YamlPackage);
}

/** parseYamlPlain through the `yaml` package alone (what the fast path is checked against). */
export function parseYamlFull(text: string, file?: string): PlainYamlResult {
  const { isMap, isScalar, isSeq, isAlias, LineCounter, parseAllDocuments } = yamlLib();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', lineCounter, uniqueKeys: false, prettyErrors: false });
  const issues: SigmaIssue[] = [];
  const documents: { value: unknown; pos: Position }[] = [];
  const positions = new Map<object, Map<string | number, Position>>();
  const at = (offset: number): Position => {
    const lp = lineCounter.linePos(offset);
    return { line: lp.line, column: lp.col };
  };
  const docList = Array.isArray(docs) ? docs : [docs];
  for (const doc of docList) {
    if (doc.errors.length > 0) {
      // Name the rule even though its YAML is broken, when an `id:` line can be read.
      const idMatch = /^id:[ \t]*['"]?([^'"\s#]+)/m.exec(text.slice(doc.range[0], doc.range[2]));
      const ruleId = idMatch?.[1];
      for (const e of doc.errors) {
        const p = at(e.pos[0]);
        issues.push({
          code: 'yaml-syntax',
          severity: 'error',
          message: firstLine(e.message),
          ...(file !== undefined ? { file } : {}),
          line: p.line,
          column: p.column,
          ...(ruleId !== undefined ? { ruleId } : {}),
        });
      }
      continue;
    }
    let aliases = 0;
    let nodes = 0;
    const offsetOf = (node: unknown): number | undefined => (node as { range?: [number, number, number] | null }).range?.[0];
    const convert = (node: unknown, depth = 0): unknown => {
      if (node === null || node === undefined) return null;
      if (++nodes > YAML_LIMITS.nodes) throw new YamlLimitError(`the document expands to more than ${YAML_LIMITS.nodes} values (anchors and aliases multiplying?)`, offsetOf(node));
      if (depth > YAML_LIMITS.depth) throw new YamlLimitError(`values nested more than ${YAML_LIMITS.depth} deep (an alias inside its own anchor?)`, offsetOf(node));
      if (isAlias(node)) {
        if (++aliases > YAML_LIMITS.aliases) throw new YamlLimitError(`more than ${YAML_LIMITS.aliases} aliases expanded (a YAML alias bomb?)`, offsetOf(node));
        return convert(node.resolve(doc), depth + 1);
      }
      if (isScalar(node)) {
        const v = node.value;
        if (typeof v === 'boolean' && node.type === 'PLAIN' && node.range !== undefined && node.range !== null) {
          const src = text.slice(node.range[0], node.range[1]).trim();
          if (SINGLE_LETTER_BOOL.test(src)) return src;
        }
        if (v instanceof Date) return v.toISOString().slice(0, 10);
        if (typeof v === 'bigint') return Number(v);
        return v;
      }
      if (isMap(node)) {
        const out: Record<string, unknown> = {};
        const pmap = new Map<string | number, Position>();
        for (const pair of node.items) {
          const k = pair.key as YamlNode | null;
          const keyVal = isScalar(k) ? k.value : convert(k, depth + 1);
          const key = typeof keyVal === 'string' ? keyVal : String(keyVal);
          out[key] = convert(pair.value, depth + 1);
          const r = (k as { range?: [number, number, number] } | null)?.range;
          if (r) pmap.set(key, at(r[0]));
        }
        positions.set(out, pmap);
        return out;
      }
      if (isSeq(node)) {
        const out: unknown[] = [];
        const pmap = new Map<string | number, Position>();
        node.items.forEach((item, i) => {
          out.push(convert(item, depth + 1));
          const r = (item as { range?: [number, number, number] } | null)?.range;
          if (r) pmap.set(i, at(r[0]));
        });
        positions.set(out, pmap);
        return out;
      }
      return null;
    };
    const start = doc.contents?.range?.[0] ?? doc.range[0];
    let value: unknown;
    try {
      value = convert(doc.contents);
    } catch (e) {
      if (!(e instanceof YamlLimitError)) throw e;
      const idMatch = /^id:[ \t]*['"]?([^'"\s#]+)/m.exec(text.slice(doc.range[0], doc.range[2]));
      const p = at(e.offset ?? start);
      issues.push({
        code: 'yaml-limit',
        severity: 'error',
        message: e.message,
        ...(file !== undefined ? { file } : {}),
        line: p.line,
        column: p.column,
        ...(idMatch?.[1] !== undefined ? { ruleId: idMatch[1] } : {}),
      });
      continue;
    }
    documents.push({ value, pos: at(start) });
  }
  return { documents, positions, issues };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}
