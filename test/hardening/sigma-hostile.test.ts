/**
 * Hostile Sigma rules (issue 12, defects 1, 6, 7 and the empty-file part of 12): an alias bomb, a
 * condition nested 5,000 deep and a catastrophic `|re` pattern are each one rule's error, named by
 * file and line, while the other rules of the folder still load, hunt and import. Every entry point
 * runs in a child process with a generous kill bound, so that a hang (the defect) fails the test
 * instead of stalling the run; the assertions are on output and exit codes, never on time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { cliEntry, projectRoot } from '../helpers/paths.ts';
import { GOOD_RULE, LOW_RULE, sysmonEvent } from '../sigma/fixtures.ts';

/** A hang is what these defects looked like: past this, the child is killed and the test fails. */
const KILL_AFTER_MS = 60_000;

function run(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: KILL_AFTER_MS, env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' }, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const cli = (...args: string[]) => run([cliEntry, ...args]);
/** The library API from the build, as a user's program calls it. */
const library = (code: string) => run(['--input-type=module', '-e', `import * as ttp from ${JSON.stringify(path.join(projectRoot, 'dist', 'index.js'))};\n${code}`]);

/** 9 levels of 9 aliases: 9^9 = 387 million strings from 1 KB. */
function aliasBomb(id: string): string {
  const levels = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
  const lines = [`title: Laughs`, `id: ${id}`, 'logsource:', '  product: windows', `l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]`];
  levels.forEach((_, k) => lines.push(`l${k + 1}: &l${k + 1} [${Array.from({ length: 9 }, () => `*l${k}`).join(', ')}]`));
  lines.push('detection:', '  selection:', '    Image|endswith: whoami.exe', '  condition: selection', '');
  return lines.join('\n');
}

function deepCondition(id: string): string {
  return `title: Deep\nid: ${id}\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  selection:\n    Image|endswith: whoami.exe\n  condition: ${'('.repeat(5000)}selection${')'.repeat(5000)}\n`;
}

const notDeep = (id: string): string =>
  `title: Nots\nid: ${id}\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  selection:\n    Image|endswith: whoami.exe\n  condition: ${'not '.repeat(5000)}selection\n`;

const redos = (id: string): string =>
  `title: Backtracking\nid: ${id}\nlevel: high\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  selection:\n    CommandLine|re: '^(a+)+$'\n  condition: selection\n`;

const BOMB_ID = 'b0b0b0b0-0000-4000-8000-000000000001';
const DEEP_ID = 'b0b0b0b0-0000-4000-8000-000000000002';
const NOTS_ID = 'b0b0b0b0-0000-4000-8000-000000000003';
const REDOS_ID = 'b0b0b0b0-0000-4000-8000-000000000004';

let dir: string;
let rules: string;
let bomb: string;
let deep: string;
let nots: string;
let empty: string;
let blank: string;
let logs: string;
let redosRules: string;
beforeAll(() => {
  dir = tempDir('ttpgraph-hostile-sigma-');
  rules = path.join(dir, 'rules');
  mkdirSync(rules);
  const w = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  w('rules/good.yml', GOOD_RULE);
  w('rules/low.yml', LOW_RULE);
  bomb = w('rules/bomb.yml', aliasBomb(BOMB_ID));
  deep = w('rules/deep.yml', deepCondition(DEEP_ID));
  nots = w('rules/nots.yml', notDeep(NOTS_ID));
  empty = w('empty.yml', '');
  blank = w('blank.yml', '# nothing but a comment\n\n');
  mkdirSync(path.join(dir, 'redos'));
  redosRules = w('redos/redos.yml', redos(REDOS_ID));
  w('redos/good.yml', GOOD_RULE);
  const evil = { ...sysmonEvent('C:\\Windows\\System32\\whoami.exe') };
  (evil['Event'] as { EventData: Record<string, string> }).EventData.CommandLine = `${'a'.repeat(40)}!`;
  const match = sysmonEvent('C:\\x\\cmd.exe');
  (match['Event'] as { EventData: Record<string, string> }).EventData.CommandLine = 'a'.repeat(40);
  logs = w('events.ndjson', `${JSON.stringify(evil)}\n${JSON.stringify(match)}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('YAML alias bomb (defect 1)', () => {
  it('sigma check: the bomb is one error at FILE:LINE:COL, the other rules pass', () => {
    const r = cli('sigma', 'check', bomb, path.join(dir, 'rules', 'good.yml'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^${escapeRe(bomb)}:\\d+:\\d+: error\\[yaml-limit\\] ${BOMB_ID}: more than 1000 aliases expanded`, 'm'));
    expect(r.stderr).toContain('1 rule(s)');
  });
  it('hunt: the bomb is skipped, the other rules hunt', () => {
    const r = cli('hunt', '--rules', path.join(dir, 'rules', 'bomb.yml'), '--rules', path.join(dir, 'rules', 'good.yml'), '--format', 'jsonl', logs);
    expect(r.stderr).toContain(`skipped rule: ${bomb}:`);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ruleId: string }).ruleId)).toEqual(['11111111-1111-4111-8111-111111111111']);
    expect(r.status).toBe(0);
  });
});

