/**
 * Corpus tests over ../shared/data: every SigmaHQ rule folder loads with zero errors, the legacy
 * `| count()` rules of unsupported/ are reported as unsupported with their file, and all 101
 * regression cases match their events under the default pipeline with logsource routing on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileCollection, createEngine, defaultPipeline, formatIssue, mergeCollections, parseSigma, eventContext, type CompiledCollection } from '../../src/sigma/index.ts';
import { openLogFile } from '../../src/hunt/inputs/open.ts';
import { readJsonValues } from '../../src/hunt/inputs/json-array.ts';
import { dataPath, filesUnder } from '../helpers/paths.ts';

const LOADABLE = ['rules', 'rules-threat-hunting', 'rules-emerging-threats', 'rules-compliance', 'rules-dfir', 'rules-placeholder'];

function loadDirs(dirs: readonly string[]) {
  const files = dirs.flatMap((d) => filesUnder(dataPath('sigma', d), (f) => f.endsWith('.yml')));
  return { files, collection: mergeCollections(files.map((f) => parseSigma(readFileSync(f, 'utf8'), { file: f }))) };
}

describe('SigmaHQ rule folders', () => {
  let loaded: ReturnType<typeof loadDirs>;
  let compiled: CompiledCollection;
  beforeAll(() => {
    loaded = loadDirs(LOADABLE);
    compiled = compileCollection(loaded.collection);
  });

  it('load and compile with zero errors', () => {
    expect(loaded.files.length).toBeGreaterThan(3500);
    expect([...loaded.collection.issues, ...compiled.issues].map(formatIssue)).toEqual([]);
    // One rule per file in SigmaHQ (no multi-document files in these folders).
    expect(loaded.collection.rules.length).toBe(loaded.files.length);
    expect(compiled.compiled.length).toBe(loaded.collection.rules.length);
  });

  it('indexes almost every rule by a witness literal and routes the Windows ones', () => {
    const { stats } = compiled.engine;
    expect(stats.indexed / stats.rules).toBeGreaterThan(0.9);
    const winUnrouted = compiled.compiled.filter((c) => c.rule.logsource.product === 'windows' && !c.routed);
    expect(winUnrouted).toEqual([]);
  });

  it('the literal index skips no rule that matches: same hits with it off, on every regression event and variants of it', async () => {
    const off = createEngine(compiled.compiled, defaultPipeline, { index: false });
    const events: unknown[] = [];
    for (const f of filesUnder(dataPath('sigma-regression'), (x) => x.endsWith('.json'))) {
      for await (const batch of readJsonValues(openLogFile(f))) for (const item of batch) if (item.kind === 'event') events.push(item.event);
    }
    expect(events.length).toBeGreaterThan(100);
    const mapStrings = (v: unknown, f: (s: string) => string): unknown =>
      typeof v === 'string' ? f(v) : Array.isArray(v) ? v.map((x) => mapStrings(x, f)) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)])) : v;
    const variants = events.flatMap((e) => [e, mapStrings(e, (s) => s.toUpperCase()), mapStrings(e, (s) => s.slice(0, Math.ceil(s.length / 2))), mapStrings(e, (s) => s.replace(/[\\/-]/g, (c) => (c === '-' ? '/' : c)))]);
    let hits = 0;
    for (const e of variants) {
      const a = compiled.engine.match(e).map((r) => r.rule.id);
      const b = off.match(e).map((r) => r.rule.id);
      expect(a).toEqual(b);
      // The same from the event's JSON text (as NDJSON lines are scanned), compact and pretty.
      for (const text of [JSON.stringify(e), JSON.stringify(e, null, 1)]) expect(compiled.engine.matchContext(eventContext(e, Buffer.from(text))).map((r) => r.rule.id)).toEqual(b);
      hits += a.length;
    }
    expect(hits).toBeGreaterThan(events.length);
    // The index is worth having: far fewer rules evaluated than routed.
    expect(compiled.engine.counters.evaluated * 5).toBeLessThan(off.counters.evaluated);
  });

  describe('regression cases', () => {
    const regRoot = dataPath('sigma-regression');
    const infos = filesUnder(regRoot, (f) => f === 'info.yml');
    const cases = infos.map((info) => {
      const text = readFileSync(info, 'utf8');
      const id = /rule_metadata:\s*\n\s*-\s*id:\s*(\S+)/.exec(text)?.[1] ?? '';
      const mc = /match_count:\s*(\d+)/.exec(text)?.[1];
      return { info: path.relative(regRoot, path.dirname(info)), dir: path.dirname(info), id, expected: mc === undefined ? 1 : Number(mc) };
    });

    it('has the 101 cases', () => {
      expect(cases.length).toBe(101);
    });

    it.each(cases)('$info', async ({ dir, id, expected }) => {
      const json = path.join(dir, `${id}.json`);
      let exists = true;
      try {
        statSync(json);
      } catch {
        exists = false;
      }
      if (!exists) {
        // The one Cisco case ships a .raw capture and no JSON events.
        expect(readdirSync(dir).some((f) => f.endsWith('.raw'))).toBe(true);
        return;
      }
      const rule = compiled.compiled.find((c) => c.rule.id === id);
      expect(rule, `rule ${id} loaded`).toBeDefined();
      let matches = 0;
      let events = 0;
      for await (const batch of readJsonValues(openLogFile(json))) for (const item of batch) {
        expect(item.kind).toBe('event');
        if (item.kind !== 'event') continue;
        events++;
        for (const m of compiled.engine.matchContext(eventContext(item.event))) if (m.rule.id === id) matches++;
      }
      expect(events).toBeGreaterThan(0);
      expect(matches).toBeGreaterThanOrEqual(expected);
    });
  });
});

describe('unsupported/ legacy aggregations', () => {
  it('are reported as unsupported-aggregation with their file, not crashed on', () => {
    const dir = dataPath('sigma', 'unsupported');
    const files = filesUnder(dir, (f) => f.endsWith('.yml'));
    const legacy = files.filter((f) => /condition:.*\|\s*count\(/.test(readFileSync(f, 'utf8')));
    expect(legacy.length).toBeGreaterThan(30);
    const { collection } = loadDirs(['unsupported']);
    const reported = new Set(collection.issues.filter((i) => i.code === 'unsupported-aggregation').map((i) => i.file));
    for (const f of legacy) expect(reported.has(f), f).toBe(true);
    for (const i of collection.issues) {
      expect(i.file).toBeDefined();
      expect(i.line).toBeGreaterThan(0);
    }
    // Every rule id those files declare is named in its issue.
    const withIds = collection.issues.filter((i) => i.code === 'unsupported-aggregation');
    expect(withIds.every((i) => typeof i.ruleId === 'string' && i.ruleId.length > 0)).toBe(true);
  });

  it('deprecated/ rules load (one legacy count rule reported as unsupported)', () => {
    const { collection } = loadDirs(['deprecated']);
    expect(collection.issues.every((i) => i.code === 'unsupported-aggregation')).toBe(true);
    expect(collection.rules.length).toBeGreaterThan(150);
  });
});
