/**
 * Events as the evaluator sees them. An EventContext wraps one parsed JSON event and knows its shape:
 *
 *   evtx       { Event: { System: {...}, EventData | UserData } }  (the Rust evtx crate's JSON)
 *   winlogbeat { winlog: { channel, event_id, event_data, ... }, ... }
 *   flat       anything else (NXLog-style Windows JSON, cloud logs, Zeek...); a top-level
 *              `EventData` that is an object, or a string of XML (`<Data Name="X">v</Data>`) or
 *              JSON, is its event data (Microsoft Sentinel SecurityEvent / WindowsEvent rows)
 *
 * and resolves a Sigma field name the same way for all three: Windows System fields
 * (`EventID`, `Channel`, `Computer`, `Provider_Name`, `Security_UserID`, `<Tag>_<Attr>`), then the
 * event data by name, then the raw event by nested path or literal dotted key (both are tried:
 * `id.resp_h` as a Zeek key or as `id` -> `resp_h`). Arrays are returned as is; the matchers test
 * each element. `undefined` means absent, `null` means present and null.
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const SHAPE_EVTX = 0;
export const SHAPE_WINLOGBEAT = 1;
export const SHAPE_FLAT = 2;

export interface EventContext {
  readonly raw: unknown;
  readonly shape: number;
  readonly sys: Obj | undefined;
  readonly data: Obj | undefined;
  readonly user: Obj | undefined;
  /** Per-event field renames chosen by the pipeline (e.g. Security 4688); set by the engine. */
  aliases: Readonly<Record<string, string>> | undefined;
  /** Index of the event's recognised log source in the pipeline's `sources`, -1 unknown; set by the engine. */
  source: number;
  /** Field names also resolve ignoring case, spaces and underscores (the source's looseNames); set by the engine. */
  loose: boolean;
  /** Lazily built for loose lookups: normalised name -> value, per object searched. */
  looseKeys: Map<object, Map<string, unknown>> | undefined;
  /** Lazily computed: every scalar leaf as a string, and lower-cased. */
  leaves: string[] | undefined;
  leavesLower: string[] | undefined;
  /** Lower-cased forms of the strings already folded for this event. */
  lower: Map<string, string> | undefined;
  /**
   * The JSON text `raw` was parsed from, as UTF-8 bytes `json[jsonStart..jsonEnd)`, when the reader
   * has it (NDJSON lines): the engine scans it for witness literals instead of walking the parsed
   * event. Undefined otherwise.
   */
  readonly json: Uint8Array | undefined;
  readonly jsonStart: number;
  readonly jsonEnd: number;
}

/** How deep field lookups descend into an event's arrays and objects. */
const MAX_EVENT_DEPTH = 100;

/** s.toLowerCase(), once per distinct string per event. */
export function lowerOf(ctx: EventContext, s: string): string {
  let m = ctx.lower;
  if (m === undefined) ctx.lower = m = new Map();
  let l = m.get(s);
  if (l === undefined) {
    l = s.toLowerCase();
    m.set(s, l);
  }
  return l;
}

/**
 * Wraps a parsed event. `json` (with `start`, `end`), when given, must be the exact UTF-8 JSON
 * text `raw` was parsed from (JSON.parse of its decoding gives `raw`): the engine reads it for its
 * literal index (EventContext.json).
 */
