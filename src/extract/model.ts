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
  /** The same for the techniques the linear model scores (those with annotated sentences). */
  readonly linearReportThreshold: number;
  /** Features seen in fewer training examples are dropped. */
  readonly minDf: number;
  /** For techniques the linear model knows: weight of its probability against the similarity score (0..1). */
  readonly linearWeight: number;
  /** Passes of stochastic gradient descent over the annotated sentences. */
  readonly epochs: number;
}

/**
 * For the annotated techniques the linear model's probabilities dominate the scores, and a lower
 * report threshold is right (0.3: near the best single threshold over the pooled TRAM folds, 0.28;
 * the inner splits of the cross-validation picked 0.10-0.22; see docs/benchmarks.md);
 * the similarity scores alone need the higher one.
 */
export const DEFAULT_OPTIONS: ModelOptions = { knnWeight: 0.5, sentenceThreshold: 0.1, reportThreshold: 0.45, linearReportThreshold: 0.3, minDf: 2, linearWeight: 0.85, epochs: 6 };

/** The label of sentences annotated with no technique: negatives for the linear model, never proposed. */
export const NONE_LABEL = '-';

export interface SerializedModel {
  readonly format: 'ttpgraph-extract-1';
  readonly options: ModelOptions;
  readonly labels: readonly { readonly id: string; readonly name: string }[];
  readonly vocab: readonly string[];
  readonly df: readonly number[];
  readonly examples: readonly { readonly l: number; readonly k: TrainingExample['kind']; readonly t: readonly number[]; readonly c: readonly number[] }[];
  readonly counts: Readonly<Record<string, number>>;
  /**
   * One-vs-rest logistic regression over the annotated sentences (only when annotations were given):
   * per technique the bias and the weights that matter (|w| >= 0.01, as [vocab index, weight × 1000]).
   */
  readonly linear: { readonly labels: readonly string[]; readonly bias: readonly number[]; readonly weights: readonly (readonly number[])[] } | null;
}

/** Builds the model from examples; `names` gives each label's display name. Deterministic in its inputs' order. */
export function trainModel(examples: readonly TrainingExample[], names: ReadonlyMap<string, string>, options: Partial<ModelOptions> = {}): SerializedModel {
  const opts = { ...DEFAULT_OPTIONS, ...options };
  const tokenized = examples.map((e) => ({ e, f: features(e.text) })).filter((x) => x.f.length > 0);
  const df = new Map<string, number>();
  for (const { f } of tokenized) for (const t of new Set(f)) df.set(t, (df.get(t) ?? 0) + 1);
  const vocab = [...df.entries()].filter(([, n]) => n >= opts.minDf).map(([t]) => t).sort();
  const index = new Map(vocab.map((t, i) => [t, i]));
  const labelIds = [...new Set(tokenized.map((x) => x.e.label))].filter((l) => l !== NONE_LABEL).sort();
  const labelIndex = new Map(labelIds.map((l, i) => [l, i]));
  const counts: Record<string, number> = {};
  const out: SerializedModel['examples'][number][] = [];
  const annotated: { labels: string[]; terms: number[]; counts: number[] }[] = [];
  for (const { e, f } of tokenized) {
    const tf = new Map<number, number>();
    for (const t of f) {
      const i = index.get(t);
      if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
    }
    if (tf.size === 0) continue;
    const terms = [...tf.keys()].sort((a, b) => a - b);
    const c = terms.map((t) => tf.get(t) ?? 0);
    counts[e.label === NONE_LABEL ? 'unlabelled sentence' : e.kind] = (counts[e.label === NONE_LABEL ? 'unlabelled sentence' : e.kind] ?? 0) + 1;
    if (e.kind === 'annotation') annotated.push({ labels: [e.label], terms, counts: c });
    if (e.label !== NONE_LABEL) out.push({ l: labelIndex.get(e.label) ?? 0, k: e.kind, t: terms, c });
  }
  const idf = idfOf(vocab.map((t) => df.get(t) ?? 0), out.length);
  return {
    format: 'ttpgraph-extract-1',
    options: opts,
    labels: labelIds.map((id) => ({ id, name: names.get(id) ?? id })),
    vocab,
    df: vocab.map((t) => df.get(t) ?? 0),
    examples: out,
    counts,
    linear: annotated.some((a) => a.labels[0] !== NONE_LABEL) ? trainLinear(annotated, idf, opts.epochs) : null,
  };
}

function idfOf(df: readonly number[], n: number): number[] {
  return df.map((d) => Math.log((n + 1) / (d + 1)) + 1);
}

/** TF-IDF weights of a term-count vector, L2-normalised. */
function weigh(terms: readonly number[], counts: readonly number[], idf: readonly number[]): number[] {
  let norm = 0;
  const ws = terms.map((t, i) => {
    const w = (1 + Math.log(counts[i] ?? 1)) * (idf[t] ?? 0);
    norm += w * w;
    return w;
  });
  norm = Math.sqrt(norm) || 1;
  return ws.map((w) => w / norm);
}

/** A small deterministic PRNG (mulberry32): the same data always trains the same weights. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One-vs-rest logistic regression by SGD over the annotated sentences; the same sentence text
 * labelled with several techniques is one example with several positives. Positives weigh more
 * (they are rare against all the unlabelled sentences).
 */
