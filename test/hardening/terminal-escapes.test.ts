/**
 * Terminal escape sequences from data (issue 12, defect 4): a technique name, a description, a
 * Sigma rule title, a log's host name and a file name holding ESC / C1 controls are printed escaped
 * (`\x1b`) by show, search, sigma show, hunt and error messages, run in a pseudo-terminal as a
 * person runs them; the machine formats keep the data exact and valid.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliInProcess } from '../helpers/cli.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { cliEntry } from '../helpers/paths.ts';
import { sysmonEvent } from '../sigma/fixtures.ts';

/** Retitles an xterm, then a CSI (C1 form) that would colour everything red. */
const EVIL = '\u001b]0;pwned\u0007';
const EVIL_C1 = '\u009b31m';
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const ESC = /[\u0000-\u0008\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f-\u009f]|\u001b(?!\[[0-9;]*[mK])/;

let dir: string;
let db: string;
let rules: string;
let logs: string;
const tech = `T9999`;

function bundle(): string {
  const ref = (id: string) => [{ source_name: 'mitre-attack', external_id: id, url: `https://attack.mitre.org/${id}` }];
  const common = { spec_version: '2.1', created: '2025-01-01T00:00:00.000Z', modified: '2025-01-01T00:00:00.000Z', x_mitre_domains: ['enterprise-attack'] };
  return JSON.stringify({
    type: 'bundle',
    id: 'bundle--00000000-0000-4000-8000-000000000001',
    objects: [
      { ...common, type: 'x-mitre-collection', id: 'x-mitre-collection--00000000-0000-4000-8000-000000000002', name: 'Enterprise ATT&CK', x_mitre_version: '99.1' },
      { ...common, type: 'x-mitre-tactic', id: 'x-mitre-tactic--00000000-0000-4000-8000-000000000003', name: 'Execution', x_mitre_shortname: 'execution', external_references: ref('TA0002') },
      {
        ...common,
        type: 'attack-pattern',
        id: 'attack-pattern--00000000-0000-4000-8000-000000000004',
        name: `Pwnable ${EVIL}Technique`,
        description: `A description with ${EVIL_C1}control characters\u0008\u0008 in it.`,
        kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'execution' }],
        external_references: ref(tech),
      },
    ],
  });
}

const RULE = `title: Hostile ${'\\e'}Title
id: 99999999-9999-4999-8999-999999999999
level: high
tags:
  - attack.t9999
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    Image|endswith: whoami.exe
  condition: selection
`;

/** In a pseudo-terminal (script(1)), as a person runs it: colour on, stdout a TTY. */
function inTerminal(...args: string[]): string {
  const cmd = [process.execPath, cliEntry, '--db', db, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, COLUMNS: '120', NO_COLOR: undefined, TERM: 'xterm' }, timeout: 60_000 });
  return r.stdout;
}

beforeAll(async () => {
  dir = tempDir('ttpgraph-terminal-');
  db = path.join(dir, 'store.db');
  const b = path.join(dir, 'bundle.json');
  writeFileSync(b, bundle());
  expect((await cliInProcess(['--db', db, 'import', 'attack', b])).status).toBe(0);
  rules = path.join(dir, 'rules');
  mkdirSync(rules);
  // The YAML "\e" escape is ESC: a title with a real escape character in it.
  writeFileSync(path.join(rules, 'hostile.yml'), RULE.replace(`Hostile ${'\\e'}Title`, `"Hostile \\e]0;pwned\\aTitle"`));
  expect((await cliInProcess(['--db', db, 'import', 'sigma', rules])).status).toBe(0);
  const ev = sysmonEvent('C:\\Windows\\System32\\whoami.exe', `WS${EVIL}`);
  logs = path.join(dir, `log${'\u001b[2J'}.ndjson`);
  writeFileSync(logs, `${JSON.stringify(ev)}\nnot json ${EVIL}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('data is printed escaped to a terminal', () => {
  it('show', () => {
    const out = inTerminal('show', tech);
    expect(out).toContain('Pwnable \\x1b]0;pwned\\x07Technique');
    expect(out).toContain('\\x9b31mcontrol characters\\x08\\x08');
    expect(out).not.toMatch(ESC);
    expect(out).toContain('\u001b[1'); // our own styling still works (headings in bold)
  });
  it('search', () => {
    const out = inTerminal('search', 'pwnable');
    expect(out).toContain('Pwnable \\x1b]0;pwned\\x07Technique');
    expect(out).not.toMatch(ESC);
  });
  it('sigma show', async () => {
    const out = inTerminal('sigma', 'show', '99999999-9999-4999-8999-999999999999');
    expect(out).toContain('Hostile \\e]0;pwned\\aTitle'); // the YAML text as written: already printable
    const json = JSON.parse((await cliInProcess(['--db', db, 'sigma', 'show', '99999999-9999-4999-8999-999999999999', '--json'])).stdout) as { title: string };
    expect(json.title).toBe('Hostile \u001b]0;pwned\u0007Title');
  });
  it('hunt table, its problems on stderr and the file name', () => {
    const out = inTerminal('hunt', '--rules', rules, logs);
    expect(out).toContain('Hostile \\x1b]0;pwned\\x07Title');
    expect(out).toContain('WS\\x1b]0;pwned\\x07');
    expect(out).toContain('log\\x1b[2J.ndjson:2');
    expect(out).not.toMatch(ESC);
  });
  it('error messages', () => {
    const out = inTerminal('show', `T1${EVIL}`);
    expect(out).toContain('no object "T1\\x1b]0;pwned\\x07"');
    expect(out).not.toMatch(ESC);
  });
});

describe('machine formats keep the data exact and valid', () => {
  it('show --json: the same strings back, C1 written as \\u escapes', async () => {
    const r = await cliInProcess(['--db', db, 'show', tech, '--json']);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const page = JSON.parse(r.stdout) as { name: string; description: string };
    expect(page.name).toBe(`Pwnable ${EVIL}Technique`);
    expect(page.description).toContain(`${EVIL_C1}control characters\u0008\u0008`);
  });
  it('hunt jsonl and sarif parse back to the exact host; csv keeps it as is', async () => {
    const jsonl = (await cliInProcess(['hunt', '--rules', rules, '--format', 'jsonl', logs])).stdout;
    expect((JSON.parse(jsonl.trim()) as { host: string }).host).toBe(`WS${EVIL}`);
    const sarif = (await cliInProcess(['hunt', '--rules', rules, '--format', 'sarif', logs])).stdout;
    expect((JSON.parse(sarif) as { runs: { results: { properties: { host: string } }[] }[] }).runs[0]!.results[0]!.properties.host).toBe(`WS${EVIL}`);
    const csv = (await cliInProcess(['hunt', '--rules', rules, '--format', 'csv', logs])).stdout;
    expect(csv).toContain(`WS${EVIL}`);
  });
  it('the log file is not changed by any of it', () => {
    expect(readFileSync(logs, 'utf8')).toContain(EVIL);
  });
});
