/**
 * The log inventory: what a hunt's logs contain, counted while they are read. Per recognised log
 * source (the pipeline's `sources`: `windows`, `azure/signinlogs`...), Windows channel, provider and
 * event id: how many events, the first and last timestamp, and the hosts (a bounded set). It reads
 * only what the engine's routing already looked up (Channel, EventID, the provider, time and host)
 * and keys nested Maps by those values as they are, so no string is built per event.
 *
 * Threads: each worker counts the records it parsed into its own collector and sends the parts
 * ({@link InventoryEntry} lists) back with its matches; merging is a sum of counts, a min and max
 * of times and the union of host sets kept to the {@link MAX_HOSTS} smallest names, so a threaded
 * hunt gives exactly the inventory of one thread, whatever the order parts arrive in.
 */
import { eventHost, eventTimestamp, getField, type EventContext, type LogsourceSource } from '../sigma/index.ts';
import { SHAPE_EVTX } from '../sigma/runtime/event.ts';
import type { InventoryEntry } from '../core/inventory.ts';

export type { InventoryEntry };

/** Hosts kept per entry: the smallest names, so that the kept set does not depend on reading order. */
export const MAX_HOSTS = 50;

interface Acc {
  logsource: string;
  channel: string | null;
  provider: string | null;
  eventId: string | null;
  count: number;
  first: string | null;
  last: string | null;
  hosts: Set<string>;
  truncated: boolean;
}

type Level<T> = Map<unknown, T>;

const scalar = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? null;
};

