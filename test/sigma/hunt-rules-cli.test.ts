/**
 * `ttpgraph hunt` as a user runs it, with rules loaded without YAML parsing: `--from-store` (the
 * rules of `import sigma`) and `--rules` through the cache (cold, then warm) print exactly what
 * `--rules --no-cache` prints, and `--no-cache` writes no cache. With `--threads 2` over NDJSON,
 * the worker loads the rules itself (from the cache or the store) instead of being sent them, and
 * the output is that of one thread.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
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

  it('--threads 2 over NDJSON: the worker loads the rules itself (cache, store, both; not with --no-cache), output as on one thread', async () => {
    // The regression events as NDJSON, repeated over several 2 MB ranges.
    const events = logs.flatMap((f) => readFileSync(f, 'utf8').split(/(?<=\})\s*(?=\{)/).map((t) => JSON.stringify(JSON.parse(t))));
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < 6 * 1024 * 1024 && i < 100; i++) lines.push(...events);
    const ndjson = path.join(dir, 'events.ndjson');
    writeFileSync(ndjson, `${lines.join('\n')}\n`);
    // What the hunt thread posts to its workers besides files: an init with the rules in it or
    // without, and the rules when a worker asks for them.
    const proto = Worker.prototype as unknown as { postMessage: (this: Worker, m: unknown, ...rest: unknown[]) => void };
    const post = proto.postMessage;
    const sent: string[] = [];
    proto.postMessage = function (this: Worker, m: unknown, ...rest: unknown[]) {
      const kind = typeof m === 'object' && m !== null ? (m as { kind?: string }).kind : undefined;
      if (kind === 'init' || kind === 'rules') sent.push(`${kind}${(m as { rules?: string }).rules !== undefined ? ' with rules' : ''}`);
      post.call(this, m, ...rest);
    };
    try {
      // With --no-cache the worker cannot load the rules without YAML: it is sent them.
      const cases: [string[], string[], string[]][] = [
        [[], ['--rules', rules], ['init']],
        [['--db', db], [], ['init']],
        [['--db', db], ['--rules', rules, '--from-store'], ['init']],
        [['--db', db], ['--min-level', 'high'], ['init']],
        [[], ['--rules', rules, '--no-cache'], ['init with rules']],
      ];
      for (const [global, options, posted] of cases) {
        const hunt = (threads: string): ReturnType<typeof cliInProcess> => cliInProcess([...global, 'hunt', ...options, '--threads', threads, '--format', 'jsonl', ndjson], { TTPGRAPH_CACHE_DIR: cache });
        const one = await hunt('1');
        expect(one.status, one.stderr).toBe(0);
        sent.length = 0;
        const two = await hunt('2');
        expect(two.status, two.stderr).toBe(0);
        expect(sent, options.join(' ')).toEqual(posted);
        expect(two.stdout).toBe(one.stdout);
        expect(two.stderr.replace(/; [\d.]+ s$/m, '')).toBe(one.stderr.replace(/; [\d.]+ s$/m, ''));
      }
    } finally {
      proto.postMessage = post;
    }
  });

  it('without --rules and without a store: exit 2 saying how to get rules', async () => {
    const r = await cliInProcess(['--db', path.join(dir, 'none.db'), 'hunt', ...logs.slice(0, 1)]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ttpgraph sync');
  });
});
