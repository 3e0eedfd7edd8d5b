/**
 * The ttpgraph library API. Named exports only: this list is the public surface.
 *
 *   import { openGraph } from 'ttpgraph';
 *   const graph = openGraph({ path: 'ttpgraph.db' });
 *   await graph.importAttack('enterprise-attack-18.1.json');
 *   console.log(graph.technique('T1114').mitigations);
 */
export { openGraph } from './graph.ts';
export type { Graph, OpenGraphOptions, PageResult } from './graph.ts';
export { TtpgraphError } from './errors.ts';
export type { ErrorCode, SourceLocation } from './errors.ts';
export { VERSION } from './version.ts';
export { DOMAINS, KINDS } from './core/attack.ts';
export type { Domain, Kind } from './core/attack.ts';
export type { Dataset, DatasetScope } from './query/datasets.ts';
export type { LookupOptions, NodeRef } from './query/lookup.ts';
export type { Reference } from './query/citations.ts';
export type {
  Analytic,
  DataComponent,
  DetectionStrategy,
  LogSource,
  Mitigation,
  Procedure,
  TechniquePage,
} from './query/technique-page.ts';
export type { ObjectLogSource, ObjectPage, RelatedItem, RelationSection } from './query/object-page.ts';
export type { SearchHit, SearchOptions } from './query/search.ts';
export type { StoredRuleFilters, StoredRules } from './query/stored-rules.ts';
export type { ImportAttackOptions, ImportAttackResult } from './ingest/stix/import-attack.ts';
