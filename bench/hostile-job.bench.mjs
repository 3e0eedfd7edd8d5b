// Server responsiveness while a hostile import job runs (issue 12). Run: npm run build && npm run bench hostile
// The real CLI `serve` in its own process (token, --allow-private-urls) over a store with ICS ATT&CK
// 18.1; a hostile 127.0.0.1 server in this process. For each hostile source, a web import job is
// started and, while it runs, GET /api/v1/datasets and GET /techniques/T0801?domain=ics (uncached:
// a new query string each time) are sent one after the other for 5 s; the figures are the median
// and the worst latency, and the job's state at the end (then it is cancelled with DELETE).
//  1. /endless: a body streamed as fast as the loopback goes, no Content-Length (stopped at the 200 MB cap)
//  2. /slow: one byte every 200 ms, for ever (the job would never end without cancelling)
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-hostile-bench-'));
const db = path.join(dir, 'store.db');
const TOKEN = 'bench-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const imported = spawn(process.execPath, [cli, '--db', db, 'import', 'attack', path.join(shared, 'attack', 'ics-attack-18.1.json')], { stdio: 'inherit' });
await new Promise((r) => imported.on('exit', r));

const hostile = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  if (req.url === '/endless') {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  } else {
    res.write('{');
    const t = setInterval(() => res.write(' '), 200);
    res.on('close', () => clearInterval(t));
  }
});
await new Promise((r) => hostile.listen(0, '127.0.0.1', r));
const hostileUrl = `http://127.0.0.1:${hostile.address().port}`;

const server = spawn(process.execPath, [cli, '--db', db, 'serve', '--port', '0', '--allow-private-urls'], { env: { ...process.env, TTPGRAPH_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] });
let err = '';
const url = await new Promise((resolve) => server.stderr.on('data', (d) => {
  err += d;
  const m = /at (http:\/\/\S+)/.exec(err);
  if (m) resolve(m[1]);
}));

let n = 0;
for (const source of ['/endless', '/slow']) {
  const started = await (await fetch(`${url}/api/v1/import`, { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'attack', sources: [hostileUrl + source] }) })).json();
  const id = started.job.id;
  const times = [];
  const until = performance.now() + 5000;
  while (performance.now() < until) {
    for (const p of ['/api/v1/datasets', `/techniques/T0801?domain=ics&n=${n++}`]) {
      const t0 = performance.now();
      const res = await fetch(url + p);
      await res.arrayBuffer();
      times.push(performance.now() - t0);
    }
  }
  const state = (await (await fetch(`${url}/api/v1/jobs/${id}`, { headers: auth })).json()).job;
  await fetch(`${url}/api/v1/jobs/${id}`, { method: 'DELETE', headers: auth });
  console.log(`${source}: ${times.length} GETs during the job: median ${median(times).toFixed(1)} ms, worst ${Math.max(...times).toFixed(1)} ms; job after 5 s: ${state.state}${state.errors[0] ? ` (${state.errors[0].message.replace(/^\S+: /, '')})` : ''}`);
  for (let i = 0; i < 200; i++) {
    const j = (await (await fetch(`${url}/api/v1/jobs/${id}`, { headers: auth })).json()).job;
    if (j.state !== 'running') break;
    await new Promise((r) => setTimeout(r, 20));
  }
}
const mem = await new Promise((resolve) => {
  const ps = spawn('ps', ['-o', 'rss=', '-p', String(server.pid)]);
  let out = '';
  ps.stdout.on('data', (d) => (out += d));
  ps.on('exit', () => resolve(Number(out.trim()) / 1024));
});
console.log(`server resident memory after both jobs: ${mem.toFixed(0)} MB`);
server.kill('SIGTERM');
hostile.closeAllConnections();
hostile.close();
await new Promise((r) => server.on('exit', r));
rmSync(dir, { recursive: true, force: true });
