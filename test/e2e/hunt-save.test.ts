/**
 * `hunt --save [LABEL]` and `ttpgraph hunts`, end to end through the built CLI: real SigmaHQ rules
 * over SigmaHQ's regression events (../shared/data/sigma-regression), then the technique page's
 * counts.hits. A hunt that fails or is interrupted saves nothing.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { cliEntry, dataPath } from '../helpers/paths.ts';

interface Hit {
  readonly ruleId: string;
  readonly techniques: string[];
}

/** The .json events of the regression cases under a folder (each case also has an .evtx of the same events). */
function regressionJson(...folder: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.json')) out.push(p);
    }
  };
  walk(dataPath('sigma-regression', ...folder));
  return out;
}

describe('ttpgraph hunt --save and ttpgraph hunts', () => {
  let dir: string;
  let db: string;
  let logs: string[];
  const rules = (): string => dataPath('sigma', 'rules', 'windows', 'process_creation');
  const hitsOf = async (db: string, id: string): Promise<number> => (JSON.parse((await cliInProcess(['--db', db, 'show', id, '--json'])).stdout) as { counts: { hits: number } }).counts.hits;
  type Run = { id: number; label: string | null; logs: string[]; rules: number; files: number; events: number; hits: number; techniques: number };
  const runs = async (): Promise<Run[]> => JSON.parse((await cliInProcess(['--db', db, 'hunts', '--json'])).stdout) as Run[];

  beforeAll(async () => {
    dir = tempDir('ttpgraph-hunt-save-');
    db = path.join(dir, 'store.db');
    const r = await cliInProcess(['--db', db, 'import', 'attack', dataPath('attack', 'enterprise-attack-18.1.json')]);
    expect(r.status, r.stderr).toBe(0);
    logs = regressionJson('rules', 'windows', 'process_creation');
    expect(logs.length).toBeGreaterThan(50);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a hunt without --save leaves the store alone', async () => {
    const r = await cliInProcess(['--db', db, 'hunt', '--rules', rules(), '--format', 'jsonl', '--quiet', ...logs]);
    expect(r.status).toBe(0);
    expect((await cliInProcess(['--db', db, 'hunts'])).stdout).toBe('no saved hunts (run `ttpgraph hunt --save [LABEL] --rules RULES LOGS...`)\n');
    expect(await hitsOf(db, 'T1059.001')).toBe(0);
  });

  it('--save=LABEL records the run; hunts lists it and the technique page counts its hits', async () => {
    const r = await cliInProcess(['--db', db, 'hunt', '--rules', rules(), '--format', 'jsonl', '--save=regression process creation', ...logs]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^hunt: saved as run 1 "regression process creation" in ${db.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const hits = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Hit);
    const onPowerShell = hits.filter((h) => h.techniques.some((t) => t === 'T1059.001' || t.startsWith('T1059.001.'))).length;
    expect(onPowerShell).toBeGreaterThan(0);
    expect(await hitsOf(db, 'T1059.001')).toBe(onPowerShell);
    // The parent counts its sub-techniques' hits too.
    const onT1059 = hits.reduce((n, h) => n + h.techniques.filter((t) => t === 'T1059' || t.startsWith('T1059.')).length, 0);
    expect(await hitsOf(db, 'T1059')).toBe(onT1059);

    const [run] = await runs();
    expect(run).toMatchObject({ id: 1, label: 'regression process creation', files: logs.length, hits: hits.length, logs: logs.map((l) => path.resolve(l)) });
    expect(run?.events).toBeGreaterThanOrEqual(logs.length);
    expect(run?.rules).toBeGreaterThan(1000);
    expect(run?.techniques).toBe(new Set(hits.flatMap((h) => h.techniques)).size);
    const text = await cliInProcess(['--db', db, 'hunts']);
    expect(text.stdout).toMatch(new RegExp(`^1 "regression process creation"  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  ${hits.length} hit\\(s\\) on ${run?.techniques} technique\\(s\\); `, 'm'));
  });

  it('a bare --save (store from $TTPGRAPH_DB) saves an unlabelled run, which becomes the newest; a log path after --save stays a log', async () => {
    const one = logs.filter((l) => l.includes('powershell') || l.includes('curl'));
    expect(one.length).toBeGreaterThan(1);
    const r = await cliInProcess(['hunt', '--rules', rules(), '--format', 'jsonl', '--save', ...one], { TTPGRAPH_DB: db });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^hunt: saved as run 2 in /m);
    const hits = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Hit);
    const [newest, older] = await runs();
    expect(newest).toMatchObject({ id: 2, label: null, files: one.length, hits: hits.length });
    expect(older?.id).toBe(1);
    expect(await hitsOf(db, 'T1059.001')).toBe(hits.filter((h) => h.techniques.includes('T1059.001')).length);
  });

  it('a hunt that fails (a log file that cannot be read) saves nothing', async () => {
    const before = await runs();
    const hitsBefore = await hitsOf(db, 'T1059.001');
    const r = await cliInProcess(['--db', db, 'hunt', '--rules', rules(), '--format', 'jsonl', '--save=broken', ...logs, path.join(dir, 'missing.json')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^hunt: not saved: 1 log file\(s\) could not be read$/m);
    expect(await runs()).toEqual(before);
    expect(await hitsOf(db, 'T1059.001')).toBe(hitsBefore);
  });

  it('a hunt interrupted (SIGINT) half-way saves nothing', async () => {
    // 30,000 events that each match: the first hits are out long before the hunt can finish.
    const event = JSON.stringify(JSON.parse(readFileSync(logs[0] ?? '', 'utf8')));
    const big = path.join(dir, 'big.ndjson');
    writeFileSync(big, `${event}\n`.repeat(30_000));
    const before = await runs();
    const child = spawn(process.execPath, [cliEntry, '--db', db, 'hunt', '--rules', rules(), '--format', 'jsonl', '--save=interrupted', big], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = 0;
    child.stdout.on('data', (d: Buffer) => {
      if (out === 0) child.kill('SIGINT');
      out += d.length;
    });
    child.stderr.resume();
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    expect(out).toBeGreaterThan(0);
    expect(signal).toBe('SIGINT');
    expect(await runs()).toEqual(before);
  });

  it('--save with a store that cannot be opened fails before hunting', async () => {
    const notAStore = path.join(dir, 'not-a-store.db');
    writeFileSync(notAStore, 'this is not SQLite');
    const r = await cliInProcess(['--db', notAStore, 'hunt', '--rules', rules(), '--save', '--format', 'jsonl', ...logs.slice(0, 1)]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^ttpgraph: error: /);
  });
});
