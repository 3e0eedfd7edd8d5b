/**
 * Hunting the .evtx of each sigma-regression case instead of its .json: the case's rule must match
 * its events there too (101 cases; the Cisco one ships no .evtx), through `runHunt` with the EVTX
 * reader, plus folder expansion over the whole corpus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSigma } from '../../src/sigma/index.ts';
import { runHunt, loadPipeline } from '../../src/hunt/index.ts';
import type { HuntHit, HuntProblem } from '../../src/hunt/index.ts';
import { evtxReader } from '../../src/hunt/inputs/evtx.ts';
import { expandLogPaths } from '../../src/hunt/rules.ts';
import { dataPath, filesUnder } from '../helpers/paths.ts';

/** Rule id → rule file, read from the `id:` line of every SigmaHQ rule. */
function ruleIndex(): Map<string, string> {
  const idx = new Map<string, string>();
  for (const d of ['rules', 'rules-threat-hunting', 'rules-emerging-threats', 'rules-compliance', 'rules-dfir', 'rules-placeholder', 'deprecated']) {
    let files: string[] = [];
    try {
      files = filesUnder(dataPath('sigma', d), (f) => f.endsWith('.yml'));
    } catch {
      continue;
    }
    for (const f of files) {
      const id = /^id:\s*(\S+)/m.exec(readFileSync(f, 'utf8'))?.[1];
      if (id !== undefined) idx.set(id, f);
    }
  }
  return idx;
}

const regRoot = dataPath('sigma-regression');
const cases = filesUnder(regRoot, (f) => f === 'info.yml').map((info) => {
  const text = readFileSync(info, 'utf8');
  const id = /rule_metadata:\s*\n\s*-\s*id:\s*(\S+)/.exec(text)?.[1] ?? '';
  const mc = /match_count:\s*(\d+)/.exec(text)?.[1];
  return { name: path.relative(regRoot, path.dirname(info)), dir: path.dirname(info), id, expected: mc === undefined ? 1 : Number(mc) };
});
const rules = ruleIndex();
const pipeline = loadPipeline([]).pipeline;

describe('hunting .evtx files', () => {
  it('has the 101 regression cases', () => {
    expect(cases.length).toBe(101);
  });

  it.each(cases)('$name', async ({ dir, id, expected }) => {
    const evtx = readdirSync(dir).filter((f) => f.endsWith('.evtx'));
    if (evtx.length === 0) {
      // The one Cisco case ships a .raw capture and no event log.
      expect(readdirSync(dir).some((f) => f.endsWith('.raw'))).toBe(true);
      return;
    }
    const ruleFile = rules.get(id);
    expect(ruleFile, `rule ${id} found`).toBeDefined();
    const collection = parseSigma(readFileSync(ruleFile!, 'utf8'), { file: ruleFile! });
    const hits: HuntHit[] = [];
    const problems: HuntProblem[] = [];
    const summary = await runHunt({
      collection,
      pipeline,
      logs: evtx.map((f) => path.join(dir, f)),
      readers: [evtxReader],
      onHit: (h) => hits.push(h),
      onProblem: (p) => problems.push(p),
    });
    expect(problems.filter((p) => p.kind !== 'rule')).toEqual([]);
    expect(summary.events).toBeGreaterThan(0);
    expect(summary.skippedRecords).toBe(0);
    expect(hits.filter((h) => h.ruleId === id).length).toBeGreaterThanOrEqual(expected);
  });

  it('expands folders to the .evtx files below them (beside the .json), recursively; files stay as given', () => {
    const files = expandLogPaths([regRoot]);
    const evtx = files.filter((f) => f.endsWith('.evtx'));
    expect(evtx.length).toBe(100);
    expect(files.filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(100);
    const one = evtx[0]!;
    expect(expandLogPaths([one, path.join(regRoot, 'rules', 'cisco')])).toEqual([one]);
  });
});
