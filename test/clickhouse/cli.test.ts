/**
 * The commands as a person runs them (the built CLI, a real ClickHouse server): `clickhouse schema`,
 * `clickhouse load`, `sigma convert --target clickhouse`, and `hunt --clickhouse` printing and saving
 * exactly what the in-process hunt prints and saves; the password never reaches the output.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.ts';
import { dataPath } from '../helpers/paths.ts';
import { SKIP_REASON, startClickhouse, type TestServer } from './server.ts';

if (SKIP_REASON !== undefined) console.warn(SKIP_REASON);

describe.skipIf(SKIP_REASON !== undefined)('ttpgraph clickhouse / sigma convert / hunt --clickhouse', () => {
  const password = 'cli-s3cret';
  let server: TestServer;
  let dir: string;
  let urlFile: string;
  const rules = () => dataPath('sigma', 'rules', 'windows', 'process_creation');
  const logs = () => dataPath('sigma-regression', 'rules', 'windows', 'process_creation');

  beforeAll(async () => {
    server = await startClickhouse({ password });
    dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-ch-cli-'));
    urlFile = path.join(dir, 'clickhouse.url');
    writeFileSync(urlFile, `# the server\nhttp://default:${password}@127.0.0.1:${server.httpPort}/\n`);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the DDL, with a Distributed table for a cluster', async () => {
    const r = await runCliAsync(['clickhouse', 'schema', '--cluster', 'logs', '--table', 'siem.events']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('CREATE TABLE IF NOT EXISTS `siem`.`events_local` ON CLUSTER logs');
    expect(r.stdout).toContain("ENGINE = Distributed(logs, 'siem', 'events_local', rand())");
    expect(r.stdout).toContain('ORDER BY (channel, event_id, time)');
    const bad = await runCliAsync(['clickhouse', 'schema', '--table', 'x; DROP TABLE y']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^ttpgraph: error: table name "x; DROP TABLE y"/);
  });

  it('converts rules to SQL the server runs', async () => {
    const r = await runCliAsync(['sigma', 'convert', '--target', 'clickhouse', path.join(rules(), 'proc_creation_win_cmd_mklink_osk_cmd.yml')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^-- e9b61244-893f-427c-b287-3e708f321c6b /);
    expect(r.stdout).toContain("channel IN ('microsoft-windows-sysmon/operational')");
    const wrong = await runCliAsync(['sigma', 'convert', '--target', 'splunk', rules()]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('--target "splunk": the only target is clickhouse');
  });

  it('loads logs, then hunts there with the same output and saved run as the in-process hunt', async () => {
    const load = await runCliAsync(['clickhouse', 'load', '--url-file', urlFile, logs()]);
    expect(load.stderr).toMatch(/^clickhouse load: \d+ event\(s\) from \d+ file\(s\) into ttpgraph_events at http:\/\/127\.0\.0\.1:\d+\/ \(user default\)/);
    expect(load.stderr).not.toContain(password);
    expect(load.status).toBe(0);
    const db1 = path.join(dir, 'a.db');
    const db2 = path.join(dir, 'b.db');
    // --min-level high: a few hundred rules keep the test short on Debian's ClickHouse 18.16.
    const local = await runCliAsync(['--db', db1, 'hunt', '--rules', rules(), '--min-level', 'high', '--format', 'jsonl', '--save=here', logs()]);
    const remote = await runCliAsync(['--db', db2, 'hunt', '--rules', rules(), '--min-level', 'high', '--format', 'jsonl', '--save=there', '--clickhouse-url-file', urlFile, '--clickhouse', '--sorted']);
    // Without --sorted each route query's hits come as it answers: the same lines, in another order.
    const streamed = await runCliAsync(['hunt', '--rules', rules(), '--min-level', 'high', '--format', 'jsonl', '--clickhouse-url-file', urlFile, '--clickhouse']);
    expect(streamed.status).toBe(0);
    expect(streamed.stdout.split('\n').sort()).toEqual(local.stdout.split('\n').sort());
    expect(local.status).toBe(0);
    expect(remote.status).toBe(0);
    expect(remote.stdout.split('\n').length).toBeGreaterThan(20);
    expect(remote.stdout).toBe(local.stdout);
    expect(remote.stderr).not.toContain(password);
    expect(remote.stderr).toMatch(/hunt: saved as run 1 "there"/);
    const runs = async (db: string) => JSON.parse((await runCliAsync(['--db', db, 'hunts', '--json'])).stdout) as { hits: number; files: number; events: number }[];
    const [a] = await runs(db1);
    const [b] = await runs(db2);
    expect(b!.hits).toBe(a!.hits);
    expect(b!.events).toBe(a!.events);
  }, 120_000);

  it('a server that is down: one line naming it, exit 2, no password', async () => {
    // A port nothing listens on: one the OS gave and took back.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await runCliAsync(['hunt', '--rules', rules(), '--clickhouse'], { TTPGRAPH_CLICKHOUSE_URL: `http://default:${password}@127.0.0.1:${port}/` });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`ttpgraph: error: ClickHouse at http://127.0.0.1:${port}/ (user default): cannot connect (ECONNREFUSED)`]);
  });
});
