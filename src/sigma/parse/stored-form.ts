/**
 * Parsed documents as JSON text and back, so that a parsed rule can be kept (in the graph store, in
 * a rule-folder cache) and loaded again without YAML parsing, which is most of the cost of loading
 * rules (SigmaHQ's windows rules: 1.8 s of YAML, 0.6 s of building, 40 ms of JSON.parse).
 *
 * The model is plain data except for two things JSON cannot carry, written explicitly here:
 * Detection.identifiers (a Map: entries, in order) and correlation aliases (Maps of Maps). `file`
 * is not stored: it is where the document is loaded from, given to decodeDocument. Every text
 * starts with the format's version; a text of another version (but 2, still decoded) decodes to
 * undefined and the caller parses the YAML again.
 */
import type { SigmaIssue } from '../issues.ts';
import { computeFacts, rememberFacts } from '../compile/facts.ts';
import { detectionWitness, rememberWitness, WITNESS_VERSION, type Cnf } from '../compile/witness.ts';
import type { Detection, DetectionItem, SearchIdentifier, SigmaDocument } from '../rule/model.ts';

/**
 * Bump whenever the rule model (rule/model.ts) changes shape: texts and caches of other versions are
 * not decoded (version 2 texts, eager, still are: stores written before version 3 load without YAML).
 */
export const STORED_FORM_VERSION = 3;
const PREFIX = `{"v":${STORED_FORM_VERSION},`;
/** How every text of this format version starts (SQL can test `substr(parsed, 1, length(prefix))`). */
export const STORED_FORM_PREFIX = PREFIX;
const PREFIX_V2 = '{"v":2,';

type Obj = Record<string, unknown>;

/**
 * Version 3 text: `{"v":3,"doc":HEAD\n,"det":DETECTION\n,"raw":RAW}`, one JSON value (HEAD's `n`
 * holds the lengths of DETECTION and RAW). The two newlines (JSON whitespace; JSON.stringify never
 * writes one) split it without parsing it: loading parses only HEAD (metadata, logsource, and
 * what compiling needs of the detection: its index witness, its field names, whether it has
 * placeholders), and each document's detection and raw are parsed from their slice when first
 * read. Most rules of a large set are never evaluated in a given hunt (no event of their
 * logsource), and the detection and raw are 70% of the text (docs/benchmarks.md, round 4).
 */
const PART_KEYS = [',"det":', ',"raw":'] as const;
const DOC_KEY = '"doc":';

/** What compiling reads of a detection, kept in the head (see compile/facts.ts). */
function encodeFacts(d: Detection): Obj {
  const f = computeFacts(d);
  return { witness: { v: WITNESS_VERSION, sets: detectionWitness(d) }, fields: f.fields, ph: f.placeholders };
}

function encodeDetectionV3(d: Detection): unknown {
  return { identifiers: [...d.identifiers.values()], conditions: d.conditions, condition: d.condition };
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
  const { file: _file, raw, ...meta } = doc;
  let head: Obj;
  let det: unknown = null;
  if (meta.kind === 'correlation') head = { ...meta, aliases: [...meta.aliases].map(([alias, m]) => [alias, [...m]]) };
  else {
    const { detection, ...others } = meta;
    head = { ...others, facts: encodeFacts(detection) };
    det = encodeDetectionV3(detection);
  }
  const parts = [det, raw].map((p) => asciiJson(JSON.stringify(p)));
  // The lengths of the lazily parsed parts, checked on decoding: a cut or damaged text is not decoded.
  head['n'] = parts.map((p) => p.length);
  return `${PREFIX}${DOC_KEY}${asciiJson(JSON.stringify(head))}${PART_KEYS.map((k, i) => `\n${k}${parts[i]}`).join('')}}`;
}

/** Defines `key` on `obj` as computed on first read, then kept as a plain value. */
function lazy(obj: Obj, key: string, compute: () => unknown): void {
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get(this: Obj): unknown {
      const value = compute();
      Object.defineProperty(this, key, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
  });
}

function decodeIdentifiers(list: Obj[]): Map<string, SearchIdentifier> {
  const identifiers = new Map<string, SearchIdentifier>();
  for (const sid of list) {
    const groups = sid['groups'] as DetectionItem[][];
    identifiers.set(sid['name'] as string, { name: sid['name'] as string, groups, pos: sid['pos'] as SearchIdentifier['pos'] });
  }
  return identifiers;
}

