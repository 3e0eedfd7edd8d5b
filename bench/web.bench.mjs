// Web app benchmark (issue 6). Run: npm run build && npm run bench web
// Against the built dist/ and a real local server in its own process (127.0.0.1, random port),
// with a store holding enterprise ATT&CK 18.1 and the NIST 800-53 rev5 mappings:
//  1. the T1114 page under load (autocannon, 10 connections, 10 s): requests/s and p99 latency;
//  2. the matrix page's first render on a fresh server (plain, then coloured by groups);
//  3. first contentful paint of /techniques/T1114 in headless Chromium (median of 9 cold pages), with
//     what came before it (HTML received, DOM parsed, DOMContentLoaded, render-blocking requests) and
//     a control page measured the same way, interleaved, for this machine's floor at that moment.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const dist = (p) => pathToFileURL(path.join(root, 'dist', p)).href;
const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-web-bench-'));
const db = path.join(dir, 'store.db');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { openGraph } = await import(dist('index.js'));
const g = openGraph({ path: db });
await g.importAttack(path.join(shared, 'attack', 'enterprise-attack-18.1.json'));
await g.importMappings(path.join(shared, 'mappings', 'nist_800_53-rev5_attack-14.1-enterprise.json'));
g.close();

const serverScript = `
  const { openGraph } = await import(${JSON.stringify(dist('index.js'))});
  const { createApp } = await import(${JSON.stringify(dist('web/app.js'))});
  const { listen } = await import(${JSON.stringify(dist('web/server.js'))});
  const graph = openGraph({ path: process.argv[1], mustExist: true });
  const app = createApp({ graph });
  const running = await listen(app, { port: 0 });
  // As \`ttpgraph serve\` does, unless told to measure a cold start.
  if (process.argv[2] !== 'cold') app.warm();
  process.stdout.write(running.url + '\\n');
`;

