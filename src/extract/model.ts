/**
 * The technique classifier: TF-IDF over word unigrams and bigrams, scored two ways against the
 * training examples (ATT&CK procedure examples, technique descriptions, detection text, annotated
 * report sentences) and blended:
 *   - nearest neighbour: the best cosine between the sentence and one example of the technique;
 *   - centroid: the cosine between the sentence and the mean of the technique's examples.
 * Both come out of one inverted index, so a 40-page report scores in well under a second. The
 * serialized model holds only counts (vocabulary, document frequencies, per example its term
 * counts): weights are recomputed when it is loaded, so the bytes depend on the training data
 * alone and the same store always gives the same model.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { features } from './text.ts';

export interface TrainingExample {
  readonly label: string;
  readonly text: string;
  /** Where it came from (counted in the model, shown by `extract train`). */
  readonly kind: 'procedure' | 'description' | 'detection' | 'name' | 'annotation';
}

export interface ModelOptions {
  /** Weight of the nearest-neighbour score against the centroid score (0..1). */
  readonly knnWeight: number;
  /** A sentence proposes a technique from this score up. */
  readonly sentenceThreshold: number;
  /** A report proposes a technique from this aggregated score up. */
  readonly reportThreshold: number;
  /** Features seen in fewer training examples are dropped. */
  readonly minDf: number;
}

export const DEFAULT_OPTIONS: ModelOptions = { knnWeight: 0.5, sentenceThreshold: 0.3, reportThreshold: 0.45, minDf: 2 };

export interface SerializedModel {
  readonly format: 'ttpgraph-extract-1';
  readonly options: ModelOptions;
  readonly labels: readonly { readonly id: string; readonly name: string }[];
  readonly vocab: readonly string[];
  readonly df: readonly number[];
  readonly examples: readonly { readonly l: number; readonly k: TrainingExample['kind']; readonly t: readonly number[]; readonly c: readonly number[] }[];
  readonly counts: Readonly<Record<string, number>>;
}

/** Builds the model from examples; `names` gives each label's display name. Deterministic in its inputs' order. */
export function trainModel(examples: readonly TrainingExample[], names: ReadonlyMap<string, string>, options: Partial<ModelOptions> = {}): SerializedModel {
  const opts = { ...DEFAULT_OPTIONS, ...options };
  const tokenized = examples.map((e) => ({ e, f: features(e.text) })).filter((x) => x.f.length > 0);
  const df = new Map<string, number>();
  for (const { f } of tokenized) for (const t of new Set(f)) df.set(t, (df.get(t) ?? 0) + 1);
  const vocab = [...df.entries()].filter(([, n]) => n >= opts.minDf).map(([t]) => t).sort();
  const index = new Map(vocab.map((t, i) => [t, i]));
  const labelIds = [...new Set(tokenized.map((x) => x.e.label))].sort();
  const labelIndex = new Map(labelIds.map((l, i) => [l, i]));
  const counts: Record<string, number> = {};
  const out: SerializedModel['examples'][number][] = [];
  for (const { e, f } of tokenized) {
    const tf = new Map<number, number>();
    for (const t of f) {
      const i = index.get(t);
      if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
    }
    if (tf.size === 0) continue;
    const terms = [...tf.keys()].sort((a, b) => a - b);
    out.push({ l: labelIndex.get(e.label) ?? 0, k: e.kind, t: terms, c: terms.map((t) => tf.get(t) ?? 0) });
    counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  }
  return {
    format: 'ttpgraph-extract-1',
    options: opts,
    labels: labelIds.map((id) => ({ id, name: names.get(id) ?? id })),
    vocab,
    df: vocab.map((t) => df.get(t) ?? 0),
    examples: out,
    counts,
  };
}

export function serializeModel(model: SerializedModel): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify(model)), { level: 6 });
}

export function deserializeModel(bytes: Buffer): SerializedModel {
  const model = JSON.parse(inflateRawSync(bytes).toString('utf8')) as SerializedModel;
  if (model.format !== 'ttpgraph-extract-1') throw new Error(`unknown extraction model format ${String(model.format)}`);
  return model;
}

