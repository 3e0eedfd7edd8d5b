/**
 * Sigma matching where the EVTX records are parsed: the mapper module that hunt hands to
 * mapEvtx (src/evtx/threads/map.ts). Every worker compiles the same rules the hunt compiled (a structured
 * clone of the filtered collection and the pipeline), tests each record of a chunk, and answers
 * only with the records that matched, the matching rules given by their index in the engine. The
 * hunt thread then does what must happen in file order: filters, correlations, output. So only the
 * rare matches cross threads, not every record (see docs/formats/evtx.md, "Threads").
 */
import type { ChunkResult, EvtxMapper } from '../evtx/index.ts';
import { collectionWitnesses, compileCollection, eventContext, type Cnf, type Engine, type Pipeline, type RuleMeta, type SigmaCollection } from '../sigma/index.ts';
import { InventoryCollector, type InventoryEntry } from './inventory.ts';

/** What each worker gets: the rules and how to compile them, exactly as the hunt thread did. */
export interface EvtxMatchInit {
  readonly collection: SigmaCollection;
  readonly pipeline: Pipeline;
  readonly routing?: boolean;
  /** The collection's witnesses (collectionWitnesses), so that workers do not compute them again. */
  readonly witnesses?: readonly Cnf[];
  /** Also count every record into a log inventory (hunt/inventory.ts), sent back per chunk. */
  readonly inventory?: boolean;
}

export interface EvtxMatch {
  /** The record id (a hit's `line`). */
  readonly line: number;
  readonly event: unknown;
  /** Indexes into the engine's rules, in the order matchContext gave them. */
  readonly rules: number[];
}

/**
 * One chunk's matching records, in file order. From a worker the events come as one JSON text
 * (JSON.parse rebuilds objects faster than structured clone does), unless one holds a bigint.
 */
export interface EvtxChunkMatches {
  readonly lines: number[];
  readonly rules: number[][];
  readonly events: string | unknown[];
  /** The chunk's log inventory, when asked for. */
  readonly inventory?: InventoryEntry[];
}

/** The per-chunk function over a compiled engine: `asText` in workers, objects on the hunt's own thread. */
export function evtxMatcher(engine: Engine, asText: boolean, inventory?: Pipeline): EvtxMapper<EvtxChunkMatches> {
  const indexOf = new Map(engine.rules.map((r, i) => [r, i]));
  return (chunk: ChunkResult) => {
    const lines: number[] = [];
    const rules: number[][] = [];
    const events: unknown[] = [];
    const inv = inventory === undefined ? undefined : new InventoryCollector(inventory.sources);
    for (const rec of chunk.records) {
      const ctx = eventContext(rec.data);
      const matched = engine.matchContext(ctx);
      inv?.add(ctx);
      if (matched.length === 0) continue;
      lines.push(Number(rec.recordId));
      rules.push(matched.map((r) => indexOf.get(r)!));
      events.push(rec.data);
    }
    const counted = inv === undefined ? {} : { inventory: inv.entries() };
    if (!asText || events.length === 0) return { lines, rules, events, ...counted };
    try {
      return { lines, rules, events: JSON.stringify(events), ...counted };
    } catch {
      return { lines, rules, events, ...counted }; // a bigint value
    }
  };
}

/** A chunk's matches as records again. */
export function evtxMatches(m: EvtxChunkMatches): EvtxMatch[] {
  const events = typeof m.events === 'string' ? (JSON.parse(m.events) as unknown[]) : m.events;
  return m.lines.map((line, i) => ({ line, event: events[i], rules: m.rules[i]! }));
}

/**
 * The collection as a worker needs it: what compiling reads, without each document's text (`raw`,
 * description, references...) or the correlations (they run on the hunt's thread): cloning it to
 * a worker then costs about half as much. Rules keep their order, so engine indexes agree.
 */
export function matchingCollection(c: SigmaCollection): SigmaCollection {
  const slim = <T extends RuleMeta>(d: T): T => {
    // Copied key by key: `raw` is not read (rules loaded from a stored form parse it when read).
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(d)) if (k !== 'raw') out[k] = (d as unknown as Record<string, unknown>)[k];
    return { ...(out as unknown as T), raw: {}, description: undefined, author: undefined, references: [], falsepositives: [] };
  };
  return { rules: c.rules.map(slim), filters: c.filters.map(slim), correlations: [], issues: [] };
}

/**
 * What a worker thread of the hunt is given: the matching collection of its rules and their
 * witnesses (computed here once; the hunt's own compile reuses them).
 */
export function matchInit(col: SigmaCollection, options: { readonly pipeline: Pipeline; readonly routing?: boolean }): EvtxMatchInit {
  return { collection: matchingCollection(col), ...options, witnesses: collectionWitnesses(col) };
}

/** compileCollection in a worker, from its init. */
export function compileForWorker(init: EvtxMatchInit): Engine {
  return compileCollection(init.collection, { pipeline: init.pipeline, ...(init.routing !== undefined ? { routing: init.routing } : {}), ...(init.witnesses !== undefined ? { witnesses: init.witnesses } : {}) }).engine;
}

/** The mapper module's entry point, called once in every worker. */
export function createEvtxMapper(init: EvtxMatchInit): EvtxMapper<EvtxChunkMatches> {
  const engine = compileForWorker(init);
  return evtxMatcher(engine, true, init.inventory === true ? init.pipeline : undefined);
}

/** This module as a worker can load it: from the built dist/ only (workers do not run TypeScript). */
export function evtxMatchModule(): URL | null {
  return import.meta.url.endsWith('.js') ? new URL(import.meta.url) : null;
}
