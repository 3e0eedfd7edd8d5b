/**
 * Rules loaded without YAML parsing hunt exactly as parsed rules do (issue 13): all of SigmaHQ's
 * rule folders (deprecated/ and unsupported/ too, for their problems), over every regression event,
 * loaded (1) by parsing the YAML, (2) from a --rules folder cache, cold and warm, and (3) from the
 * store's parsed form (and from rows stored before it existed). Same hits in the same order, same
 * counts, same problems.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, cpSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRuleFiles, loadRuleFiles, runHunt, type HuntFilters, type HuntHit, type HuntProblem } from '../../src/hunt/index.ts';
import { decodeDocument, defaultPipeline, encodeDocument, formatIssue, mergeCollections, parseSigma, type SigmaCollection } from '../../src/sigma/index.ts';
import { importSigmaFiles } from '../../src/ingest/sigma/import-sigma.ts';
import { loadStoredRules } from '../../src/query/stored-rules.ts';
import { openStore, type Store } from '../../src/store/sqlite/store.ts';
import { dataPath, filesUnder } from '../helpers/paths.ts';

const SIGMA = dataPath('sigma');
const LOGS = filesUnder(dataPath('sigma-regression'), (f) => f.endsWith('.json'));

interface Outcome {
  hits: string[];
  problems: string[];
  counts: Record<string, number>;
}

/** A hunt's observable outcome: hits (in order), problems, counts (not times). */
async function hunt(collection: SigmaCollection, filters?: HuntFilters): Promise<Outcome> {
  const hits: string[] = [];
  const problems: string[] = [];
  const s = await runHunt({
    collection,
    pipeline: defaultPipeline,
    logs: LOGS,
    ...(filters !== undefined ? { filters } : {}),
    onHit: (h: HuntHit) => hits.push(JSON.stringify([h.kind, h.ruleId, h.title, h.level, h.source, h.line, h.ruleFile, h.techniques, h.timestamp, h.host])),
    onProblem: (p: HuntProblem) => problems.push(`${p.kind} ${p.message}`),
  });
  const { elapsedMs: _e, compileMs: _c, ...counts } = s;
  return { hits, problems, counts };
}

/**
 * Each file's YAML parsed once for the whole file of tests: the round-trip test reads every
 * document, the YAML baseline and the store's baseline hunt them. Parsing is a pure function of
 * the text, so they share one parse of each file (the loaders under test parse or decode for
 * themselves).
 */
const parsedFiles = new Map<string, SigmaCollection>();
function parseFile(file: string): SigmaCollection {
  let c = parsedFiles.get(file);
  if (c === undefined) {
    c = parseSigma(readFileSync(file, 'utf8'), { file });
    parsedFiles.set(file, c);
  }
  return c;
}

/** Parsing the YAML of these files, in this order. */
function parseFiles(files: readonly string[]): SigmaCollection {
  return mergeCollections(files.map(parseFile));
}

