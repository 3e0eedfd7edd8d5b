/**
 * Issue 15: one folder walker (src/sources/walk.ts) behind `import sigma` and `hunt --rules`, so
 * the two read the same files from one folder. Before it, the import skipped dotfiles and
 * dot-folders while hunt read them (and followed links the import skipped).
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtpgraphError } from '../../src/errors.ts';
import { openGraph } from '../../src/graph.ts';
import { expandLogPaths, listRuleFiles, loadRuleFiles } from '../../src/hunt/rules.ts';
import { readTextFiles } from '../../src/sources/read-tree.ts';
import { tempDir } from '../helpers/attack-store.ts';

function rule(id: string): string {
  return [
    `title: Rule ${id}`,
    `id: ${id}`,
    'status: test',
    'logsource:',
    '  product: windows',
    'detection:',
    '  selection:',
    `    EventID: ${parseInt(id.slice(-4), 16)}`,
    '  condition: selection',
    '',
  ].join('\n');
}

const id = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe('one folder walker for import sigma and hunt --rules', () => {
  const dir = tempDir();
  const rules = path.join(dir, 'rules');
  const outside = path.join(dir, 'outside');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    for (const d of ['a', 'b/deep', '.git/objects', 'a/.cache', '_B']) mkdirSync(path.join(rules, d), { recursive: true });
    mkdirSync(outside);
    const files: [string, string][] = [
      ['a/one.yml', rule(id(1))],
      ['a/Two.YAML', rule(id(2))],
      ['b/deep/three.yaml', rule(id(3))],
      ['_B/four.yml', rule(id(4))],
      ['z.yml', rule(id(5))],
      // not rules: dotfiles, dot-folders, other extensions
      ['.hidden.yml', rule(id(11))],
      ['a/._one.yml', rule(id(12))],
      ['.git/objects/x.yml', rule(id(13))],
      ['a/.cache/y.yml', rule(id(14))],
      ['a/notes.txt', 'not yaml'],
    ];
    for (const [f, text] of files) writeFileSync(path.join(rules, f), text);
    writeFileSync(path.join(outside, 'linked.yml'), rule(id(6)));
    // A link to a folder, one to a file, a dangling one and a loop back to the top.
    symlinkSync(outside, path.join(rules, 'b', 'link-to-folder'));
    symlinkSync(path.join(rules, 'z.yml'), path.join(rules, 'b', 'zz.yml'));
    symlinkSync(path.join(dir, 'nowhere.yml'), path.join(rules, 'b', 'dangling.yml'));
    symlinkSync(rules, path.join(rules, 'b', 'deep', 'loop'));
  });

  const expected = (): string[] =>
    ['_B/four.yml', 'a/Two.YAML', 'a/one.yml', 'b/deep/three.yaml', 'b/link-to-folder/linked.yml', 'b/zz.yml', 'z.yml'].map((f) => path.join(rules, f));

  it('lists the same files, in the same code-point order, skipping dot-names and following links once', async () => {
    const forImport = (await readTextFiles([rules], ['.yml', '.yaml'])).map((f) => f.path);
    const forHunt = listRuleFiles([rules]);
    expect(forHunt).toEqual(expected());
    expect(forImport).toEqual(forHunt);
  });

  it('import sigma stores exactly the rules hunt --rules loads', async () => {
    const graph = openGraph({ path: ':memory:' });
    try {
      const imported = await graph.importSigma([rules]);
      expect(imported.files).toBe(7);
      const stored = (await graph.sigmaRules()).collection.rules.map((r) => r.id).sort();
      const hunted = loadRuleFiles([rules]).collection.rules.map((r) => r.id).sort();
      expect(hunted).toEqual([1, 2, 3, 4, 5, 5, 6].map(id));
      // The store keeps one row per rule id (z.yml and its link b/zz.yml hold the same rule).
      expect(stored).toEqual([...new Set(hunted)]);
    } finally {
      graph.close();
    }
  });

  it('a file named directly is taken whatever its name; a missing one is an error naming it', async () => {
    const hidden = path.join(rules, '.hidden.yml');
    expect(listRuleFiles([hidden])).toEqual([hidden]);
    expect((await readTextFiles([hidden], ['.yml'])).map((f) => f.path)).toEqual([hidden]);
    const missing = path.join(rules, 'missing.yml');
    const described = async (f: () => unknown): Promise<string> => {
      try {
        await f();
      } catch (err) {
        if (err instanceof TtpgraphError) return err.describe();
        throw err;
      }
      throw new Error('expected a TtpgraphError');
    };
    expect(await described(() => listRuleFiles([missing]))).toBe(`${missing}: no such file`);
    expect(await described(() => readTextFiles([missing], ['.yml']))).toBe(`${missing}: no such file`);
  });

  it('hunt log folders are walked the same way (dot-names skipped, .gz kept, missing paths kept for the reader)', () => {
    const logs = path.join(dir, 'logs');
    mkdirSync(path.join(logs, '.trash'), { recursive: true });
    for (const f of ['b.ndjson', 'a.evtx', 'c.json.gz', '.d.jsonl', '.trash/e.json', 'f.txt']) writeFileSync(path.join(logs, f), '');
    const missing = path.join(dir, 'no-such.evtx');
    expect(expandLogPaths([logs, missing])).toEqual([path.join(logs, 'a.evtx'), path.join(logs, 'b.ndjson'), path.join(logs, 'c.json.gz'), missing]);
  });
});
