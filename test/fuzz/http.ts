/**
 * HTTP requests to the real web server (127.0.0.1, ephemeral port), sent as raw bytes so that
 * malformed request lines, paths, query strings, headers and bodies reach it: every request gets an
 * answer (no hang past 10 s), never a 5xx other than the documented 501/503/505, a refused write
 * leaves the store as it was, and the server still serves its home page afterwards.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openGraph } from '../../src/graph.ts';
import { createApp } from '../../src/web/app.ts';
import { listen } from '../../src/web/server.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { mutateRequest, prng, targets } from './corpus.ts';
import type { Failure } from './driver.ts';
import { HANG_MS } from './driver.ts';

const TOKEN = 'fuzz-token-0123456789abcdef';

const req = (method: string, target: string, headers: string[] = [], body = ''): string =>
  `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}${body !== '' ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;

const auth = [`Authorization: Bearer ${TOKEN}`, 'Content-Type: application/json'];

export const HTTP_SEEDS: readonly string[] = [
  req('GET', '/'),
  req('GET', '/techniques/T0800'),
  req('GET', '/search?q=remote+access&type=technique'),
  req('GET', '/matrix?domain=ics&color=groups'),
  req('GET', '/api/v1/techniques/T0800'),
  req('GET', '/api/v1/search?q=T08&limit=5'),
  req('GET', '/api/v1/stats?domain=ics'),
  req('GET', '/api/v1/openapi.json'),
  req('GET', '/static/app.js', ['If-None-Match: "x"']),
  req('GET', '/../../etc/passwd'),
  req('GET', '/%2e%2e/%2e%2e/etc/passwd'),
  req('HEAD', '/'),
  req('OPTIONS', '/api/v1/techniques/T0800'),
  req('POST', '/api/v1/import', auth, '{"kind":"attack","source":"/nonexistent/bundle.json"}'),
  req('POST', '/api/v1/import', ['Content-Type: application/json'], '{"kind":"attack","source":"https://example.invalid/x.json"}'),
  req('POST', '/api/v1/sync', auth, '{"from":"/nonexistent","only":"attack"}'),
  req('GET', '/api/v1/jobs/1', [`Authorization: Bearer ${TOKEN}`]),
  req('DELETE', '/api/v1/jobs/1', [`Authorization: Bearer ${TOKEN}`]),
];

/** Raw request -> raw response (until the server closes), or 'hang' (a response never starts with that). */
function send(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('hang');
    }, HANG_MS);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.end(bytes);
  });
}

function storeHash(db: Database.Database): string {
  const h = createHash('sha256');
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]) {
    h.update(name);
    for (const row of db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).raw(true).iterate()) h.update(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
  return h.digest('hex');
}

export async function fuzzHttp(seed: number, count: number, keepDir: string, untilMs?: number): Promise<{ cases: number; failures: Failure[] }> {
  const dir = tempDir('ttpgraph-fuzz-http-');
  const dbPath = path.join(dir, 'store.db');
  const graph = openGraph({ path: dbPath });
  const bundle = path.join(dir, 'bundle.json');
  writeFileSync(bundle, targets().find((t) => t.name === 'stix')!.seeds[0]!);
  await graph.importAttack(bundle);
  const app = createApp({ graph, token: TOKEN });
  const server = await listen(app, { port: 0, timeoutMs: 5_000 });
  const port = Number(new URL(server.url).port);
  const reader = new Database(dbPath, { readonly: true });
  const failures: Failure[] = [];
  const rnd = prng(seed);
  const seeds = HTTP_SEEDS.map((s) => Buffer.from(s, 'latin1'));
  const fail = (kind: Failure['kind'], detail: string, input: Buffer): void => {
    const d = path.join(keepDir, 'http');
    mkdirSync(d, { recursive: true });
    const file = path.join(d, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.http`);
    writeFileSync(file, input);
    failures.push({ target: 'http' as Failure['target'], kind, detail, file });
  };
  let cases = 0;
  const started = Date.now();
  try {
    while (untilMs !== undefined ? Date.now() - started < untilMs : cases < count) {
      const input = cases < seeds.length ? seeds[cases]! : mutateRequest(seeds[Math.floor(rnd() * seeds.length)]!, rnd);
      cases++;
      // Reads cannot write; hashing the store around them too would double the run's time.
      const write = !/^(GET|HEAD) /.test(input.toString('latin1'));
      const before = write ? storeHash(reader) : '';
      const res = await send(port, input);
      if (res === 'hang') {
        fail('hang', `no answer within ${HANG_MS} ms`, input);
        continue;
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(res)?.[1] ?? '0');
      if (status >= 500 && status !== 501 && status !== 503 && status !== 505) fail('crash', `status ${status}: ${res.slice(0, 300)}`, input);
      if (status === 202) await app.idle(); // a job was started: let it end (it fails: nothing it names exists)
      else if (write && storeHash(reader) !== before) fail('crash', `store changed by a request answered ${status}`, input);
    }
    await app.idle();
    const home = await send(port, Buffer.from(HTTP_SEEDS[0]!, 'latin1'));
    if (home === 'hang' || !/^HTTP\/1\.1 200/.test(home)) fail('crash', `the server no longer serves / after the fuzz: ${home === 'hang' ? 'hang' : home.slice(0, 100)}`, Buffer.from('(after the run)'));
  } finally {
    reader.close();
    await server.close();
    await app.idle();
    graph.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { cases, failures };
}
