/**
 * ttpgraph's Sigma engine: a leaf library (node built-ins, `yaml` and `re2js` only; it takes text, not paths).
 *
 *   const col = parseSigma(text, { file });            // rules, correlations, filters, issues
 *   const { engine, correlator } = compileCollection(col, { pipeline });
 *   const ctx = eventContext(JSON.parse(line));
 *   const matched = engine.matchContext(ctx);           // CompiledRule[]
 *   const corrHits = correlator.feed(matched.map((m) => m.rule), ctx, eventTimeMs(ctx));
 *
 * Stages are callable alone: parseYamlDocuments, lexCondition/parseCondition, buildItem,
 * compileRule, createEngine, createCorrelator.
 */
export { parseSigma, sigmaFromYaml, mergeCollections, emptyCollection, parseTimespan } from './parse/rule.ts';
export type { SigmaCollection, ParseOptions } from './parse/rule.ts';
export { encodeDocument, decodeDocument, encodeFile, decodeFile, asciiJson, STORED_FORM_VERSION, STORED_FORM_PREFIX } from './parse/stored-form.ts';
export type { StoredFile, StoredText } from './parse/stored-form.ts';
export { parseYamlDocuments, parseYamlPlain, fromPlainYaml } from './parse/yaml.ts';
export type { YamlDocument, YamlParseResult, PlainYamlResult } from './parse/yaml.ts';
export { lexCondition, parseCondition, expandPattern } from './parse/condition.ts';
export type { Token, TokenType } from './parse/condition.ts';
export { buildItem, parseSigmaString, windashVariants, base64OffsetVariants, MODIFIERS, isModifier } from './modifiers/modifiers.ts';
export type { ModifierName } from './modifiers/modifiers.ts';
export { translatePcre, RegexTranslationError } from './modifiers/regex.ts';
export { checkLinearRegex, compileLinearRegex, pcreToRe2 } from './modifiers/linear-regex.ts';
export type { CheckedRegex, LinearRegex } from './modifiers/linear-regex.ts';
export { compileCidr, parseIp } from './modifiers/cidr.ts';
export { formatIssue } from './issues.ts';
export type { SigmaIssue, SigmaIssueCode, SigmaIssueSeverity, Position } from './issues.ts';
export { ANY, ONE, LEVELS } from './rule/model.ts';
export type {
  SigmaRule,
  SigmaCorrelation,
  SigmaFilter,
  SigmaDocument,
  RuleMeta,
  Logsource,
  RuleLevel,
  RuleStatus,
  Detection,
  DetectionItem,
  SearchIdentifier,
  ItemGroup,
  SigmaValue,
  StringPart,
  ConditionNode,
  CorrelationType,
  CompareOp,
} from './rule/model.ts';
export { attackTags } from './rule/tags.ts';
export type { AttackTags } from './rule/tags.ts';
export { defaultPipeline } from './pipeline/default-pipeline.ts';
export { parsePipeline, mergePipelines, declareLogsource, parseLogsourceArg } from './pipeline/pipeline.ts';
export type { Pipeline, LogsourceRoute, LogsourceSource, LogsourceMatch, ConditionMap, EventAlias, PipelineParseResult } from './pipeline/pipeline.ts';
export { compileRule, compileLogsource, filterApplies, EvalCache, CompileShared } from './compile/compile.ts';
export { regexCnf, itemCnf, usableLiteral } from './compile/witness.ts';
export type { Cnf } from './compile/witness.ts';
export type { CompiledRule, Predicate, CompileResult } from './compile/compile.ts';
export { createEngine } from './evaluate/engine.ts';
export type { Engine, EngineOptions, EngineStats, EngineCounters } from './evaluate/engine.ts';
export { createCorrelator } from './evaluate/correlation.ts';
export type { Correlator, CorrelationHit } from './evaluate/correlation.ts';
export { eventContext, getField, eventTimestamp, eventTimeMs, eventHost, eventLeaves } from './runtime/event.ts';
export type { EventContext } from './runtime/event.ts';
export { compileCollection, collectionWitnesses } from './api.ts';
export type { CompileOptions, CompiledCollection } from './api.ts';
