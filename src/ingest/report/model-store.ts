/**
 * The classifier kept in the store (`extract_model`, one row): built by `extract train` from the
 * store's ATT&CK (and optional annotations), loaded by imports. Loading parses a few megabytes,
 * so a loaded classifier is kept per store and model hash.
 */
import { createHash } from 'node:crypto';
import { type Classifier, deserializeModel, loadClassifier, type ModelOptions, serializeModel, trainModel } from '../../extract/model.ts';
import type { Store } from '../../store/sqlite/store.ts';
import { annotationExamples, readAnnotations, trainingDataset, trainingSet } from './training.ts';

export interface TrainOptions {
  readonly domain?: string;
  readonly attackVersion?: string;
  /** A folder of TRAM MAT .mjson files whose labelled sentences join the examples. */
  readonly annotations?: string;
  readonly options?: Partial<ModelOptions>;
}

export interface TrainResult {
  readonly domain: string;
  readonly attackVersion: string;
  readonly sha256: string;
  readonly examples: number;
  readonly labels: number;
  readonly bytes: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly unchanged: boolean;
}

export interface StoredModelInfo {
  readonly domain: string;
  readonly attackVersion: string;
  readonly annotations: string | null;
  readonly sha256: string;
  readonly examples: number;
  readonly labels: number;
  readonly builtAt: string;
}

export function trainStoredModel(store: Store, o: TrainOptions = {}): TrainResult {
  const dataset = trainingDataset(store, o.domain ?? 'enterprise', o.attackVersion);
  const set = trainingSet(store, dataset);
  const examples = o.annotations === undefined ? set.examples : [...set.examples, ...annotationExamples(readAnnotations(o.annotations))];
  const model = trainModel(examples, set.techniques, o.options);
  const bytes = serializeModel(model);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const before = store.get<{ sha256: string }>('SELECT sha256 FROM extract_model WHERE id = 1');
  store.run(
    `INSERT INTO extract_model (id, domain, attack_version, annotations, sha256, examples, labels, built_at, model) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET domain = excluded.domain, attack_version = excluded.attack_version, annotations = excluded.annotations,
       sha256 = excluded.sha256, examples = excluded.examples, labels = excluded.labels, built_at = excluded.built_at, model = excluded.model`,
    dataset.domain,
    dataset.version,
    o.annotations ?? null,
    sha256,
    model.examples.length,
    model.labels.length,
    new Date().toISOString(),
    bytes,
  );
  return { domain: dataset.domain, attackVersion: dataset.version, sha256, examples: model.examples.length, labels: model.labels.length, bytes: bytes.length, counts: model.counts, unchanged: before?.sha256 === sha256 };
}

export function storedModelInfo(store: Store): StoredModelInfo | null {
  const r = store.get<{ domain: string; attack_version: string; annotations: string | null; sha256: string; examples: number; labels: number; built_at: string }>(
    'SELECT domain, attack_version, annotations, sha256, examples, labels, built_at FROM extract_model WHERE id = 1',
  );
  return r === undefined ? null : { domain: r.domain, attackVersion: r.attack_version, annotations: r.annotations, sha256: r.sha256, examples: r.examples, labels: r.labels, builtAt: r.built_at };
}

const loaded = new WeakMap<Store, { sha256: string; classifier: Classifier }>();

/** The stored classifier, or null when `extract train` never ran on this store. */
export function storedClassifier(store: Store): { sha256: string; classifier: Classifier } | null {
  const info = store.get<{ sha256: string }>('SELECT sha256 FROM extract_model WHERE id = 1');
  if (info === undefined) return null;
  const cached = loaded.get(store);
  if (cached?.sha256 === info.sha256) return cached;
  const row = store.get<{ model: Buffer }>('SELECT model FROM extract_model WHERE id = 1');
  if (row === undefined) return null;
  const entry = { sha256: info.sha256, classifier: loadClassifier(deserializeModel(row.model)) };
  loaded.set(store, entry);
  return entry;
}

/** Is the stored model built from an older ATT&CK than the newest of its domain (after a sync)? */
export function modelIsStale(store: Store): boolean {
  const info = storedModelInfo(store);
  if (info === null) return false;
  const newest = store.get<{ version: string }>('SELECT version FROM dataset WHERE domain = ? ORDER BY version_key DESC LIMIT 1', info.domain);
  return newest !== undefined && newest.version !== info.attackVersion;
}