export function eventContext(raw: unknown, json?: Uint8Array, start = 0, end = json === undefined ? 0 : json.length): EventContext {
  if (isObj(raw)) {
    const ev = raw['Event'];
    if (isObj(ev) && isObj(ev['System'])) {
      const ed = ev['EventData'];
      const ud = ev['UserData'];
      let user: Obj | undefined;
      if (isObj(ud)) {
        for (const v of Object.values(ud)) if (isObj(v)) user = v;
      }
      return { raw, shape: SHAPE_EVTX, sys: ev['System'], data: isObj(ed) ? ed : undefined, user, aliases: undefined, source: -1, loose: false, looseKeys: undefined, leaves: undefined, leavesLower: undefined, lower: undefined, json, jsonStart: start, jsonEnd: end };
    }
    const wl = raw['winlog'];
    if (isObj(wl)) {
      const ed = wl['event_data'];
      const ud = wl['user_data'];
      return { raw, shape: SHAPE_WINLOGBEAT, sys: wl, data: isObj(ed) ? ed : undefined, user: isObj(ud) ? ud : undefined, aliases: undefined, source: -1, loose: false, looseKeys: undefined, leaves: undefined, leavesLower: undefined, lower: undefined, json, jsonStart: start, jsonEnd: end };
    }
    const ed = raw['EventData'];
    if (ed !== undefined) {
      const data = typeof ed === 'string' ? parseEventDataString(ed) : isObj(ed) ? ed : undefined;
      return { raw, shape: SHAPE_FLAT, sys: undefined, data, user: undefined, aliases: undefined, source: -1, loose: false, looseKeys: undefined, leaves: undefined, leavesLower: undefined, lower: undefined, json, jsonStart: start, jsonEnd: end };
    }
  }
  return { raw, shape: SHAPE_FLAT, sys: undefined, data: undefined, user: undefined, aliases: undefined, source: -1, loose: false, looseKeys: undefined, leaves: undefined, leavesLower: undefined, lower: undefined, json, jsonStart: start, jsonEnd: end };
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function xmlText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : (XML_ENTITIES[e] as string),
  );
}

/**
 * Event data written as a string, as Microsoft Sentinel / Log Analytics export it: the record's
 * `<EventData><Data Name="X">v</Data>...</EventData>` XML (unnamed `<Data>` items go to a `Data`
 * list), or a JSON object (`{"X": "v"}`, or `{"Data": [{"@Name"|"Name": "X", "#text": "v"}]}`).
 * Anything else: no event data.
 */
export function parseEventDataString(text: string): Obj | undefined {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch {
      return undefined;
    }
    if (!isObj(v)) return undefined;
    const inner = isObj(v['EventData']) ? v['EventData'] : v;
    const list = inner['Data'];
    if (!Array.isArray(list) || !list.every((d) => isObj(d) && typeof (d['@Name'] ?? d['Name']) === 'string')) return inner;
    const out: Obj = {};
    for (const d of list as Obj[]) out[String(d['@Name'] ?? d['Name'])] = d['#text'] ?? d['text'] ?? d['value'] ?? '';
    return out;
  }
  if (!t.startsWith('<')) return undefined;
  const out: Obj = {};
  const unnamed: string[] = [];
  const re = /<Data(?:\s+Name\s*=\s*(?:"([^"]*)"|'([^']*)'))?\s*(?:\/>|>([\s\S]*?)<\/Data\s*>)/g;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    const name = m[1] ?? m[2];
    const value = xmlText(m[3] ?? '');
    if (name === undefined) unnamed.push(value);
    else out[xmlText(name)] = value;
  }
  if (unnamed.length > 0) out['Data'] = unnamed;
  return out;
}

/** A field name as loose lookups compare it: lower case, without spaces and underscores. */
function looseName(s: string): string {
  return s.replace(/[\s_]+/g, '').toLowerCase();
}

/** `obj`'s value under a name equal to `field` ignoring case, spaces and underscores. */
function looseGet(ctx: EventContext, obj: Obj, field: string): unknown {
  let all = ctx.looseKeys;
  if (all === undefined) ctx.looseKeys = all = new Map();
  let m = all.get(obj);
  if (m === undefined) {
    m = new Map();
    for (const k of Object.keys(obj)) {
      const n = looseName(k);
      if (!m.has(n)) m.set(n, obj[k]);
    }
    all.set(obj, m);
  }
  return m.get(looseName(field));
}

/** A dotted path, each step by exact or loose name; arrays on the way are searched element by element. */
function loosePath(ctx: EventContext, v: unknown, parts: readonly string[], at: number, depth = 0): unknown {
  if (at === parts.length) return v;
  if (depth > MAX_EVENT_DEPTH) return undefined; // see lookupPath
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const el of v) {
      const x = loosePath(ctx, el, parts, at, depth + 1);
      if (x === undefined) continue;
      if (Array.isArray(x)) out.push(...(x as unknown[]));
      else out.push(x);
    }
    return out.length === 0 ? undefined : out;
  }
  if (!isObj(v)) return undefined;
  const p = parts[at] as string;
  const next = v[p] !== undefined ? v[p] : looseGet(ctx, v, p);
  return next === undefined ? undefined : loosePath(ctx, next, parts, at + 1, depth + 1);
}