function trainLinear(annotated: readonly { labels: string[]; terms: number[]; counts: number[] }[], idf: readonly number[], epochs: number): NonNullable<SerializedModel['linear']> {
  const merged = new Map<string, { labels: Set<string>; terms: number[]; counts: number[] }>();
  for (const a of annotated) {
    const key = `${a.terms.join(',')}|${a.counts.join(',')}`;
    const m = merged.get(key) ?? { labels: new Set<string>(), terms: a.terms, counts: a.counts };
    for (const l of a.labels) if (l !== NONE_LABEL) m.labels.add(l);
    merged.set(key, m);
  }
  const rows = [...merged.values()].map((m) => ({ labels: m.labels, terms: m.terms, x: weigh(m.terms, m.counts, idf) }));
  const labels = [...new Set(rows.flatMap((r) => [...r.labels]))].sort();
  const dims = idf.length;
  // Float32: 75 labels × a vocabulary of some 200,000 terms stay near 60 MB.
  const w = labels.map(() => new Float32Array(dims));
  const bias = labels.map(() => -2);
  const positives = labels.map((l) => rows.filter((r) => r.labels.has(l)).length);
  const posWeight = labels.map((_, j) => Math.min(10, Math.max(1, (rows.length - (positives[j] ?? 0)) / Math.max(1, positives[j] ?? 0) / 10)));
  const rand = random(16);
  const order = rows.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    const lr = 0.5 / (1 + epoch);
    for (const idx of order) {
      const r = rows[idx]!;
      for (let j = 0; j < labels.length; j++) {
        const wj = w[j]!;
        let z = bias[j] ?? 0;
        for (let k = 0; k < r.terms.length; k++) z += (wj[r.terms[k] ?? 0] ?? 0) * (r.x[k] ?? 0);
        const y = r.labels.has(labels[j] ?? '') ? 1 : 0;
        const p = 1 / (1 + Math.exp(-z));
        const g = (p - y) * (y === 1 ? (posWeight[j] ?? 1) : 1) * lr;
        if (Math.abs(g) < 1e-6) continue;
        for (let k = 0; k < r.terms.length; k++) {
          const t = r.terms[k] ?? 0;
          wj[t] = (wj[t] ?? 0) - g * (r.x[k] ?? 0);
        }
        bias[j] = (bias[j] ?? 0) - g * 0.1;
      }
    }
  }
  const weights = w.map((wj) => {
    const pairs: number[] = [];
    for (let t = 0; t < dims; t++) {
      const v = wj[t] ?? 0;
      if (Math.abs(v) >= 0.01) pairs.push(t, Math.round(v * 1000));
    }
    return pairs;
  });
  return { labels, bias: bias.map((b) => Math.round(b * 1000) / 1000), weights };
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
  /** The report threshold for a technique (lower for those the linear model scores). */
  reportThreshold(label: string): number;
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
  const idf = idfOf(model.df, n);
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
  // The linear model's weights by term: term → [label index in model.labels, weight].
  const linearByTerm = new Map<number, [number, number][]>();
  const linearBias = new Map<number, number>();
  if (model.linear !== null) {
    const labelIndex = new Map(model.labels.map((l, i) => [l.id, i]));
    model.linear.labels.forEach((id, j) => {
      const l = labelIndex.get(id);
      if (l === undefined) return;
      linearBias.set(l, model.linear?.bias[j] ?? 0);
      const pairs = model.linear?.weights[j] ?? [];
      for (let k = 0; k + 1 < pairs.length; k += 2) {
        const t = pairs[k] ?? 0;
        const list = linearByTerm.get(t) ?? [];
        list.push([l, (pairs[k + 1] ?? 0) / 1000]);
        linearByTerm.set(t, list);
      }
    });
  }
  const linearZ = new Float64Array(nLabels);
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
      for (const [l, lw] of linearByTerm.get(t) ?? []) linearZ[l] = (linearZ[l] ?? 0) + qw * lw;
    }
    for (const l of linearBias.keys()) touchedLabels.add(l);
    for (const doc of touchedDocs) {
      const l = exampleLabel[doc] ?? 0;
      const s = exampleDot[doc] ?? 0;
      if (s > (knnBest[l] ?? 0)) knnBest[l] = s;
      exampleDot[doc] = 0;
    }
    const out: LabelScore[] = [];
    for (const l of touchedLabels) {
      let s = opts.knnWeight * (knnBest[l] ?? 0) + (1 - opts.knnWeight) * (centroidDot[l] ?? 0);
      const bias = linearBias.get(l);
      if (bias !== undefined) {
        const p = 1 / (1 + Math.exp(-((linearZ[l] ?? 0) + bias)));
        s = opts.linearWeight * p + (1 - opts.linearWeight) * s;
        linearZ[l] = 0;
      }
      if (s >= min) out.push({ label: model.labels[l]?.id ?? '', score: s });
      knnBest[l] = 0;
      centroidDot[l] = 0;
    }
    return out.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
  };
  const linearLabels = new Set(model.linear?.labels ?? []);
  return {
    model: { ...model, options: opts },
    labels: new Map(model.labels.map((l) => [l.id, l.name])),
    reportThreshold: (label) => (linearLabels.has(label) ? opts.linearReportThreshold : opts.reportThreshold),
    score,
  };
}
