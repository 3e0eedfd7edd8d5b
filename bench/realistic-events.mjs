// The realistic hunt workload of issue 13, shared by the benchmarks: the developer regression events
// (../shared/data/sigma-regression, the JSON beside each .evtx) repeated to N NDJSON lines, where 95%
// of the events keep their Channel, EventID and field names but have every EventData string value
// replaced by random alphanumerics of the same length (values that are paths stay path-shaped:
// C:\Program Files\VendorXXXX\app_XXXX.exe), and 5% are kept unchanged. Seeded: the same file every time.
import { createWriteStream, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every file below `d` whose name passes `pred`, in sorted order (the benchmarks share it). */
export function walk(d, pred, out = []) {
  for (const f of readdirSync(d).sort()) {
    const p = path.join(d, f);
    if (statSync(p).isDirectory()) walk(p, pred, out);
    else if (pred(f)) out.push(p);
  }
  return out;
}

/** The regression events (each .json file holds pretty JSON objects one after another). */
export function regressionEvents(regDir) {
  const events = [];
  for (const f of walk(regDir, (f) => f.endsWith('.json'))) {
    const text = readFileSync(f, 'utf8');
    let depth = 0, start = -1, inStr = false, esc = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inStr) { if (esc) esc = false; else if (c === '\\') esc = true; else if (c === '"') inStr = false; continue; }
      if (c === '"') inStr = true;
      else if (c === '{') { if (depth++ === 0) start = i; }
      else if (c === '}') { if (--depth === 0) events.push(JSON.parse(text.slice(start, i + 1))); }
    }
  }
  return events;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A seeded generator of realistic events (see the file comment). */
export function realisticEvents(regDir, seed = 13) {
  const events = regressionEvents(regDir);
  let s = seed >>> 0;
  const rnd = (n) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const alnum = (n) => { let o = ''; for (let i = 0; i < n; i++) o += ALNUM[rnd(62)]; return o; };
  const digits4 = () => String(rnd(10000)).padStart(4, '0');
  const scramble = (v) => {
    if (typeof v === 'string') {
      if (/^[A-Za-z]:\\/.test(v) || /^\\\\/.test(v)) return `C:\\Program Files\\Vendor${digits4()}\\app_${digits4()}.exe`;
      return alnum(v.length);
    }
    if (Array.isArray(v)) return v.map(scramble);
    if (v !== null && typeof v === 'object') {
      const o = {};
      // Names stay: #attributes (Data Name="...") are field names, not values.
      for (const [k, x] of Object.entries(v)) o[k] = k === '#attributes' ? x : scramble(x);
      return o;
    }
    return v;
  };
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  return {
    distinct: events.length,
    /** The i-th event. */
    event(i) {
      const base = events[i % events.length];
      const keep = rnd(100) < 5;
      const e = structuredClone(base);
      const ev = e.Event;
      if (!keep && ev?.EventData !== undefined && ev.EventData !== null) ev.EventData = scramble(ev.EventData);
      const sys = ev?.System;
      if (sys) {
        sys.EventRecordID = 1_000_000 + i;
        sys.TimeCreated = { '#attributes': { SystemTime: new Date(t0 + i * 50).toISOString() } };
      }
      return e;
    },
  };
}

/** Writes `count` realistic events as NDJSON to `file`. */
export async function writeRealisticNdjson(regDir, file, count, seed = 13) {
  const gen = realisticEvents(regDir, seed);
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    if (!out.write(`${JSON.stringify(gen.event(i))}\n`)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
  return gen.distinct;
}
