/**
 * The evaluator: routes an event by logsource and tests it only against the rules that can match.
 *
 *   Source     = the event's recognised log source (pipeline `sources`, first match; -1 unknown),
 *                the first level of the route tree: a rule with a product sees only events of a
 *                source of that product (compile.ts logsourceAdmits), so a Zeek or Cisco rule never
 *                sees an Azure row, and events of unknown source reach only product-less rules.
 *   Route      = per source and distinct tuple of routing-field values (Channel, EventID, ...): which rules'
 *                logsource preconditions and route checks hold, which pipeline field aliases
 *                apply, and an index of those rules only. Computed on the first event of that
 *                tuple and cached (a tree of Maps, one level per field); the index is built then
 *                too, once per distinct set of indexed rules, so that compiling a large rule set
 *                builds no index for the logsources a log never shows.
 *   Index      = each witness literal (see compile/witness.ts) is filed under one key: its rarest
 *                4-character window, or for a 1-3 character literal a 2-gram or character holding
 *                a rare character. The event's leaves are walked in place, case-folded on the fly,
 *                and checked with a rolling window; each bucket is visited once per event, and a
 *                rule is a candidate when all its witness sets were hit. Rules without a witness
 *                are always candidates on their routes.
 *   Memo       = per route, the scalar leaves of the last event scanned there, by position, and
 *                the buckets each hit: a leaf equal to last time's (provider, channel, computer...)
 *                replays its buckets instead of being scanned (the buckets are a function of the
 *                leaf's text and the route's index alone).
 */
import { compileConditionMap, conditionTests, logsourceAdmits, routeFields, type CompiledRule } from '../compile/compile.ts';
import type { Predicate } from '../runtime/eval-cache.ts';
import { hasRareChar, MAX_SETS, usableLiteral, WITNESS_MIN } from '../compile/witness.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { eventContext, getField, type EventContext } from '../runtime/event.ts';

export interface EngineOptions {
  /** Logsource routing (default true). Off: every rule sees every event. */
  readonly routing?: boolean;
  /** Witness index and route checks (default true). Off: every routed rule is evaluated. */
  readonly index?: boolean;
}

export interface EngineStats {
  readonly rules: number;
  readonly indexed: number;
  readonly unrouted: number;
}

export interface EngineCounters {
  /** Events matched so far. */
  events: number;
  /** Rule predicates evaluated so far (candidates after routing and the index). */
  evaluated: number;
  /** Index entries visited (cost of the candidate search). */
  visited: number;
}

export interface Engine {
  readonly rules: readonly CompiledRule[];
  readonly stats: EngineStats;
  readonly counters: EngineCounters;
  /** Rules whose detection matches the event (parsed JSON). */
  match(event: unknown): CompiledRule[];
  /** Same, for an event already wrapped (the correlator and hunt runner reuse the context). */
  matchContext(ctx: EventContext): CompiledRule[];
}

interface Route {
  /** The source's field names resolve loosely (LogsourceSource.looseNames). */
  readonly loose: boolean;
  readonly always: Int32Array;
  readonly aliases: Readonly<Record<string, string>> | undefined;
  /** The index of this route's rules (shared by the routes with the same rules); undefined = none to scan for. */
  readonly index: LiteralIndex | undefined;
  /**
   * The route's leaf memo: the k-th scalar leaf of the last event scanned on this route, and the
   * buckets its scan hit (`memoHits[k]`, `memoLen[k]` of them). Events of one route mostly repeat
   * their System values (provider, channel, computer, keywords...): a leaf equal to the one at its
   * position last time hits the same buckets of the same index without being scanned.
   */
  readonly memoVals: unknown[];
  readonly memoHits: Int32Array[];
  readonly memoLen: Int32Array;
}

/** Leaves per event the route memo remembers. */
const MEMO_LEAVES = 128;

const MUL = 0x9e3779b1;
/**
 * The 4-gram prefilter: a Bloom filter of the route's 4-gram keys with two bits per key (PRE1's and
 * PRE2's), at most 2^PRE_BITS bits (32 kB, L1-sized), about PRE_PER_KEY bits per key. The scan tests
 * the first bit on every window and the second only when the first is set: with one bit per key
 * a third of all windows of random text reached the key table (a cache miss each); with two, the
 * windows that pass both bits are mostly keys.
 */
const PRE_BITS = 18;
const PRE_PER_KEY = 32;
const PRE1 = 0x85ebca6b | 0;
const PRE2 = 0xc2b2ae35 | 0;

/**
 * Key kinds, as one number: a 4-gram is its 32-bit window (4 folded characters, the oldest in the
 * top byte; never 0, which marks an empty table slot: see keyChooser), a 2-gram is BI + its 16
 * bits, a character UNI + its folded code.
 */
