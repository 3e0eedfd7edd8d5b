/** The hunt module: rules + pipeline + log files -> streamed hits in a chosen format. */
export { runHunt, issueProblem, passes, startNdjsonWorkers } from './runner.ts';
export { loadStoreRules } from './store-rules.ts';
export type { StoreRules, StoreRuleFilter } from './store-rules.ts';
export type { HuntOptions, HuntSummary, HuntFilters, HuntProblem, NdjsonWorkersPlan } from './runner.ts';
export { sourceDigest } from './rule-source.ts';
export type { RuleSource } from './rule-source.ts';
export type { HuntHit } from './hit.ts';
export { createHitWriter, OUTPUT_FORMATS } from './output.ts';
export type { OutputFormat, HitWriter, TableOptions } from './output.ts';
export { loadRuleFiles, listRuleFiles, loadPipeline, expandLogPaths } from './rules.ts';
export type { LoadOptions, LoadedRules } from './rules.ts';
export { defaultCacheDir } from './rule-cache.ts';
export { READERS, pickReader } from './inputs/index.ts';
export { openLogFile } from './inputs/open.ts';
export type { LogReader, LogFile, InputItem, InputEvent, InputProblem } from './inputs/reader.ts';
export { InventoryCollector, MAX_HOSTS } from './inventory.ts';
export type { InventoryEntry } from './inventory.ts';