describe('parsed form of every SigmaHQ document', () => {
  it('decodes to the document it encodes (Maps, regexes, positions, raw)', () => {
    const col = parseFiles(listRuleFiles([SIGMA]));
    const docs = [...col.rules, ...col.correlations, ...col.filters];
    expect(docs.length).toBeGreaterThan(3900);
    expect(docs.some((d) => d.kind === 'rule' && [...d.detection.identifiers.values()].some((i) => i.groups.some((g) => g.some((it) => it.values.some((v) => v.type === 'regex')))))).toBe(true);
    for (const d of docs) expect(decodeDocument(encodeDocument(d), d.file)).toEqual(d);
    // Another format version is not decoded: the caller parses the YAML.
    expect(decodeDocument(encodeDocument(docs[0]!).replace(/^\{"v":\d+,/, '{"v":0,'), 'x')).toBeUndefined();
  });
});

describe('loading SigmaHQ without YAML parsing hunts as parsing it does, over the regression events', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-stored-rules-'));
  const cacheDir = path.join(tmp, 'cache');
  let files: string[];
  let yaml: Outcome;
  beforeAll(async () => {
    files = listRuleFiles([SIGMA]);
    // What loadRuleFiles does without a cache (each file parsed, in walk order), from the shared parse.
    yaml = await hunt(parseFiles(files));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the YAML hunt is a real one: hits, rule problems and thousands of rules', () => {
    expect(yaml.hits.length).toBeGreaterThan(100);
    expect(yaml.counts['rules']).toBeGreaterThan(3900);
    expect(yaml.problems.length).toBeGreaterThan(50); // deprecated/ and unsupported/ legacy aggregations
  });

  it('from a --rules folder cache: cold (writes it) and warm (reads it, parses nothing)', async () => {
    const cold = loadRuleFiles([SIGMA], { cacheDir });
    expect(cold.cached).toBe(0);
    expect(await hunt(cold.collection)).toEqual(yaml);
    const warm = loadRuleFiles([SIGMA], { cacheDir });
    expect(warm.cached).toBe(files.length);
    expect(await hunt(warm.collection)).toEqual(yaml);
  });

  describe('from the store', () => {
    let store: Store;
    let importIssues: string[];
    let byPath: Outcome;
    beforeAll(async () => {
      store = openStore(path.join(tmp, 'graph.db'));
      const r = importSigmaFiles(store, files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') })));
      importIssues = r.issues.map(formatIssue);
      // The store orders rules by path, then line: the baseline parses the files in that order. A rule
      // is known by its id in the store: of documents sharing an id (the documents of an
      // `action: global` file in unsupported/ repeat the global id), the one imported last is kept,
      // so the baseline keeps the last too.
      const perFile = [...files].sort().map(parseFile);
      const lastOf = new Map<string, unknown>();
      for (const c of perFile) for (const d of [...c.rules, ...c.correlations, ...c.filters]) if (d.id !== undefined) lastOf.set(d.id, d);
      const last = (d: { id: string | undefined }): boolean => d.id === undefined || lastOf.get(d.id) === d;
      const parsed = mergeCollections(perFile);
      const kept = { ...parsed, rules: parsed.rules.filter(last), correlations: parsed.correlations.filter(last), filters: parsed.filters.filter(last) };
      expect(kept.rules.length).toBe(parsed.rules.length - 2);
      byPath = await hunt(kept);
    });
    afterAll(() => store.close());

    it('same hits and counts; its problems are those of compiling, the parse problems were the import\'s', async () => {
      const loaded = loadStoredRules(store);
      expect(loaded.parsedFromYaml).toBe(0);
      const got = await hunt(loaded.collection);
      expect(got.hits).toEqual(byPath.hits);
      expect(got.counts).toEqual({ ...byPath.counts, ruleProblems: byPath.counts['ruleProblems']! - importIssues.length });
      expect(importIssues.length).toBeGreaterThan(50);
      // Every problem of the parsed run is either reported here too or was reported by the import.
      const parseProblems = new Set(importIssues.map((i) => `rule ${i}`));
      expect(byPath.problems.filter((p) => !parseProblems.has(p))).toEqual(got.problems);
      expect(byPath.problems.length - got.problems.length).toBe(importIssues.length);
    });

    it('with filters (level, tags, techniques) as the hunt filters them', async () => {
      const filters = { minLevel: 'high', tags: ['attack.t1059', 'attack.persistence'] } as const;
      const got = await hunt(loadStoredRules(store, filters).collection, filters);
      const all = await hunt(loadStoredRules(store).collection, filters);
      expect(got.hits).toEqual(all.hits);
      expect(got.hits.length).toBeGreaterThan(0);
      expect(loadStoredRules(store, filters).collection.rules.length).toBeLessThan(loadStoredRules(store).collection.rules.length / 2);
      const t = loadStoredRules(store, { techniques: ['T1059'] }).collection.rules;
      expect(t.length).toBeGreaterThan(50);
      expect(t.every((r) => r.tags.some((x) => /^attack\.t1059(\.\d{3})?$/i.test(x)))).toBe(true);
    });

    it('rows stored before the parsed form existed load from their YAML, and the next import fills them in', async () => {
      store.run('UPDATE sigma_rule SET parsed = NULL WHERE pk % 3 = 0');
      const loaded = loadStoredRules(store);
      expect(loaded.parsedFromYaml).toBeGreaterThan(1000);
      expect((await hunt(loaded.collection)).hits).toEqual(byPath.hits);
      importSigmaFiles(store, files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') })));
      expect(loadStoredRules(store).parsedFromYaml).toBe(0);
    });

    it('rows of the previous stored form (version 2, decoded whole) load without YAML, hunt the same, and the next import rewrites them', async () => {
      const rows = store.all<{ pk: number; parsed: string }>('SELECT pk, parsed FROM sigma_rule WHERE pk % 2 = 0');
      expect(rows.length).toBeGreaterThan(1000);
      const update = store.statement('UPDATE sigma_rule SET parsed = ? WHERE pk = ?');
      store.transaction(() => {
        for (const r of rows) update.run(asVersion2(r.parsed), r.pk);
      });
      expect(store.get<{ n: number }>(`SELECT count(*) AS n FROM sigma_rule WHERE parsed LIKE '{"v":2,%'`)?.n).toBe(rows.length);
      const loaded = loadStoredRules(store);
      expect(loaded.parsedFromYaml).toBe(0);
      expect((await hunt(loaded.collection)).hits).toEqual(byPath.hits);
      importSigmaFiles(store, files.map((f) => ({ path: f, text: readFileSync(f, 'utf8') })));
      expect(store.get<{ n: number }>(`SELECT count(*) AS n FROM sigma_rule WHERE parsed LIKE '{"v":2,%'`)?.n).toBe(0);
    });
  });
});

/**
 * A version-3 stored text written as version 2 wrote it (before round 4 of issue 13): one JSON
 * document, the detection (with its witness) and `rawText` (raw as a JSON string) inside `doc`.
 */
function asVersion2(v3: string): string {
  const { doc, det, raw } = JSON.parse(v3) as { doc: Record<string, unknown>; det: Record<string, unknown> | null; raw: unknown };
  const { facts, n: _n, ...meta } = doc as { facts?: { witness: unknown }; n: unknown };
  const body = { ...meta, rawText: JSON.stringify(raw), ...(det !== null ? { detection: { ...det, witness: facts?.witness } } : {}) };
  return `{"v":2,"doc":${JSON.stringify(body)}}`;
}

describe('the --rules folder cache follows its files', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-rule-cache-'));
  const rules = path.join(tmp, 'rules');
  const cacheDir = path.join(tmp, 'cache');
  const ids = (c: SigmaCollection): string[] => c.rules.map((r) => `${r.id ?? ''} ${r.title} ${r.level ?? ''}`);
  beforeAll(() => {
    cpSync(dataPath('sigma', 'rules', 'windows', 'process_creation'), rules, { recursive: true, filter: (src) => statSync(src).isDirectory() || /proc_creation_win_whoami_/.test(src) });
    // Old times: the cache trusts size and times only for files older than it.
    const old = new Date(Date.now() - 60_000);
    for (const f of listRuleFiles([rules])) utimesSync(f, old, old);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a changed file is parsed again, the others are not; a new file is added, a deleted one dropped', () => {
    const first = loadRuleFiles([rules], { cacheDir });
    const n = first.files;
    expect(n).toBeGreaterThan(3);
    expect(loadRuleFiles([rules], { cacheDir }).cached).toBe(n);
    const [a, b] = listRuleFiles([rules]) as [string, string];
    writeFileSync(a, readFileSync(a, 'utf8').replace(/^level: \w+$/m, 'level: critical').replace(/^title: .*$/m, 'title: Changed Title'));
    const changed = loadRuleFiles([rules], { cacheDir });
    expect(changed.cached).toBe(n - 1);
    expect(ids(changed.collection)).toEqual(ids(loadRuleFiles([rules]).collection));
    expect(ids(changed.collection)).toContain(`${first.collection.rules[0]!.id ?? ''} Changed Title critical`);
    rmSync(b);
    writeFileSync(path.join(rules, 'zz_new.yml'), readFileSync(a, 'utf8').replace(/^id: .*$/m, 'id: 5f3b1a2e-0000-4000-8000-000000000001'));
    const again = loadRuleFiles([rules], { cacheDir });
    expect(again.files).toBe(n);
    expect(ids(again.collection)).toEqual(ids(loadRuleFiles([rules]).collection));
  });

  it('a corrupt cache is ignored and rebuilt; a broken rule\'s problem is cached with it', () => {
    writeFileSync(path.join(rules, 'broken.yml'), 'title: Broken\nlogsource: [a\n');
    const cold = loadRuleFiles([rules], { cacheDir });
    const problems = cold.collection.issues.map(formatIssue);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('broken.yml');
    const warm = loadRuleFiles([rules], { cacheDir });
    expect(warm.cached).toBe(warm.files);
    expect(warm.collection.issues.map(formatIssue)).toEqual(problems);
    // A cache of another format version (an older ttpgraph, whose rule model differed) is not used.
    for (const f of filesUnder(cacheDir, () => true)) writeFileSync(f, readFileSync(f, 'utf8').replace(/"version":"[^"]*"/, '"version":"1.1"'));
    expect(loadRuleFiles([rules], { cacheDir }).cached).toBe(0);
    expect(loadRuleFiles([rules], { cacheDir }).cached).toBe(warm.files);
    // A cache cut short (its documents' bytes end before its first line says) is not used.
    for (const f of filesUnder(cacheDir, () => true)) writeFileSync(f, readFileSync(f).subarray(0, statSync(f).size - 10));
    expect(loadRuleFiles([rules], { cacheDir }).cached).toBe(0);
    for (const f of filesUnder(cacheDir, () => true)) writeFileSync(f, '{"format":"ttpgraph-rule-cache", trunc');
    const rebuilt = loadRuleFiles([rules], { cacheDir });
    expect(rebuilt.cached).toBe(0);
    expect(ids(rebuilt.collection)).toEqual(ids(warm.collection));
    expect(loadRuleFiles([rules], { cacheDir }).cached).toBe(rebuilt.files);
  });
});