describe('YAML alias bomb through sync (defect 1)', () => {
  it('sync --from a mirror: the bomb is skipped with its FILE:LINE:COL, the other rule lands', () => {
    const mirror = path.join(dir, 'mirror');
    mkdirSync(path.join(mirror, 'sigma', 'rules'), { recursive: true });
    writeFileSync(path.join(mirror, 'sigma', 'rules', 'bomb.yml'), aliasBomb(BOMB_ID));
    writeFileSync(path.join(mirror, 'sigma', 'rules', 'good.yml'), GOOD_RULE);
    const r = cli('--db', path.join(dir, 'sync.db'), 'sync', '--from', mirror, '--only', 'sigma');
    expect(r.stderr).toMatch(new RegExp(`rules/bomb\\.yml:\\d+:\\d+: error\\[yaml-limit\\] ${BOMB_ID}: more than 1000 aliases expanded`));
    expect(r.stdout).toContain('1 rules from 2 files');
    expect(r.status).toBe(0);
  });
});

describe('conditions nested 5,000 deep (defect 6)', () => {
  it('sigma check names each file and line; the good rules are checked', () => {
    const r = cli('sigma', 'check', rules);
    expect(r.stdout).toMatch(new RegExp(`^${escapeRe(deep)}:9:3: error\\[invalid-condition\\] ${DEEP_ID}: condition nested more than 64 deep`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^${escapeRe(nots)}:9:3: error\\[invalid-condition\\] ${NOTS_ID}: condition nested more than 64 deep`, 'm'));
    expect(r.stdout).not.toContain('Maximum call stack');
    expect(r.stderr).toContain('2 rule(s)');
    expect(r.status).toBe(1);
  });
  it('hunt over the folder: the deep rules are skipped, the others hit (exit 0)', () => {
    const r = cli('hunt', '--rules', rules, '--format', 'jsonl', logs);
    expect(r.stderr).toContain(`skipped rule: ${deep}:9:`);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ruleId: string }).ruleId)).toEqual(['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222']);
    expect(r.status).toBe(0);
  });
  it('import sigma (library): the good rules land, the hostile ones are reported', () => {
    const db = path.join(dir, 'import.db');
    const r = library(`const g = ttp.openGraph({ path: ${JSON.stringify(db)} });
const res = await g.importSigma([${JSON.stringify(rules)}]);
console.log(JSON.stringify({ rules: res.rules, issues: res.issues.map((i) => [i.code, i.ruleId, i.line]) }));
g.close();`);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { rules: number; issues: [string, string, number][] };
    expect(out.rules).toBe(2);
    expect(out.issues).toEqual(
      expect.arrayContaining([
        ['yaml-limit', BOMB_ID, expect.any(Number)],
        ['invalid-condition', DEEP_ID, 9],
        ['invalid-condition', NOTS_ID, 9],
      ]),
    );
    expect(r.status).toBe(0);
  });
});

describe('|re with a catastrophic pattern (defect 7)', () => {
  it('hunt matches it in linear time: the 40-a line hits, the 40-a-and-! line does not', () => {
    const r = cli('hunt', '--rules', path.join(dir, 'redos'), '--format', 'jsonl', logs);
    const hits = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string; line: number });
    expect(hits.map((h) => [h.ruleId, h.line])).toEqual([
      ['11111111-1111-4111-8111-111111111111', 1],
      [REDOS_ID, 2],
    ]);
    expect(r.status).toBe(0);
  });
  it('sigma check accepts it (RE2 can match it); a backreference is an error for that rule', () => {
    expect(cli('sigma', 'check', redosRules).status).toBe(0);
    const backref = path.join(dir, 'backref.yml');
    writeFileSync(backref, redos(REDOS_ID).replace("'^(a+)+$'", "'(a)\\1'"));
    const r = cli('sigma', 'check', backref);
    expect(r.stdout).toMatch(new RegExp(`^${escapeRe(backref)}:9:5: error\\[invalid-regex\\] ${REDOS_ID}: invalid regular expression /\\(a\\)\\\\1/: not supported by the linear-time regex engine`, 'm'));
    expect(r.status).toBe(1);
  });
});

describe('empty Sigma files (defect 12)', () => {
  it('sigma check: a file with no document is an error naming it', () => {
    const r = cli('sigma', 'check', empty, blank, path.join(dir, 'rules', 'good.yml'));
    expect(r.stdout).toContain(`${empty}:1:1: error[empty-file] the file holds no Sigma document`);
    expect(r.stdout).toContain(`${blank}:1:1: error[empty-file] the file holds no Sigma document`);
    expect(r.status).toBe(1);
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
