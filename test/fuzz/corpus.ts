/**
 * Seeds and mutators of the fuzz suite: real files from ../shared/data (SigmaHQ rules, EVTX
 * samples, an ATT&CK bundle cut small, mapping files), generated hostile shapes (alias bombs, deep
 * nesting, catastrophic regexes, over-long lines) and the regression files of inputs that once
 * failed. Everything is drawn from a seeded PRNG, so a run is reproducible from its seed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dataPath, filesUnder } from '../helpers/paths.ts';
import { multiChunkFile } from '../evtx/fixtures.ts';
import { mulberry32 } from '../helpers/prng.ts';

export type Rnd = () => number;

/** mulberry32: small, fast, good enough to drive mutations. */
export const prng: (seed: number) => Rnd = mulberry32;

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const int = (rnd: Rnd, n: number): number => Math.floor(rnd() * n);

export type TargetName = 'sigma' | 'condition' | 'logs' | 'evtx' | 'stix' | 'mappings';

export interface Target {
  readonly name: TargetName;
  readonly ext: string;
  readonly seeds: readonly Buffer[];
  /** Tokens worth splicing in for this format. */
  readonly dictionary: readonly string[];
  /** Whether seeds are JSON documents (then structural mutations apply too). */
  readonly json: boolean;
}

/** Every n-th SigmaHQ rule file, the same ones every run. */
export function sigmaSample(count: number): string[] {
  const all = filesUnder(dataPath('sigma', 'rules'), (f) => /\.ya?ml$/.test(f));
  const step = Math.max(1, Math.floor(all.length / count));
  return all.filter((_, i) => i % step === 0).slice(0, count);
}

export function aliasBomb(levels = 9): string {
  const lines = ['title: Laughs', 'logsource:', '  product: windows', 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let k = 1; k <= levels; k++) lines.push(`l${k}: &l${k} [${Array.from({ length: 9 }, () => `*l${k - 1}`).join(', ')}]`);
  lines.push('detection:', '  selection:', '    Image: x', '  condition: selection', '');
  return lines.join('\n');
}

const HOSTILE_RULE = (condition: string, item = "Image|endswith: '\\whoami.exe'"): string =>
  `title: Hostile\nid: 0f0f0f0f-0000-4000-8000-000000000000\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  selection:\n    ${item}\n  condition: ${condition}\n`;

function sysmon(image: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Event: {
      System: { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'WS1', TimeCreated: { '#attributes': { SystemTime: '2026-01-02T03:04:05.000Z' } } },
      EventData: { Image: image, CommandLine: `${image} /c whoami`, ...extra },
    },
  };
}

/** Events every compiled fuzz rule is run over. */
export const EVENTS: readonly unknown[] = [
  sysmon('C:\\Windows\\System32\\whoami.exe'),
  sysmon('C:\\Windows\\System32\\cmd.exe', { CommandLine: `${'a'.repeat(40)}!` }),
  { EventID: 4688, NewProcessName: 'C:\\x\\powershell.exe', CommandLine: 'powershell -enc SQBFAFgA', Computer: 'WS\u001b]0;x\u0007' },
  { a: { b: [1, 'two', null, { c: true }] }, '': '', __proto__x: 1 },
];

function bundleSeed(): Buffer {
  const b = JSON.parse(readFileSync(dataPath('attack', 'ics-attack-18.1.stix21.json'), 'utf8')) as { objects: { type: string; id: string; source_ref?: string; target_ref?: string }[] } & Record<string, unknown>;
  const keepTypes = new Set(['x-mitre-collection', 'x-mitre-matrix', 'x-mitre-tactic', 'marking-definition', 'identity']);
  const chosen = b.objects.filter((o) => keepTypes.has(o.type));
  const techniques = b.objects.filter((o) => o.type === 'attack-pattern').slice(0, 25);
  const groups = b.objects.filter((o) => o.type === 'intrusion-set' || o.type === 'malware' || o.type === 'course-of-action').slice(0, 15);
  const ids = new Set([...chosen, ...techniques, ...groups].map((o) => o.id));
  const rels = b.objects.filter((o) => o.type === 'relationship' && ids.has(o.source_ref ?? '') && ids.has(o.target_ref ?? '')).slice(0, 40);
  return Buffer.from(JSON.stringify({ ...b, objects: [...chosen, ...techniques, ...groups, ...rels] }));
}

