/** The hunt runner over handmade inputs: formats, gzip, filters, and bad input that is counted and skipped. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline, loadRuleFiles, runHunt, type HuntHit, type HuntProblem, type HuntFilters } from '../../src/hunt/index.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { writeFixture, type Fixture } from './fixtures.ts';

let dir: string;
let fx: Fixture;
beforeAll(() => {
  dir = tempDir('ttpgraph-hunt-');
  fx = writeFixture(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function hunt(rules: string[], logs: string[], filters?: HuntFilters) {
  const { collection } = loadRuleFiles(rules);
  const hits: HuntHit[] = [];
  const problems: HuntProblem[] = [];
  const summary = await runHunt({ collection, pipeline: loadPipeline([]).pipeline, logs, ...(filters ? { filters } : {}), onHit: (h) => hits.push(h), onProblem: (p) => problems.push(p) });
  return { hits, problems, summary };
}

describe('hunt', () => {
  it('NDJSON: hits carry rule id, title, level, techniques, tactics, timestamp, host, source and line, and the event', async () => {
    const { hits, summary } = await hunt([fx.rulesDir], [fx.ndjson]);
    expect(summary.events).toBe(3);
    expect(hits.map((h) => [h.ruleId, h.line])).toEqual([
      ['11111111-1111-4111-8111-111111111111', 1],
      ['22222222-2222-4222-8222-222222222222', 2],
    ]);
    const h = hits[0]!;
    expect(h).toMatchObject({ title: 'Whoami Execution', level: 'high', techniques: ['T1033'], tactics: ['discovery'], timestamp: '2026-01-02T03:04:05.000Z', host: 'WS1', source: fx.ndjson });
    expect((h.event as { Event: { EventData: { Image: string } } }).Event.EventData.Image).toContain('whoami');
  });
  it('JSON arrays and gzip are read too', async () => {
    expect((await hunt([fx.goodRule], [fx.jsonArray])).hits.map((h) => h.line)).toEqual([2]);
    const gz = await hunt([fx.goodRule], [fx.gz]);
    expect(gz.summary.events).toBe(3000);
    expect(gz.hits.map((h) => h.line)).toEqual([3000]);
  });
  it('filters by level, status and tag', async () => {
    expect((await hunt([fx.rulesDir], [fx.ndjson], { minLevel: 'medium' })).hits.map((h) => h.title)).toEqual(['Whoami Execution']);
    expect((await hunt([fx.rulesDir], [fx.ndjson], { status: ['experimental'] })).hits.map((h) => h.title)).toEqual(['Any Cmd']);
    expect((await hunt([fx.rulesDir], [fx.ndjson], { tags: ['attack.t1059'] })).hits.map((h) => h.title)).toEqual(['Any Cmd']);
  });
});

describe('bad input: reported with file and line, counted, and the hunt goes on', () => {
  it('a malformed YAML rule and a rule with an unknown modifier', async () => {
    const { hits, problems } = await hunt([fx.goodRule, fx.badYaml, fx.badModifier], [fx.ndjson]);
    expect(hits.length).toBe(1);
    const msgs = problems.map((p) => p.message);
    expect(msgs.some((m) => m.startsWith(`${fx.badYaml}:8:3: error[yaml-syntax] 44444444-4444-4444-8444-444444444444: `))).toBe(true);
    expect(msgs.some((m) => m.startsWith(`${fx.badModifier}:8:5: error[unknown-modifier] 33333333-3333-4333-8333-333333333333: unknown modifier 'contians'`))).toBe(true);
  });
  it('a line that is not JSON', async () => {
    const { hits, problems, summary } = await hunt([fx.goodRule], [fx.ndjsonWithJunk]);
    expect(summary.skippedRecords).toBe(1);
    expect(summary.events).toBe(2);
    expect(hits.length).toBe(1);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: 'input', source: fx.ndjsonWithJunk, line: 2 });
    expect(problems[0]!.message).toMatch(/junk\.ndjson:2: not JSON/);
  });
  it('a truncated gzip: events before the cut are hunted, the cut is one problem, the next file is still read', async () => {
    const { problems, summary, hits } = await hunt([fx.goodRule], [fx.truncatedGz, fx.ndjson]);
    expect(summary.events).toBeGreaterThan(100);
    expect(summary.events).toBeLessThan(3000 + 3);
    expect(summary.skippedRecords).toBeGreaterThanOrEqual(1);
    const cut = problems.find((p) => p.kind === 'input' && p.message.includes('unexpected end of file'));
    expect(cut?.source).toBe(fx.truncatedGz);
    expect(cut?.line).toBeGreaterThan(100);
    expect(hits.map((h) => h.source)).toEqual([fx.ndjson]);
  });
  it('a missing log file is a file problem, the others are read', async () => {
    const { problems, summary } = await hunt([fx.goodRule], [`${dir}/missing.ndjson`, fx.ndjson]);
    expect(summary.filesFailed).toBe(1);
    expect(summary.events).toBe(3);
    expect(problems[0]!.message).toBe(`${dir}/missing.ndjson: no such file`);
  });
});
