/**
 * The technique classifier: TF-IDF over word unigrams and bigrams, scored two ways against the
 * training examples (ATT&CK procedure examples, technique descriptions, detection text, annotated
 * report sentences) and blended:
 *   - nearest neighbours: the mean cosine between the sentence and the technique's three most
 *     similar examples (three, not one: measured on the procedure examples ATT&CK 18.1 added, a
 *     15.1 model ranks the right technique in its top five 0.766 of the time instead of 0.741);
 *   - centroid: the cosine between the sentence and the mean of the technique's examples.
 * Both come out of one inverted index, so a 40-page report scores in well under a second.
 * With annotated reports, a one-vs-rest logistic regression over their sentences scores the
 * techniques they label, alone (see docs/benchmarks.md for what was measured).
 * The serialized model holds counts (vocabulary, document frequencies, per example its term
 * counts) and the linear weights rounded: similarity weights are recomputed when it is loaded, so
 * the bytes depend on the training data alone and the same store always gives the same model.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { features } from './text.ts';
import { mulberry32 } from './random.ts';

export interface TrainingExample {
  readonly label: string;
  readonly text: string;
  /** Where it came from (counted in the model, shown by `extract train`). */
  readonly kind: 'procedure' | 'description' | 'detection' | 'name' | 'annotation';
}

export interface ModelOptions {
  /** Weight of the nearest-neighbour score against the centroid score (0..1). */
  readonly knnWeight: number;
  /** The nearest-neighbour score of a technique: the mean of its best this many example similarities. */
  readonly knnK: number;
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
  /**
   * How a report score is made of a technique's sentence scores: noisy-or of the best this many
   * (1: the best sentence alone). One for the techniques the linear model scores, one for the rest.
   */
  readonly linearTop: number;
  readonly similarityTop: number;
}

/**
 * For the annotated techniques the linear model's probability is the score (linearWeight 1) and its
 * best sentence makes the report score (linearTop 1); their report threshold is 0.3 (the best single
 * threshold over the pooled TRAM folds is 0.30; the inner splits of the cross-validation pick
 * 0.14-0.28; see docs/benchmarks.md). The similarity scores need the higher threshold.
 */
export const DEFAULT_OPTIONS: ModelOptions = { knnWeight: 0.5, knnK: 3, sentenceThreshold: 0.1, reportThreshold: 0.45, linearReportThreshold: 0.3, minDf: 2, linearWeight: 1, epochs: 6, linearTop: 1, similarityTop: 3 };

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
   * Its IDF is its own, from the annotated sentences (`n` of them; `df` as [vocab index, document
   * frequency] pairs, terms in at least two): report prose weighs words differently from ATT&CK's
   * descriptions. Models built before it had this use the shared IDF.
   */
  readonly linear: { readonly labels: readonly string[]; readonly bias: readonly number[]; readonly weights: readonly (readonly number[])[]; readonly n?: number; readonly df?: readonly number[] } | null;
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
  return {
    format: 'ttpgraph-extract-1',
    options: opts,
    labels: labelIds.map((id) => ({ id, name: names.get(id) ?? id })),
    vocab,
    df: vocab.map((t) => df.get(t) ?? 0),
    examples: out,
    counts,
    linear: annotated.some((a) => a.labels[0] !== NONE_LABEL) ? trainLinear(annotated, opts.epochs) : null,
  };
}

function idfOf(df: readonly number[], n: number): number[] {
  return df.map((d) => Math.log((n + 1) / (d + 1)) + 1);
}

