// Sigma engine and hunt benchmark (issue 4). Run: npm run build && npm run bench sigma
// On the built dist/, each measurement in a fresh child process (so peak RSS is its own):
//  1. load + compile all of ../shared/data/sigma/rules (read files, parse YAML, build, compile, index),
//     as `ttpgraph hunt` does it (YAML in worker threads only on 4+ cores) and with 2 YAML workers;
//  2. hunt, library call (runHunt), headline workload: those rules over a generated NDJSON (the
//     sigma-regression events repeated with fresh record ids and timestamps: every event a true
//     positive of some rule, the worst case for the index), on one core, including reading and
//     JSON parsing; events/s and peak RSS;
//  3. hunt, second workload, labelled as such: mostly benign Sysmon events (1 in 100 a regression
//     event), closer to real logs;
//  4. `ttpgraph hunt --format jsonl` as a user runs it (no flags) on the headline file: wall time
//     and peak RSS of the whole process, hits written to /dev/null.
// Temp files are deleted afterwards. SIGMA_BENCH_EVENTS (default 200,000) and SIGMA_BENCH_RUNS
// (default 3) change the size and the runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, createWriteStream, writeFileSync, openSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { regressionEvents } from './realistic-events.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = path.resolve(root, '..', 'shared', 'data');
const rulesDir = path.join(shared, 'sigma', 'rules');
const regDir = path.join(shared, 'sigma-regression');
const dist = (p) => JSON.stringify(path.join(root, 'dist', p));
const EVENTS = Number(process.env.SIGMA_BENCH_EVENTS ?? 200_000);
const RUNS = Number(process.env.SIGMA_BENCH_RUNS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs, d = 2) => xs.map((x) => x.toFixed(d)).join(', ');