async function startServer(mode = 'warm') {
  const child = spawn(process.execPath, ['--input-type=module', '-e', serverScript, db, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(String(d).trim()));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function timed(url) {
  const t = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t;
}

try {
  // Issue 14: the coloured matrix (600+ technique cells) rendered in this process with the page cache
  // off, counts already computed (warm): wall time, and CPU time, which a busy machine disturbs less.
  {
    const { createApp } = await import(dist('web/app.js'));
    const graph = openGraph({ path: db, mustExist: true });
    const app = createApp({ graph, cache: false });
    const first = app.request('/matrix?metric=groups');
    const cells = String(first.body).match(/class="tech[ "]/g)?.length ?? 0;
    const wall = [];
    const cpu = [];
    for (let i = 0; i < 21; i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      app.request('/matrix?metric=groups');
      wall.push(performance.now() - t);
      const u = process.cpuUsage(c);
      cpu.push((u.user + u.system) / 1000);
    }
    graph.close();
    console.log(`coloured matrix render in process, warm, cache off (${cells} technique cells, ${first.body.length} bytes): wall median ${median(wall).toFixed(1)} ms (min ${Math.min(...wall).toFixed(1)}), CPU median ${median(cpu).toFixed(1)} ms`);
  }
  // 2. First renders. Cold: a fresh process, nothing cached, SQLite pages not yet read.
  const cold = await startServer('cold');
  const matrixCold = await timed(`${cold.url}/matrix`);
  const techniqueCold = await timed(`${cold.url}/techniques/T1114`);
  const colouredCold = await timed(`${cold.url}/matrix?metric=groups`);
  // A render that is not in the page cache, in a running process (another ATT&CK matrix URL).
  const uncached = [];
  for (const q of ['?domain=enterprise', '?version=18.1', '?domain=enterprise&version=18.1']) uncached.push(await timed(`${cold.url}/matrix${q}`));
  console.log(`cold process, first request: matrix ${matrixCold.toFixed(1)} ms, T1114 page ${techniqueCold.toFixed(1)} ms, matrix coloured by groups ${colouredCold.toFixed(0)} ms (computes the counts of every technique once)`);
  console.log(`matrix page render not in the page cache, running server: median ${median(uncached).toFixed(1)} ms of ${uncached.map((x) => x.toFixed(1)).join(', ')}`);
  // Issue 14: the coloured matrix (every technique and sub-technique, 600+ cells) rendered warm: the
  // counts computed once, each URL new to the page cache.
  await timed(`${cold.url}/matrix?metric=groups`);
  const cells = (await (await fetch(`${cold.url}/matrix?metric=groups`)).text()).match(/class="tech[ "]/g)?.length ?? 0;
  const warmRenders = [];
  for (const m of ['software', 'campaigns', 'reports', 'detections', 'sigma', 'controls', 'groups&domain=enterprise', 'software&domain=enterprise', 'reports&version=18.1']) warmRenders.push(await timed(`${cold.url}/matrix?metric=${m}`));
  console.log(`coloured matrix first render, warm (${cells} technique cells, each URL not yet in the page cache): median ${median(warmRenders).toFixed(1)} ms of ${warmRenders.map((x) => x.toFixed(1)).join(', ')}`);
  cold.stop();
  // As served by \`ttpgraph serve\` (warmed at start-up).
  const fresh = await startServer();
  await new Promise((r) => setTimeout(r, 200));
  const matrixFirst = await timed(`${fresh.url}/matrix`);
  const colouredFirst = await timed(`${fresh.url}/matrix?metric=groups`);
  const techniqueFirst = await timed(`${fresh.url}/techniques/T1114`);
  fresh.stop();
  console.log(`fresh server after its start-up warm-up, first request: matrix ${matrixFirst.toFixed(1)} ms, matrix coloured by groups ${colouredFirst.toFixed(1)} ms, T1114 page ${techniqueFirst.toFixed(1)} ms`);

  // 1. Load on the T1114 page.
  const server = await startServer();
  await timed(`${server.url}/techniques/T1114`);
  const result = await autocannon({ url: `${server.url}/techniques/T1114`, connections: 10, duration: 10, pipelining: 1 });
  console.log(
    `T1114 page under load (autocannon 10 connections, 10 s): ${result.requests.average.toFixed(0)} requests/s, latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ${result.non2xx} non-2xx, ${result.errors} errors`,
  );
  const api = await autocannon({ url: `${server.url}/api/v1/techniques/T1114`, connections: 10, duration: 5 });
  console.log(`API /api/v1/techniques/T1114 under load (5 s): ${api.requests.average.toFixed(0)} requests/s, p99 ${api.latency.p99} ms`);

  // 3. First contentful paint in Chromium, each page in a fresh context (cold cache).
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  // Control: the same measurement on a one-line HTML page, to show this machine's floor right now.
  const tiny = http.createServer((_q, r) => r.end('<!doctype html><html lang="en"><title>x</title><p>hello</p></html>')).listen(0, '127.0.0.1');
  await new Promise((r) => tiny.once('listening', r));
  // FCP plus what the browser waited for before it (Navigation Timing and Resource Timing, ms from navigation start).
  const fcpOf = async (url, graph = false) => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    // The graph context is interactive once its layout is done (the client records performance.now() then).
    const graphReady = graph ? await page.waitForFunction(() => window.__ttpgraph?.ready, null, { timeout: 10_000 }).then((h) => h.jsonValue()) : null;
    const m = await page.evaluate(
      () =>
        new Promise((resolve) => {
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) {
              if (e.name !== 'first-contentful-paint') continue;
              const nav = performance.getEntriesByType('navigation')[0];
              const blocking = performance.getEntriesByType('resource').filter((r) => r.startTime < e.startTime && r.renderBlockingStatus === 'blocking');
              resolve({
                fcp: e.startTime,
                responseEnd: nav.responseEnd,
                domInteractive: nav.domInteractive,
                dcl: nav.domContentLoadedEventEnd,
                bytes: nav.transferSize,
                blocking: blocking.length,
              });
            }
          }).observe({ type: 'paint', buffered: true });
          setTimeout(() => resolve({ fcp: -1 }), 5000);
        }),
    );
    await context.close();
    return { ...m, graphAfterFcp: graphReady === null ? null : graphReady - m.fcp };
  };
  const fcps = [];
  const floor = [];
  for (let i = 0; i < 9; i++) {
    fcps.push(await fcpOf(`${server.url}/techniques/T1114`, true));
    floor.push(await fcpOf(`http://127.0.0.1:${tiny.address().port}/`));
  }
  tiny.close();
  await browser.close();
  server.stop();
  const col = (xs, k) => xs.map((x) => x[k]);
  const ms = (xs) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(`first contentful paint of /techniques/T1114 (headless Chromium, cold context): median ${median(col(fcps, 'fcp')).toFixed(0)} ms of ${ms(col(fcps, 'fcp'))}`);
  console.log(
    `  before it (medians): HTML received ${median(col(fcps, 'responseEnd')).toFixed(0)} ms (${fcps[0].bytes} bytes), DOM parsed ${median(col(fcps, 'domInteractive')).toFixed(0)} ms, DOMContentLoaded ${median(col(fcps, 'dcl')).toFixed(0)} ms; render-blocking requests: ${Math.max(...col(fcps, 'blocking'))}`,
  );
  console.log(`graph context interactive (layout done) on /techniques/T1114, after first contentful paint: median ${median(col(fcps, 'graphAfterFcp')).toFixed(0)} ms of ${ms(col(fcps, 'graphAfterFcp'))}`);
  console.log(`  control, one-line HTML page, same browser, interleaved: median ${median(col(floor, 'fcp')).toFixed(0)} ms of ${ms(col(floor, 'fcp'))}`);
  console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
