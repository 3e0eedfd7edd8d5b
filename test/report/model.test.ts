/**
 * The technique classifier on hand-made examples: the nearest-neighbour score is the mean of a
 * technique's best K example similarities (and scoring leaves no state behind for the next
 * sentence), and the linear model keeps an IDF of its own from the annotated sentences while
 * models stored before it had one still load.
 */
import { describe, expect, it } from 'vitest';
import { loadClassifier, NONE_LABEL, type TrainingExample, trainModel } from '../../src/extract/model.ts';
import { features } from '../../src/extract/text.ts';

const names = new Map([
  ['T1001', 'Alpha'],
  ['T1002', 'Beta'],
]);
// Every term appears in two examples at least (the vocabulary's minimum document frequency).
const examples: TrainingExample[] = [
  { label: 'T1001', text: 'encrypted archive uploaded over https', kind: 'procedure' },
  { label: 'T1001', text: 'scheduled registry keyboard capture', kind: 'procedure' },
  { label: 'T1001', text: 'scheduled registry keyboard capture again', kind: 'procedure' },
  { label: 'T1002', text: 'encrypted archive uploaded over https again', kind: 'procedure' },
];

describe('extraction model', () => {
  it('the nearest-neighbour score is the mean of the best knnK similarities, and scoring is repeatable', () => {
    const query = 'encrypted archive uploaded over https';
    const one = loadClassifier(trainModel(examples, names, { knnK: 1 }));
    const three = loadClassifier(trainModel(examples, names, { knnK: 3 }));
    const knn = (c: ReturnType<typeof loadClassifier>, label: string): number => c.parts(query).find((p) => c.model.labels[p.label]?.id === label)?.knn ?? -1;
    // The first example is the query itself (cosine 1); the other two share no word with it.
    expect(knn(one, 'T1001')).toBeCloseTo(1, 6);
    expect(knn(three, 'T1001')).toBeCloseTo(1 / 3, 6);
    // Scoring another sentence in between leaves nothing behind.
    const first = three.parts(query);
    three.parts('scheduled registry keyboard capture');
    expect(three.parts(query)).toEqual(first);
  });

  it('the linear model has its own IDF from the annotated sentences; a model stored without one still loads', () => {
    const annotated: TrainingExample[] = [
      ...examples,
      { label: 'T1001', text: 'they captured keyboard input with a hook', kind: 'annotation' },
      { label: 'T1001', text: 'keyboard input was captured by a registry hook', kind: 'annotation' },
      { label: NONE_LABEL, text: 'the report was published in march', kind: 'annotation' },
      { label: NONE_LABEL, text: 'the report was published by the group', kind: 'annotation' },
      { label: NONE_LABEL, text: 'the group in march', kind: 'annotation' },
    ];
    const model = trainModel(annotated, names);
    expect(model.linear?.labels).toEqual(['T1001']);
    // Five distinct sentences (two with the same terms would be one row).
    expect(model.linear?.n).toBe(5);
    // [vocab index, document frequency among the annotated sentences] pairs, every df >= 2.
    const df = model.linear?.df ?? [];
    expect(df.length).toBeGreaterThan(0);
    for (let k = 1; k < df.length; k += 2) expect(df[k]).toBeGreaterThanOrEqual(2);
    expect(df.filter((_, k) => k % 2 === 0).map((i) => model.vocab[i])).toContain('keyboard');
    const c = loadClassifier(model);
    const linear = (text: string): number => c.parts(text).find((x) => c.model.labels[x.label]?.id === 'T1001')?.linear ?? -1;
    // Learned: a keylogging sentence scores above one like the unlabelled sentences.
    expect(linear('keyboard input captured with a hook')).toBeGreaterThan(linear('the report was published in march') + 0.1);
    const { n: _n, df: _df, ...older } = model.linear!;
    const old = loadClassifier({ ...model, linear: older });
    expect(old.parts('keyboard input captured with a hook').find((x) => old.model.labels[x.label]?.id === 'T1001')?.linear).toBeGreaterThan(0);
  });

  it('the similarity scores from the compressed postings equal TF-IDF cosines computed directly', () => {
    const more: TrainingExample[] = [
      ...examples,
      { label: 'T1002', text: 'archive uploaded to a scheduled server', kind: 'description' },
      { label: 'T1003', text: 'keyboard capture by registry hook', kind: 'detection' },
      { label: 'T1003', text: 'hook installed for capture of https traffic', kind: 'procedure' },
    ];
    const model = trainModel(more, names, { knnK: 1 });
    const c = loadClassifier(model);
    // The reference: dense vectors over the model's vocabulary, written out plainly.
    const n = model.examples.length;
    const idf = model.df.map((d) => Math.log((n + 1) / (d + 1)) + 1);
    const index = new Map(model.vocab.map((t, i) => [t, i]));
    const unit = (v: number[]): number[] => {
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
      return v.map((x) => x / norm);
    };
    const vector = (counts: Map<number, number>): number[] => unit(model.vocab.map((_, i) => (counts.has(i) ? (1 + Math.log(counts.get(i) ?? 1)) * (idf[i] ?? 0) : 0)));
    const examplesOf = model.examples.map((e) => ({ l: e.l, v: vector(new Map(e.t.map((t, i) => [t, e.c[i] ?? 1]))) }));
    const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
    for (const query of ['encrypted archive uploaded over https', 'scheduled registry keyboard capture hook', 'archive server traffic']) {
      const counts = new Map<number, number>();
      for (const f of features(query)) {
        const i = index.get(f);
        if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
      }
      const q = vector(counts);
      const parts = c.parts(query);
      expect(parts.length).toBeGreaterThan(0);
      for (const p of parts) {
        const own = examplesOf.filter((e) => e.l === p.label);
        const centroid = unit(model.vocab.map((_, i) => own.reduce((s, e) => s + (e.v[i] ?? 0), 0)));
        expect(p.centroid).toBeCloseTo(dot(q, centroid), 9);
        expect(p.knn).toBeCloseTo(Math.max(...own.map((e) => dot(q, e.v))), 9);
      }
    }
  });
});
