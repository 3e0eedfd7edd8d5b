/**
 * Imports Sigma rule files into the graph: each rule (and correlation, and filter) with its
 * metadata, the file it came from, and a `covers` link to every technique its `attack.tNNNN[.NNN]`
 * tags name. Parsing and validation are the Sigma engine's (src/sigma): a document the engine
 * rejects is skipped and reported with its file and line; the rest of the import goes on. All the
 * files of one import land in one transaction.
 *
 * A rule is known by its id (else by file and line): importing it again updates it in place. Rules
 * can belong to a synced set (sigma_source, e.g. SigmaHQ's rules from `sync`): importing a set with
 * `replace` makes the store's rules of that set exactly the valid rules of these files; its rules
 * that are no longer there are deleted. Rules imported with `import sigma` belong to no set and a
 * sync never deletes them, unless it imported the same rule (same id) since: the last import of a
 * rule owns it.
 */
import { TtpgraphError } from '../../errors.ts';
import { encodeDocument, parseSigma, STORED_FORM_PREFIX, type SigmaDocument, type SigmaIssue } from '../../sigma/index.ts';
import type { Store } from '../../store/sqlite/store.ts';

export interface SigmaFile {
  /** Path as shown to the user and stored with the rule. */
  readonly path: string;
  readonly text: string;
}

export interface ImportSigmaResult {
  readonly files: number;
  /** Rules, correlations and filters stored (new or updated). */
  readonly rules: number;
  readonly unchanged: number;
  /** Links from rules to techniques. */
  readonly techniqueLinks: number;
  /** Rules of the replaced set that these files no longer have, deleted (0 without `replace`). */
  readonly removed: number;
  /** Documents skipped because the engine found errors in them, with the engine's messages. */
  readonly issues: readonly SigmaIssue[];
}

/** A synced set of rules (a row of sigma_source). */
export interface SigmaSourceInfo {
  /** "sigmahq". */
  readonly name: string;
  /** The URL or path the set was read from. */
  readonly location: string;
  /** SHA-256 of what was read (the archive). */
  readonly sha256: string;
  /** The release, when the source names one ("r2025-06-02"). */
  readonly release: string | null;
}

