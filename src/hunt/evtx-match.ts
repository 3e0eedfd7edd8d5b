/**
 * Sigma matching where the EVTX records are parsed: the mapper module that hunt hands to
 * mapEvtx (src/evtx/map.ts). Every worker compiles the same rules the hunt compiled (a structured
 * clone of the filtered collection and the pipeline), tests each record of a chunk, and answers
 * only with the records that matched, the matching rules given by their index in the engine. The
 * hunt thread then does what must happen in file order: filters, correlations, output. So only the
 * rare matches cross threads, not every record (see docs/formats/evtx.md, "Threads").
 */
import type { ChunkResult, EvtxMapper } from '../evtx/index.ts';
import { compileCollection, eventContext, type Engine, type Pipeline, type SigmaCollection } from '../sigma/index.ts';

/** What each worker gets: the rules and how to compile them, exactly as the hunt thread did. */
export interface EvtxMatchInit {
  readonly collection: SigmaCollection;
  readonly pipeline: Pipeline;
  readonly routing?: boolean;
}

export interface EvtxMatch {
  /** The record id (a hit's `line`). */
  readonly line: number;
  readonly event: unknown;
  /** Indexes into the engine's rules, in the order matchContext gave them. */
  readonly rules: number[];
}

/** One chunk's answer: its matching records, in file order. */
export interface EvtxChunkMatches {
  readonly matches: EvtxMatch[];
}

/** The per-chunk function over a compiled engine (the hunt thread's own, or a worker's). */
export function evtxMatcher(engine: Engine): EvtxMapper<EvtxChunkMatches> {
  const indexOf = new Map(engine.rules.map((r, i) => [r, i]));
  return (chunk: ChunkResult) => {
    const matches: EvtxMatch[] = [];
    for (const rec of chunk.records) {
      const matched = engine.matchContext(eventContext(rec.data));
      if (matched.length > 0) matches.push({ line: Number(rec.recordId), event: rec.data, rules: matched.map((r) => indexOf.get(r)!) });
    }
    return { matches };
  };
}

/** The mapper module's entry point, called once in every worker. */
export function createEvtxMapper(init: EvtxMatchInit): EvtxMapper<EvtxChunkMatches> {
  const { engine } = compileCollection(init.collection, { pipeline: init.pipeline, ...(init.routing !== undefined ? { routing: init.routing } : {}) });
  return evtxMatcher(engine);
}

/** This module as a worker can load it: from the built dist/ only (workers do not run TypeScript). */
export function evtxMatchModule(): URL | null {
  return import.meta.url.endsWith('.js') ? new URL(import.meta.url) : null;
}
