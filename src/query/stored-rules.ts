/**
 * The store's Sigma rules as one collection, ready for the engine, without YAML parsing: each rule
 * is decoded from the parsed form the import kept (`sigma_rule.parsed`, sigma/parse/stored-form.ts).
 * Rules stored before that column existed (or by another format version) are parsed from their
 * file's text, once per file, so every stored rule loads.
 *
 * Order: by path, then line, as parsing the stored files in path order gives. The store holds only
 * documents that parsed: a file's broken documents were reported by the import that read it and
 * are not reported again here.
 */
import { createHash } from 'node:crypto';
import { decodeDocument, LEVELS, parseSigma, type RuleLevel, type SigmaCollection, type SigmaDocument } from '../sigma/index.ts';
import type { Store } from '../store/sqlite/store.ts';

export interface StoredRuleFilters {
  /** Only rules at or above this level (correlations and meta filters are always loaded). */
  readonly minLevel?: RuleLevel;
  /** Tag prefixes (case-insensitive): `attack.t1059` keeps attack.t1059 and attack.t1059.001. */
  readonly tags?: readonly string[];
  /** ATT&CK technique IDs: a rule covering the technique or one of its sub-techniques. */
  readonly techniques?: readonly string[];
  /** Only rules of this synced set (sigma_source.name, e.g. "sigmahq"). */
  readonly source?: string;
}

export interface StoredRules {
  readonly collection: SigmaCollection;
  /** Documents loaded (rules, correlations, filters). */
  readonly documents: number;
  /** Of those, documents whose parsed form was missing, so their file's YAML was parsed. */
  readonly parsedFromYaml: number;
  /**
   * When asked for (and no document was parsed from YAML): a hash of every stored row read (key,
   * kind, path, line, parsed form) and the filters. Two loads with the same digest give the same
   * collection: a worker thread that loaded the rules itself checks its digest against the hunt
   * thread's (hunt/ndjson-threads.ts).
   */
  readonly digest?: string;
}

interface Row {
  pk: number;
  kind: string;
  level: string | null;
  tags: string;
  path: string;
  line: number;
  rule_id: string | null;
  parsed: Buffer | null;
}

/**
 * The rows, by path, line, pk. Sorted here, not by SQL: SQLite's sorter copies every row with its
 * parsed form (16 MB for SigmaHQ), which took longer than reading them. Rows come as arrays
 * (`.raw()`: no object per row with named keys built by the driver).
 */
function readRows(store: Store, source: string | null): Row[] {
  // The parsed form as bytes (a BLOB): decoded lazily from them (sigma/parse/stored-form.ts), never a 16 MB of strings.
  const stmt = store.db.prepare('SELECT pk, kind, level, tags, path, line, rule_id, CAST(parsed AS BLOB) FROM sigma_rule WHERE (? IS NULL OR source = ?)').raw(true);
  // Memory-mapped reads for this scan (pages read in place, not copied through read(2) into the page
  // cache: ~15 ms of the ~30 MB table), then this connection's setting again.
  const mmap = store.db.pragma('mmap_size', { simple: true }) as number;
  let got: [number, string, string | null, string, string, number, string | null, Buffer | null][];
  try {
    store.db.pragma(`mmap_size = ${MMAP_BYTES}`);
    got = stmt.all(source, source) as typeof got;
  } finally {
    store.db.pragma(`mmap_size = ${Math.trunc(mmap)}`);
  }
  const rows = got.map(
    ([pk, kind, level, tags, path, line, rule_id, parsed]): Row => ({ pk, kind, level, tags, path, line, rule_id, parsed }),
  );
  return rows.sort((a, b) => comparePaths(a.path, b.path) || a.line - b.line || a.pk - b.pk);
}

const MMAP_BYTES = 1 << 30;

const SURROGATE = /[\ud800-\udfff]/;

/** SQLite's BINARY order of two texts (their UTF-8 bytes): JavaScript's `<` (UTF-16 units) agrees except around surrogate pairs. */
export function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : 1;
}

function tagsPass(tagsJson: string, wanted: readonly string[]): boolean {
  const tags = (JSON.parse(tagsJson) as string[]).map((t) => t.toLowerCase());
  return wanted.some((w) => {
    const want = w.toLowerCase();
    return tags.some((t) => t === want || t.startsWith(`${want}.`));
  });
}

