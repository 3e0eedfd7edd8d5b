/**
 * What the technique classifier learns from, read from the store: per technique of one dataset
 * its name, the sentences of its description, its detection text (x_mitre_detection up to ATT&CK
 * 17, the analytics of its detection strategies from 18), and every procedure example (the
 * description of a group's, software's or campaign's `uses` relationship to it) with citation
 * markers, links and the actor's own names removed, so the model learns what was done, not who
 * did it. Optionally, TRAM-annotated reports (MAT .mjson): each labelled span's sentence.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TtpgraphError } from '../../errors.ts';
import { NONE_LABEL, type TrainingExample } from '../../extract/model.ts';
import { splitSentences } from '../../extract/text.ts';
import type { Store } from '../../store/sqlite/store.ts';

export interface TrainingSet {
  readonly datasetId: number;
  readonly domain: string;
  readonly attackVersion: string;
  readonly examples: TrainingExample[];
  /** Technique ID → name, for every live technique of the dataset. */
  readonly techniques: Map<string, string>;
}

/** The dataset a model is built from: the newest of the domain (enterprise unless told), or the version asked for. */
export function trainingDataset(store: Store, domain = 'enterprise', version?: string): { id: number; domain: string; version: string } {
  const row =
    version === undefined
      ? store.get<{ id: number; domain: string; version: string }>('SELECT id, domain, version FROM dataset WHERE domain = ? ORDER BY version_key DESC LIMIT 1', domain)
      : store.get<{ id: number; domain: string; version: string }>('SELECT id, domain, version FROM dataset WHERE domain = ? AND version = ?', domain, version);
  if (row === undefined) {
    throw new TtpgraphError('unknown-version', `no ${domain} ATT&CK${version === undefined ? '' : ` ${version}`} in the store: import it first (ttpgraph import attack FILE, or ttpgraph sync)`);
  }
  return row;
}