const BI = 2 ** 32;
const UNI = 2 ** 32 + 2 ** 16;

/** A UTF-16 code unit -> 8 bits: ASCII as is, everything else into 0x80-0xff (so ASCII-only events never hit a non-ASCII gram). */
function fold(c: number): number {
  return c < 0x80 ? c : 0x80 | ((c ^ (c >>> 7)) & 0x7f);
}
/** The 2-gram key ending at `end` (inclusive), as the scan's rolling hash computes it. */
function gram2(s: string, end: number): number {
  return ((fold(s.charCodeAt(end - 1)) << 8) | fold(s.charCodeAt(end))) & 0xffff;
}

/**
 * Text that nearly every Windows log holds (paths, providers, the event schema's namespace):
 * a literal is filed under a 4-character window from here only when it has no other (`c:\p` of
 * `c:\perflogs\` would be hit by every `C:\Program Files` path). Only which window files a
 * literal depends on this, never which rules match.
 */
const COMMON_IN_LOGS = [
  'c:\\program files\\',
  'c:\\program files (x86)\\',
  'c:\\programdata\\',
  'c:\\windows\\system32\\',
  'c:\\windows\\syswow64\\',
  'c:\\users\\',
  '\\appdata\\local\\',
  '\\appdata\\roaming\\',
  'microsoft-windows-',
  'http://schemas.microsoft.com/win/2004/08/events/event',
  'nt authority\\system',
  's-1-5-18',
];

/** The 32-bit windows of the COMMON_IN_LOGS text. */
const COMMON_WINDOWS = ((): Set<number> => {
  const out = new Set<number>();
  for (const t of COMMON_IN_LOGS) {
    let h = 0;
    for (let i = 0; i < t.length; i++) {
      h = (h << 8) | fold(t.charCodeAt(i));
      if (i >= 3) out.add(h);
    }
  }
  return out;
})();

/**
 * The literal index. Keys: 4-grams (the 32 bits of 4 folded characters), 2-grams (16 bits) and
 * single folded characters; each literal is filed under one key: its 4-gram rarest among all
 * literals, or for a 1-3 character literal (only kept when it holds a rare character, see
 * witness.ts) its rarest 2-gram holding such a character, or that character. Buckets hold entries
 * `rule * 4 + set`, flat (CSR).
 */
interface LiteralIndex {
  readonly buckets: number;
  readonly start: Int32Array;
  readonly entries: Int32Array;
  /** 4-gram prefilter bitset, and 32 - its log2 size in bits. */
  readonly pre: Uint32Array;
  readonly preShift: number;
  /** 4-gram open-addressing table, pairs [key (0 = empty), bucket] side by side: one cache line per probe. */
  readonly table: Int32Array;
  readonly shift: number;
  /** 2-gram -> bucket + 1 (0 = none), behind a bitset (8 kB, stays in L1; the table is 256 kB). */
  readonly bi: Int32Array;
  readonly biBits: Uint32Array;
  /** folded character -> bucket + 1. */
  readonly uni: Int32Array;
  /**
   * ASCII code -> its folded (lower-case) code in bits 0-7, and bit 8 set when rare (witness.ts):
   * 1- and 2-gram keys always hold a rare character, so next to none those lookups are skipped.
   * One load per character for case folding and rareness.
   */
  readonly ascii: Uint16Array;
  /** Per bucket: the event (engine epoch) that last visited it. */
  readonly stamp: Uint32Array;
}

/** The witness sets the index can use (at most MAX_SETS, each of usable literals only); [] = the rule is always a candidate. */
function usableSets(rule: CompiledRule): readonly (readonly string[])[] {
  return rule.witness.slice(0, MAX_SETS).filter((set) => set.length > 0 && set.every(usableLiteral) && set.every(hasKey));
}

/** A 4+ character literal made only of NUL characters has no 4-gram key (0 marks empty table slots). */
function hasKey(w: string): boolean {
  return w.length < WITNESS_MIN || w.charCodeAt(0) !== 0 || /[^\0]/.test(w);
}

/** Adds a literal's 4-gram windows (4+ characters) or 2-grams (shorter) to the counts (a function of its own: called per literal, it is optimised early). */
function countGrams(w: string, freq4: Uint32Array, freq2: Uint32Array, bits: number): void {
  let h = 0;
  const long = w.length >= WITNESS_MIN;
  for (let i = 0; i < w.length; i++) {
    h = (h << 8) | fold(w.charCodeAt(i));
    if (long) {
      if (i >= 3) freq4[Math.imul(h, MUL) >>> (32 - bits)]!++;
    } else if (i >= 1) freq2[h & 0xffff]!++;
  }
}

