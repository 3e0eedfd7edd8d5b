// Technique extraction quality (issue 16).
//  1. TRAM: 5-fold cross-validation split by report over ../shared/data/tram/reports. Per fold the
//     model learns from enterprise ATT&CK 18.1 plus the annotations of the other four folds; the
//     report threshold is chosen inside the training folds (an inner 4-fold split), never on the
//     test fold. Predictions and labels are scored within the union of the annotated labels.
//  2. ATT&CK over time: a model from a store with enterprise 15.1 only classifies the procedure
//     examples 18.1 adds (uses relationships whose STIX id 15.1 does not have).
//  3. (`-- tram-attack`) the model built from ATT&CK alone, as a store without annotations has it, on
//     all TRAM reports.
// Usage: npm run build && npm run eval extract [-- tram|time|tram-attack]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openGraph } from '../dist/graph.js';
import { openStore } from '../dist/store/sqlite/store.js';
import { annotationExamples, readAnnotations, trainingDataset, trainingSet, cleanProcedure } from '../dist/ingest/report/training.js';
import { loadClassifier, trainModel } from '../dist/extract/model.js';
import { extractTechniques } from '../dist/extract/extract.js';

const data = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const which = process.argv[2];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-eval-'));
// For tuning: EVAL_OPTIONS='{"linearWeight":0.5}' overrides model options; EVAL_QUICK=1 skips the
// inner split (prints the pooled threshold sweep instead); EVAL_STORES=DIR keeps the ATT&CK stores.
const OVERRIDE = JSON.parse(process.env.EVAL_OPTIONS ?? '{}');
const QUICK = process.env.EVAL_QUICK === '1';
// EVAL_EXPLICIT=0: the model alone, without taking IDs written in the text as certain.
const EXPLICIT = process.env.EVAL_EXPLICIT !== '0';
const FOLDS = 5;
// Folds of the inner split of the training reports that chooses the threshold (EVAL_INNER).
const INNER = Number(process.env.EVAL_INNER ?? 4);
// While exploring: EVAL_FOLDS=1,3 runs those folds only (1-based); EVAL_CACHE=DIR keeps each fold's
// (and each inner split's) ranked results on disk, keyed by the options and the built extraction
// code, so a rerun that changed only the scoring or the threshold choice costs nothing.
const ONLY = process.env.EVAL_FOLDS === undefined ? null : new Set(process.env.EVAL_FOLDS.split(',').map((x) => Number(x) - 1));
const CACHE = process.env.EVAL_CACHE;
const CODE = createHash('sha256');
for (const dir of ['../dist/extract/', '../dist/ingest/report/']) {
  const abs = fileURLToPath(new URL(dir, import.meta.url));
  for (const f of readdirSync(abs).filter((x) => x.endsWith('.js')).sort()) CODE.update(f).update(readFileSync(abs + f));
}
CODE.update(JSON.stringify(OVERRIDE)).update(String(EXPLICIT));
const CODE_KEY = CODE.digest('hex').slice(0, 16);
const THRESHOLDS = Array.from({ length: 45 }, (_, i) => 0.1 + i * 0.02);

// A store holding one enterprise ATT&CK version (imported through the library API once), opened
// as the raw store the training code reads.
async function storeWith(version) {
  const file = path.join(process.env.EVAL_STORES ?? tmp, `${version}.db`);
  const graph = openGraph({ path: file });
  if (graph.datasets().length === 0) await graph.importAttack(path.join(data, `attack/enterprise-attack-${version}.json`));
  graph.close();
  const store = openStore(file);
  return { store, close: () => store.close() };
}

function ranked(classifier, techniques, text, labelSet) {
  // Every candidate with its aggregated score (threshold 0), kept within the annotated label set.
  return extractTechniques(text, classifier, { techniques, reportThreshold: 0, explicitIds: EXPLICIT }).filter((p) => labelSet.has(p.attackId));
}

function scoreSets(results, threshold) {
  let tp = 0, fp = 0, fn = 0;
  const per = [];
  for (const { gold, ranking } of results) {
    const pred = new Set(ranking.filter((p) => p.score >= threshold).map((p) => p.attackId));
    let t = 0;
    for (const p of pred) if (gold.has(p)) t++;
    tp += t; fp += pred.size - t; fn += gold.size - t;
    const P = pred.size === 0 ? (gold.size === 0 ? 1 : 0) : t / pred.size;
    const R = gold.size === 0 ? 1 : t / gold.size;
    per.push({ P, R, F: P + R === 0 ? 0 : (2 * P * R) / (P + R) });
  }
  const P = tp / Math.max(1, tp + fp), R = tp / Math.max(1, tp + fn);
  const mean = (k) => per.reduce((s, x) => s + x[k], 0) / Math.max(1, per.length);
  return { threshold, microP: P, microR: R, microF1: P + R === 0 ? 0 : (2 * P * R) / (P + R), macroP: mean('P'), macroR: mean('R'), macroF1: mean('F') };
}

