/**
 * The stages wired together: a collection of parsed documents + a pipeline -> compiled rules, the
 * evaluator and the correlator, with every compile problem collected as an issue.
 */
import { compileRule, EvalCache, type CompiledRule } from './compile/compile.ts';
import { createCorrelator, type Correlator } from './evaluate/correlation.ts';
import { createEngine, type Engine, type EngineOptions } from './evaluate/engine.ts';
import type { SigmaIssue } from './issues.ts';
import type { SigmaCollection } from './parse/rule.ts';
import { defaultPipeline } from './pipeline/default-pipeline.ts';
import type { Pipeline } from './pipeline/pipeline.ts';

export interface CompileOptions extends EngineOptions {
  /** Default: the built-in pipeline. Layer user pipelines with mergePipelines(defaultPipeline, p). */
  readonly pipeline?: Pipeline;
}

export interface CompiledCollection {
  readonly engine: Engine;
  readonly correlator: Correlator;
  readonly compiled: readonly CompiledRule[];
  /** Compile-time issues (unresolved placeholders, unknown correlation references...). */
  readonly issues: SigmaIssue[];
}

export function compileCollection(collection: SigmaCollection, options: CompileOptions = {}): CompiledCollection {
  const pipeline = options.pipeline ?? defaultPipeline;
  const issues: SigmaIssue[] = [];
  const compiled: CompiledRule[] = [];
  // One per-event memo for the whole collection: rules share field lookups and item results; route
  // checks have one of their own.
  const cache = new EvalCache();
  const routeCache = new EvalCache();
  for (const rule of collection.rules) {
    const r = compileRule(rule, pipeline, collection.filters, cache, routeCache);
    issues.push(...r.issues);
    if (r.compiled !== undefined) compiled.push(r.compiled);
  }
  const engine = createEngine(compiled, pipeline, options);
  const { correlator, issues: corrIssues } = createCorrelator(
    collection.correlations,
    compiled.map((c) => c.rule),
  );
  issues.push(...corrIssues);
  return { engine, correlator, compiled, issues };
}