/** The name a recognised source goes by in the inventory. */
export function sourceName(source: LogsourceSource | undefined): string {
  if (source === undefined) return 'unknown';
  const ls = source.logsource;
  return [ls.product, ls.service, ls.category].filter((p) => p !== undefined).join('/');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A value as the crate writes it: plain, or `{ "#text": ..., "#attributes": ... }`. */
const textOf = (v: unknown): unknown => (isObj(v) && Object.hasOwn(v, '#text') ? v['#text'] : v);
const attribute = (v: unknown, name: string): unknown => (isObj(v) && isObj(v['#attributes']) ? v['#attributes'][name] : undefined);

function addHost(a: Acc, host: string): void {
  if (a.hosts.has(host)) return;
  if (a.hosts.size < MAX_HOSTS) {
    a.hosts.add(host);
    return;
  }
  a.truncated = true;
  let max: string | undefined;
  for (const h of a.hosts) if (max === undefined || h > max) max = h;
  if (max !== undefined && host < max) {
    a.hosts.delete(max);
    a.hosts.add(host);
  }
}

/** Counts events by log source, channel, provider and event id. */
export class InventoryCollector {
  private readonly tree: Level<Level<Level<Level<Acc>>>> = new Map();
  private readonly names: string[];

  constructor(sources: readonly LogsourceSource[]) {
    this.names = sources.map(sourceName);
  }

  /** The entry of the event before: runs of one kind of event skip the Map lookups. */
  private lastSrc = NaN;
  private lastChannel: unknown;
  private lastProvider: unknown;
  private lastEventId: unknown;
  private lastAcc: Acc | undefined;

  /** One event, after the engine has recognised its log source (ctx.source). */
  add(ctx: EventContext): void {
    const src = ctx.source;
    let channel: unknown;
    let eventId: unknown;
    let provider: unknown;
    let ts: unknown;
    let host: unknown;
    const sys = ctx.sys;
    if (ctx.shape === SHAPE_EVTX && sys !== undefined) {
      // The evtx crate's System element, read in place (the generic lookups cost more than the rest).
      channel = textOf(sys['Channel']);
      eventId = textOf(sys['EventID']);
      provider = attribute(sys['Provider'], 'Name');
      ts = attribute(sys['TimeCreated'], 'SystemTime');
      host = textOf(sys['Computer']);
    } else {
      channel = getField(ctx, 'Channel');
      eventId = getField(ctx, 'EventID');
      provider = channel === undefined ? undefined : getField(ctx, 'Provider_Name');
      ts = eventTimestamp(ctx);
      host = eventHost(ctx);
    }
    let a = this.lastAcc;
    if (a === undefined || this.lastSrc !== src || this.lastChannel !== channel || this.lastEventId !== eventId || this.lastProvider !== provider) {
      a = this.accFor(src, channel, provider, eventId);
      this.lastSrc = src;
      this.lastChannel = channel;
      this.lastProvider = provider;
      this.lastEventId = eventId;
      this.lastAcc = a;
    }
    a.count++;
    if (typeof ts === 'number') ts = String(ts);
    if (typeof ts === 'string') {
      if (a.first === null || ts < a.first) a.first = ts;
      if (a.last === null || ts > a.last) a.last = ts;
    }
    if (typeof host === 'string') addHost(a, host);
  }

  private accFor(src: number, channel: unknown, provider: unknown, eventId: unknown): Acc {
    let bySrc = this.tree.get(src);
    if (bySrc === undefined) this.tree.set(src, (bySrc = new Map<unknown, Level<Level<Acc>>>()));
    let byChannel = bySrc.get(channel);
    if (byChannel === undefined) bySrc.set(channel, (byChannel = new Map<unknown, Level<Acc>>()));
    let byProvider = byChannel.get(provider);
    if (byProvider === undefined) byChannel.set(provider, (byProvider = new Map<unknown, Acc>()));
    let a = byProvider.get(eventId);
    if (a === undefined) {
      a = {
        logsource: src < 0 ? 'unknown' : (this.names[src] ?? 'unknown'),
        channel: scalar(channel),
        provider: scalar(provider),
        eventId: scalar(eventId),
        count: 0,
        first: null,
        last: null,
        hosts: new Set(),
        truncated: false,
      };
      byProvider.set(eventId, a);
    }
    return a;
  }

  /** Adds what another collector (a worker's) counted. */
  merge(entries: readonly InventoryEntry[]): void {
    for (const e of entries) {
      const a = this.accByText(e);
      a.count += e.count;
      if (e.first !== null && (a.first === null || e.first < a.first)) a.first = e.first;
      if (e.last !== null && (a.last === null || e.last > a.last)) a.last = e.last;
      for (const h of e.hosts) addHost(a, h);
      if (e.hostsTruncated) a.truncated = true;
    }
  }

  /** Entries merged by their text key (values from threads arrive as text already). */
  private readonly byText = new Map<string, Acc>();
  private accByText(e: Pick<InventoryEntry, 'logsource' | 'channel' | 'provider' | 'eventId'>): Acc {
    const key = `${e.logsource}\u0000${e.channel ?? '\u0001'}\u0000${e.provider ?? '\u0001'}\u0000${e.eventId ?? '\u0001'}`;
    let a = this.byText.get(key);
    if (a === undefined) {
      a = { logsource: e.logsource, channel: e.channel, provider: e.provider, eventId: e.eventId, count: 0, first: null, last: null, hosts: new Set(), truncated: false };
      this.byText.set(key, a);
    }
    return a;
  }

  /** Every entry, the same key from both paths added up, sorted by log source, channel, event id. */
  entries(): InventoryEntry[] {
    const out = new Map<string, Acc>();
    const fold = (a: Acc): void => {
      const key = `${a.logsource}\u0000${a.channel ?? '\u0001'}\u0000${a.provider ?? '\u0001'}\u0000${a.eventId ?? '\u0001'}`;
      const b = out.get(key);
      if (b === undefined) {
        out.set(key, { ...a, hosts: new Set(a.hosts) });
        return;
      }
      b.count += a.count;
      if (a.first !== null && (b.first === null || a.first < b.first)) b.first = a.first;
      if (a.last !== null && (b.last === null || a.last > b.last)) b.last = a.last;
      for (const h of a.hosts) addHost(b, h);
      if (a.truncated) b.truncated = true;
    };
    for (const bySrc of this.tree.values()) for (const byChannel of bySrc.values()) for (const byProvider of byChannel.values()) for (const a of byProvider.values()) fold(a);
    for (const a of this.byText.values()) fold(a);
    const num = (s: string | null): number => (s !== null && /^\d+$/.test(s) ? Number(s) : Number.MAX_SAFE_INTEGER);
    return [...out.values()]
      .map((a) => ({ logsource: a.logsource, channel: a.channel, provider: a.provider, eventId: a.eventId, count: a.count, first: a.first, last: a.last, hosts: [...a.hosts].sort(), hostsTruncated: a.truncated }))
      .sort(
        (x, y) =>
          x.logsource.localeCompare(y.logsource) ||
          (x.channel ?? '').localeCompare(y.channel ?? '') ||
          num(x.eventId) - num(y.eventId) ||
          (x.eventId ?? '').localeCompare(y.eventId ?? '') ||
          (x.provider ?? '').localeCompare(y.provider ?? ''),
      );
  }
}
