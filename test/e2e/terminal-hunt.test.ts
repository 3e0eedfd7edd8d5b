/**
 * `ttpgraph hunt` as a person runs it: in a terminal (a pseudo-terminal through script(1)), and on a
 * pipe. Exit codes like grep's hold in both (0 hits, 1 none, 2 error), `--save` stores the run in
 * both, the progress bar never shares a line with a hit, the table keeps rule titles whole, and
 * without --rules the store's rules are used.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { runCli } from '../helpers/cli.ts';
import { dataPath } from '../helpers/paths.ts';
import { progressNeverInterleaves, runInTerminal, visibleLines } from '../helpers/terminal.ts';

const FILE_EVENT_RULES = dataPath('sigma', 'rules', 'windows', 'file', 'file_event');
const FILE_EVENT_LOGS = dataPath('sigma-regression', 'rules', 'windows', 'file', 'file_event');
/** Linux rules never see these Windows events (logsource routing): a hunt with no hits. */
const LINUX_RULES = dataPath('sigma', 'rules', 'linux', 'builtin');

interface SavedRun {
  label: string | null;
  hits: number;
}

describe('hunt in a terminal and on a pipe', () => {
  let dir: string;
  let db: string;
  const savedRuns = (): SavedRun[] => JSON.parse(runCli(['--db', db, 'hunts', '--json']).stdout) as SavedRun[];

  beforeAll(() => {
    dir = tempDir('ttpgraph-terminal-hunt-');
    db = path.join(dir, 'store.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('with hits in a terminal: exit 0, the bar cleared before every hit, the run saved', async () => {
    const r = await runInTerminal(['--db', db, 'hunt', '--rules', FILE_EVENT_RULES, '--save=tty-hits', FILE_EVENT_LOGS], { columns: 200 });
    expect(r.screen).not.toContain('Invalid count');
    expect(r.status).toBe(0);
    expect(progressNeverInterleaves(r.screen)).toBe(true);
    const lines = visibleLines(r.screen);
    expect(lines.filter((l) => /^20\d\d-\d\d-\d\d /.test(l))).toHaveLength(16);
    expect(lines.some((l) => l.includes('hunt: saved as run'))).toBe(true);
    expect(savedRuns().find((run) => run.label === 'tty-hits')?.hits).toBe(16);
  });

  it('the table sizes its columns to the terminal and never cuts a rule title', async () => {
    const r = await runInTerminal(['--db', db, 'hunt', '--rules', FILE_EVENT_RULES, FILE_EVENT_LOGS], { columns: 200 });
    const hits = visibleLines(r.screen).filter((l) => /^20\d\d-\d\d-\d\d /.test(l));
    // Two rules that a 26-character column made look alike.
    expect(hits.some((l) => l.includes(' LSASS Process Memory Dump Files '))).toBe(true);
    expect(hits.some((l) => l.includes(' LSASS Process Memory Dump Creation Via Taskmgr.EXE '))).toBe(true);
    for (const l of hits) expect(l.length).toBeLessThanOrEqual(200);
    // The event gives way where the row is full, and is whole where there is room.
    expect(hits.some((l) => l.endsWith('TargetFilename=C:\\RECYCLERS.BIN\\malware.exe'))).toBe(true);
  });

  it('--format table on a pipe keeps every value whole', () => {
    const r = runCli(['hunt', '--rules', FILE_EVENT_RULES, FILE_EVENT_LOGS]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('…');
    expect(r.stdout).toContain(' LSASS Process Memory Dump Creation Via Taskmgr.EXE ');
    expect(r.stdout).toContain('ar-win-dc.attackrange.local');
  });

  it('no hits: exit 1 in a terminal and on a pipe, and --save stores the run in both', async () => {
    const tty = await runInTerminal(['--db', db, 'hunt', '--rules', LINUX_RULES, '--save=tty-none', FILE_EVENT_LOGS]);
    expect(tty.status).toBe(1);
    expect(progressNeverInterleaves(tty.screen)).toBe(true);
    const pipe = runCli(['--db', db, 'hunt', '--rules', LINUX_RULES, '--save=pipe-none', FILE_EVENT_LOGS]);
    expect(pipe.status).toBe(1);
    expect(pipe.stderr).not.toMatch(/%/);
    const runs = savedRuns();
    expect(runs.find((run) => run.label === 'tty-none')?.hits).toBe(0);
    expect(runs.find((run) => run.label === 'pipe-none')?.hits).toBe(0);
  });

  it('a log file that is not there: exit 2, one "ttpgraph: error: PATH: no such file" line, nothing saved', async () => {
    const missing = path.join(dir, 'nope.json');
    const tty = await runInTerminal(['--db', db, 'hunt', '--rules', FILE_EVENT_RULES, '--save=tty-bad', missing]);
    expect(tty.status).toBe(2);
    expect(visibleLines(tty.screen)).toContain(`ttpgraph: error: ${missing}: no such file`);
    const pipe = runCli(['--db', db, 'hunt', '--rules', FILE_EVENT_RULES, '--save=pipe-bad', missing]);
    expect(pipe.status).toBe(2);
    expect(pipe.stderr.split('\n')).toContain(`ttpgraph: error: ${missing}: no such file`);
    expect(savedRuns().map((run) => run.label)).not.toContain('tty-bad');
    expect(savedRuns().map((run) => run.label)).not.toContain('pipe-bad');
  });

  it('a missing file named anywhere reads "ttpgraph: error: PATH: no such file"', () => {
    const missing = path.join(dir, 'gone.json');
    expect(runCli(['--db', db, 'import', 'attack', missing]).stderr).toBe(`ttpgraph: error: ${missing}: no such file\n`);
    expect(runCli(['hunt', '--rules', missing, FILE_EVENT_LOGS]).stderr).toBe(`ttpgraph: error: ${missing}: no such file\n`);
  });
});

describe('hunt without --rules: the rules in the store', () => {
  let dir: string;
  let db: string;

  beforeAll(() => {
    dir = tempDir('ttpgraph-store-rules-');
    db = path.join(dir, 'store.db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an empty store: exit 2 and what to do (sync, import sigma, --rules)', () => {
    const none = runCli(['--db', db, 'hunt', FILE_EVENT_LOGS]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^ttpgraph: error: no Sigma rules: there is no store at .*store\.db yet; run `ttpgraph sync`.*`ttpgraph import sigma PATH`.*--rules PATH\n$/);
    expect(runCli(['--db', db, 'import', 'attack', dataPath('attack', 'ics-attack-18.1.json')]).status).toBe(0);
    const empty = runCli(['--db', db, 'hunt', FILE_EVENT_LOGS]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/^ttpgraph: error: the store .*store\.db has no Sigma rules: run `ttpgraph sync`/);
  });

  it('uses every stored rule, says how many and from where on one line, and filters by --technique', async () => {
    expect(runCli(['--db', db, 'import', 'sigma', FILE_EVENT_RULES]).status).toBe(0);
    const all = await runInTerminal(['--db', db, 'hunt', FILE_EVENT_LOGS], { columns: 200 });
    expect(all.status).toBe(0);
    const lines = visibleLines(all.screen);
    expect(lines[0]).toBe('166 rules from the store (166 added with import sigma)');
    expect(lines.filter((l) => /^20\d\d-\d\d-\d\d /.test(l))).toHaveLength(16);

    const t1003 = runCli(['--db', db, 'hunt', '--technique', 'T1003', FILE_EVENT_LOGS]);
    expect(t1003.status).toBe(0);
    expect(t1003.stderr.split('\n')[0]).toMatch(/^\d+ rules from the store \(166 added with import sigma\)$/);
    const rows = t1003.stdout.split('\n').filter((l) => /^20\d\d-\d\d-\d\d /.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/ T1003(\.\d{3})?[ ,]/);

    const bad = runCli(['--db', db, 'hunt', '--technique', 'lsass', FILE_EVENT_LOGS]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('ttpgraph: error: --technique "lsass" is not an ATT&CK technique ID like T1059 or T1059.001\n');
  });
});
