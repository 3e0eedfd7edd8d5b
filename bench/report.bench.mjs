// Threat report import and extraction benchmark (issue 16). Run: npm run build && npm run bench report
// Measures, on the built dist/, each in a fresh process (so peak RSS is its own):
//  1. `extract train` from enterprise ATT&CK 18.1 (the store's procedure examples, descriptions,
//     detection text) and with the 118 TRAM annotated reports too;
//  2. a 40-page PDF report from import to stored proposals (`importReport`, model loaded from the
//     store in that process), and `ttpgraph import report FILE.pdf` as a whole process.
// The PDF is made here by the tests' PDF writer (test/helpers/pdf-writer.ts, transpiled by esbuild)
// from TRAM report texts, 48 lines of about 90 characters a page.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const dist = (p) => JSON.stringify(pathToFileURL(path.join(root, 'dist', p)).href);
const cli = path.join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-bench-report-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const run = (script, ...args) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

console.log(`load average before: ${load()} (${os.cpus().length} cores)`);
const db = path.join(dir, 'store.db');
run(`const { openGraph } = await import(${dist('index.js')}); const g = openGraph({ path: process.argv[1] }); await g.importAttack(process.argv[2]); g.close(); process.stdout.write('{}');`, db, path.join(shared, 'attack', 'enterprise-attack-18.1.json'));

// 1. extract train.
const trainScript = `
  const { openGraph } = await import(${dist('index.js')});
  const g = openGraph({ path: process.argv[1] });
  const t0 = performance.now();
  const r = await g.trainExtractor(process.argv[2] === '' ? {} : { annotations: process.argv[2] });
  const ms = performance.now() - t0;
  g.close();
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMB: process.resourceUsage().maxRSS / 1024, examples: r.examples, labels: r.labels, bytes: r.bytes }));
`;
for (const annotations of [path.join(shared, 'tram', 'reports'), '']) {
  const runs = [0, 1, 2].map(() => run(trainScript, db, annotations));
  console.log(
    `extract train from enterprise 18.1${annotations === '' ? '' : ' + 118 TRAM reports'} (${runs[0].examples} examples, ${runs[0].labels} techniques, model ${(runs[0].bytes / 1e6).toFixed(1)} MB): ` +
      `median ${(median(runs.map((x) => x.ms)) / 1000).toFixed(2)} s of ${runs.map((x) => (x.ms / 1000).toFixed(2)).join(', ')} (CPU time of the whole process: median ${(median(runs.map((x) => x.cpuMs)) / 1000).toFixed(2)} s); peak RSS ${Math.max(...runs.map((x) => x.rssMB)).toFixed(0)} MB`,
  );
}

// 2. A 40-page PDF report.
const writer = await transform(readFileSync(path.join(root, 'test', 'helpers', 'pdf-writer.ts'), 'utf8'), { loader: 'ts', format: 'esm' });
const writerFile = path.join(dir, 'pdf-writer.mjs');
writeFileSync(writerFile, writer.code);
const { writePdf } = await import(pathToFileURL(writerFile).href);
const texts = readdirSync(path.join(shared, 'tram', 'reports')).sort().slice(0, 20).map((f) => JSON.parse(readFileSync(path.join(shared, 'tram', 'reports', f), 'utf8')).signal.replace(/^(title|url):.*\n/gm, ''));
const lines = [];
for (const para of texts.join('\n').split('\n')) {
  let line = '';
  for (const word of para.split(/\s+/).filter(Boolean)) {
    if (line.length + word.length > 90) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
}
const pages = Array.from({ length: 40 }, (_, i) => lines.slice(i * 48, (i + 1) * 48));
const pdf = path.join(dir, 'report-40-pages.pdf');
writeFileSync(pdf, writePdf(pages, { title: 'Forty pages of threat reporting', author: 'ttpgraph bench', creationDate: '20240101000000Z' }));
const chars = pages.flat().join('\n').length;

// Each run imports a different copy (a trailing page number changes the text, so the hash differs).
const importScript = `
  const { openGraph } = await import(${dist('index.js')});
  const g = openGraph({ path: process.argv[1] });
  const t0 = performance.now();
  const r = await g.importReport(process.argv[2]);
  const ms = performance.now() - t0;
  g.close();
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, rssMB: process.resourceUsage().maxRSS / 1024, status: r.status, techniques: r.techniques }));
`;
const imports = [0, 1, 2].map((i) => {
  const copy = path.join(dir, `report-${i}.pdf`);
  writeFileSync(copy, writePdf([...pages.slice(0, 39), [...pages[39], `copy ${i}`]], { title: 'Forty pages of threat reporting' }));
  return run(importScript, db, copy);
});
if (imports.some((x) => x.status !== 'imported')) throw new Error('a copy was not imported');
console.log(
  `import report, 40-page PDF (${(readFileSync(pdf).length / 1e6).toFixed(2)} MB, ${chars} characters) to stored proposals (${imports[0].techniques} techniques), model loaded from the store: ` +
    `median ${(median(imports.map((x) => x.ms)) / 1000).toFixed(2)} s of ${imports.map((x) => (x.ms / 1000).toFixed(2)).join(', ')} (CPU time of the whole process: median ${(median(imports.map((x) => x.cpuMs)) / 1000).toFixed(2)} s); peak RSS ${Math.max(...imports.map((x) => x.rssMB)).toFixed(0)} MB`,
);
const whole = [0, 1, 2].map((i) => {
  const copy = path.join(dir, `cli-${i}.pdf`);
  writeFileSync(copy, writePdf([...pages.slice(0, 39), [...pages[39], `cli ${i}`]], { title: 'Forty pages of threat reporting' }));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [cli, '--db', db, 'import', 'report', copy], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return performance.now() - t0;
});
console.log(`ttpgraph import report FILE.pdf (40 pages), whole process: median ${(median(whole) / 1000).toFixed(2)} s of ${whole.map((x) => (x / 1000).toFixed(2)).join(', ')}`);
console.log(`load average after: ${load()}`);
rmSync(dir, { recursive: true, force: true });
