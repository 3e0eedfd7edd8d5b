/**
 * The source kinds `ttpgraph sync` knows, in the order they are synced. Each kind lists its files
 * and wraps its import function (see types.ts); the official locations are data in official.ts.
 */
import { attackSource } from './kinds/attack.ts';
import { mappingsSource } from './kinds/mappings.ts';
import { sigmaSource } from './kinds/sigma.ts';
import type { SourceKind } from './types.ts';

export const SOURCES: readonly SourceKind[] = [attackSource, mappingsSource, sigmaSource];

export function sourceNames(): string[] {
  return SOURCES.map((s) => s.name);
}