/** The field by loose name: the event data first (Windows shapes), then the event by path. */
function looseField(ctx: EventContext, field: string): unknown {
  if (ctx.data !== undefined) {
    const v = looseGet(ctx, ctx.data, field);
    if (v !== undefined) return ctx.shape === SHAPE_WINLOGBEAT ? v : unwrap(v);
  }
  if (ctx.user !== undefined) {
    const v = looseGet(ctx, ctx.user, field);
    if (v !== undefined) return ctx.shape === SHAPE_WINLOGBEAT ? v : unwrap(v);
  }
  if (ctx.shape !== SHAPE_FLAT) return undefined;
  return loosePath(ctx, ctx.raw, field.split('.'), 0);
}

/** `{#text: x, #attributes: ...}` (EventID with Qualifiers, Data elements) -> x. */
export function unwrap(v: unknown): unknown {
  if (isObj(v) && Object.hasOwn(v, '#text')) return v['#text'];
  return v;
}

function attr(sys: Obj, tag: string, name: string): unknown {
  const t = sys[tag];
  if (!isObj(t)) return undefined;
  const a = t['#attributes'];
  return isObj(a) ? a[name] : undefined;
}

const WINLOGBEAT_SYSTEM: Record<string, string> = {
  EventID: 'event_id',
  Channel: 'channel',
  Computer: 'computer_name',
  Provider_Name: 'provider_name',
  Provider_Guid: 'provider_guid',
  EventRecordID: 'record_id',
  Task: 'task',
  Opcode: 'opcode',
  Version: 'version',
};

function evtxSystem(sys: Obj, field: string): unknown {
  const direct = sys[field];
  if (direct !== undefined) return unwrap(direct);
  const us = field.indexOf('_');
  if (us > 0) return attr(sys, field.slice(0, us), field.slice(us + 1));
  return undefined;
}

/** Nested path or literal dotted key, both ways; arrays on the way are searched element by element. */
export function lookupPath(obj: unknown, path: string, depth = 0): unknown {
  // A log line is untrusted: arrays nested thousands deep would overflow the stack (fuzzing found
  // `[[[[...]]]]`); no real event nests that far, so deeper levels hold no field.
  if (depth > MAX_EVENT_DEPTH) return undefined;
  if (Array.isArray(obj)) {
    const out: unknown[] = [];
    for (const el of obj) {
      const v = lookupPath(el, path, depth + 1);
      if (v === undefined) continue;
      if (Array.isArray(v)) out.push(...(v as unknown[]));
      else out.push(v);
    }
    return out.length === 0 ? undefined : out;
  }
  if (!isObj(obj)) return undefined;
  const own = obj[path];
  if (own !== undefined || Object.hasOwn(obj, path)) return own;
  let dot = path.indexOf('.');
  while (dot > 0) {
    const head = obj[path.slice(0, dot)];
    if (head !== undefined && head !== null && typeof head === 'object') {
      const v = lookupPath(head, path.slice(dot + 1), depth + 1);
      if (v !== undefined) return v;
    }
    dot = path.indexOf('.', dot + 1);
  }
  return undefined;
}

/** Resolves one event field name (after pipeline mapping) in an event. */
export function getField(ctx: EventContext, field: string): unknown {
  const alias = ctx.aliases?.[field];
  if (alias !== undefined) {
    const v = getFieldDirect(ctx, alias);
    if (v !== undefined) return v;
  }
  const v = getFieldDirect(ctx, field);
  if (v !== undefined || !ctx.loose) return v;
  return looseField(ctx, field);
}