export interface ImportSigmaOptions {
  /** These files are the whole of this set: afterwards the set's rules are exactly theirs. */
  readonly replace?: SigmaSourceInfo;
  /** Called while files are parsed (files done, file count). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What importing a set would change, for `sync --dry-run`; nothing is written. */
export interface SigmaImportPlan {
  readonly files: number;
  readonly added: number;
  readonly changed: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly issues: readonly SigmaIssue[];
}

const TECHNIQUE_TAG = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;

interface ParsedFiles {
  readonly docs: { doc: SigmaDocument; file: SigmaFile; key: string }[];
  /** Keys of the rules of files found unchanged (same path, same text) without parsing them. */
  readonly unchangedKeys: string[];
  readonly issues: SigmaIssue[];
}

/** A rule is known by its id; a rule without one (allowed by the spec) by where it is. */
function ruleKey(doc: SigmaDocument, file: SigmaFile): string {
  return doc.id ?? `${file.path}:${doc.line}`;
}

function parseFiles(store: Store, files: readonly SigmaFile[], onProgress?: (done: number, total: number) => void): ParsedFiles {
  const issues: SigmaIssue[] = [];
  const docs: ParsedFiles['docs'] = [];
  const unchangedKeys: string[] = [];
  // A file whose text is already stored under the same path needs no parsing at all, unless a rule of
  // it lacks its parsed form of this version (stored before migration 8, or by an older ttpgraph).
  const stored = new Map<string, { text: string; keys: string[] }>();
  const stale = new Set<string>();
  const rows = store.all<{ path: string; file_text: string; rule_key: string; current: number }>(
    'SELECT path, file_text, rule_key, coalesce(substr(parsed, 1, ?) = ?, 0) AS current FROM sigma_rule',
    STORED_FORM_PREFIX.length,
    STORED_FORM_PREFIX,
  );
  for (const r of rows) {
    if (r.current !== 1) stale.add(r.path);
    const at = stored.get(r.path);
    if (at === undefined) stored.set(r.path, { text: r.file_text, keys: [r.rule_key] });
    else if (at.text === r.file_text) at.keys.push(r.rule_key);
  }
  for (const p of stale) stored.delete(p);
  for (const [i, file] of files.entries()) {
    if (onProgress !== undefined && (i % 100 === 0 || i === files.length - 1)) onProgress(i + 1, files.length);
    const same = stored.get(file.path);
    if (same !== undefined && same.text === file.text) {
      unchangedKeys.push(...same.keys);
      continue;
    }
    const collection = parseSigma(file.text, { file: file.path });
    issues.push(...collection.issues.filter((i) => i.severity === 'error'));
    for (const doc of [...collection.rules, ...collection.correlations, ...collection.filters]) docs.push({ doc, file, key: ruleKey(doc, file) });
  }
  return { docs, unchangedKeys, issues };
}

/** A set must not be replaced by nothing: an archive without a readable rule is an error, not an empty set. */
function checkNotEmpty(parsed: ParsedFiles, files: readonly SigmaFile[], source: SigmaSourceInfo): void {
  if (parsed.docs.length > 0 || parsed.unchangedKeys.length > 0) return;
  const why = files.length === 0 ? 'it holds no rule file' : `none of its ${files.length} rule file(s) could be read (${parsed.issues.length} error(s))`;
  throw new TtpgraphError('invalid-input', `no Sigma rule to import: ${why}; the stored rules of ${source.name} are kept`, { source: source.location });
}

export function importSigmaFiles(store: Store, files: readonly SigmaFile[], options: ImportSigmaOptions = {}): ImportSigmaResult {
  const { replace } = options;
  const parsed = parseFiles(store, files, options.onProgress);
  if (replace !== undefined) checkNotEmpty(parsed, files, replace);
  const { docs, issues } = parsed;
  let unchanged = parsed.unchangedKeys.length;
  let written = 0;
  let links = 0;
  let removed = 0;
  store.transaction(() => {
    const now = new Date().toISOString();
    if (replace !== undefined) {
      store.run(
        `INSERT INTO sigma_source (name, location, sha256, release, files, rules, imported_at) VALUES (?, ?, ?, ?, ?, 0, ?)
         ON CONFLICT (name) DO UPDATE SET location = excluded.location, sha256 = excluded.sha256, release = excluded.release,
           files = excluded.files, imported_at = excluded.imported_at`,
        replace.name,
        replace.location,
        replace.sha256,
        replace.release,
        files.length,
        now,
      );
    }
    const source = replace?.name ?? null;
    const existing = store.statement(
      'SELECT pk, file_text, path, line, source, coalesce(substr(parsed, 1, ?) = ?, 0) AS current FROM sigma_rule WHERE rule_key = ?',
    );
    const fillParsed = store.statement('UPDATE sigma_rule SET parsed = ? WHERE pk = ?');
    const upsert = store.statement(
      `INSERT INTO sigma_rule (rule_key, rule_id, kind, title, status, level, description, author, date, modified, product, category, service,
                               tags, refs, falsepositives, path, line, file_text, imported_at, source, parsed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_key) DO UPDATE SET rule_id = excluded.rule_id, kind = excluded.kind, title = excluded.title,
         status = excluded.status, level = excluded.level, description = excluded.description, author = excluded.author,
         date = excluded.date, modified = excluded.modified, product = excluded.product, category = excluded.category,
         service = excluded.service, tags = excluded.tags, refs = excluded.refs, falsepositives = excluded.falsepositives,
         path = excluded.path, line = excluded.line, file_text = excluded.file_text, imported_at = excluded.imported_at,
         source = excluded.source, parsed = excluded.parsed
       RETURNING pk`,
    );
    const clearLinks = store.statement('DELETE FROM sigma_rule_technique WHERE rule_pk = ?');
    const unindex = store.statement('DELETE FROM sigma_fts WHERE rowid = ?');
    const index = store.statement('INSERT INTO sigma_fts (rowid, title, description, tags) VALUES (?, ?, ?, ?)');
    const link = store.statement('INSERT INTO sigma_rule_technique (rule_pk, attack_id) VALUES (?, ?)');
    const own = store.statement('UPDATE sigma_rule SET source = ? WHERE rule_key = ? AND source IS NOT ?');
    for (const { doc, file, key } of docs) {
      const before = existing.get(STORED_FORM_PREFIX.length, STORED_FORM_PREFIX, key) as
        | { pk: number; file_text: string; path: string; line: number; source: string | null; current: number }
        | undefined;
      if (before !== undefined && before.file_text === file.text && before.path === file.path && before.line === doc.line) {
        if (before.source !== source) own.run(source, key, source);
        if (before.current !== 1) fillParsed.run(encodeDocument(doc), before.pk);
        unchanged++;
        continue;
      }
      const logsource = doc.kind === 'correlation' ? {} : doc.logsource;
      const pk = (
        upsert.get(
          key,
          doc.id ?? null,
          doc.kind,
          doc.title,
          doc.status ?? null,
          doc.level ?? null,
          doc.description ?? null,
          doc.author ?? null,
          doc.date ?? null,
          doc.modified ?? null,
          logsource.product ?? null,
          logsource.category ?? null,
          logsource.service ?? null,
          JSON.stringify(doc.tags),
          JSON.stringify(doc.references),
          JSON.stringify(doc.falsepositives),
          file.path,
          doc.line,
          file.text,
          now,
          source,
          encodeDocument(doc),
        ) as { pk: number }
      ).pk;
      clearLinks.run(pk);
      unindex.run(pk);
      index.run(pk, doc.title, doc.description ?? '', JSON.stringify(doc.tags));
      for (const attackId of new Set(doc.tags.flatMap((t) => TECHNIQUE_TAG.exec(t.trim())?.[1]?.toUpperCase() ?? []))) {
        link.run(pk, attackId);
        links++;
      }
      written++;
    }
    if (replace !== undefined) {
      // Files found unchanged by path and text were not parsed: their rules join the set as they are.
      for (const key of parsed.unchangedKeys) own.run(replace.name, key, replace.name);
      const kept = new Set([...parsed.unchangedKeys, ...docs.map((d) => d.key)]);
      const drop = store.statement('DELETE FROM sigma_rule WHERE pk = ?');
      for (const r of store.all<{ pk: number; rule_key: string }>('SELECT pk, rule_key FROM sigma_rule WHERE source = ?', replace.name)) {
        if (kept.has(r.rule_key)) continue;
        unindex.run(r.pk);
        drop.run(r.pk); // its technique links go with it (ON DELETE CASCADE)
        removed++;
      }
      store.run('UPDATE sigma_source SET rules = (SELECT count(*) FROM sigma_rule WHERE source = ?) WHERE name = ?', replace.name, replace.name);
    }
  });
  return { files: files.length, rules: written, unchanged, techniqueLinks: links, removed, issues };
}

/** What importSigmaFiles(store, files, { replace: source }) would do, without writing anything. */
export function planSigmaImport(store: Store, files: readonly SigmaFile[], source: SigmaSourceInfo): SigmaImportPlan {
  const parsed = parseFiles(store, files);
  checkNotEmpty(parsed, files, source);
  const existing = store.statement('SELECT file_text, path, line FROM sigma_rule WHERE rule_key = ?');
  let added = 0;
  let changed = 0;
  let unchanged = parsed.unchangedKeys.length;
  const seen = new Set<string>();
  for (const { doc, file, key } of parsed.docs) {
    if (seen.has(key)) continue;
    seen.add(key);
    const before = existing.get(key) as { file_text: string; path: string; line: number } | undefined;
    if (before === undefined) added++;
    else if (before.file_text === file.text && before.path === file.path && before.line === doc.line) unchanged++;
    else changed++;
  }
  const kept = new Set([...parsed.unchangedKeys, ...seen]);
  const removed = store.all<{ rule_key: string }>('SELECT rule_key FROM sigma_rule WHERE source = ?', source.name).filter((r) => !kept.has(r.rule_key)).length;
  return { files: files.length, added, changed, unchanged, removed, issues: parsed.issues };
}
