/**
 * The report commands as a person runs them (the built CLI as a child process): import report of
 * several files with one line per file (errors too, exit code 1), review with --accept/--reject,
 * show T1114 --json listing the accepted report with its summary and gone after rejecting, the
 * layer and STIX exports on stdout, and review refusing to ask questions without a terminal.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { cliEntry } from '../helpers/paths.ts';
import { reportFixture } from '../helpers/report-fixtures.ts';

describe('ttpgraph import report / report / extract', () => {
  let t: TempGraph;
  let id = '';
  const cli = (...args: string[]) => cliInProcess(['--db', t.dbPath, ...args]);

  beforeAll(async () => {
    t = await graphWith('enterprise-attack-15.1.json');
    t.graph.close();
  });
  afterAll(() => t.dispose());

  it('imports good files, names each bad one on one line, exit code 1', async () => {
    const r = await cli('import', 'report', reportFixture('scattered-spider-article.html'), reportFixture('empty.txt'), reportFixture('broken.pdf'), reportFixture('navigation-only.html'), reportFixture('apt29-note.txt'));
    expect(r.status).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^imported report rpt-[0-9a-f]{12} "Scattered Spider: help-desk social engineering and data theft" \(Example Threat Blog, 2023-11-16\) from .*: \d+ technique\(s\) proposed \(2 named by ID\), \d+ group\/software\/campaign name\(s\); review: ttpgraph report review rpt-/);
    id = /rpt-[0-9a-f]{12}/.exec(lines[0]!)![0];
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('ttpgraph: error:'));
    expect(errors).toEqual([
      `ttpgraph: error: ${reportFixture('empty.txt')}: the file is empty: nothing to import`,
      expect.stringMatching(new RegExp(`^ttpgraph: error: ${reportFixture('broken.pdf').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable PDF: `)),
      `ttpgraph: error: ${reportFixture('navigation-only.html')}: no article found in this HTML page (navigation and links only?)`,
    ]);
    // The first import built the model, and said so.
    expect(r.stderr).toContain('no extraction model yet');
    const again = await cli('import', 'report', reportFixture('scattered-spider-article.html'));
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^unchanged, already in the store: report ${id} `));
    expect(JSON.parse((await cli('report', 'list', '--json')).stdout)).toHaveLength(2);
  });

  it('reads reports with the import limits: a size per kind (--max-size lowers it) and regular files only', async () => {
    const r = await cli('import', 'report', '--max-size', '1k', reportFixture('scattered-spider-article.html'), '/dev/zero');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('ttpgraph: error:'));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/scattered-spider-article\.html: .*over the 1 kB limit for threat reports; raise it with --max-size/);
    expect(errors[1]).toMatch(/^ttpgraph: error: \/dev\/zero: not a regular file/);
  });

  it('review --accept puts it on show T1114 --json with via and summary; --reject takes it off', async () => {
    const before = JSON.parse((await cli('show', 'T1114', '--json')).stdout);
    expect(before.reports.map((r: { id: string }) => r.id)).not.toContain(id);
    const ok = await cli('report', 'review', id, '--accept', 'T1114,T1566.002', '--reject', 'T1530');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(`report ${id}: accepted T1114, T1566.002; rejected T1530\n`);
    const after = JSON.parse((await cli('show', 'T1114', '--json')).stdout);
    const link = after.reports.find((r: { id: string }) => r.id === id);
    expect(link).toMatchObject({ title: 'Scattered Spider: help-desk social engineering and data theft', via: 'accepted from report extraction', source: 'Example Threat Blog', date: '2023-11-16' });
    expect(link.summary).toContain('This report describes the tactics, techniques and procedures of Scattered Spider');
    const text = await cli('show', 'T1114');
    expect(text.stdout).toContain('Scattered Spider: help-desk social engineering and data theft');
    expect((await cli('report', 'review', id, '--reject', 'T1114')).status).toBe(0);
    expect(JSON.parse((await cli('show', 'T1114', '--json')).stdout).reports.map((r: { id: string }) => r.id)).not.toContain(id);
  });

  it('report show, layer and stix print the report and its exports', async () => {
    const show = await cli('report', 'show', id);
    expect(show.stdout).toContain('Accepted techniques (1)');
    expect(show.stdout).toContain('T1566.002 Spearphishing Link (ID in the text)');
    expect(show.stdout).toContain('G1015 Scattered Spider (group');
    // `show` takes a report ID too, and prints the same page.
    expect((await cli('show', id)).stdout).toBe(show.stdout);
    expect(JSON.parse((await cli('show', id, '--json')).stdout)).toEqual(JSON.parse((await cli('report', 'show', id, '--json')).stdout));
    const layer = JSON.parse((await cli('report', 'layer', id, '--status', 'accepted')).stdout);
    expect(layer.techniques.map((x: { techniqueID: string }) => x.techniqueID)).toEqual(['T1566.002']);
    const bundle = JSON.parse((await cli('report', 'stix', id)).stdout);
    expect(bundle.type).toBe('bundle');
    expect((await cli('report', 'layer', id, '--status', 'maybe')).stderr).toMatch(/^ttpgraph: error: --status "maybe" is not one of/);
  });

  it('errors: unknown report, unknown technique, review without a terminal and without flags', async () => {
    const unknown = await cli('report', 'review', 'rpt-000000000000', '--accept', 'T1114');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe('ttpgraph: error: no imported report "rpt-000000000000" (ttpgraph report list shows them)\n');
    expect((await cli('report', 'review', id, '--accept', 'T9999')).stderr).toBe('ttpgraph: error: no technique T9999 in the store\'s ATT&CK\n');
    const noTty = await cli('report', 'review', id);
    expect(noTty.status).toBe(2);
    expect(noTty.stderr).toMatch(/not a terminal: give --accept/);
  });

  it('review on a terminal asks per technique, shows the evidence highlighted, and keeps answers typed ahead', async () => {
    const txt = JSON.parse((await cli('report', 'list', '--json')).stdout).find((r: { title: string }) => r.title.startsWith('APT29')).id as string;
    const proposed = JSON.parse((await cli('report', 'show', txt, '--json')).stdout).techniques.filter((x: { status: string }) => x.status === 'proposed');
    // util-linux script(1) gives the CLI a pseudo-terminal; the answers arrive all at once.
    const command = [process.execPath, cliEntry, '--db', t.dbPath, 'report', 'review', txt].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { input: 'a\nr\nq\n', encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '100' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`(1/${proposed.length}) ${proposed[0].id}`);
    expect(r.stdout).toContain(`»${proposed[0].evidence[0].text}«`);
    expect(r.stdout).toContain(`report ${txt}: accepted ${proposed[0].id}; rejected ${proposed[1].id}`);
    const after = JSON.parse((await cli('report', 'show', txt, '--json')).stdout).techniques;
    expect(after.find((x: { id: string }) => x.id === proposed[0].id).status).toBe('accepted');
    expect(after.find((x: { id: string }) => x.id === proposed[1].id).status).toBe('rejected');
    expect(after.find((x: { id: string }) => x.id === proposed[2].id).status).toBe('proposed');
  });

  it('extract train rebuilds the model and says from what', async () => {
    const r = await cli('extract', 'train', '--json');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ domain: 'enterprise', attackVersion: '15.1', unchanged: true, reports: 2 });
    expect((await cli('extract', 'info')).stdout).toMatch(/^model [0-9a-f]{12} from enterprise ATT&CK 15\.1: \d+ techniques, \d+ examples, built /);
  });
});
