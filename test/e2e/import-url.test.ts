import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { dataPath } from '../helpers/paths.ts';
import { runCliAsync } from '../helpers/cli.ts';

describe('import attack URL (a real HTTP server on 127.0.0.1)', () => {
  let server: http.Server;
  let base: string;
  const dir = tempDir();
  const db = path.join(dir, 'url.db');

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/ics-attack-18.1.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        createReadStream(dataPath('attack', 'ics-attack-18.1.json')).pipe(res);
      } else if (req.url === '/broken') {
        res.writeHead(500).end('boom');
      } else {
        res.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a bundle from a URL, taking the version from the URL path', async () => {
    const r = await runCliAsync(['--db', db, 'import', 'attack', `${base}/ics-attack-18.1.json`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^imported ics ATT&CK 18\.1 \(STIX 2\.0\) from http:\/\/127\.0\.0\.1:\d+\/ics-attack-18\.1\.json/);
  });

  it('names the URL and the HTTP status when the server refuses', async () => {
    const missing = await runCliAsync(['--db', db, 'import', 'attack', `${base}/enterprise-attack-99.0.json`, `${base}/broken`]);
    expect(missing.status).toBe(1);
    const lines = missing.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/enterprise-attack-99\.0\.json: cannot fetch: HTTP 404/);
    expect(lines[1]).toMatch(/\/broken: cannot fetch: HTTP 500/);
  });
});