/** The linear model's IDF over the whole vocabulary, from its [vocab index, df] pairs (0 for terms it does not use). */
function linearIdfOf(pairs: readonly number[], n: number, size: number): Float64Array {
  const out = new Float64Array(size);
  for (let k = 0; k + 1 < pairs.length; k += 2) out[pairs[k] ?? 0] = Math.log((n + 1) / ((pairs[k + 1] ?? 0) + 1)) + 1;
  return out;
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

/**
 * One-vs-rest logistic regression by SGD over the annotated sentences; the same sentence text
 * labelled with several techniques is one example with several positives. Positives weigh more
 * (they are rare against all the unlabelled sentences).
 */
function trainLinear(annotated: readonly { labels: string[]; terms: number[]; counts: number[] }[], epochs: number): NonNullable<SerializedModel['linear']> {
  const merged = new Map<string, { labels: Set<string>; terms: number[]; counts: number[] }>();
  for (const a of annotated) {
    const key = `${a.terms.join(',')}|${a.counts.join(',')}`;
    const m = merged.get(key) ?? { labels: new Set<string>(), terms: a.terms, counts: a.counts };
    for (const l of a.labels) if (l !== NONE_LABEL) m.labels.add(l);
    merged.set(key, m);
  }
  // The linear model's own vocabulary and IDF: terms in at least two distinct annotated sentences,
  // renumbered densely (local index → vocab index in `terms`), so its weights are labels × those
  // terms (29,487 of the 67,307 with enterprise 18.1 and TRAM) rather than × the whole vocabulary.
  const df = new Map<number, number>();
  for (const m of merged.values()) for (const t of m.terms) df.set(t, (df.get(t) ?? 0) + 1);
  const terms = [...df.entries()].filter(([, d]) => d >= 2).map(([t]) => t).sort((a, b) => a - b);
  const local = new Map(terms.map((t, i) => [t, i]));
  const n = merged.size;
  const localIdf = terms.map((t) => Math.log((n + 1) / ((df.get(t) ?? 0) + 1)) + 1);
  const rows = [...merged.values()].map((m) => {
    const keep = m.terms.map((t, i) => [local.get(t), m.counts[i] ?? 1] as const).filter((x): x is readonly [number, number] => x[0] !== undefined);
    const ts = keep.map((x) => x[0]);
    return { labels: m.labels, terms: ts, x: weigh(ts, keep.map((x) => x[1]), localIdf) };
  });
  const labels = [...new Set(rows.flatMap((r) => [...r.labels]))].sort();
  const dims = terms.length;
  const w = labels.map(() => new Float32Array(dims));
  const bias = labels.map(() => -2);
  const positives = labels.map((l) => rows.filter((r) => r.labels.has(l)).length);
  const posWeight = labels.map((_, j) => Math.min(10, Math.max(1, (rows.length - (positives[j] ?? 0)) / Math.max(1, positives[j] ?? 0) / 10)));
  const rand = mulberry32(16);
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
      if (Math.abs(v) >= 0.01) pairs.push(terms[t] ?? 0, Math.round(v * 1000));
    }
    return pairs;
  });
  return { labels, bias: bias.map((b) => Math.round(b * 1000) / 1000), weights, n, df: terms.flatMap((t) => [t, df.get(t) ?? 0]) };
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
  /** A technique's report score from its sentence scores (best first): noisy-or of the best few. */
  reportScore(label: string, scores: readonly number[]): number;
  /** Techniques whose blended score reaches `min`, best first. */
  score(text: string, min?: number): LabelScore[];
  /** The unblended scores of every technique the sentence touches (label = index into model.labels). */
  parts(text: string): SentenceParts[];
}

export interface SentenceParts {
  readonly label: number;
  readonly knn: number;
  readonly centroid: number;
  /** The linear model's probability, or -1 for a technique it does not score. */
  readonly linear: number;
}

/**
 * Postings of one kind (term → the documents holding it, with their weights) as compressed rows:
 * the entries of term t are start[t] .. start[t + 1] - 1 of doc and w. Typed arrays rather than an
 * object per posting: a model from enterprise 18.1 has about a million postings, and building them
 * as objects was a quarter of the CPU time of importing a 40-page report.
 */
interface Postings {
  readonly start: Int32Array;
  readonly doc: Int32Array;
  readonly w: Float64Array;
}