/**
 * The key each literal is filed under, chosen by gram frequencies among the literals of all the
 * rules (`ids`, sets by `setsOf`), so that the routes' indexes agree on keys with one index of every
 * rule.
 */
function keyChooser(ids: readonly number[], setsOf: (rule: number) => readonly (readonly string[])[]): (w: string) => number {
  // Gram frequencies among all literals (approximate: a 2^20-slot count table; collisions only make
  // a gram look commoner than it is, which changes which window files a literal, never correctness;
  // a 2^16-slot table chose keys that made 3.66 candidates per realistic event instead of 2.85).
  const FREQ_BITS = 20;
  const freq4 = new Uint32Array(1 << FREQ_BITS);
  const freq2 = new Uint32Array(1 << 16);
  const slot4 = (h: number): number => Math.imul(h, MUL) >>> (32 - FREQ_BITS);
  for (const id of ids) for (const set of setsOf(id)) for (const w of set) countGrams(w, freq4, freq2, FREQ_BITS);
  /** The key a literal is filed under; literals recur across rules, so remembered. */
  const keyOf = new Map<string, number>();
  const chooseKey = (w: string): number => {
    let k = keyOf.get(w);
    if (k !== undefined) return k;
    if (w.length >= WITNESS_MIN) {
      let best = 0;
      let bestFreq = Infinity;
      let h = 0;
      // Windows of hex digits only are everywhere in events (hashes, GUIDs, addresses, times)
      // however rare among the literals, and so are the windows of COMMON_IN_LOGS: any other
      // window of the literal is preferred.
      let hexRun = 0;
      for (let i = 0; i < w.length; i++) {
        const c = w.charCodeAt(i);
        h = (h << 8) | fold(c);
        hexRun = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) ? hexRun + 1 : 0;
        if (i < 3 || h === 0) continue;
        const f = freq4[slot4(h)]! + (hexRun >= 4 ? 1_000_000 : 0) + (COMMON_WINDOWS.has(h) ? 100_000 : 0);
        if (f <= bestFreq) {
          bestFreq = f;
          best = h;
        }
      }
      k = best >>> 0;
    } else if (w.length === 1) {
      k = UNI + fold(w.charCodeAt(0));
    } else {
      let best = -1;
      let bestFreq = Infinity;
      for (let i = 1; i < w.length; i++) {
        if (!hasRareChar(w.slice(i - 1, i + 1))) continue;
        const h = gram2(w, i);
        const f = freq2[h]!;
        if (f <= bestFreq) {
          bestFreq = f;
          best = h;
        }
      }
      if (best >= 0) k = BI + best;
      else {
        // No 2-gram with a rare character (cannot happen for a usable literal): its rare character.
        const rare = [...w].find(hasRareChar) ?? w[0] ?? ' ';
        k = UNI + fold(rare.charCodeAt(0));
      }
    }
    keyOf.set(w, k);
    return k;
  };
  return chooseKey;
}

/**
 * The index of some rules (`ids`, each with usable sets: `setsOf`), literals filed under
 * `chooseKey`'s keys; entries name rules by their number in the engine.
 */
