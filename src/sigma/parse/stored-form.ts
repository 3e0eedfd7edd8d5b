/**
 * Parsed documents as JSON text and back, so that a parsed rule can be kept (in the graph store, in
 * a rule-folder cache) and loaded again without YAML parsing, which is most of the cost of loading
 * rules (SigmaHQ's windows rules: 1.8 s of YAML, 0.6 s of building, 40 ms of JSON.parse).
 *
 * The model is plain data except for two things JSON cannot carry, written explicitly here:
 * Detection.identifiers (a Map: entries, in order) and correlation aliases (Maps of Maps). `file`
 * is not stored: it is where the document is loaded from, given to decodeDocument. Every text starts with the format's version; a text of another
 * version decodes to undefined and the caller parses the YAML again.
 */
import type { SigmaIssue } from '../issues.ts';
import { detectionWitness, rememberWitness, WITNESS_VERSION, type Cnf } from '../compile/witness.ts';
import type { Detection, DetectionItem, SearchIdentifier, SigmaCorrelation, SigmaDocument } from '../rule/model.ts';

/** Bump whenever the rule model (rule/model.ts) changes shape: texts and caches of other versions are not decoded. */
export const STORED_FORM_VERSION = 2;
const PREFIX = `{"v":${STORED_FORM_VERSION},`;
/** How every text of this format version starts (SQL can test `substr(parsed, 1, length(prefix))`). */
export const STORED_FORM_PREFIX = PREFIX;

type Obj = Record<string, unknown>;

/**
 * The detection, with its index witness (compile/witness.ts) kept beside it: computing witnesses is
 * a good part of compiling a large rule set, and they are a pure function of the detection. A
 * witness of another WITNESS_VERSION is ignored on decoding (recomputed when compiling); texts
 * without one (written before) decode as before, and readers that predate it skip the key.
 */
function encodeDetection(d: Detection): unknown {
  const ids = [...d.identifiers.values()];
  return { identifiers: ids, conditions: d.conditions, condition: d.condition, witness: { v: WITNESS_VERSION, sets: detectionWitness(d) } };
}

/**
 * One parsed document as plain JSON data (without its `file`). `raw` (the whole YAML document, half
 * of the text, and read by no matcher) is kept as a JSON string inside: parsing a string value
 * allocates one string instead of a tree, and the tree is built only if someone reads `raw`.
 */
function encodeBody(doc: SigmaDocument): Obj {
  const { file: _file, raw, ...rest } = doc;
  const rawText = JSON.stringify(raw);
  if (rest.kind === 'correlation') {
    const aliases = [...rest.aliases].map(([alias, m]) => [alias, [...m]]);
    return { ...rest, rawText, aliases };
  }
  return { ...rest, rawText, detection: encodeDetection(rest.detection) };
}

/** Gives a decoded document its `raw`, parsed from rawText when first read. */
function withLazyRaw<T extends Obj>(doc: T, rawText: string): T {
  Object.defineProperty(doc, 'raw', {
    enumerable: true,
    configurable: true,
    get(this: Obj): unknown {
      const raw = JSON.parse(rawText) as unknown;
      Object.defineProperty(this, 'raw', { value: raw, enumerable: true, configurable: true, writable: true });
      return raw;
    },
  });
  return doc;
}

/**
 * JSON text with every character beyond ASCII written as a \\u escape (the same JSON value). Read
 * back, pure ASCII text decodes from UTF-8 and parses as a one-byte string: a rule cache with a
 * few thousand accented names or typographic quotes among 11 MB otherwise becomes a two-byte
 * string whole (reading it took 40-70 ms instead of ~20).
 */
export function asciiJson(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One parsed document as JSON text (without its `file`), in ASCII (asciiJson). */
export function encodeDocument(doc: SigmaDocument): string {
  return asciiJson(`${PREFIX}"doc":${JSON.stringify(encodeBody(doc))}}`);
}

function decodeDetection(d: Obj): Detection {
  const identifiers = new Map<string, SearchIdentifier>();
  for (const sid of d['identifiers'] as Obj[]) {
    const groups = sid['groups'] as DetectionItem[][];
    identifiers.set(sid['name'] as string, { name: sid['name'] as string, groups, pos: sid['pos'] as SearchIdentifier['pos'] });
  }
  const detection: Detection = { identifiers, conditions: d['conditions'] as string[], condition: d['condition'] as Detection['condition'] };
  const w = d['witness'] as { v?: unknown; sets?: unknown } | undefined;
  if (w !== undefined && w.v === WITNESS_VERSION && Array.isArray(w.sets)) rememberWitness(detection, w.sets as Cnf);
  return detection;
}

/** A parsed object from encodeDocument's text back to a document, `file` set. */
function decodeBody(body: Obj, file: string | undefined): SigmaDocument {
  const { rawText, ...rest } = body;
  if (typeof rawText !== 'string' || typeof rest['kind'] !== 'string') throw new TypeError('not a stored Sigma document');
  if (rest['kind'] === 'correlation') {
    const aliases = new Map((rest['aliases'] as [string, [string, string][]][]).map(([a, m]) => [a, new Map(m)]));
    return withLazyRaw({ ...rest, aliases, file }, rawText) as unknown as SigmaCorrelation;
  }
  return withLazyRaw({ ...rest, detection: decodeDetection(rest['detection'] as Obj), file }, rawText) as unknown as SigmaDocument;
}

/** encodeDocument's text -> the document, loaded from `file`; undefined when the text is of another format version or damaged. */
export function decodeDocument(text: string, file: string | undefined): SigmaDocument | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  try {
    return decodeBody((JSON.parse(text) as { doc: Obj }).doc, file);
  } catch {
    return undefined;
  }
}

/**
 * What one rule file parsed to, for caches (as plain data inside a larger JSON document, so it is
 * parsed with it): its documents and issues, without the file name.
 */
export interface StoredFile {
  readonly v: number;
  readonly docs: readonly unknown[];
  readonly issues: readonly SigmaIssue[];
}

/** A file's documents and issues (from parseSigma) as cacheable data; issues lose their `file`. */
export function encodeFile(docs: readonly SigmaDocument[], issues: readonly SigmaIssue[]): StoredFile {
  return { v: STORED_FORM_VERSION, docs: docs.map(encodeBody), issues: issues.map(({ file: _file, ...i }) => i) };
}

/** StoredFile -> documents and issues of `file`; undefined when it is of another format version. */
export function decodeFile(stored: StoredFile, file: string | undefined): { docs: SigmaDocument[]; issues: SigmaIssue[] } | undefined {
  if (stored.v !== STORED_FORM_VERSION) return undefined;
  return { docs: stored.docs.map((d) => decodeBody(d as Obj, file)), issues: stored.issues.map((i) => (file === undefined ? i : { ...i, file })) };
}