/** A stored witness of this WITNESS_VERSION, else undefined (computed again when compiling). */
function storedWitness(w: unknown): Cnf | undefined {
  const o = w as { v?: unknown; sets?: unknown } | undefined;
  return o !== undefined && o !== null && o.v === WITNESS_VERSION && Array.isArray(o.sets) ? (o.sets as Cnf) : undefined;
}

/**
 * A stored text as a string, or as its bytes (a Buffer: SQLite's BLOB of it, a slice of a cache
 * file). Bytes stay outside the JavaScript heap until a part of them is read: the 16 MB of
 * SigmaHQ's stored forms are not copied into strings, or moved by the garbage collector, at load.
 */
export type StoredText = string | Buffer;

const NL = 10;

/** Version 3 texts are ASCII: a byte is a character. */
function part(text: StoredText, start: number, end: number): string {
  return typeof text === 'string' ? text.slice(start, end) : text.toString('latin1', start, end);
}

/** Does `text` hold `s` at `i`? (bytes compared as they are: no string made) */
function textAt(text: StoredText, i: number, s: string): boolean {
  if (typeof text === 'string') return text.startsWith(s, i);
  if (i < 0 || i + s.length > text.length) return false;
  for (let k = 0; k < s.length; k++) if (text[i + k] !== s.charCodeAt(k)) return false;
  return true;
}

/** Where a version 3 document's lazily parsed parts are: its detection's and raw's slices of its text. */
interface LazyParts {
  readonly text: StoredText;
  readonly det: number;
  readonly detEnd: number;
  readonly raw: number;
  readonly rawEnd: number;
  readonly witness: Cnf | undefined;
}

const lazyParts = new WeakMap<object, LazyParts>();

/** The parts of the document `obj` is (or inherits from). */
function partsOf(obj: object): LazyParts {
  for (let o: object | null = obj; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const p = lazyParts.get(o);
    if (p !== undefined) return p;
  }
  throw new TypeError('not a decoded Sigma document');
}

/** Replaces the accessor `key` of `obj` by its value, now computed. */
function settle(obj: object, key: string, value: unknown): unknown {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  return value;
}

function readDetection(this: object): unknown {
  const p = partsOf(this);
  const d = JSON.parse(part(p.text, p.det, p.detEnd)) as Obj;
  const detection: Detection = { identifiers: decodeIdentifiers(d['identifiers'] as Obj[]), conditions: d['conditions'] as string[], condition: d['condition'] as Detection['condition'] };
  if (p.witness !== undefined) rememberWitness(detection, p.witness);
  return settle(this, 'detection', detection);
}

function readRaw(this: object): unknown {
  const p = partsOf(this);
  return settle(this, 'raw', JSON.parse(part(p.text, p.raw, p.rawEnd)) as unknown);
}

/**
 * The accessors of every decoded document, one pair for all: an object given an accessor by
 * defineProperty shares its hidden class with the others only when the getter is the same
 * function (a closure per document made one class per document: ~5 us each, and every later
 * read of the documents' fields polymorphic). Each document's own parts are in `lazyParts`.
 */
const DETECTION_ACCESSOR: PropertyDescriptor = { enumerable: true, configurable: true, get: readDetection };
const RAW_ACCESSOR: PropertyDescriptor = { enumerable: true, configurable: true, get: readRaw };