function precisionAt(results, k) {
  const xs = results.map(({ gold, ranking }) => ranking.slice(0, k).filter((p) => gold.has(p.attackId)).length / k);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function runFold(base, techniques, trainReports, testReports, labelSet) {
  const file = CACHE === undefined ? null : path.join(CACHE, `${CODE_KEY}-${createHash('sha256').update(trainReports.map((r) => r.file).join('|')).update('>').update(testReports.map((r) => r.file).join('|')).digest('hex').slice(0, 16)}.json`);
  if (file !== null && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).map((r) => ({ gold: new Set(r.gold), ranking: r.ranking }));
  const results = trainAndRank(base, techniques, trainReports, testReports, labelSet);
  if (file !== null) {
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(file, JSON.stringify(results.map((r) => ({ gold: [...r.gold], ranking: r.ranking.map((p) => ({ attackId: p.attackId, score: p.score })) }))));
  }
  return results;
}

function trainAndRank(base, techniques, trainReports, testReports, labelSet) {
  const examples = [...base, ...annotationExamples(trainReports)];
  const classifier = loadClassifier(trainModel(examples, techniques, OVERRIDE));
  return testReports.map((r) => ({ gold: new Set(r.labels.keys()), ranking: ranked(classifier, techniques, r.text, labelSet) }));
}

function best(results) {
  return THRESHOLDS.map((t) => scoreSets(results, t)).sort((a, b) => b.microF1 - a.microF1)[0];
}

async function tram() {
  const started = performance.now();
  const graph = await storeWith('18.1');
  const set = trainingSet(graph.store, trainingDataset(graph.store));
  const reports = readAnnotations(path.join(data, 'tram/reports'));
  const labelSet = new Set(reports.flatMap((r) => [...r.labels.keys()]));
  // Deterministic folds: reports in name order, dealt round-robin.
  const folds = Array.from({ length: FOLDS }, (_, f) => reports.filter((_, i) => i % FOLDS === f));
  const all = [];
  const chosen = [];
  for (let f = 0; f < FOLDS; f++) {
    if (ONLY !== null && !ONLY.has(f)) continue;
    const test = folds[f];
    const train = folds.flatMap((x, i) => (i === f ? [] : x));
    // Inner split of the training reports picks the threshold.
    const inner = QUICK ? [] : Array.from({ length: INNER }, (_, h) => h).flatMap((h) => runFold(set.examples, set.techniques, train.filter((_, i) => i % INNER !== h), train.filter((_, i) => i % INNER === h), labelSet));
    const t = QUICK ? 0.3 : best(inner).threshold;
    chosen.push(t);
    const results = runFold(set.examples, set.techniques, train, test, labelSet);
    for (const r of results) all.push({ ...r, threshold: t });
    const s = scoreSets(results, t);
    console.log(`fold ${f + 1}: ${test.length} reports, threshold ${t.toFixed(2)}: micro P ${s.microP.toFixed(3)} R ${s.microR.toFixed(3)} F1 ${s.microF1.toFixed(3)}`);
  }
  // Pooled over folds, each report scored at its own fold's threshold.
  let tp = 0, fp = 0, fn = 0;
  const per = [];
  for (const r of all) {
    const pred = r.ranking.filter((p) => p.score >= r.threshold).map((p) => p.attackId);
    const t = pred.filter((p) => r.gold.has(p)).length;
    tp += t; fp += pred.length - t; fn += r.gold.size - t;
    const P = pred.length === 0 ? 0 : t / pred.length, R = r.gold.size === 0 ? 1 : t / r.gold.size;
    per.push({ P, R, F: P + R === 0 ? 0 : (2 * P * R) / (P + R) });
  }
  const P = tp / (tp + fp), R = tp / (tp + fn);
  const mean = (k) => per.reduce((s, x) => s + x[k], 0) / per.length;
  console.log(`TRAM ${reports.length} reports, ${labelSet.size} labels, ${EXPLICIT ? 'IDs written in the text taken as certain' : 'model only (written IDs not taken as certain)'}, 5-fold CV by report${ONLY === null ? '' : ` (only folds ${[...ONLY].map((f) => f + 1).join(', ')})`} (thresholds ${chosen.map((t) => t.toFixed(2)).join(', ')}):`);
  console.log(`  micro P ${P.toFixed(3)} R ${R.toFixed(3)} F1 ${((2 * P * R) / (P + R)).toFixed(3)}`);
  console.log(`  macro P ${mean('P').toFixed(3)} R ${mean('R').toFixed(3)} F1 ${mean('F').toFixed(3)}`);
  console.log(`  precision@5 ${precisionAt(all, 5).toFixed(3)}  precision@10 ${precisionAt(all, 10).toFixed(3)}`);
  const oracle = best(all);
  console.log(`  (for reference, not a result: the best single threshold chosen on the test folds themselves, ${oracle.threshold.toFixed(2)}, would give micro F1 ${oracle.microF1.toFixed(3)})`);
  if (QUICK) for (const t of THRESHOLDS.filter((_, i) => i % 3 === 0)) { const x = scoreSets(all, t); console.log(`  sweep ${t.toFixed(2)}: micro P ${x.microP.toFixed(3)} R ${x.microR.toFixed(3)} F1 ${x.microF1.toFixed(3)}`); }
  console.log(`  ${((performance.now() - started) / 1000).toFixed(0)} s`);
  graph.close();
}

// The model a store gets without annotations (ATT&CK alone) on all 118 TRAM reports: no TRAM label
// reaches training, so no folds; scored at the model's own report threshold.
async function tramAttackOnly() {
  const graph = await storeWith('18.1');
  const set = trainingSet(graph.store, trainingDataset(graph.store));
  const reports = readAnnotations(path.join(data, 'tram/reports'));
  const labelSet = new Set(reports.flatMap((r) => [...r.labels.keys()]));
  const classifier = loadClassifier(trainModel(set.examples, set.techniques, OVERRIDE));
  const results = reports.map((r) => ({ gold: new Set(r.labels.keys()), ranking: ranked(classifier, set.techniques, r.text, labelSet) }));
  const t = classifier.model.options.reportThreshold;
  const s = scoreSets(results, t);
  console.log(`TRAM ${reports.length} reports, model from enterprise ATT&CK 18.1 alone (no annotations), report threshold ${t}, ${EXPLICIT ? 'IDs written in the text taken as certain' : 'model only'}:`);
  console.log(`  micro P ${s.microP.toFixed(3)} R ${s.microR.toFixed(3)} F1 ${s.microF1.toFixed(3)}; macro P ${s.macroP.toFixed(3)} R ${s.macroR.toFixed(3)} F1 ${s.macroF1.toFixed(3)}; precision@5 ${precisionAt(results, 5).toFixed(3)} @10 ${precisionAt(results, 10).toFixed(3)}`);
  const oracle = best(results);
  console.log(`  (for reference: the best threshold on these reports, ${oracle.threshold.toFixed(2)}, would give micro F1 ${oracle.microF1.toFixed(3)})`);
  graph.close();
}

async function overTime() {
  const old = await storeWith('15.1');
  const now = await storeWith('18.1');
  const oldSet = trainingSet(old.store, trainingDataset(old.store));
  const classifier = loadClassifier(trainModel(oldSet.examples, oldSet.techniques));
  const oldIds = new Set(old.store.all("SELECT stix_id FROM relationship WHERE type = 'uses'").map((r) => r.stix_id));
  const rows = now.store.all(
    `SELECT r.stix_id, r.description, t.attack_id, s.pk AS source_pk, s.name AS source_name FROM relationship r
     JOIN object s ON s.pk = r.source_pk AND s.kind IN ('group', 'software', 'campaign')
     JOIN object t ON t.pk = r.target_pk AND t.kind = 'technique'
     WHERE r.type = 'uses' AND r.revoked = 0 AND r.deprecated = 0 AND r.description IS NOT NULL`,
  );
  const aliasesOf = now.store.statement('SELECT alias FROM alias WHERE object_pk = ?');
  let n = 0, top1 = 0, top5 = 0, known = 0, knownTop1 = 0, knownTop5 = 0;
  for (const r of rows) {
    if (oldIds.has(r.stix_id)) continue;
    const text = cleanProcedure(r.description, [r.source_name, ...aliasesOf.all(r.source_pk).map((a) => a.alias)]);
    if (text.length < 10) continue;
    const ranking = classifier.score(text, 0).map((s) => s.label);
    n++;
    const isKnown = oldSet.techniques.has(r.attack_id);
    if (isKnown) known++;
    if (ranking[0] === r.attack_id) { top1++; if (isKnown) knownTop1++; }
    if (ranking.slice(0, 5).includes(r.attack_id)) { top5++; if (isKnown) knownTop5++; }
  }
  console.log(`ATT&CK over time: model from enterprise 15.1 (${oldSet.examples.length} examples), ${n} procedure examples new in 18.1:`);
  console.log(`  top-1 ${(top1 / n).toFixed(3)}  top-5 ${(top5 / n).toFixed(3)}`);
  console.log(`  of them ${known} labelled with a technique 15.1 has: top-1 ${(knownTop1 / known).toFixed(3)}  top-5 ${(knownTop5 / known).toFixed(3)}`);
  old.close();
  now.close();
}

try {
  if (which === undefined || which === 'tram') await tram();
  if (which === undefined || which === 'time') await overTime();
  if (which === 'tram-attack') await tramAttackOnly();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
