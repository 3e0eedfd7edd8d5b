/**
 * What compiling a rule reads of its detection up front: the index witness, the fields its items
 * test (for the route check) and whether any value holds a placeholder (the only compile-time
 * error). A rule decoded from the stored form (parse/stored-form.ts) carries these, so that
 * compiling does not decode its detection: that happens on the rule's first evaluation, and most
 * rules of a large set are never evaluated in a given hunt.
 */
import type { Detection } from '../rule/model.ts';
import type { Cnf } from './witness.ts';

export interface DetectionFacts {
  /** The stored witness; undefined when it was of another witness version (computed again). */
  readonly witness: Cnf | undefined;
  /** Every field an item of the detection tests (keyword items have none), each once. */
  readonly fields: readonly string[];
  readonly placeholders: boolean;
}

const known = new WeakMap<object, DetectionFacts>();

/** Records the facts of a rule's detection (by the rule document, whose detection is decoded later). */
export function rememberFacts(rule: object, facts: DetectionFacts): void {
  known.set(rule, facts);
}

/** The facts recorded for this rule document, if any. */
export function factsOf(rule: object): DetectionFacts | undefined {
  return known.get(rule);
}

/** The fields and placeholder flag of a detection, computed. */
export function computeFacts(detection: Detection): { fields: string[]; placeholders: boolean } {
  const fields = new Set<string>();
  let placeholders = false;
  for (const sid of detection.identifiers.values())
    for (const g of sid.groups)
      for (const it of g) {
        if (it.field !== null) fields.add(it.field);
        for (const v of it.values) if (v.type === 'string' && v.parts.some((p) => typeof p === 'object')) placeholders = true;
      }
  return { fields: [...fields], placeholders };
}