function mappingsSeed(): Buffer {
  const m = JSON.parse(readFileSync(dataPath('mappings', 'kev-02.13.2025_attack-15.1-mobile.json'), 'utf8')) as Record<string, unknown> & { mapping_objects: unknown[] };
  return Buffer.from(JSON.stringify({ ...m, mapping_objects: m.mapping_objects.slice(0, 30) }));
}

export function regressionFiles(dir: string, target: TargetName): Buffer[] {
  const d = path.join(dir, target);
  let names: string[];
  try {
    names = readdirSync(d).sort();
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.') && n !== 'README.md').map((n) => readFileSync(path.join(d, n)));
}

export function targets(): Target[] {
  const rules = sigmaSample(60).map((f) => readFileSync(f));
  const conditions = rules.flatMap((r) => [...r.toString('utf8').matchAll(/^\s*condition:\s*(.+)$/gm)].map((m) => Buffer.from(m[1] ?? '')));
  const regressionJson = readdirSync(dataPath('sigma-regression'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .slice(0, 6)
    .map((f) => readFileSync(path.join(dataPath('sigma-regression'), f)));
  const ndjson = Buffer.from(`${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
  return [
    {
      name: 'sigma',
      ext: 'yml',
      json: false,
      seeds: [...rules, Buffer.from(aliasBomb()), Buffer.from(HOSTILE_RULE(`${'('.repeat(3000)}selection${')'.repeat(3000)}`)), Buffer.from(HOSTILE_RULE('selection', "CommandLine|re: '^(a+)+$'"))],
      dictionary: ['&a ', '*a', '<<: *a', '!!binary ', '!!python/object ', '? ', '- ', '{', '}', '[', ']', "'", '"', '\\', '|re: ', '|contains|all: ', '|base64offset|contains: ', '|windash: ', '|cidr: ', '|expand: ', '%placeholder%', '(?i)', '(a+)+$', '(?P<x>a)(?P=x)', 'condition: ', ' and not ', '1 of ', 'all of them', '(((((', ')))))', '\t', '\u0000', '\u001b[31m', '---\n', 'action: global\n', 'correlation:\n  type: event_count\n', 'timespan: 1h', '\n  - ', ': ', '#', '*', '?', '\uFEFF'],
    },
    {
      name: 'condition',
      ext: 'txt',
      json: false,
      seeds: [...conditions, Buffer.from('selection and not filter_main'), Buffer.from('1 of sel* and not 1 of filter_*'), Buffer.from(`${'not '.repeat(200)}selection`)],
      dictionary: ['(', ')', ' and ', ' or ', ' not ', '1 of ', 'all of ', 'any of ', 'them', 'sel*', '*', '_meta', 'filter_*', '|', ' | count() > 5', '\u0000', '(((((((((('],
    },
    {
      name: 'logs',
      ext: 'ndjson',
      json: true,
      seeds: [ndjson, ...regressionJson, Buffer.from(JSON.stringify(EVENTS)), Buffer.from(`${'['.repeat(20000)}${']'.repeat(20000)}\n`), Buffer.from(`{"a":"${'x'.repeat(1_200_000)}"}\n${JSON.stringify(EVENTS[0])}\n`)],
      dictionary: ['{', '}', '[', ']', '"', ',', ':', '\n', '\r\n', '\\u0000', '\\ud800', '1e999', '-0', 'null', 'true', '"__proto__"', '{"__proto__":{"polluted":1}}', '"constructor"', '\uFEFF', '\u001f\u008b', 'ElfFile\u0000', '[[[[[[[[[[[[[[[[', '"Event":{"System":', '"EventData":', '"#attributes":'],
    },
    {
      name: 'evtx',
      ext: 'evtx',
      json: false,
      seeds: [multiChunkFile(), readFileSync(dataPath('evtx-samples', 'capi2-event70-private-key-accessed.evtx'))],
      dictionary: ['ElfFile\u0000', 'ElfChnk\u0000', '\u0000\u0000\u0000\u0000', '\u00ff\u00ff\u00ff\u00ff', '**\u0000\u0000'],
    },
    {
      name: 'stix',
      ext: 'json',
      json: true,
      seeds: [bundleSeed()],
      dictionary: ['"attack-pattern"', '"relationship"', '"x-mitre-collection"', '"revoked":true', '"x_mitre_deprecated":true', '"object_refs":[', '"external_references":[', '"spec_version":"2.1"', '"type":"report"', 'null', '{}', '[]', '"\\u001b]0;x\\u0007"'],
    },
    {
      name: 'mappings',
      ext: 'json',
      json: true,
      seeds: [mappingsSeed()],
      dictionary: ['"mapping_objects":', '"attack_object_id":"T1059"', '"capability_id":', '"mapping_type":', '"metadata":', 'null', '{}', '[]', '"technique_version":'],
    },
  ];
}

// ---- mutations ---------------------------------------------------------------------------------

function randomJson(rnd: Rnd, depth = 0): unknown {
  const k = int(rnd, depth > 3 ? 6 : 9);
  switch (k) {
    case 0:
      return null;
    case 1:
      return int(rnd, 2) === 0;
    case 2:
      return pick(rnd, [0, -1, 1e308, -1e-308, 2 ** 53 + 1, 0.5]);
    case 3:
      return pick(rnd, ['', 'T1059', 'attack-pattern--00000000-0000-4000-8000-000000000000', '\u001b[2J', 'x'.repeat(int(rnd, 5000)), '\u0000', '__proto__']);
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return Array.from({ length: int(rnd, 4) }, () => randomJson(rnd, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(rnd, 4) }, (_, i) => [pick(rnd, ['type', 'id', 'name', 'objects', 'external_references', `k${i}`]), randomJson(rnd, depth + 1)]));
  }
}

/** Replaces, deletes or duplicates one value somewhere in a JSON document. */
function mutateJson(doc: unknown, rnd: Rnd): unknown {
  const containers: (unknown[] | Record<string, unknown>)[] = [];
  const visit = (v: unknown, d: number): void => {
    if (d > 8 || containers.length > 5000) return;
    if (Array.isArray(v)) {
      containers.push(v);
      for (const x of v) visit(x, d + 1);
    } else if (typeof v === 'object' && v !== null) {
      containers.push(v as Record<string, unknown>);
      for (const x of Object.values(v)) visit(x, d + 1);
    }
  };
  visit(doc, 0);
  const n = 1 + int(rnd, 4);
  for (let i = 0; i < n && containers.length > 0; i++) {
    const c = pick(rnd, containers);
    const keys = Array.isArray(c) ? c.map((_, j) => j) : Object.keys(c);
    if (keys.length === 0) continue;
    const key = pick(rnd, keys as (string | number)[]);
    const op = int(rnd, 4);
    const rec = c as Record<string | number, unknown>;
    if (op === 0) rec[key] = randomJson(rnd);
    else if (op === 1) {
      if (Array.isArray(c)) c.splice(key as number, 1);
      else delete rec[key];
    } else if (op === 2 && Array.isArray(c)) c.push(structuredClone(c[key as number]));
    else rec[key] = typeof rec[key] === 'string' ? 42 : typeof rec[key] === 'number' ? String(rec[key]) : Array.isArray(rec[key]) ? {} : [];
  }
  return doc;
}

/** One to eight byte-level edits: flips, random bytes, cuts, duplicated runs, dictionary tokens. */
function mutateBytes(src: Buffer, rnd: Rnd, dictionary: readonly string[], donors: readonly Buffer[]): Buffer {
  let b = Buffer.from(src);
  const n = 1 + int(rnd, 8);
  for (let i = 0; i < n; i++) {
    const at = b.length === 0 ? 0 : int(rnd, b.length);
    const op = int(rnd, 8);
    if (op === 0 && b.length > 0) b[at] = (b[at] ?? 0) ^ (1 << int(rnd, 8));
    else if (op === 1 && b.length > 0) b[at] = int(rnd, 256);
    else if (op === 2) b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(rnd, 64)))]);
    else if (op === 3) {
      const len = Math.min(1 + int(rnd, 256), b.length - at);
      b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    } else if (op === 4 || op === 5) b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(rnd, dictionary), 'latin1'), b.subarray(at)]);
    else if (op === 6 && donors.length > 0) {
      // splice a piece of another seed in
      const d = pick(rnd, donors);
      const from = int(rnd, Math.max(1, d.length));
      b = Buffer.concat([b.subarray(0, at), d.subarray(from, from + 1 + int(rnd, 512)), b.subarray(at)]);
    } else if (op === 7) b = b.subarray(0, at);
  }
  return b;
}

/**
 * EVTX: edits biased towards the bytes that matter most, the chunk headers and the first records
 * of each chunk (4096-byte file header, 64 KiB chunks), as test/evtx's first fuzzer did.
 */
function mutateEvtx(src: Buffer, rnd: Rnd): Buffer {
  let b = Buffer.from(src);
  const n = 1 + int(rnd, 12);
  for (let i = 0; i < n; i++) {
    const chunks = Math.max(1, Math.floor((b.length - 4096) / 65536));
    const at = rnd() < 0.7 ? 4096 + int(rnd, chunks) * 65536 + int(rnd, 4096) : int(rnd, b.length);
    if (at >= b.length) continue;
    const op = rnd();
    if (op < 0.5) b[at] = (b[at] ?? 0) ^ (1 << int(rnd, 8));
    else if (op < 0.75) b[at] = int(rnd, 256);
    else if (op < 0.85) b.fill(rnd() < 0.5 ? 0 : 0xff, at, Math.min(b.length, at + 1 + int(rnd, 64)));
    else if (op < 0.95) {
      const from = int(rnd, b.length);
      const len = Math.min(1 + int(rnd, 256), b.length - from, b.length - at);
      b.copyWithin(at, from, from + len);
    } else b = b.subarray(0, int(rnd, b.length));
  }
  return b;
}

export function mutate(target: Target, rnd: Rnd): Buffer {
  const seed = pick(rnd, target.seeds);
  if (target.name === 'evtx' && rnd() < 0.8) return mutateEvtx(seed, rnd);
  if (target.json && rnd() < 0.5) {
    try {
      return Buffer.from(JSON.stringify(mutateJson(JSON.parse(seed.toString('utf8')) as unknown, rnd)));
    } catch {
      // a seed that is not one JSON document (NDJSON): byte mutations below
    }
  }
  if (rnd() < 0.05) return seed; // the seed itself now and then: it must pass too
  return mutateBytes(seed, rnd, target.dictionary, target.seeds);
}

const HTTP_DICTIONARY = ['%', '%00', '%ff', '%2e%2e%2f', '..', '//', '?', '&', '=', '#', ';', '\r\n', '\n', '\r\n\r\n', 'Content-Length: 99999999\r\n', 'Content-Length: -1\r\n', 'Transfer-Encoding: chunked\r\n', 'Host: evil.example\r\n', 'Authorization: Bearer x\r\n', 'Expect: 100-continue\r\n', 'X: \u0000\r\n', '\u00e9', '\u001b[2J', '{"kind":', '"source":', '[', ']', '{', '}', 'null', 'T1059', '/api/v1/', '*', ' HTTP/1.0', ' HTTP/2.0', 'q=', 'limit=99999999', 'domain=', 'version='];

/** A raw HTTP request with byte-level edits (the request line, headers and body alike). */
export function mutateRequest(seed: Buffer, rnd: Rnd): Buffer {
  return mutateBytes(seed, rnd, HTTP_DICTIONARY, []);
}