function getFieldDirect(ctx: EventContext, field: string): unknown {
  if (ctx.shape === SHAPE_EVTX) {
    const data = ctx.data;
    if (data !== undefined) {
      const v = data[field];
      if (v !== undefined) return unwrap(v);
    }
    const u = ctx.user;
    if (u !== undefined) {
      const v = u[field];
      if (v !== undefined) return unwrap(v);
    }
    const s = evtxSystem(ctx.sys as Obj, field);
    if (s !== undefined) return s;
    return lookupPath((ctx.raw as Obj)['Event'], field) ?? lookupPath(ctx.raw, field);
  }
  if (ctx.shape === SHAPE_WINLOGBEAT) {
    const data = ctx.data;
    if (data !== undefined) {
      const v = data[field];
      if (v !== undefined) return v;
    }
    const u = ctx.user;
    if (u !== undefined && u[field] !== undefined) return u[field];
    const sysKey = WINLOGBEAT_SYSTEM[field];
    if (sysKey !== undefined) {
      const v = (ctx.sys as Obj)[sysKey];
      if (v !== undefined) return v;
    }
    return lookupPath(ctx.raw, field);
  }
  const data = ctx.data;
  if (data !== undefined) {
    const v = data[field];
    if (v !== undefined) return unwrap(v);
  }
  return lookupPath(ctx.raw, field);
}

/** Every scalar leaf of the event as a string (numbers and booleans in their string form). */
export function eventLeaves(ctx: EventContext): string[] {
  if (ctx.leaves !== undefined) return ctx.leaves;
  const out: string[] = [];
  // Depth-first, in document order, with a stack of its own: an event nested thousands deep (a
  // hostile log line) must not overflow the call stack.
  const stack: unknown[] = [ctx.raw];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) stack.push((v as Obj)[keys[i] as string]);
    }
  }
  ctx.leaves = out;
  return out;
}

export function eventLeavesLower(ctx: EventContext): string[] {
  if (ctx.leavesLower !== undefined) return ctx.leavesLower;
  const l = eventLeaves(ctx);
  const out = new Array<string>(l.length);
  for (let i = 0; i < l.length; i++) out[i] = (l[i] as string).toLowerCase();
  ctx.leavesLower = out;
  return out;
}

// Last: Microsoft Sentinel / Log Analytics (TimeGenerated), Office 365 (CreationTime), Graph (createdDateTime, activityDateTime), Defender XDR (Timestamp).
const TIME_FIELDS = ['@timestamp', 'timestamp', 'TimeCreated', 'EventTime', 'UtcTime', 'time', 'eventTime', 'published', 'ts', 'date', 'TimeGenerated', 'CreationTime', 'createdDateTime', 'activityDateTime', 'Timestamp'];

/** The event's timestamp as written (ISO string, epoch number...), or undefined. */
export function eventTimestamp(ctx: EventContext): string | undefined {
  if (ctx.shape === SHAPE_EVTX) {
    const t = attr(ctx.sys as Obj, 'TimeCreated', 'SystemTime');
    if (typeof t === 'string' || typeof t === 'number') return String(t);
  }
  for (const f of TIME_FIELDS) {
    const v = ctx.shape === SHAPE_FLAT ? lookupPath(ctx.raw, f) : getFieldDirect(ctx, f);
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    if (isObj(v) && (v['#attributes'] as Obj | undefined)?.['SystemTime'] !== undefined) return String((v['#attributes'] as Obj)['SystemTime']);
  }
  return undefined;
}

/** Milliseconds since the epoch, or undefined. Epoch numbers below 1e11 are taken as seconds. */
export function eventTimeMs(ctx: EventContext): number | undefined {
  const t = eventTimestamp(ctx);
  if (t === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return n < 1e11 ? n * 1000 : n;
  }
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) ? t : `${t.replace(' ', 'T')}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : ms;
}

const HOST_FIELDS = ['Computer', 'host.name', 'host.hostname', 'hostname', 'Hostname', 'computer_name', 'host'];

export function eventHost(ctx: EventContext): string | undefined {
  for (const f of HOST_FIELDS) {
    const v = getFieldDirect(ctx, f);
    if (typeof v === 'string') return v;
  }
  return undefined;
}
