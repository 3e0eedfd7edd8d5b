/**
 * The evidence coverage is computed from: a log inventory (what the logs held) and a declaration
 * (what a person says they have), as answers to two questions: is this ATT&CK log source present
 * (and which of its event ids), and could a Sigma rule of this logsource run on these logs. The
 * second asks the Sigma engine's own routing (the built-in pipeline's logsource conditions and
 * source recognition) on one stand-in event per inventory key, so "could run" means what a hunt
 * would do.
 */
import { dataComponentSources, describeRequirement, type LogRequirement, requirementOf } from '../../core/log-sources.ts';
import { compileLogsource, defaultPipeline, eventContext, type ConditionMap, type Predicate } from '../../sigma/index.ts';
import { logsourceAdmits } from '../../sigma/compile/compile.ts';
import type { Declaration } from './declared.ts';

export interface InventoryKey {
  readonly logsource: string;
  readonly channel: string | null;
  readonly provider: string | null;
  readonly eventId: string | null;
  readonly count: number;
}

export interface Presence {
  readonly present: boolean;
  /** Present only because the declaration says so. */
  readonly declared: boolean;
  /** Events of it in the inventory. */
  readonly events: number;
  /** For a log source naming event ids: those seen (or declared) and those not. */
  readonly presentEventIds: string[];
  readonly missingEventIds: string[];
}

export interface RulePresence {
  readonly runnable: boolean;
  readonly declared: boolean;
  /** What the rule's logsource reads, for people: `Microsoft-Windows-Sysmon/Operational event 1 or Security event 4688`. */
  readonly needs: string;
}

export interface SigmaLogsourceLike {
  readonly product: string | null;
  readonly category: string | null;
  readonly service: string | null;
}

const ANY = '*';

interface Count {
  events: number;
  declared: boolean;
}

const lsOf = (name: string): { product?: string; service?: string; category?: string } | undefined => {
  if (name === 'unknown') return undefined;
  const [product, service, category] = name.split('/');
  return { ...(product ? { product } : {}), ...(service ? { service } : {}), ...(category ? { category } : {}) };
};

/** Event ids the built-in pipeline's routes test for a channel (a declared channel without ids stands for all of them). */
function routedEventIds(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of defaultPipeline.logsources) {
    for (const c of r.conditions) {
      const channels = ([] as unknown[]).concat(c['Channel'] ?? []).map(String);
      const ids = ([] as unknown[]).concat(c['EventID'] ?? []).map(String);
      for (const ch of channels) {
        let s = out.get(ch.toLowerCase());
        if (s === undefined) out.set(ch.toLowerCase(), (s = new Set()));
        for (const id of ids) s.add(id);
      }
    }
  }
  return out;
}

export class Evidence {
  /** Windows: channel (lower case) -> event id (or ANY) -> count. */
  private readonly windows = new Map<string, Map<string, Count>>();
  /** Other recognised log sources (product[/service]) -> count. */
  private readonly sources = new Map<string, Count>();
  /** Stand-in events for the Sigma routing check. */
  private readonly keys: { ctx: ReturnType<typeof eventContext>; source: ReturnType<typeof lsOf>; declared: boolean; windows: boolean }[] = [];
  private readonly requirementMemo = new Map<string, LogRequirement>();
  private readonly presenceMemo = new Map<string, Presence>();
  private readonly ruleMemo = new Map<string, RulePresence>();
  private readonly preconditions = new Map<string, Predicate>();
  private readonly declaredComponents: Set<string>;

  readonly declaration: Declaration;

