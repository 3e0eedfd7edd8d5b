/**
 * `ttpgraph hunt` as a user runs it, with rules loaded without YAML parsing: `--from-store` (the
 * rules of `import sigma`) and `--rules` through the cache (cold, then warm) print exactly what
 * `--rules --no-cache` prints, and `--no-cache` writes no cache.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { dataPath } from '../helpers/paths.ts';

function jsonFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) jsonFiles(p, out);
    else if (f.endsWith('.json')) out.push(p);
  }
  return out;
}

describe('hunt --from-store and the --rules cache', () => {
  const rules = dataPath('sigma', 'rules', 'windows', 'process_creation');
  let dir = '';
  let db = '';
  let cache = '';
  let logs: string[] = [];
  let expected = '';
  beforeAll(async () => {
    dir = tempDir('ttpgraph-hunt-rules-cli-');
    db = path.join(dir, 'store.db');
    cache = path.join(dir, 'cache');
    logs = jsonFiles(dataPath('sigma-regression', 'rules', 'windows', 'process_creation'));
    const r = await cliInProcess(['--db', db, 'import', 'sigma', rules]);
    expect(r.status, r.stderr).toBe(0);
    const plain = await cliInProcess(['hunt', '--rules', rules, '--no-cache', '--format', 'jsonl', '--quiet', ...logs], { TTPGRAPH_CACHE_DIR: cache });
    expect(plain.status, plain.stderr).toBe(0);
    expected = plain.stdout;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--no-cache parses and writes no cache; the hunt finds hits', () => {
    expect(expected.split('\n').filter(Boolean).length).toBeGreaterThan(50);
    expect(existsSync(cache)).toBe(false);
  });

  it('--rules with the cache, cold and warm, prints the same hits', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await cliInProcess(['hunt', '--rules', rules, '--format', 'jsonl', '--quiet', ...logs], { TTPGRAPH_CACHE_DIR: cache });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(expected);
    }
    expect(readdirSync(path.join(cache, 'rules'))).toHaveLength(1);
  });

  it('--from-store prints the same hits (the rules are the same files)', async () => {
    const r = await cliInProcess(['--db', db, 'hunt', '--from-store', '--format', 'jsonl', '--quiet', ...logs], { TTPGRAPH_CACHE_DIR: cache });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(expected);
  });

  it("without --rules: the store's rules by default, the same hits, said on stderr", async () => {
    const r = await cliInProcess(['--db', db, 'hunt', '--format', 'jsonl', ...logs], { TTPGRAPH_CACHE_DIR: cache });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(expected);
    expect(r.stderr).toMatch(/^[\d,]+ rules from the store \(/m);
  });

  it('without --rules and without a store: exit 2 saying how to get rules', async () => {
    const r = await cliInProcess(['--db', path.join(dir, 'none.db'), 'hunt', ...logs.slice(0, 1)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ttpgraph sync');
  });
});
