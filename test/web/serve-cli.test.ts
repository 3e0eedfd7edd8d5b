/** `ttpgraph serve` as a user runs it: the built CLI in a child process on 127.0.0.1, port 0. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { cliEntry } from '../helpers/paths.ts';

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resolves once stderr holds `text` (at once if it does). */
  printed: (text: string) => Promise<void>;
}

function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, [cliEntry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TTPGRAPH_TOKEN: '', ...env } });
  let err = '';
  const printed = (text: string): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!err.includes(text)) return;
        child.stderr.off('data', check);
        resolve();
      };
      child.stderr.on('data', check);
      check();
    });
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      err += String(d);
      const m = /at (http:\/\/[^\s]+)/.exec(err);
      if (m?.[1] !== undefined) resolve({ child, url: m[1], stderr: () => err, printed });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

describe('ttpgraph serve', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves an empty store with a page saying how to fill it, on 127.0.0.1, and stops on SIGTERM', async () => {
    const { child, url, stderr, printed } = await serve(['--db', path.join(dir, 'new.db'), 'serve', '--port', '0', '--no-sync']);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await printed('store is empty');
      expect(stderr()).toContain('the store is empty: run ttpgraph sync, or ttpgraph import attack FILE|URL');
      const page = await (await fetch(`${url}/`)).text();
      expect(page).toContain('ttpgraph sync');
      expect(page).toContain('ttpgraph import attack FILE|URL');
      const api = await fetch(`${url}/api/v1/datasets`);
      expect(await api.json()).toEqual([]);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited, stderr()).toBe(0);
    }
  });

  it('takes the write token from $TTPGRAPH_TOKEN (or --token) and refuses a short one', async () => {
    const { child, url, stderr } = await serve(['--db', path.join(dir, 'token.db'), 'serve', '--port', '0', '--no-sync'], { TTPGRAPH_TOKEN: 'from-the-environment' });
    try {
      expect(stderr()).toContain('sync and import need the token');
      const post = (token: string): Promise<Response> => fetch(`${url}/api/v1/admin/whoami`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect((await post('from-the-environment')).status).toBe(200);
      expect((await post('something-else')).status).toBe(401);
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    await expect(serve(['--db', path.join(dir, 'y.db'), 'serve', '--port', '0', '--token', 'short'])).rejects.toThrow(/at least 8 characters/);
  });

  it('rejects a bad port with a one-line error', async () => {
    await expect(serve(['--db', path.join(dir, 'x.db'), 'serve', '--port', 'eighty'])).rejects.toThrow(/--port must be a number/);
  });
});
