/**
 * Imports Sigma rule files into the graph: each rule (and correlation, and filter) with its
 * metadata, the file it came from, and a `covers` link to every technique its `attack.tNNNN[.NNN]`
 * tags name. Parsing and validation are the Sigma engine's (src/sigma): a document the engine
 * rejects is skipped and reported with its file and line; the rest of the import goes on. All the
 * files of one import land in one transaction.
 */
import { parseSigma, type SigmaDocument, type SigmaIssue } from '../../sigma/index.ts';
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
  /** Documents skipped because the engine found errors in them, with the engine's messages. */
  readonly issues: readonly SigmaIssue[];
}

const TECHNIQUE_TAG = /^attack\.(t\d{4}(?:\.\d{3})?)$/i;

export function importSigmaFiles(store: Store, files: readonly SigmaFile[]): ImportSigmaResult {
  const issues: SigmaIssue[] = [];
  const docs: { doc: SigmaDocument; file: SigmaFile }[] = [];
  // A file whose text is already stored under the same path needs no parsing at all.
  const stored = new Map(store.all<{ path: string; file_text: string; n: number }>('SELECT path, file_text, count(*) AS n FROM sigma_rule GROUP BY path, file_text').map((r) => [r.path, r]));
  let unchanged = 0;
  for (const file of files) {
    const same = stored.get(file.path);
    if (same !== undefined && same.file_text === file.text) {
      unchanged += same.n;
      continue;
    }
    const collection = parseSigma(file.text, { file: file.path });
    issues.push(...collection.issues.filter((i) => i.severity === 'error'));
    for (const doc of [...collection.rules, ...collection.correlations, ...collection.filters]) docs.push({ doc, file });
  }
  let written = 0;
  let links = 0;
  store.transaction(() => {
    const existing = store.statement('SELECT pk, file_text, path, line FROM sigma_rule WHERE rule_key = ?');
    const upsert = store.statement(
      `INSERT INTO sigma_rule (rule_key, rule_id, kind, title, status, level, description, author, date, modified, product, category, service,
                               tags, refs, falsepositives, path, line, file_text, imported_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (rule_key) DO UPDATE SET rule_id = excluded.rule_id, kind = excluded.kind, title = excluded.title,
         status = excluded.status, level = excluded.level, description = excluded.description, author = excluded.author,
         date = excluded.date, modified = excluded.modified, product = excluded.product, category = excluded.category,
         service = excluded.service, tags = excluded.tags, refs = excluded.refs, falsepositives = excluded.falsepositives,
         path = excluded.path, line = excluded.line, file_text = excluded.file_text, imported_at = excluded.imported_at
       RETURNING pk`,
    );
    const clearLinks = store.statement('DELETE FROM sigma_rule_technique WHERE rule_pk = ?');
    const unindex = store.statement('DELETE FROM sigma_fts WHERE rowid = ?');
    const index = store.statement('INSERT INTO sigma_fts (rowid, title, description, tags) VALUES (?, ?, ?, ?)');
    const link = store.statement('INSERT INTO sigma_rule_technique (rule_pk, attack_id) VALUES (?, ?)');
    const now = new Date().toISOString();
    for (const { doc, file } of docs) {
      // A rule is known by its id; a rule without one (allowed by the spec) by where it is.
      const key = doc.id ?? `${file.path}:${doc.line}`;
      const before = existing.get(key) as { file_text: string; path: string; line: number } | undefined;
      if (before !== undefined && before.file_text === file.text && before.path === file.path && before.line === doc.line) {
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
  });
  return { files: files.length, rules: written, unchanged, techniqueLinks: links, issues };
}