/** The digest of a load (StoredRules.digest): ~16 MB hashed for all of SigmaHQ, a few milliseconds. */
function rowsDigest(rows: readonly Row[], filters: StoredRuleFilters): string {
  const h = createHash('sha256').update(JSON.stringify(filters));
  for (const r of rows) {
    h.update(`\n${r.pk}\0${r.kind}\0${r.path}\0${r.line}\0${r.parsed?.length ?? -1}\0`);
    if (r.parsed !== null) h.update(r.parsed);
  }
  return h.digest('hex');
}

/** Loads the stored rules passing `filters` (and every rule a loaded correlation names), decoded from their parsed form. */
export function loadStoredRules(store: Store, filters: StoredRuleFilters = {}, options: { readonly digest?: boolean } = {}): StoredRules {
  const rows = readRows(store, filters.source ?? null);
  const minLevel = filters.minLevel === undefined ? -1 : LEVELS.indexOf(filters.minLevel);
  let covering: Set<number> | undefined;
  if (filters.techniques !== undefined && filters.techniques.length > 0) {
    covering = new Set();
    const stmt = store.statement('SELECT rule_pk FROM sigma_rule_technique WHERE attack_id = ? OR attack_id LIKE ?');
    for (const t of filters.techniques) {
      const id = t.trim().toUpperCase();
      for (const r of stmt.all(id, `${id}.%`) as { rule_pk: number }[]) covering.add(r.rule_pk);
    }
  }
  const passes = (r: Row): boolean =>
    (minLevel < 0 || (r.level !== null && LEVELS.indexOf(r.level as RuleLevel) >= minLevel)) &&
    (filters.tags === undefined || filters.tags.length === 0 || tagsPass(r.tags, filters.tags)) &&
    (covering === undefined || covering.has(r.pk));
  const filtered = minLevel >= 0 || (filters.tags?.length ?? 0) > 0 || covering !== undefined;
  const decoded = new Map<Row, SigmaDocument>();
  const stale: Row[] = [];
  // Correlations and meta filters always; rules that pass. With filters, every rule is decoded when
  // there are correlations: a correlation names its rules by id or name, and names are only in the parsed form.
  const hasCorrelations = rows.some((r) => r.kind === 'correlation');
  for (const r of rows) {
    if (r.kind !== 'rule' || passes(r) || (filtered && hasCorrelations)) {
      const d = r.parsed === null ? undefined : decodeDocument(r.parsed, r.path);
      if (d === undefined) stale.push(r);
      else decoded.set(r, d);
    }
  }
  fillFromYaml(store, stale, decoded);
  const named = new Set<string>();
  for (const d of decoded.values()) if (d.kind === 'correlation') for (const n of d.rules) named.add(n);
  const collection: SigmaCollection = { rules: [], correlations: [], filters: [], issues: [] };
  for (const r of rows) {
    const d = decoded.get(r);
    if (d === undefined) continue;
    if (d.kind === 'rule') {
      if (passes(r) || (d.id !== undefined && named.has(d.id)) || (d.name !== undefined && named.has(d.name))) collection.rules.push(d);
    } else if (d.kind === 'correlation') collection.correlations.push(d);
    else collection.filters.push(d);
  }
  const digest = options.digest === true && stale.length === 0 ? { digest: rowsDigest(rows, filters) } : {};
  return { collection, documents: collection.rules.length + collection.correlations.length + collection.filters.length, parsedFromYaml: stale.length, ...digest };
}

/** Rows without a parsed form of this version: their files parsed (once each), the document at their line taken. */
function fillFromYaml(store: Store, stale: readonly Row[], decoded: Map<Row, SigmaDocument>): void {
  if (stale.length === 0) return;
  const text = store.statement('SELECT file_text FROM sigma_rule WHERE pk = ?');
  const byFile = new Map<string, SigmaDocument[]>();
  for (const r of stale) {
    const t = (text.get(r.pk) as { file_text: string }).file_text;
    const key = `${r.path}\u0000${t}`;
    let docs = byFile.get(key);
    if (docs === undefined) {
      const c = parseSigma(t, { file: r.path });
      docs = [...c.rules, ...c.correlations, ...c.filters];
      byFile.set(key, docs);
    }
    const d = docs.find((x) => x.line === r.line && x.kind === r.kind);
    if (d !== undefined) decoded.set(r, d);
  }
}
