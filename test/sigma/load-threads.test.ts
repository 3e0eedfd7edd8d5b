/**
 * loadRuleFiles with the YAML step in worker threads (the built dist/, as `ttpgraph hunt` runs it)
 * gives the same collection as on one thread: same rules in the same order, same problems with
 * their positions, and a broken file does not stop the others.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { dataPath, projectRoot } from '../helpers/paths.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Loads `dir` in a child process on the built code with the given thread count; a digest of the result. */
function load(dir: string, threads: number): { rules: string[]; issues: string[]; ms: number } {
  const script = `
    const { loadRuleFiles } = await import(${JSON.stringify(path.join(projectRoot, 'dist', 'hunt', 'index.js'))});
    const { formatIssue } = await import(${JSON.stringify(path.join(projectRoot, 'dist', 'sigma', 'index.js'))});
    const t0 = performance.now();
    const { collection } = loadRuleFiles([process.argv[1]], { threads: Number(process.argv[2]) });
    const ms = performance.now() - t0;
    process.stdout.write(JSON.stringify({ ms, rules: collection.rules.map((r) => r.file + ' ' + r.id + ' ' + r.detection.conditions.join(';') + ' ' + JSON.stringify(r.raw).length), issues: collection.issues.map(formatIssue) }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, dir, String(threads)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as { rules: string[]; issues: string[]; ms: number };
}

describe('rule loading in worker threads', () => {
  it('same collection as one thread, with problems in place', () => {
    const dir = tempDir('ttpgraph-threads-');
    dirs.push(dir);
    cpSync(dataPath('sigma', 'rules', 'windows', 'process_creation'), path.join(dir, 'pc'), { recursive: true });
    writeFileSync(path.join(dir, 'pc', 'zz_broken.yml'), 'title: broken\nid: 0b0b0b0b-0000-4000-8000-000000000000\ndetection: [unclosed\n');
    writeFileSync(path.join(dir, 'pc', 'zz_bad_modifier.yml'), 'title: bad\nlogsource: {product: windows}\ndetection:\n  sel:\n    a|nosuch: x\n  condition: sel\n');
    const one = load(dir, 0);
    const two = load(dir, 2);
    expect(one.rules.length).toBeGreaterThan(1000);
    expect(two.rules).toEqual(one.rules);
    expect(two.issues).toEqual(one.issues);
    expect(one.issues.some((i) => i.includes('zz_broken.yml') && i.includes('yaml-syntax'))).toBe(true);
    expect(one.issues.some((i) => i.includes('zz_bad_modifier.yml:5:') && i.includes('unknown-modifier'))).toBe(true);
  });
});
