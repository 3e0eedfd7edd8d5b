/**
 * Getting data in, as a person does it in a terminal (a pseudo-terminal through script(1)):
 * `sync --from DIR` imports every ATT&CK release the folder holds, newest first; `import attack`
 * and `show`; a `show --attack-version` the store lacks says how to get it; and `sync` with no
 * source reachable ends with what to do and the exit code instead of a wall of lines.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { runCli } from '../helpers/cli.ts';
import { dataPath } from '../helpers/paths.ts';
import { progressNeverInterleaves, runInTerminal, visibleLines } from '../helpers/terminal.ts';

/** A hand-made ICS "17.1" release: one tactic and one technique, worded differently from 18.1. */
function smallIcsBundle(): string {
  const at = '2020-01-01T00:00:00.000Z';
  return JSON.stringify({
    type: 'bundle',
    id: 'bundle--00000000-0000-4000-8000-000000000001',
    spec_version: '2.0',
    objects: [
      {
        type: 'x-mitre-tactic',
        id: 'x-mitre-tactic--00000000-0000-4000-8000-000000000002',
        created: at,
        modified: at,
        name: 'Collection',
        description: 'Gathering data.',
        x_mitre_shortname: 'collection',
        external_references: [{ source_name: 'mitre-attack', external_id: 'TA0100', url: 'https://attack.mitre.org/tactics/TA0100' }],
      },
      {
        type: 'attack-pattern',
        id: 'attack-pattern--00000000-0000-4000-8000-000000000003',
        created: at,
        modified: at,
        name: 'Automated Collection (as of 17.1)',
        description: 'The older wording.',
        kill_chain_phases: [{ kill_chain_name: 'mitre-ics-attack', phase_name: 'collection' }],
        external_references: [{ source_name: 'mitre-attack', external_id: 'T0802', url: 'https://attack.mitre.org/techniques/T0802' }],
      },
    ],
  });
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('sync, import and show in a terminal', () => {
  let dir: string;
  let mirror: string;

  beforeAll(() => {
    dir = tempDir('ttpgraph-terminal-data-');
    // A mirror laid out like ../shared/data: the index and ICS 18.1 linked, and an older ICS release beside them.
    mirror = path.join(dir, 'mirror');
    mkdirSync(path.join(mirror, 'attack'), { recursive: true });
    for (const f of ['collection-index.json', 'ics-attack-18.1.json']) symlinkSync(dataPath('attack', f), path.join(mirror, 'attack', f));
    writeFileSync(path.join(mirror, 'attack', 'ics-attack-17.1.json'), smallIcsBundle());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sync --from DIR imports every release in the folder, newest first', async () => {
    const db = path.join(dir, 'sync.db');
    const r = await runInTerminal(['--db', db, 'sync', '--from', mirror, '--only', 'attack', '--domain', 'ics']);
    expect(r.status).toBe(0);
    expect(progressNeverInterleaves(r.screen)).toBe(true);
    const lines = visibleLines(r.screen);
    const newer = lines.findIndex((l) => l.startsWith('imported ics ATT&CK 18.1 from '));
    const older = lines.findIndex((l) => l.startsWith('imported ics ATT&CK 17.1 from '));
    expect(newer).toBeGreaterThanOrEqual(0);
    expect(older).toBeGreaterThan(newer);
    expect(lines.at(-1)).toMatch(/^sync: 2 imported, 0 replaced, 0 unchanged, 0 failed/);
    const datasets = runCli(['--db', db, 'datasets']).stdout;
    expect(datasets).toMatch(/^ics +18\.1 .* default /m);
    expect(datasets).toMatch(/^ics +17\.1 /m);

    // Both releases answer, each with its own wording.
    const old = await runInTerminal(['--db', db, 'show', 'T0802', '--attack-version', '17.1']);
    expect(old.status).toBe(0);
    expect(visibleLines(old.screen)[0]).toBe('T0802: Automated Collection (as of 17.1)   (ics ATT&CK 17.1)');
    const missing = runCli(['--db', db, 'show', 'T0802', '--attack-version', '15.1']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('ttpgraph: error: no ATT&CK 15.1 in the store; have: ics 18.1, ics 17.1; get it with ttpgraph sync --attack-version 15.1 (or ttpgraph import attack FILE)\n');
  });

  it('import attack shows progress, then one result line; show prints the page', async () => {
    const db = path.join(dir, 'import.db');
    const r = await runInTerminal(['--db', db, 'import', 'attack', dataPath('attack', 'ics-attack-18.1.json')]);
    expect(r.status).toBe(0);
    expect(progressNeverInterleaves(r.screen)).toBe(true);
    expect(visibleLines(r.screen)).toEqual([expect.stringMatching(/^imported ics ATT&CK 18\.1 \(STIX 2\.0\) from .*ics-attack-18\.1\.json: 452 objects, 1373 relationships in /)]);
    const show = await runInTerminal(['--db', db, 'show', 'T0802'], { columns: 100 });
    expect(show.status).toBe(0);
    const lines = visibleLines(show.screen);
    expect(lines[0]).toBe('T0802: Automated Collection   (ics ATT&CK 18.1)');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
  });

  it('import sigma shows progress while it parses, then one result line', async () => {
    const db = path.join(dir, 'sigma.db');
    const r = await runInTerminal(['--db', db, 'import', 'sigma', dataPath('sigma', 'rules', 'windows', 'file', 'file_event')]);
    expect(r.status).toBe(0);
    expect(r.screen).toMatch(/importing Sigma rules from .*\] \d+%/);
    expect(progressNeverInterleaves(r.screen)).toBe(true);
    expect(visibleLines(r.screen)).toEqual([expect.stringMatching(/^imported 166 Sigma rule\(s\) from 166 file\(s\) \(0 unchanged, 0 skipped for errors\), \d+ technique links in /)]);
  });

    it('sync with no source reachable: one line per source, then what to do and the exit code', async () => {
    const port = await closedPort();
    const db = path.join(dir, 'offline.db');
    const r = await runInTerminal(['--db', db, 'sync', '--base-url', `http://127.0.0.1:${port}/`, '--timeout', '5000']);
    expect(r.status).toBe(1);
    const lines = visibleLines(r.screen);
    const errors = lines.filter((l) => l.startsWith('ttpgraph: error: '));
    expect(errors.length).toBeLessThanOrEqual(3);
    expect(errors.every((l) => l.endsWith(': connection refused'))).toBe(true);
    expect(lines.at(-1)).toBe(
      `ttpgraph: sync: could not reach 127.0.0.1:${port}: offline or behind a firewall? Sync from a mirror folder laid out like ../shared/data with --from DIR, or from an HTTP mirror with --base-url URL ($TTPGRAPH_SYNC_BASE_URL); exit code 1`,
    );
  });
});