// The regression events: concatenated pretty JSON objects per file.
const events = regressionEvents(regDir);
const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-sigma-bench-'));
const t0 = Date.parse('2026-01-01T00:00:00Z');
async function writeNdjson(file, make) {
  const out = createWriteStream(file);
  for (let i = 0; i < EVENTS; i++) {
    const e = make(i);
    const sys = e.Event?.System;
    if (sys) {
      sys.EventRecordID = 1_000_000 + i;
      sys.TimeCreated = { '#attributes': { SystemTime: new Date(t0 + i * 50).toISOString() } };
    }
    if (!out.write(`${JSON.stringify(e)}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

// Headline workload: the regression events, repeated.
const ndjson = path.join(dir, 'events.ndjson');
await writeNdjson(ndjson, (i) => structuredClone(events[i % events.length]));

// Second workload: benign Sysmon events (process creation, network, image load, file, registry)
// built on the regression events' own Sysmon records as templates, with everyday values; every
// 100th event is a regression event.
let seed = 42;
const rnd = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
const pick = (xs) => xs[rnd(xs.length)];
const hex = (n) => Array.from({ length: n }, () => '0123456789ABCDEF'[rnd(16)]).join('');
const guid = () => `{${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}}`;
const apps = [
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'chrome.exe', '--type=renderer --lang=en-US --field-trial-handle=%N,i,%M --disable-gpu-compositing /prefetch:1', 'Google Chrome', 'Google LLC'],
  ['C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe', 'msedge.exe', '--type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --mojo-platform-channel-handle=%N /prefetch:11', 'Microsoft Edge', 'Microsoft Corporation'],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 'OUTLOOK.EXE', '/recycle', 'Microsoft Outlook', 'Microsoft Corporation'],
  ['C:\\Users\\%U\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe', 'Code.exe', '--type=gpu-process --user-data-dir="C:\\Users\\%U\\AppData\\Roaming\\Code" --gpu-preferences=%N', 'Visual Studio Code', 'Microsoft Corporation'],
  ['C:\\Windows\\System32\\backgroundTaskHost.exe', 'backgroundTaskHost.exe', '-ServerName:BackgroundTaskHost.WebAccountProvider', 'Background Task Host', 'Microsoft Corporation'],
  ['C:\\Program Files\\Notepad++\\notepad++.exe', 'notepad++.exe', '"C:\\Users\\%U\\Documents\\notes-%N.txt"', 'Notepad++', 'Don HO don.h@free.fr'],
  ['C:\\Program Files\\7-Zip\\7zFM.exe', '7zFM.exe', '"C:\\Users\\%U\\Downloads\\report-%N.zip"', '7-Zip File Manager', 'Igor Pavlov'],
  ['C:\\Program Files\\Mozilla Firefox\\firefox.exe', 'firefox.exe', '-contentproc -childID %N -isForBrowser -prefsLen %M -parentBuildID 20261101 -appDir "C:\\Program Files\\Mozilla Firefox\\browser" tab', 'Firefox', 'Mozilla Corporation'],
];
const users = ['alice', 'bob', 'carol', 'dave'];
const fill = (s, u) => s.replace(/%U/g, u).replace(/%N/g, String(1000 + rnd(90000))).replace(/%M/g, String(rnd(1_000_000)));
const templates = new Map();
for (const e of events) {
  const sys = e.Event?.System;
  const ch = sys?.Channel;
  const id = typeof sys?.EventID === 'object' ? sys.EventID['#text'] : sys?.EventID;
  if (ch === 'Microsoft-Windows-Sysmon/Operational' && [1, 3, 7, 11, 13].includes(Number(id)) && !templates.has(Number(id))) templates.set(Number(id), e);
}
const benignIds = [...templates.keys()];
function benign(i) {
  if (i % 100 === 99) return structuredClone(events[Math.floor(i / 100) % events.length]);
  const id = benignIds[rnd(benignIds.length)];
  const e = structuredClone(templates.get(id));
  const d = e.Event.EventData;
  const u = pick(users);
  const [img, ofn, args, product, company] = pick(apps).map((x) => fill(x, u));
  const common = { RuleName: '-', UtcTime: new Date(t0 + i * 50).toISOString().replace('T', ' ').slice(0, 23), ProcessGuid: guid(), ProcessId: String(1000 + rnd(60000)), Image: img, User: `CORP\\${u}` };
  if (id === 1) Object.assign(d, common, { FileVersion: `${1 + rnd(120)}.0.${rnd(9999)}.${rnd(99)}`, Description: product, Product: product, Company: company, OriginalFileName: ofn, CommandLine: `"${img}" ${args}`, CurrentDirectory: `C:\\Users\\${u}\\`, LogonGuid: guid(), LogonId: `0x${hex(6)}`, IntegrityLevel: 'Medium', Hashes: `SHA1=${hex(40)},MD5=${hex(32)},SHA256=${hex(64)},IMPHASH=${hex(32)}`, ParentProcessGuid: guid(), ParentProcessId: String(1000 + rnd(60000)), ParentImage: 'C:\\Windows\\explorer.exe', ParentCommandLine: 'C:\\Windows\\Explorer.EXE', ParentUser: `CORP\\${u}` });
  else if (id === 3) Object.assign(d, common, { Protocol: 'tcp', Initiated: 'true', SourceIsIpv6: 'false', SourceIp: `10.1.${rnd(255)}.${rnd(255)}`, SourceHostname: `ws-${rnd(999)}.corp.example.com`, SourcePort: String(49152 + rnd(16000)), DestinationIsIpv6: 'false', DestinationIp: `142.250.${rnd(255)}.${rnd(255)}`, DestinationHostname: pick(['www.example.com', 'login.microsoftonline.com', 'update.googleapis.com', 'cdn.jsdelivr.net']), DestinationPort: '443', DestinationPortName: 'https' });
  else if (id === 7) Object.assign(d, common, { ImageLoaded: pick(['C:\\Windows\\System32\\kernel32.dll', 'C:\\Windows\\System32\\user32.dll', 'C:\\Windows\\System32\\combase.dll', 'C:\\Windows\\System32\\ws2_32.dll']), FileVersion: `10.0.22621.${rnd(4000)}`, Hashes: `SHA256=${hex(64)}`, Signed: 'true', Signature: 'Microsoft Windows', SignatureStatus: 'Valid' });
  else if (id === 11) Object.assign(d, common, { TargetFilename: `C:\\Users\\${u}\\AppData\\Local\\Temp\\${pick(['chrome_', 'msedge_', 'vscode-', 'tmp'])}${hex(8)}.tmp`, CreationUtcTime: common.UtcTime });
  else Object.assign(d, common, { EventType: 'SetValue', TargetObject: `HKU\\S-1-5-21-${rnd(1e9)}-${rnd(1e9)}-1001\\Software\\${pick(['Google\\Chrome\\PreferenceMACs', 'Microsoft\\Office\\16.0\\Common\\Roaming', 'Notepad++\\Settings'])}\\${hex(6)}`, Details: `DWORD (0x${hex(8)})` });
  return e;
}
const benignFile = path.join(dir, 'benign.ndjson');
await writeNdjson(benignFile, benign);
const sizeMB = (f) => (statSync(f).size / 1e6).toFixed(0);
console.log(`generated ${EVENTS} events (${events.length} distinct regression events), ${sizeMB(ndjson)} MB NDJSON; second workload ${sizeMB(benignFile)} MB (${benignIds.length} Sysmon templates, 1% regression events)`);
console.log(`machine: ${os.cpus().length} cores, Node ${process.versions.node}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at start`);

const loadScript = `
  const { loadRuleFiles } = await import(${dist('hunt/index.js')});
  const { compileCollection } = await import(${dist('sigma/index.js')});
  const threads = process.argv[2] === 'auto' ? {} : { threads: Number(process.argv[2]) };
  const t0 = performance.now();
  const { collection, files } = loadRuleFiles([process.argv[1]], threads);
  const t1 = performance.now();
  const c = compileCollection(collection);
  const t2 = performance.now();
  const cpu = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuS: (cpu.user + cpu.system) / 1e6, files, rules: c.compiled.length, issues: collection.issues.length + c.issues.length, parseMs: t1 - t0, compileMs: t2 - t1, indexed: c.engine.stats.indexed, rssMB: process.resourceUsage().maxRSS / 1024 }));
`;
const huntScript = `
  const { loadRuleFiles, runHunt } = await import(${dist('hunt/index.js')});
  const { defaultPipeline } = await import(${dist('sigma/index.js')});
  const { collection } = loadRuleFiles([process.argv[1]]);
  let hits = 0;
  // CPU from the first progress call (event 4096, rules compiled) to the end: the rate per CPU-second.
  let c1;
  const s = await runHunt({ collection, pipeline: defaultPipeline, logs: [process.argv[2]], onHit: () => { hits++; }, onProgress: () => { c1 ??= process.cpuUsage(); } });
  const huntMs = s.elapsedMs - s.compileMs;
  const cpu = process.cpuUsage(c1);
  process.stdout.write(JSON.stringify({ events: s.events, hits, huntMs, compileMs: s.compileMs, cpuRate: (s.events - 4096) / ((cpu.user + cpu.system) / 1e6), rssMB: process.resourceUsage().maxRSS / 1024 }));
`;
const run = (script, ...args) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

for (const threads of ['auto', '2']) {
  const loads = [];
  for (let i = 0; i < RUNS; i++) loads.push(run(loadScript, rulesDir, threads));
  const l0 = loads[0];
  const loadMs = loads.map((x) => (x.parseMs + x.compileMs) / 1000);
  console.log(`load+compile sigma/rules (${threads === 'auto' ? `as ttpgraph hunt does: YAML worker threads only with 4+ cores, ${os.availableParallelism() >= 4 ? 'on' : 'off'} here` : 'YAML in 2 worker threads, for comparison'}): ${l0.files} files, ${l0.rules} rules, ${l0.issues} issues, ${l0.indexed} indexed; median ${median(loadMs).toFixed(2)} s (${fmt(loadMs)}; read+parse ${(median(loads.map((x) => x.parseMs)) / 1000).toFixed(2)} s, compile ${(median(loads.map((x) => x.compileMs)) / 1000).toFixed(2)} s; process CPU ${median(loads.map((x) => x.cpuS)).toFixed(2)} s); peak RSS ${Math.max(...loads.map((x) => x.rssMB)).toFixed(0)} MB`);
}

for (const [label, file] of [['headline: regression events, all true positives', ndjson], ['second workload: mostly benign Sysmon events', benignFile]]) {
  const hunts = [];
  for (let i = 0; i < RUNS; i++) hunts.push(run(huntScript, rulesDir, file));
  const rates = hunts.map((h) => h.events / (h.huntMs / 1000));
  const cpuRates = hunts.map((h) => h.cpuRate);
  console.log(`hunt (${label}) ${hunts[0].events} events, one core, incl. reading + JSON.parse, rules compile not in the rate: median ${Math.round(median(rates))} events/s (${rates.map((r) => Math.round(r)).join(', ')}; per process CPU-second ${Math.round(median(cpuRates))}), ${hunts[0].hits} hits; peak RSS ${Math.max(...hunts.map((h) => h.rssMB)).toFixed(0)} MB (whole process, rules loaded)`);
}

// The CLI as a user runs it: no node flags. A preload (measurement only) records the peak RSS at exit.
const preload = path.join(dir, 'rss.mjs');
writeFileSync(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.RSS_OUT, String(process.resourceUsage().maxRSS / 1024)));\n");
const cli = [];
for (let i = 0; i < RUNS; i++) {
  const rssOut = path.join(dir, `rss-${i}`);
  const out = openSync('/dev/null', 'w');
  const started = performance.now();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, path.join(root, 'dist', 'cli', 'main.js'), 'hunt', '--rules', rulesDir, '--format', 'jsonl', ndjson], { stdio: ['ignore', out, 'pipe'], encoding: 'utf8', env: { ...process.env, RSS_OUT: rssOut } });
  closeSync(out);
  if (r.status !== 0) throw new Error(r.stderr);
  cli.push({ s: (performance.now() - started) / 1000, rss: Number(readFileSync(rssOut, 'utf8')), summary: r.stderr.trim().split('\n').pop() });
}
console.log(`ttpgraph hunt --rules sigma/rules --format jsonl (headline file, hits to /dev/null, no flags): median ${median(cli.map((c) => c.s)).toFixed(1)} s whole process (${fmt(cli.map((c) => c.s), 1)}); peak RSS ${fmt(cli.map((c) => c.rss), 0)} MB; ${cli[0].summary}`);
rmSync(dir, { recursive: true, force: true });
