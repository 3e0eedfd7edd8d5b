/**
 * `npm start` (ttpgraph serve) on an empty store: it syncs in the background as the one write job,
 * every page shows how far it is (and the home page follows it) until it is done; with no source
 * reachable it says so in one line and keeps serving. Warming the caches at start never holds a
 * request back: a request is answered between warm-up pieces.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGraph } from '../../src/graph.ts';
import { SOURCES } from '../../src/sync/sources.ts';
import { createApp } from '../../src/web/app.ts';
import { listen } from '../../src/web/server.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { cliEntry, dataPath } from '../helpers/paths.ts';

/** A mirror with ICS 18.1 (linked) and one small Sigma rule folder. */
function smallMirror(dir: string): string {
  const mirror = path.join(dir, 'mirror');
  mkdirSync(path.join(mirror, 'attack'), { recursive: true });
  mkdirSync(path.join(mirror, 'sigma'), { recursive: true });
  for (const f of ['collection-index.json', 'ics-attack-18.1.json']) symlinkSync(dataPath('attack', f), path.join(mirror, 'attack', f));
  symlinkSync(dataPath('sigma', 'rules-compliance'), path.join(mirror, 'sigma', 'rules-compliance'));
  mkdirSync(path.join(mirror, 'mappings'));
  writeFileSync(path.join(mirror, 'mappings', 'README.txt'), 'no mapping files in this mirror\n');
  return mirror;
}

describe('the start-up sync and its progress on every page', () => {
  let dir: string;
  let mirror: string;
  beforeAll(() => {
    dir = tempDir('ttpgraph-startup-sync-');
    mirror = smallMirror(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pages carry the running job; the home page and empty-store pages reload until it is done', async () => {
    const graph = openGraph({ path: path.join(dir, 'app.db') });
    try {
      const app = createApp({ graph });
      const job = app.startSync({ sources: SOURCES, domains: ['ics'], from: mirror });
      expect(job?.state).toBe('running');
      // A second write job is refused while this one runs.
      expect(app.startSync({ sources: SOURCES, domains: [] })).toBeUndefined();
      const home = app.request('/');
      expect(home.status).toBe(200);
      expect(String(home.body)).toMatch(/<div class="job-banner" role="status"><strong>Sync running<\/strong>: starting; 0 file\(s\) imported so far/);
      expect(String(home.body)).toContain('<meta http-equiv="refresh" content="3">');
      expect(home.headers['cache-control']).toBe('no-store');
      expect(home.headers.etag).toBeUndefined();
      const technique = app.request('/techniques/T0802');
      expect(String(technique.body)).toContain('class="job-banner"');
      expect(String(technique.body)).toContain('<meta http-equiv="refresh"');

      await app.idle();
      const after = app.request('/');
      expect(String(after.body)).not.toContain('class="job-banner');
      expect(String(after.body)).not.toContain('http-equiv="refresh"');
      expect(after.headers.etag).toBeDefined();
      expect(app.request('/techniques/T0802').status).toBe(200);
    } finally {
      graph.close();
    }
  });

  it('a request is answered between warm-up pieces, not after all of them', async () => {
    const graph = openGraph({ path: path.join(dir, 'warm.db') });
    await graph.importAttack(dataPath('attack', 'ics-attack-18.1.json'));
    const app = createApp({ graph });
    const server = await listen(app, { port: 0 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = (p: string): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .get(`${server.url}${p}`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
    try {
      // The connection is open before the warm-up starts, so the request needs only a read and a write.
      expect(await get('/static/app.css')).toBe(200);
      const order: string[] = [];
      const answered = get('/techniques/T0802').then((status) => order.push(`request ${status}`));
      const warmed = app.warm().then(() => order.push('warmed'));
      await Promise.all([answered, warmed]);
      expect(order).toEqual(['request 200', 'warmed']);
    } finally {
      agent.destroy();
      await server.close();
      graph.close();
    }
  });

  it('serve with no source reachable says so in one line with what to do, and keeps serving', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const a = probe.address();
        probe.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
      });
    });
    const child = spawn(process.execPath, [cliEntry, '--db', path.join(dir, 'offline.db'), 'serve'], {
      env: { ...process.env, TTPGRAPH_PORT: '0', TTPGRAPH_SYNC_BASE_URL: `http://127.0.0.1:${port}/`, TTPGRAPH_SYNC_FROM: '', TTPGRAPH_TOKEN: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      const line = (re: RegExp): Promise<RegExpExecArray> =>
        new Promise((resolve, reject) => {
          const check = (): void => {
            const m = re.exec(stderr);
            if (m !== null) resolve(m);
          };
          child.stderr.setEncoding('utf8').on('data', (d: string) => {
            stderr += d;
            check();
          });
          child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
          check();
        });
      const url = (await line(/serving .* at (http:\/\/127\.0\.0\.1:\d+) /))[1] ?? '';
      await line(/ttpgraph: sync: could not reach .*\n/);
      const lines = stderr.trimEnd().split('\n');
      expect(lines.at(-1)).toBe(
        `ttpgraph: sync: could not reach 127.0.0.1:${port} (offline or behind a firewall?): start with npm start -- --from DIR, or set $TTPGRAPH_SYNC_FROM, to sync from a folder laid out like ../shared/data; serving the store as it is`,
      );
      const home = await fetch(`${url}/`);
      expect(home.status).toBe(200);
      const body = await home.text();
      expect(body).toContain('<div class="job-banner failed" role="status"><strong>The sync at start-up did not finish</strong>: could not reach 127.0.0.1:');
      expect(body).toContain('The store is empty');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