function buildIndex(ids: readonly number[], setsOf: (rule: number) => readonly (readonly string[])[], chooseKey: (w: string) => number): LiteralIndex {
  // A bucket per distinct key.
  const bucketOf = new Map<number, number>();
  const lists: number[][] = [];
  for (const idx of ids) {
    setsOf(idx).forEach((set, si) => {
      const entry = idx * 4 + si;
      for (const w of set) {
        const k = chooseKey(w);
        let b = bucketOf.get(k);
        if (b === undefined) {
          b = lists.length;
          bucketOf.set(k, b);
          lists.push([]);
        }
        const l = lists[b] as number[];
        if (l[l.length - 1] !== entry) l.push(entry);
      }
    });
  }
  const start = new Int32Array(lists.length + 1);
  let total = 0;
  lists.forEach((l, b) => {
    start[b] = total;
    total += l.length;
  });
  start[lists.length] = total;
  const entries = new Int32Array(total);
  lists.forEach((l, b) => entries.set(l, start[b]));
  let n4 = 0;
  for (const k of bucketOf.keys()) if (k < BI) n4++;
  let size = 1024;
  while (size < n4 * 2) size *= 2;
  const shift = 32 - Math.log2(size);
  const table = new Int32Array(size * 2);
  // About PRE_PER_KEY bits per 4-gram key (at least 1 kB, at most 32 kB): a route's index is as small as its rules.
  const preBits = Math.max(13, Math.min(PRE_BITS, Math.ceil(Math.log2(n4 * PRE_PER_KEY + 1))));
  const preShift = 32 - preBits;
  const pre = new Uint32Array(1 << (preBits - 5));
  const bi = new Int32Array(1 << 16);
  const biBits = new Uint32Array(1 << 11);
  const uni = new Int32Array(256);
  for (const [k, b] of bucketOf) {
    if (k < BI) {
      const h = k | 0;
      let i = Math.imul(h, MUL) >>> shift;
      while (table[2 * i] !== 0) i = (i + 1) & (size - 1);
      table[2 * i] = h;
      table[2 * i + 1] = b;
      const p = Math.imul(h, PRE1) >>> preShift;
      pre[p >>> 5] = (pre[p >>> 5] as number) | (1 << (p & 31));
      const q = Math.imul(h, PRE2) >>> preShift;
      pre[q >>> 5] = (pre[q >>> 5] as number) | (1 << (q & 31));
    } else if (k < UNI) {
      const g = k - BI;
      bi[g] = b + 1;
      biBits[g >>> 5] = (biBits[g >>> 5] as number) | (1 << (g & 31));
    } else uni[k - UNI] = b + 1;
  }
  return { buckets: lists.length, start, entries, pre, preShift, table, shift, bi, biBits, uni, ascii: ASCII, stamp: new Uint32Array(lists.length) };
}

const ASCII = ((): Uint16Array => {
  const ascii = new Uint16Array(128);
  for (let c = 0; c < 128; c++) {
    const f = c >= 65 && c <= 90 ? c + 32 : c;
    ascii[c] = f | (hasRareChar(String.fromCharCode(f)) ? 0x100 : 0);
  }
  return ascii;
})();

/** Container kinds (1 = object, 0 = array) by depth, for scanJson: deeper JSON is walked as parsed. */
const JSON_KINDS = new Uint8Array(256);
const UTF8 = new TextDecoder();

