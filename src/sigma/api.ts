/**
 * The stages wired together: a collection of parsed documents + a pipeline -> compiled rules, the
 * evaluator and the correlator, with every compile problem collected as an issue.
 */
import { CompileShared, compileRule, type CompiledRule } from './compile/compile.ts';
import { createCorrelator, type Correlator } from './evaluate/correlation.ts';
import { createEngine, type Engine, type EngineOptions } from './evaluate/engine.ts';
import { factsOf } from './compile/facts.ts';
import { detectionWitness, rememberWitness, type Cnf } from './compile/witness.ts';
import type { SigmaIssue } from './issues.ts';
import type { SigmaCollection } from './parse/rule.ts';
import { defaultPipeline } from './pipeline/default-pipeline.ts';
import type { Pipeline } from './pipeline/pipeline.ts';

export interface CompileOptions extends EngineOptions {
  /** Default: the built-in pipeline. Layer user pipelines with mergePipelines(defaultPipeline, p). */
  readonly pipeline?: Pipeline;
  /**
   * The rules' witnesses (collectionWitnesses of this collection, in rule order), when another
   * thread computed them: a worker given them skips most of compiling.
   */
  readonly witnesses?: readonly Cnf[];
}

/** Every rule's index witness, in rule order (computed once per detection, or as stored with its parsed form). */
export function collectionWitnesses(collection: SigmaCollection): Cnf[] {
  return collection.rules.map((r) => factsOf(r)?.witness ?? detectionWitness(r.detection));
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
  // One per-event memo for the whole collection: rules share field lookups and item results (route
  // checks have one of their own), and each logsource's precondition.
  const shared = new CompileShared(pipeline);
  options.witnesses?.forEach((w, i) => {
    const rule = collection.rules[i];
    if (rule !== undefined) rememberWitness(rule.detection, w);
  });
  for (const rule of collection.rules) {
    const r = compileRule(rule, pipeline, collection.filters, shared);
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