export interface LabelScore {
  readonly label: string;
  readonly score: number;
}

/** A loaded model: sentence text → scores per technique. */
export interface Classifier {
  readonly model: SerializedModel;
  readonly labels: ReadonlyMap<string, string>;
  /** Techniques whose blended score reaches `min`, best first. */
  score(text: string, min?: number): LabelScore[];
}

interface Posting {
  readonly doc: number;
  readonly w: number;
}

export function loadClassifier(model: SerializedModel, override: Partial<ModelOptions> = {}): Classifier {
  const opts = { ...model.options, ...override };
  const n = model.examples.length;
  const idf = model.df.map((d) => Math.log((n + 1) / (d + 1)) + 1);
  const nLabels = model.labels.length;
  const examplePostings: Posting[][] = model.vocab.map(() => []);
  const centroidTerms: Map<number, number>[] = Array.from({ length: nLabels }, () => new Map<number, number>());
  const exampleLabel = new Int32Array(n);
  model.examples.forEach((e, doc) => {
    exampleLabel[doc] = e.l;
    let norm = 0;
    const ws = e.t.map((t, i) => {
      const w = (1 + Math.log(e.c[i] ?? 1)) * (idf[t] ?? 0);
      norm += w * w;
      return w;
    });
    norm = Math.sqrt(norm) || 1;
    const centroid = centroidTerms[e.l]!;
    e.t.forEach((t, i) => {
      const w = (ws[i] ?? 0) / norm;
      examplePostings[t]!.push({ doc, w });
      centroid.set(t, (centroid.get(t) ?? 0) + w);
    });
  });
  const centroidPostings: Posting[][] = model.vocab.map(() => []);
  centroidTerms.forEach((terms, label) => {
    let norm = 0;
    for (const w of terms.values()) norm += w * w;
    norm = Math.sqrt(norm) || 1;
    for (const [t, w] of [...terms.entries()].sort((a, b) => a[0] - b[0])) centroidPostings[t]!.push({ doc: label, w: w / norm });
  });
  const vocabIndex = new Map(model.vocab.map((t, i) => [t, i]));
  const knnBest = new Float64Array(nLabels);
  const centroidDot = new Float64Array(nLabels);
  const exampleDot = new Float64Array(n);
  const touchedDocs: number[] = [];
  const touchedLabels = new Set<number>();

  const score = (text: string, min = opts.sentenceThreshold): LabelScore[] => {
    const tf = new Map<number, number>();
    for (const f of features(text)) {
      const i = vocabIndex.get(f);
      if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
    }
    if (tf.size === 0) return [];
    let norm = 0;
    const q: [number, number][] = [];
    for (const [t, c] of tf) {
      const w = (1 + Math.log(c)) * (idf[t] ?? 0);
      q.push([t, w]);
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    touchedDocs.length = 0;
    touchedLabels.clear();
    for (const [t, w] of q) {
      const qw = w / norm;
      for (const p of examplePostings[t]!) {
        if (exampleDot[p.doc] === 0) touchedDocs.push(p.doc);
        exampleDot[p.doc] = (exampleDot[p.doc] ?? 0) + qw * p.w;
      }
      for (const p of centroidPostings[t]!) {
        centroidDot[p.doc] = (centroidDot[p.doc] ?? 0) + qw * p.w;
        touchedLabels.add(p.doc);
      }
    }
    for (const doc of touchedDocs) {
      const l = exampleLabel[doc] ?? 0;
      const s = exampleDot[doc] ?? 0;
      if (s > (knnBest[l] ?? 0)) knnBest[l] = s;
      exampleDot[doc] = 0;
    }
    const out: LabelScore[] = [];
    for (const l of touchedLabels) {
      const s = opts.knnWeight * (knnBest[l] ?? 0) + (1 - opts.knnWeight) * (centroidDot[l] ?? 0);
      if (s >= min) out.push({ label: model.labels[l]?.id ?? '', score: s });
      knnBest[l] = 0;
      centroidDot[l] = 0;
    }
    return out.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
  };
  return { model: { ...model, options: opts }, labels: new Map(model.labels.map((l) => [l.id, l.name])), score };
}