/** Bytes `from..to` as Latin-1 (a number's text). */
function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function createEngine(rules: readonly CompiledRule[], pipeline: Pipeline, options: EngineOptions = {}): Engine {
  const routing = options.routing ?? true;
  const useIndex = options.index ?? true;
  const n = rules.length;
  const fields = routeFields(pipeline);
  const aliasPreds: { when: Predicate; fields: Readonly<Record<string, string>> }[] = pipeline.eventAliases.map((a) => ({ when: compileConditionMap(a.when), fields: a.fields }));
  const sources = pipeline.sources;
  // Recognition tries the sources' condition maps in order; each field is looked up once per event
  // however many maps test it (`Type`, `Channel`, `category`... recur).
  const recFields: string[] = [];
  const recSlot = new Map<string, number>();
  const recAlts = sources.flatMap((src, i) =>
    src.conditions.map((c) => ({
      source: i,
      tests: conditionTests(c).map(({ field, test }) => {
        let k = recSlot.get(field);
        if (k === undefined) recSlot.set(field, (k = recFields.push(field) - 1));
        return { slot: k, test };
      }),
    })),
  );
  const recValues: unknown[] = new Array<unknown>(recFields.length);
  const recStamp = new Uint32Array(recFields.length);
  let recEpoch = 0;
  /** The index of the event's log source in `sources`, or -1 (unknown), by trying them in order. */
  const recognizeSlow = (ctx: EventContext): number => {
    recEpoch = (recEpoch + 1) >>> 0;
    if (recEpoch === 0) {
      recStamp.fill(0);
      recEpoch = 1;
    }
    for (let a = 0; a < recAlts.length; a++) {
      const alt = recAlts[a]!;
      let ok = true;
      for (let t = 0; t < alt.tests.length && ok; t++) {
        const { slot, test } = alt.tests[t]!;
        if (recStamp[slot] !== recEpoch) {
          recStamp[slot] = recEpoch;
          recValues[slot] = getField(ctx, recFields[slot]!);
        }
        ok = test(recValues[slot]);
      }
      if (ok) return alt.source;
    }
    return -1;
  };
  // Fast path (Windows records: the default pipeline's first sources read only `Channel`, and one
  // of them takes any Channel): when the leading sources read one field only and one of them
  // holds whenever that field is present, an event with the field present is of one of those
  // sources, a function of the field's value alone; remembered per value.
  const keyField = ((): string | undefined => {
    let field: string | undefined;
    for (const src of sources) {
      const keys = new Set(src.conditions.flatMap((c) => Object.keys(c)));
      if (keys.size !== 1) return undefined;
      const f = [...keys][0] as string;
      if (field !== undefined && f !== field) return undefined;
      field = f;
      if (src.conditions.some((c) => c[f] === '*')) return field;
    }
    return undefined;
  })();
  const byKey = new Map<unknown, number>();
  const recognize = keyField === undefined
    ? recognizeSlow
    : (ctx: EventContext): number => {
        const v = getField(ctx, keyField);
        if (v === undefined || v === null || typeof v === 'object') return recognizeSlow(ctx);
        let i = byKey.get(v);
        if (i === undefined) {
          i = recognizeSlow(ctx);
          if (byKey.size < 10_000) byKey.set(v, i);
        }
        return i;
      };

  // A rule is a candidate when an entry of each of its sets was hit.
  // A rule's usable witness sets, and the mask of them all, looked up when a route first holds it.
  const sets: (readonly (readonly string[])[] | undefined)[] = new Array<readonly (readonly string[])[] | undefined>(n);
  const full = new Uint8Array(n);
  const setsOf = (i: number): readonly (readonly string[])[] => {
    let ws = sets[i];
    if (ws === undefined) {
      ws = usableSets(rules[i] as CompiledRule);
      sets[i] = ws;
      full[i] = (1 << ws.length) - 1;
    }
    return ws;
  };
  // Each route's index is built on the route's first event, from its rules only (most rules of a
  // large set never see an event of their logsource in a given log), and shared by the routes with
  // the same indexed rules (e.g. every EventID of a channel that no rule names).
  const indexes = new Map<string, LiteralIndex>();
  // Keys are chosen by the frequencies among every rule's literals, as one index of all rules would.
  const chooseKey = useIndex ? keyChooser(Array.from(rules.keys()), setsOf) : undefined;

  // Routes in a tree of Maps, one level per routing field, keyed by the field's value as is
  // (objects by their JSON): no key string is built per event.
  type RouteTree = Map<unknown, RouteTree | Route>;
  let routes: RouteTree = new Map();
  let routeCount = 0;
  const ABSENT = Symbol('absent');
  const routeFor = (ctx: EventContext): Route => {
    // First level: the log source.
    const src = recognize(ctx);
    ctx.source = src;
    let node = routes.get(src) as RouteTree | undefined;
    if (node === undefined) routes.set(src, (node = new Map()));
    const last = fields.length - 1;
    for (let k = 0; k <= last; k++) {
      const v = getField(ctx, fields[k]!);
      const key = v === undefined ? ABSENT : typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
      const next = node.get(key);
      if (k === last) {
        if (next !== undefined) return next as Route;
        const r = makeRoute(ctx);
        node.set(key, r);
        return r;
      }
      if (next === undefined) {
        const m: RouteTree = new Map();
        node.set(key, m);
        node = m;
      } else node = next as RouteTree;
    }
    // No routing fields at all: one route per source.
    let r = node.get(ABSENT) as Route | undefined;
    if (r === undefined) node.set(ABSENT, (r = makeRoute(ctx)));
    return r;
  };
  const makeRoute = (ctx: EventContext): Route => {
    if (++routeCount > 10_000) {
      routes = new Map();
      indexes.clear();
      routeCount = 1;
    }
    const always: number[] = [];
    const inIndex: number[] = [];
    let aliases: Record<string, string> | undefined;
    for (const a of aliasPreds) if (a.when(ctx)) aliases = { ...aliases, ...a.fields };
    const source = sources[ctx.source];
    const loose = source?.looseNames === true;
    ctx.loose = loose;
    for (let i = 0; i < n; i++) {
      const rule = rules[i] as CompiledRule;
      // The route check is part of the index: off with it (the corpus test compares the two).
      const ok = !routing || (logsourceAdmits(rule.rule.logsource, source?.logsource) && rule.precondition(ctx) && (!useIndex || rule.routeCheck === undefined || rule.routeCheck(ctx) !== 0));
      if (ok) {
        if (!useIndex || setsOf(i).length === 0) always.push(i);
        else inIndex.push(i);
      }
    }
    let index: LiteralIndex | undefined;
    if (inIndex.length > 0) {
      const key = inIndex.join(',');
      index = indexes.get(key);
      if (index === undefined) {
        index = buildIndex(inIndex, setsOf, chooseKey!);
        indexes.set(key, index);
      }
    }
    return { loose, always: Int32Array.from(always), aliases, index, memoVals: [], memoHits: [], memoLen: new Int32Array(MEMO_LEAVES) };
  };

  const counters: EngineCounters = { events: 0, evaluated: 0, visited: 0 };
  const stamp = new Uint32Array(n);
  const mask = new Uint8Array(n);
  let epoch = 0;
  let candidates = new Int32Array(64);
  let nc = 0;
  let visited = 0;

  // The index scanned for the current event (its route's).
  let cur: LiteralIndex | undefined;
  let curStart: Int32Array = new Int32Array(1);
  let curEntries: Int32Array = new Int32Array(0);
  let bucketStamp: Uint32Array = new Uint32Array(0);
  // Buckets hit by the leaf being scanned, for the route's memo.
  let rec = new Int32Array(64);
  let recLen = 0;

  /** Marks the entries of bucket `b` (once per event); a rule whose sets are all hit becomes a candidate. */
  const visit = (b: number): void => {
    if (bucketStamp[b] === epoch) return;
    bucketStamp[b] = epoch;
    const start = curStart;
    const entries = curEntries;
    const end = start[b + 1]!;
    let k = start[b]!;
    visited += end - k;
    for (; k < end; k++) {
      const e = entries[k]!;
      const r = e >>> 2;
      if (stamp[r] !== epoch) {
        stamp[r] = epoch;
        mask[r] = 0;
      }
      const m = mask[r]!;
      if (m === 0xff) continue;
      const nm = m | (1 << (e & 3));
      if (nm === full[r]) {
        mask[r] = 0xff;
        if (nc === candidates.length) {
          const next = new Int32Array(nc * 2);
          next.set(candidates);
          candidates = next;
        }
        candidates[nc++] = r;
      } else mask[r] = nm;
    }
  };

  /** A key of the leaf being scanned was hit: its bucket, remembered for the route's memo. */
  const hit = (b: number): void => {
    if (recLen === rec.length) {
      const next = new Int32Array(recLen * 2);
      next.set(rec);
      rec = next;
    }
    rec[recLen++] = b;
    visit(b);
  };

  /** The 4-gram window `h` passed the prefilter's first bit: its second bit, then its bucket, when it is a key. */
  const probe = (h: number): void => {
    const ix = cur as LiteralIndex;
    const q = Math.imul(h, PRE2) >>> ix.preShift;
    if ((ix.pre[q >>> 5]! & (1 << (q & 31))) === 0) return;
    const table = ix.table;
    const tmask = (table.length >>> 1) - 1;
    let t = Math.imul(h, MUL) >>> ix.shift;
    for (;;) {
      const kk = table[2 * t]!;
      if (kk === 0) return;
      if (kk === h) {
        hit(table[2 * t + 1]!);
        return;
      }
      t = (t + 1) & tmask;
    }
  };

  /**
   * The 1- and 2-gram keys of a leaf (ASCII, or already lower-cased) holding a rare character:
   * they always hold one (witness.ts), so only leaves with one are looked at again.
   */
  const scanRare = (s: string): void => {
    const { bi, biBits, uni } = cur as LiteralIndex;
    let prevRare = 0;
    let h = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const fr = c < 0x80 ? ASCII[c]! : 0x180 | ((c ^ (c >>> 7)) & 0x7f); // non-ASCII: folded into 0x80-0xff, always rare
      const f = fr & 0xff;
      h = ((h << 8) | f) & 0xffff;
      const r = fr >>> 8;
      if ((r | prevRare) !== 0) {
        if (r !== 0) {
          const u = uni[f]!;
          if (u !== 0) hit(u - 1);
        }
        if ((biBits[h >>> 5]! & (1 << (h & 31))) !== 0) hit(bi[h]! - 1);
      }
      prevRare = r;
    }
  };

  /** The 4-gram windows of a lower-cased leaf with characters beyond ASCII, then its rare keys. */
  const scanFolded = (s: string): void => {
    const { pre, preShift } = cur as LiteralIndex;
    let h = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h = (h << 8) | (c < 0x80 ? ASCII[c]! & 0xff : 0x80 | ((c ^ (c >>> 7)) & 0x7f));
      const p = Math.imul(h, PRE1) >>> preShift;
      if ((pre[p >>> 5]! & (1 << (p & 31))) !== 0) probe(h);
    }
    scanRare(s);
  };

  /**
   * Scans one leaf string, case-folded on the fly: ASCII letters inline, the rare characters'
   * keys in a second pass only for the leaves that hold one; a leaf with any character beyond
   * ASCII is scanned again as s.toLowerCase() (full Unicode folding, as the witnesses were folded;
   * buckets already visited are skipped, so the partial first pass costs nothing extra). Windows
   * reaching before the leaf's start read as NUL characters: at worst an extra candidate.
   */
  const scanString = (s: string): void => {
    const { pre, preShift } = cur as LiteralIndex;
    const ascii = ASCII;
    let h = 0;
    let any = 0;
    const len = s.length;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        scanFolded(s.toLowerCase());
        return;
      }
      const fr = ascii[c]!;
      any |= fr;
      h = (h << 8) | (fr & 0xff);
      const p = Math.imul(h, PRE1) >>> preShift;
      if ((pre[p >>> 5]! & (1 << (p & 31))) !== 0) probe(h);
    }
    if ((any & 0x100) !== 0) scanRare(s);
  };

  // The current route's memo, and the number of the next scalar leaf.
  let memoVals: unknown[] = [];
  let memoHits: Int32Array[] = [];
  let memoLen: Int32Array = new Int32Array(0);
  let leafNo = 0;

  /** One scalar leaf: from the route's memo when it equals the leaf at its position last time, else scanned (and remembered). */
  const scanLeaf = (v: string | number | boolean): void => {
    const k = leafNo++;
    recLen = 0;
    if (k >= MEMO_LEAVES) {
      scanString(typeof v === 'string' ? v : String(v));
      return;
    }
    if (memoVals[k] === v) {
      const hs = memoHits[k] as Int32Array;
      const m = memoLen[k]!;
      for (let j = 0; j < m; j++) visit(hs[j]!);
      return;
    }
    scanString(typeof v === 'string' ? v : String(v));
    memoVals[k] = v;
    memoLen[k] = recLen;
    if (recLen > 0) {
      let hs = memoHits[k];
      if (hs === undefined || hs.length < recLen) memoHits[k] = hs = new Int32Array(Math.max(8, recLen));
      hs.set(rec.subarray(0, recLen));
    }
  };

  /** Every scalar leaf of the event, as eventLeaves lists them, without building the list (a call per object, not per leaf). */
  const scanValue = (v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') scanLeaf(v);
    else if (typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) {
        for (let k = 0; k < v.length; k++) {
          const x: unknown = v[k];
          if (typeof x === 'string') scanLeaf(x);
          else scanValue(x);
        }
      } else {
        for (const k in v) {
          const x = (v as Record<string, unknown>)[k];
          if (typeof x === 'string') scanLeaf(x);
          else scanValue(x);
        }
      }
    }
  };

  /**
   * The event's leaves read from its JSON text (EventContext.json) instead of the parsed event:
   * one pass over the bytes, object keys skipped, each value string's windows checked as
   * scanString does (ASCII folded on the fly, escapes decoded; windows start at NUL before each
   * value). A value string with a character beyond ASCII is decoded and handed to scanString;
   * a number whose text is not its String() form (`1.0`, `1e3`, `-0`, 16+ digits) is scanned as
   * String(Number(text)). Every leaf of the parsed event is scanned (a duplicate key's earlier value
   * too: at worst an extra candidate), so the buckets hit are those of scanValue(ctx.raw) and more.
   * Returns false when the text nests deeper than the scanner follows (the caller walks the event).
   */
  const scanJson = (b: Uint8Array, from: number, to: number): boolean => {
    const { pre, preShift, bi, biBits, uni } = cur as LiteralIndex;
    const ascii = ASCII;
    const kinds = JSON_KINDS;
    let depth = 0;
    let expectKey = false;
    let i = from;
    while (i < to) {
      const c = b[i]!;
      if (c === 0x22) {
        if (expectKey) {
          // An object key: skipped.
          let j = i + 1;
          while (j < to) {
            const d = b[j]!;
            if (d === 0x22) break;
            j += d === 0x5c ? 2 : 1;
          }
          i = j + 1;
          expectKey = false;
          continue;
        }
        // A value string.
        recLen = 0;
        let h = 0;
        let prevRare = 0;
        let j = i + 1;
        for (;;) {
          if (j >= to) break;
          let d = b[j]!;
          if (d === 0x22) break;
          if (d === 0x5c) {
            const e = b[j + 1]!;
            if (e === 0x75) {
              d = parseInt(String.fromCharCode(b[j + 2]!, b[j + 3]!, b[j + 4]!, b[j + 5]!), 16);
              j += 6;
            } else {
              d = e === 0x6e ? 10 : e === 0x74 ? 9 : e === 0x72 ? 13 : e === 0x62 ? 8 : e === 0x66 ? 12 : e;
              j += 2;
            }
            if (!(d < 0x80)) {
              j = nonAscii(b, i, to);
              break;
            }
          } else if (d >= 0x80) {
            j = nonAscii(b, i, to);
            break;
          } else j++;
          const fr = ascii[d]!;
          const f = fr & 0xff;
          h = (h << 8) | f;
          const p = Math.imul(h, PRE1) >>> preShift;
          if ((pre[p >>> 5]! & (1 << (p & 31))) !== 0) probe(h);
          // The 1- and 2-gram keys always hold a rare character (witness.ts).
          const r = fr >>> 8;
          if ((r | prevRare) !== 0) {
            if (r !== 0) {
              const u = uni[f]!;
              if (u !== 0) hit(u - 1);
            }
            const g = h & 0xffff;
            if ((biBits[g >>> 5]! & (1 << (g & 31))) !== 0) hit(bi[g]! - 1);
          }
          prevRare = r;
        }
        i = j + 1;
        continue;
      }
      if (c === 0x7b) {
        if (++depth >= kinds.length) return false;
        kinds[depth] = 1;
        expectKey = true;
      } else if (c === 0x5b) {
        if (++depth >= kinds.length) return false;
        kinds[depth] = 0;
        expectKey = false;
      } else if (c === 0x2c) expectKey = kinds[depth] === 1;
      else if (c === 0x7d || c === 0x5d) depth--;
      else if (c === 0x74 || c === 0x66 || (c >= 0x30 && c <= 0x39) || c === 0x2d) {
        // true, false or a number: its text up to the next delimiter.
        let j = i + 1;
        let simple = c !== 0x2d || (b[j] !== 0x30 && j < to);
        while (j < to) {
          const d = b[j]!;
          if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
          if (d === 0x2e || d === 0x65 || d === 0x45) simple = false;
          j++;
        }
        if (c !== 0x74 && c !== 0x66 && (!simple || j - i > 15)) scanString(String(Number(latin1(b, i, j))));
        else {
          let h = 0;
          for (let k = i; k < j; k++) {
            h = (h << 8) | b[k]!;
            const p = Math.imul(h, PRE1) >>> preShift;
            if ((pre[p >>> 5]! & (1 << (p & 31))) !== 0) probe(h);
          }
        }
        i = j;
        continue;
      }
      // null, ':', whitespace: nothing to scan.
      i++;
    }
    return true;
  };
  /** A value string (its opening quote at `at`) holding a character beyond ASCII: decoded and scanned as the parsed event holds it; the index after its closing quote - 1. */
  const nonAscii = (b: Uint8Array, at: number, to: number): number => {
    let j = at + 1;
    while (j < to) {
      const d = b[j]!;
      if (d === 0x22) break;
      j += d === 0x5c ? 2 : 1;
    }
    let s: unknown;
    try {
      s = JSON.parse(UTF8.decode(b.subarray(at, Math.min(j + 1, to))));
    } catch {
      // Not the JSON the event was parsed from (EventContext.json says it must be): nothing to add.
    }
    if (typeof s === 'string') scanString(s);
    return j;
  };

  const matchContext = (ctx: EventContext): CompiledRule[] => {
    const route = routeFor(ctx);
    ctx.aliases = route.aliases;
    ctx.loose = route.loose;
    epoch = (epoch + 1) >>> 0;
    if (epoch === 0) {
      stamp.fill(0);
      for (const ix of indexes.values()) ix.stamp.fill(0);
      epoch = 1;
    }
    nc = 0;
    visited = 0;
    const index = route.index;
    if (index !== undefined) {
      cur = index;
      curStart = index.start;
      curEntries = index.entries;
      bucketStamp = index.stamp;
      memoVals = route.memoVals;
      memoHits = route.memoHits;
      memoLen = route.memoLen;
      leafNo = 0;
      const json = ctx.json;
      if (json === undefined || !scanJson(json, ctx.jsonStart, ctx.jsonEnd)) scanValue(ctx.raw);
    }
    counters.visited += visited;
    const always = route.always;
    for (let k = 0; k < always.length; k++) {
      if (nc === candidates.length) {
        const next = new Int32Array(nc * 2);
        next.set(candidates);
        candidates = next;
      }
      candidates[nc++] = always[k]!;
    }
    counters.events++;
    counters.evaluated += nc;
    const list = candidates.subarray(0, nc);
    if (nc > 1) list.sort();
    let out: CompiledRule[] | undefined;
    for (let k = 0; k < nc; k++) {
      const rule = rules[list[k]!]!;
      if (rule.predicate(ctx)) (out ??= []).push(rule);
    }
    return out ?? [];
  };

  return {
    rules,
    stats: {
      rules: n,
      // Counted when asked: it needs every rule's witness, which the engine otherwise looks at per route.
      get indexed(): number {
        let k = 0;
        for (let i = 0; i < n; i++) if (setsOf(i).length > 0) k++;
        return k;
      },
      unrouted: rules.filter((r) => !r.routed).length,
    },
    counters,
    match: (event) => matchContext(eventContext(event)),
    matchContext,
  };
}