  constructor(inventory: readonly InventoryKey[], declaration: Declaration) {
    this.declaration = declaration;
    for (const e of inventory) this.addKey(e, false);
    const declare = (name: string, channel: string | null, ids: string[] | null): void => {
      const req = requirementOf(name, channel);
      if (req.kind === 'windows') {
        for (const ch of req.channels) {
          const wanted = ids ?? req.eventIds;
          if (wanted === null) this.addKey({ logsource: 'windows', channel: ch, provider: null, eventId: ANY, count: 0 }, true);
          else for (const id of wanted) this.addKey({ logsource: 'windows', channel: ch, provider: null, eventId: id, count: 0 }, true);
        }
      } else if (req.kind === 'logsource') this.addKey({ logsource: req.logsource, channel: null, provider: null, eventId: null, count: 0 }, true);
    };
    for (const l of declaration.logSources) declare(l.name, null, l.eventIds);
    this.declaredComponents = new Set(declaration.dataComponents.map((d) => d.toLowerCase()));
    for (const dc of declaration.dataComponents) for (const s of dataComponentSources(dc)) declare(s.name, s.channel, null);
  }

  private addKey(e: InventoryKey, declared: boolean): void {
    if (e.channel !== null) {
      const ch = e.channel.toLowerCase();
      let m = this.windows.get(ch);
      if (m === undefined) this.windows.set(ch, (m = new Map<string, Count>()));
      const id = e.eventId ?? ANY;
      const c = m.get(id);
      if (c === undefined) m.set(id, { events: e.count, declared });
      else {
        c.events += e.count;
        c.declared &&= declared;
      }
      const source = lsOf(e.logsource);
      if (id === ANY && declared) {
        const ids = routedEventIds().get(ch) ?? new Set<string>();
        for (const rid of [...ids, undefined]) {
          this.keys.push({ ctx: standIn(e.channel, rid, e.provider), source, declared, windows: true });
        }
      } else this.keys.push({ ctx: standIn(e.channel, e.eventId ?? undefined, e.provider), source, declared, windows: true });
    } else {
      const c = this.sources.get(e.logsource);
      if (c === undefined) this.sources.set(e.logsource, { events: e.count, declared });
      else {
        c.events += e.count;
        c.declared &&= declared;
      }
      this.keys.push({ ctx: eventContext({}), source: lsOf(e.logsource), declared, windows: false });
    }
  }

  /** Is any evidence there at all (an inventory or a declaration)? */
  get empty(): boolean {
    return this.keys.length === 0;
  }

  requirement(name: string, channel: string | null): LogRequirement {
    const key = `${name}\u0000${channel ?? ''}`;
    let r = this.requirementMemo.get(key);
    if (r === undefined) this.requirementMemo.set(key, (r = requirementOf(name, channel)));
    return r;
  }

  /** Is an ATT&CK log source (name + channel text, of data component `component`) in the evidence? */
  logSource(name: string, channel: string | null, component: string | null): Presence {
    const key = `${name}\u0000${channel ?? ''}\u0000${component ?? ''}`;
    let p = this.presenceMemo.get(key);
    if (p === undefined) this.presenceMemo.set(key, (p = this.computePresence(this.requirement(name, channel), component)));
    return p;
  }

  private computePresence(req: LogRequirement, component: string | null): Presence {
    const byComponent = component !== null && this.declaredComponents.has(component.toLowerCase());
    const none: Presence = { present: byComponent, declared: byComponent, events: 0, presentEventIds: [], missingEventIds: req.kind === 'windows' ? [...(req.eventIds ?? [])] : [] };
    if (req.kind === 'unmapped') return none;
    if (req.kind === 'logsource') {
      let events = 0;
      let declared = true;
      let found = false;
      for (const [name, c] of this.sources) {
        if (name !== req.logsource && !name.startsWith(`${req.logsource}/`)) continue;
        found = true;
        events += c.events;
        declared &&= c.declared;
      }
      return found ? { present: true, declared, events, presentEventIds: [], missingEventIds: [] } : none;
    }
    let events = 0;
    let declared = true;
    const seen = new Set<string>();
    for (const ch of req.channels) {
      const m = this.windows.get(ch.toLowerCase());
      if (m === undefined) continue;
      for (const [id, c] of m) {
        if (req.eventIds !== null && id !== ANY && !req.eventIds.includes(id)) continue;
        if (id === ANY) for (const want of req.eventIds ?? []) seen.add(want);
        else seen.add(id);
        events += c.events;
        declared &&= c.declared;
        if (req.eventIds === null) seen.add(ANY);
      }
    }
    if (seen.size === 0) return none;
    const ids = req.eventIds ?? [];
    return { present: true, declared, events, presentEventIds: ids.filter((i) => seen.has(i)), missingEventIds: ids.filter((i) => !seen.has(i)) };
  }