/** Compressed rows from (term, doc, weight) triples given in the order each term's list should keep. */
function postingsOf(vocabSize: number, terms: Int32Array, docs: Int32Array, weights: Float64Array, size: number): Postings {
  const start = new Int32Array(vocabSize + 1);
  for (let i = 0; i < size; i++) {
    const t = (terms[i] ?? 0) + 1;
    start[t] = (start[t] ?? 0) + 1;
  }
  for (let t = 0; t < vocabSize; t++) start[t + 1] = (start[t + 1] ?? 0) + (start[t] ?? 0);
  const cursor = start.slice(0, vocabSize);
  const doc = new Int32Array(size);
  const w = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const t = terms[i] ?? 0;
    const at = cursor[t] ?? 0;
    cursor[t] = at + 1;
    doc[at] = docs[i] ?? 0;
    w[at] = weights[i] ?? 0;
  }
  return { start, doc, w };
}

export function loadClassifier(model: SerializedModel, override: Partial<ModelOptions> = {}): Classifier {
  // Defaults first: a model stored before an option existed gets its default.
  const opts = { ...DEFAULT_OPTIONS, ...model.options, ...override };
  const n = model.examples.length;
  const idf = idfOf(model.df, n);
  const nLabels = model.labels.length;
  const vocabSize = model.vocab.length;
  let size = 0;
  for (const e of model.examples) size += e.t.length;
  // Each example's TF-IDF weights, L2-normalised, in example order (so each term's list is by example).
  const pTerm = new Int32Array(size);
  const pDoc = new Int32Array(size);
  const pW = new Float64Array(size);
  const exampleLabel = new Int32Array(n);
  const byLabel: number[][] = Array.from({ length: nLabels }, () => []);
  let at = 0;
  for (let doc = 0; doc < n; doc++) {
    const e = model.examples[doc]!;
    exampleLabel[doc] = e.l;
    byLabel[e.l]?.push(at);
    let norm = 0;
    for (let i = 0; i < e.t.length; i++) {
      const t = e.t[i] ?? 0;
      const w = (1 + Math.log(e.c[i] ?? 1)) * (idf[t] ?? 0);
      pTerm[at + i] = t;
      pDoc[at + i] = doc;
      pW[at + i] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < e.t.length; i++) pW[at + i] = (pW[at + i] ?? 0) / norm;
    at += e.t.length;
  }
  const exampleIndex = postingsOf(vocabSize, pTerm, pDoc, pW, size);
  // Per technique the sum of its examples' vectors, L2-normalised (a dense scratch row, cleared
  // after each technique), as postings by label.
  const scratch = new Float64Array(vocabSize);
  const cTerm: number[] = [];
  const cLabel: number[] = [];
  const cW: number[] = [];
  for (let l = 0; l < nLabels; l++) {
    const touched: number[] = [];
    for (const from of byLabel[l] ?? []) {
      const len = model.examples[pDoc[from] ?? 0]?.t.length ?? 0;
      for (let i = from; i < from + len; i++) {
        const t = pTerm[i] ?? 0;
        if (scratch[t] === 0) touched.push(t);
        scratch[t] = (scratch[t] ?? 0) + (pW[i] ?? 0);
      }
    }
    touched.sort((a, b) => a - b);
    let norm = 0;
    for (const t of touched) norm += (scratch[t] ?? 0) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (const t of touched) {
      cTerm.push(t);
      cLabel.push(l);
      cW.push((scratch[t] ?? 0) / norm);
      scratch[t] = 0;
    }
  }
  const centroidIndex = postingsOf(vocabSize, Int32Array.from(cTerm), Int32Array.from(cLabel), Float64Array.from(cW), cTerm.length);
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
  // The linear model's IDF (its own when the model has one; the shared one before that).
  const linearIdf: ArrayLike<number> = model.linear?.df === undefined ? idf : linearIdfOf(model.linear.df, model.linear.n ?? 0, model.vocab.length);
  const linearZ = new Float64Array(nLabels);
  // Per technique its best K example similarities, best first.
  const K = Math.max(1, Math.min(10, Math.round(opts.knnK)));
  const knnBest = new Float64Array(nLabels * K);
  const centroidDot = new Float64Array(nLabels);
  const exampleDot = new Float64Array(n);
  const touchedDocs: number[] = [];
  const touchedLabels = new Set<number>();

  /** Per technique the three scores before blending: nearest example, centroid, linear probability (-1: none). */
  const parts = (text: string): SentenceParts[] => {
    const tf = new Map<number, number>();
    for (const f of features(text)) {
      const i = vocabIndex.get(f);
      if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
    }
    if (tf.size === 0) return [];
    let norm = 0;
    let linearNorm = 0;
    const q: [number, number, number][] = [];
    for (const [t, c] of tf) {
      const w = (1 + Math.log(c)) * (idf[t] ?? 0);
      const lw = (1 + Math.log(c)) * (linearIdf[t] ?? 0);
      q.push([t, w, lw]);
      norm += w * w;
      linearNorm += lw * lw;
    }
    norm = Math.sqrt(norm) || 1;
    linearNorm = Math.sqrt(linearNorm) || 1;
    touchedDocs.length = 0;
    touchedLabels.clear();
    for (const [t, w, lw] of q) {
      const qw = w / norm;
      const ql = lw / linearNorm;
      for (let i = exampleIndex.start[t] ?? 0, end = exampleIndex.start[t + 1] ?? 0; i < end; i++) {
        const doc = exampleIndex.doc[i] ?? 0;
        if (exampleDot[doc] === 0) touchedDocs.push(doc);
        exampleDot[doc] = (exampleDot[doc] ?? 0) + qw * (exampleIndex.w[i] ?? 0);
      }
      for (let i = centroidIndex.start[t] ?? 0, end = centroidIndex.start[t + 1] ?? 0; i < end; i++) {
        const label = centroidIndex.doc[i] ?? 0;
        centroidDot[label] = (centroidDot[label] ?? 0) + qw * (centroidIndex.w[i] ?? 0);
        touchedLabels.add(label);
      }
      if (ql !== 0) for (const [l, weight] of linearByTerm.get(t) ?? []) linearZ[l] = (linearZ[l] ?? 0) + ql * weight;
    }
    for (const l of linearBias.keys()) touchedLabels.add(l);
    for (const doc of touchedDocs) {
      const l = exampleLabel[doc] ?? 0;
      const s = exampleDot[doc] ?? 0;
      exampleDot[doc] = 0;
      const base = l * K;
      if (s <= (knnBest[base + K - 1] ?? 0)) continue;
      let j = base + K - 1;
      while (j > base && (knnBest[j - 1] ?? 0) < s) {
        knnBest[j] = knnBest[j - 1] ?? 0;
        j--;
      }
      knnBest[j] = s;
    }
    const out: SentenceParts[] = [];
    for (const l of touchedLabels) {
      const bias = linearBias.get(l);
      const linear = bias === undefined ? -1 : 1 / (1 + Math.exp(-((linearZ[l] ?? 0) + bias)));
      let knn = 0;
      for (let j = l * K; j < l * K + K; j++) {
        knn += knnBest[j] ?? 0;
        knnBest[j] = 0;
      }
      out.push({ label: l, knn: knn / K, centroid: centroidDot[l] ?? 0, linear });
      centroidDot[l] = 0;
      linearZ[l] = 0;
    }
    return out;
  };
  const blend = (p: SentenceParts): number => {
    const s = opts.knnWeight * p.knn + (1 - opts.knnWeight) * p.centroid;
    return p.linear < 0 ? s : opts.linearWeight * p.linear + (1 - opts.linearWeight) * s;
  };
  const score = (text: string, min = opts.sentenceThreshold): LabelScore[] => {
    const out: LabelScore[] = [];
    for (const p of parts(text)) {
      const s = blend(p);
      if (s >= min) out.push({ label: model.labels[p.label]?.id ?? '', score: s });
    }
    return out.sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
  };
  const linearLabels = new Set(model.linear?.labels ?? []);
  return {
    model: { ...model, options: opts },
    labels: new Map(model.labels.map((l) => [l.id, l.name])),
    reportThreshold: (label) => (linearLabels.has(label) ? opts.linearReportThreshold : opts.reportThreshold),
    reportScore: (label, scores) => 1 - scores.slice(0, linearLabels.has(label) ? opts.linearTop : opts.similarityTop).reduce((p, s) => p * (1 - s), 1),
    score,
    parts,
  };
}