function decodeV3(text: StoredText, file: string | undefined): SigmaDocument | undefined {
  const str = typeof text === 'string';
  const len = text.length;
  // The two newlines that end HEAD and DETECTION, each followed by the next part's key.
  const nl0 = str ? text.indexOf('\n', PREFIX.length) : text.indexOf(NL, PREFIX.length);
  if (nl0 < 0 || !textAt(text, nl0 + 1, PART_KEYS[0])) return undefined;
  const nl1 = str ? text.indexOf('\n', nl0 + 1) : text.indexOf(NL, nl0 + 1);
  if (nl1 < 0 || !textAt(text, nl1 + 1, PART_KEYS[1])) return undefined;
  if (!textAt(text, PREFIX.length, DOC_KEY) || !textAt(text, len - 1, '}')) return undefined;
  const det = nl0 + 1 + PART_KEYS[0].length;
  const raw = nl1 + 1 + PART_KEYS[1].length;
  const doc = JSON.parse(part(text, PREFIX.length + DOC_KEY.length, nl0)) as Obj;
  const facts = doc['facts'];
  const n = doc['n'];
  // `n` then `facts` are the head's last keys: deleting the last key keeps the object's fast shape.
  delete doc['n'];
  delete doc['facts'];
  if (typeof doc['kind'] !== 'string' || !Array.isArray(n) || n[0] !== nl1 - det || n[1] !== len - 1 - raw) return undefined;
  doc['file'] = file;
  let witness: Cnf | undefined;
  if (doc['kind'] === 'correlation') doc['aliases'] = new Map((doc['aliases'] as [string, [string, string][]][]).map(([al, m]) => [al, new Map(m)]));
  else {
    const f = facts as { witness?: unknown; fields?: unknown; ph?: unknown } | undefined;
    if (f === undefined || f === null || !Array.isArray(f.fields) || typeof f.ph !== 'boolean') return undefined;
    witness = storedWitness(f.witness);
    Object.defineProperty(doc, 'detection', DETECTION_ACCESSOR);
    rememberFacts(doc, { witness, fields: f.fields as string[], placeholders: f.ph });
  }
  Object.defineProperty(doc, 'raw', RAW_ACCESSOR);
  lazyParts.set(doc, { text, det, detEnd: nl1, raw, rawEnd: len - 1, witness });
  return doc as unknown as SigmaDocument;
}

/** Version 2 texts (`{"v":2,"doc":{..., "rawText": "...", "detection": {...}}}`), decoded whole. */
function decodeV2(text: string, file: string | undefined): SigmaDocument {
  const { rawText, ...rest } = (JSON.parse(text) as { doc: Obj }).doc;
  if (typeof rawText !== 'string' || typeof rest['kind'] !== 'string') throw new TypeError('not a stored Sigma document');
  const doc: Obj = { ...rest, file };
  if (rest['kind'] === 'correlation') doc['aliases'] = new Map((rest['aliases'] as [string, [string, string][]][]).map(([al, m]) => [al, new Map(m)]));
  else {
    const d = rest['detection'] as Obj;
    const detection: Detection = { identifiers: decodeIdentifiers(d['identifiers'] as Obj[]), conditions: d['conditions'] as string[], condition: d['condition'] as Detection['condition'] };
    const witness = storedWitness(d['witness']);
    if (witness !== undefined) rememberWitness(detection, witness);
    doc['detection'] = detection;
  }
  lazy(doc, 'raw', () => JSON.parse(rawText) as unknown);
  return doc as unknown as SigmaDocument;
}

/** encodeDocument's text -> the document, loaded from `file`; undefined when the text is of another format version or damaged. */
export function decodeDocument(text: StoredText, file: string | undefined): SigmaDocument | undefined {
  try {
    if (textAt(text, 0, PREFIX)) return decodeV3(text, file);
    if (textAt(text, 0, PREFIX_V2)) return decodeV2(typeof text === 'string' ? text : text.toString('utf8'), file);
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * What one rule file parsed to, for caches: its documents (encodeDocument's texts) and issues,
 * without the file name.
 */
export interface StoredFile {
  readonly v: number;
  readonly docs: readonly StoredText[];
  readonly issues: readonly SigmaIssue[];
}

/** A file's documents and issues (from parseSigma) as cacheable data; issues lose their `file`. */
export function encodeFile(docs: readonly SigmaDocument[], issues: readonly SigmaIssue[]): StoredFile {
  return { v: STORED_FORM_VERSION, docs: docs.map(encodeDocument), issues: issues.map(({ file: _file, ...i }) => i) };
}

/** StoredFile -> documents and issues of `file`; undefined when it is of another format version or does not decode. */
export function decodeFile(stored: StoredFile, file: string | undefined): { docs: SigmaDocument[]; issues: SigmaIssue[] } | undefined {
  if (stored.v !== STORED_FORM_VERSION || !Array.isArray(stored.docs)) return undefined;
  const docs: SigmaDocument[] = [];
  for (const t of stored.docs) {
    const d = typeof t === 'string' || Buffer.isBuffer(t) ? decodeDocument(t, file) : undefined;
    if (d === undefined) return undefined;
    docs.push(d);
  }
  return { docs, issues: stored.issues.map((i) => (file === undefined ? i : { ...i, file })) };
}
