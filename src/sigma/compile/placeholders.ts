import { SigmaBuildError } from '../issues.ts';
import { parseSigmaString } from '../modifiers/modifiers.ts';
import { ANY, type StringPart } from '../rule/model.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';

/**
 * A pattern's `%placeholder%` parts replaced by the pipeline's values: one variant per combination
 * of values; a placeholder with no value is `*` unless the pipeline asks for an error. The engine
 * and the ClickHouse backend resolve them alike.
 */
export function resolvePlaceholders(parts: readonly StringPart[], pipeline: Pipeline): StringPart[][] {
  let variants: StringPart[][] = [[]];
  for (const p of parts) {
    if (typeof p === 'object') {
      const vals = pipeline.placeholders[p.placeholder];
      if (vals === undefined) {
        if (pipeline.placeholderFallback === 'error') throw new SigmaBuildError('unresolved-placeholder', `placeholder %${p.placeholder}% has no value in the pipeline`);
        variants = variants.map((v) => [...v, ANY]);
      } else {
        const next: StringPart[][] = [];
        for (const v of variants) for (const val of vals) next.push([...v, ...parseSigmaString(val)]);
        variants = next;
      }
    } else variants = variants.map((v) => [...v, p]);
  }
  return variants;
}