  /** Could a Sigma rule of this logsource run on the evidence? */
  rule(ls: SigmaLogsourceLike): RulePresence {
    const key = `${ls.product ?? ''}|${ls.category ?? ''}|${ls.service ?? ''}`;
    let r = this.ruleMemo.get(key);
    if (r === undefined) this.ruleMemo.set(key, (r = this.computeRule(ls, key)));
    return r;
  }

  private computeRule(ls: SigmaLogsourceLike, key: string): RulePresence {
    const rule = { ...(ls.product !== null ? { product: ls.product } : {}), ...(ls.category !== null ? { category: ls.category } : {}), ...(ls.service !== null ? { service: ls.service } : {}) };
    let pre = this.preconditions.get(key);
    if (pre === undefined) this.preconditions.set(key, (pre = compileLogsource(rule, defaultPipeline).precondition));
    const needs = describeSigmaNeeds(ls);
    let declaredOnly = false;
    for (const k of this.keys) {
      if (!logsourceAdmits(rule, k.source)) continue;
      if (k.windows && !pre(k.ctx)) continue;
      if (!k.declared) return { runnable: true, declared: false, needs };
      declaredOnly = true;
    }
    if (declaredOnly) return { runnable: true, declared: true, needs };
    const bySigma = this.declaration.sigma.some(
      (d) => (ls.product === null || d.product === ls.product) && (ls.category === null || d.category === ls.category) && (ls.service === null || d.service === ls.service) && (d.product !== null || ls.product === null),
    );
    return { runnable: bySigma, declared: bySigma, needs };
  }
}

function standIn(channel: string, eventId: string | undefined, provider: string | null): ReturnType<typeof eventContext> {
  const id = eventId === undefined ? undefined : /^\d+$/.test(eventId) ? Number(eventId) : eventId;
  return eventContext({ Event: { System: { Channel: channel, ...(id === undefined ? {} : { EventID: id }), ...(provider === null ? {} : { Provider: { '#attributes': { Name: provider } } }) } } });
}

/** The built-in pipeline's conditions for a Sigma logsource, for people. */
export function describeSigmaNeeds(ls: SigmaLogsourceLike): string {
  const fits = defaultPipeline.logsources.filter(
    (r) => (r.match.product === undefined || r.match.product === ls.product) && (r.match.category === undefined || r.match.category === ls.category) && (r.match.service === undefined || r.match.service === ls.service),
  );
  const specific = fits.filter((r) => r.match.category !== undefined || r.match.service !== undefined);
  const name = [ls.product, ls.service, ls.category].filter((p) => p !== null).join('/');
  if (specific.length === 0) return ls.product === 'windows' ? `Windows event log (${name})` : `${name} events`;
  const describe = (c: ConditionMap): string | undefined => {
    const ch = c['Channel'];
    if (ch === null || ch === undefined) return undefined;
    const channels = ([] as unknown[]).concat(ch).map(String).join(' or ');
    const ids = c['EventID'];
    return ids === undefined || ids === null ? channels : `${channels} event ${([] as unknown[]).concat(ids).map(String).join(', ')}`;
  };
  const parts = specific.flatMap((r) => r.conditions.map(describe)).filter((s): s is string => s !== undefined);
  return parts.length === 0 ? `${name} events` : [...new Set(parts)].join(' or ');
}

export { describeRequirement };