/** "(Citation: X)", markdown links [text](url) → text, and the given names → removed. */
export function cleanProcedure(text: string, actorNames: readonly string[]): string {
  let t = text.replace(/\(Citation:[^)]*\)/g, ' ').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1');
  for (const name of [...actorNames].sort((a, b) => b.length - a.length)) {
    if (name.length < 2) continue;
    t = t.replace(new RegExp(`(?<![\\w-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'), ' ');
  }
  return t.replace(/<\/?code>/g, '').replace(/\s+/g, ' ').trim();
}

function cleanDescription(text: string): string {
  return text.replace(/\(Citation:[^)]*\)/g, ' ').replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/<\/?code>/g, '');
}

export function trainingSet(store: Store, dataset: { id: number; domain: string; version: string }): TrainingSet {
  const examples: TrainingExample[] = [];
  const techniques = new Map<string, string>();
  const rows = store.all<{ pk: number; attack_id: string; name: string; description: string | null; data: string }>(
    `SELECT pk, attack_id, name, description, data FROM object
     WHERE dataset_id = ? AND kind = 'technique' AND revoked = 0 AND deprecated = 0 AND attack_id IS NOT NULL ORDER BY attack_id`,
    dataset.id,
  );
  for (const t of rows) {
    techniques.set(t.attack_id, t.name);
    examples.push({ label: t.attack_id, text: t.name, kind: 'name' });
    for (const s of splitSentences(cleanDescription(t.description ?? ''))) examples.push({ label: t.attack_id, text: s.text, kind: 'description' });
    const detection = (JSON.parse(t.data) as { x_mitre_detection?: unknown }).x_mitre_detection;
    if (typeof detection === 'string') for (const s of splitSentences(cleanDescription(detection))) examples.push({ label: t.attack_id, text: s.text, kind: 'detection' });
  }
  // ATT&CK 18: detection strategies detect techniques; their analytics say how.
  const analytics = store.all<{ attack_id: string; description: string }>(
    `SELECT t.attack_id, a.description FROM relationship r
     JOIN object t ON t.pk = r.target_pk AND t.kind = 'technique' AND t.revoked = 0 AND t.deprecated = 0
     JOIN object s ON s.pk = r.source_pk AND s.kind = 'detection-strategy'
     JOIN strategy_analytic sa ON sa.strategy_pk = s.pk JOIN object a ON a.pk = sa.analytic_pk
     WHERE r.dataset_id = ? AND r.type = 'detects' AND r.revoked = 0 AND a.description IS NOT NULL
     ORDER BY t.attack_id, sa.position`,
    dataset.id,
  );
  for (const a of analytics) examples.push({ label: a.attack_id, text: cleanDescription(a.description), kind: 'detection' });
  const aliases = new Map<number, string[]>();
  for (const a of store.all<{ object_pk: number; alias: string }>(
    `SELECT a.object_pk, a.alias FROM alias a JOIN object o ON o.pk = a.object_pk WHERE o.dataset_id = ? ORDER BY a.object_pk, a.alias`,
    dataset.id,
  )) {
    const list = aliases.get(a.object_pk) ?? [];
    list.push(a.alias);
    aliases.set(a.object_pk, list);
  }
  const uses = store.all<{ source_pk: number; source_name: string; attack_id: string; description: string }>(
    `SELECT r.source_pk, s.name AS source_name, t.attack_id, r.description FROM relationship r
     JOIN object s ON s.pk = r.source_pk AND s.kind IN ('group', 'software', 'campaign')
     JOIN object t ON t.pk = r.target_pk AND t.kind = 'technique' AND t.revoked = 0 AND t.deprecated = 0
     WHERE r.dataset_id = ? AND r.type = 'uses' AND r.revoked = 0 AND r.deprecated = 0 AND r.description IS NOT NULL
     ORDER BY r.stix_id`,
    dataset.id,
  );
  for (const u of uses) {
    const text = cleanProcedure(u.description, [u.source_name, ...(aliases.get(u.source_pk) ?? [])]);
    if (text.length >= 10) examples.push({ label: u.attack_id, text, kind: 'procedure' });
  }
  return { datasetId: dataset.id, domain: dataset.domain, attackVersion: dataset.version, examples, techniques };
}

export interface Annotated {
  readonly file: string;
  readonly text: string;
  /** Technique ID → the [start, end) spans labelled with it. */
  readonly labels: Map<string, [number, number][]>;
}

/** TRAM MAT .mjson files of a folder: the report text (`signal`) and each "Name (Txxxx)" annotation set's spans. */
export function readAnnotations(dir: string): Annotated[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.mjson')).sort();
  } catch (err) {
    throw new TtpgraphError('file-unreadable', `cannot read the annotations folder: ${(err as Error).message}`, { source: dir }, { cause: err });
  }
  if (files.length === 0) throw new TtpgraphError('invalid-input', 'no .mjson files (TRAM MAT annotations) in this folder', { source: dir });
  return files.map((f) => {
    const file = path.join(dir, f);
    let doc: { signal?: unknown; asets?: unknown };
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch (err) {
      throw new TtpgraphError('invalid-json', `not a MAT JSON file: ${(err as Error).message}`, { source: file }, { cause: err });
    }
    if (typeof doc.signal !== 'string' || !Array.isArray(doc.asets)) throw new TtpgraphError('invalid-input', 'not a MAT annotation file: "signal" or "asets" missing', { source: file });
    const labels = new Map<string, [number, number][]>();
    for (const a of doc.asets as { type?: unknown; annots?: unknown }[]) {
      const id = typeof a.type === 'string' ? /\((T\d{4}(?:\.\d{3})?)\)\s*$/.exec(a.type)?.[1] : undefined;
      if (id === undefined || !Array.isArray(a.annots)) continue;
      const spans = (a.annots as unknown[]).filter((s): s is [number, number] => Array.isArray(s) && typeof s[0] === 'number' && typeof s[1] === 'number').map((s) => [s[0], s[1]] as [number, number]);
      if (spans.length > 0) labels.set(id, spans);
    }
    return { file, text: doc.signal, labels };
  });
}

/**
 * Each annotated span as a training sentence: the sentence(s) holding it, labelled with its
 * technique; and every other sentence of the report with a few words in it, labelled NONE_LABEL
 * (what a sentence that describes no technique looks like).
 */
export function annotationExamples(reports: readonly Annotated[]): TrainingExample[] {
  const out: TrainingExample[] = [];
  for (const r of reports) {
    const sentences = splitSentences(r.text);
    const labelled = new Set<number>();
    for (const spans of r.labels.values()) {
      for (const [start, end] of spans) for (const s of sentences) if (s.end > start && s.start < end) labelled.add(s.start);
    }
    for (const s of sentences) if (!labelled.has(s.start) && (s.text.match(/[A-Za-z]{3,}/g)?.length ?? 0) >= 4) out.push({ label: NONE_LABEL, text: s.text, kind: 'annotation' });
    for (const [id, spans] of [...r.labels.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const seen = new Set<number>();
      for (const [start, end] of spans) {
        for (const s of sentences) {
          if (s.end <= start || s.start >= end || seen.has(s.start)) continue;
          seen.add(s.start);
          out.push({ label: id, text: s.text, kind: 'annotation' });
        }
      }
    }
  }
  return out;
}
