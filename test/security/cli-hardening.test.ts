/**
 * Issue 12, points 2 and 13 from the command line: Ctrl-C stops an import that is reading a hostile
 * source and stores nothing; `serve` takes its token from a file or the environment (and warns
 * when it is on the command line, where `ps` shows it), answers only to its own host names, and
 * reads server folders only with --allow-dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGraph } from '../../src/graph.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { cliEntry } from '../helpers/paths.ts';
import { hostileServer, type TestServer, tinyBundle } from './fixtures.ts';

function start(args: string[], env: Record<string, string> = {}): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [cliEntry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TTPGRAPH_TOKEN: '', NO_COLOR: '1', ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (err += String(d)));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

async function serve(args: string[], env: Record<string, string> = {}): Promise<{ url: string; stderr: () => string; stop: () => Promise<number | null> }> {
  const s = start(args, env);
  const url = await new Promise<string>((resolve, reject) => {
    s.child.stderr!.on('data', () => {
      const m = /at (http:\/\/[^\s]+)/.exec(s.stderr());
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    void s.exit.then((code) => reject(new Error(`serve exited ${code}: ${s.stderr()}`)));
  });
  return {
    url,
    stderr: s.stderr,
    stop: () => {
      s.child.kill('SIGTERM');
      return s.exit;
    },
  };
}

function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('the CLI against hostile sources and requests', () => {
  const dir = tempDir();
  let hostile: TestServer;
  beforeAll(async () => {
    hostile = await hostileServer();
  });
  afterAll(async () => {
    await hostile.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Ctrl-C stops an import reading a never-ending source: exit 130, nothing stored, the connection closed', async () => {
    const db = path.join(dir, 'interrupt.db');
    const run = start(['--db', db, 'import', 'attack', `${hostile.url}/slow`, `${hostile.url}/ok`]);
    await hostile.reached('/slow');
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.stderr()).toContain(`ttpgraph: error: ${hostile.url}/slow: cancelled: nothing from it was stored`);
    await hostile.closed('/slow');
    // The next source was not started, and the store holds nothing.
    expect(hostile.hits).not.toContain('/ok');
    const graph = openGraph({ path: db, readonly: true });
    expect(graph.datasets()).toEqual([]);
    graph.close();
  });

  it('serve: the token from --token-file or $TTPGRAPH_TOKEN; on the command line it works with a warning', async () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, 'file-token-0123456789\n', { mode: 0o600 });
    const whoami = (url: string, token: string): Promise<number> => fetch(`${url}/api/v1/admin/whoami`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

    const fromFile = await serve(['--db', path.join(dir, 'a.db'), 'serve', '--port', '0', '--token-file', tokenFile]);
    try {
      expect(await whoami(fromFile.url, 'file-token-0123456789')).toBe(200);
      expect(await whoami(fromFile.url, 'file-token-012345678')).toBe(401);
      expect(fromFile.stderr()).not.toContain('warning');
    } finally {
      expect(await fromFile.stop()).toBe(0);
    }
    const onCommandLine = await serve(['--db', path.join(dir, 'a.db'), 'serve', '--port', '0', '--token', 'visible-token-123']);
    try {
      expect(await whoami(onCommandLine.url, 'visible-token-123')).toBe(200);
      expect(onCommandLine.stderr()).toContain('ttpgraph: warning: a --token on the command line can be read by other users of this machine (ps); prefer $TTPGRAPH_TOKEN or --token-file FILE');
    } finally {
      await onCommandLine.stop();
    }
    const missing = start(['--db', path.join(dir, 'a.db'), 'serve', '--port', '0', '--token-file', path.join(dir, 'nope')]);
    expect(await missing.exit).toBe(2);
    expect(missing.stderr()).toBe(`ttpgraph: error: ${path.join(dir, 'nope')}: cannot read the token file: ENOENT\n`);
  });

  it('serve answers its bound address, localhost and --allowed-host names only; --allow-dir opens a folder to web imports', async () => {
    const allowed = path.join(dir, 'allowed');
    mkdirSync(allowed);
    writeFileSync(path.join(allowed, 'enterprise-attack-18.1.json'), tinyBundle({ techniques: 3 }));
    const s = await serve(['--db', path.join(dir, 'b.db'), 'serve', '--port', '0', '--no-sync', '--allowed-host', 'graph.example', '--allow-dir', allowed], { TTPGRAPH_TOKEN: 'env-token-0123456789' });
    try {
      const port = new URL(s.url).port;
      expect(await getWithHost(`${s.url}/api/v1/datasets`, `127.0.0.1:${port}`)).toBe(200);
      expect(await getWithHost(`${s.url}/api/v1/datasets`, `localhost:${port}`)).toBe(200);
      expect(await getWithHost(`${s.url}/api/v1/datasets`, 'graph.example')).toBe(200);
      expect(await getWithHost(`${s.url}/api/v1/datasets`, `rebound.attacker.example:${port}`)).toBe(421);
      const auth = { authorization: 'Bearer env-token-0123456789', 'content-type': 'application/json' };
      const job = await (await fetch(`${s.url}/api/v1/import`, { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'attack', sources: [path.join(allowed, 'enterprise-attack-18.1.json')] }) })).json();
      for (;;) {
        const j = (await (await fetch(`${s.url}/api/v1/jobs/${job.job.id}`, { headers: auth })).json()).job;
        if (j.state === 'running') continue;
        expect(j.state).toBe('succeeded');
        break;
      }
      expect(s.stderr()).toContain(`web imports may read files under ${allowed}`);
    } finally {
      await s.stop();
    }
  });
});
