/**
 * The one walk over a detection's condition tree. Each search identifier is an OR of its groups,
 * each group an AND of its items; the condition combines identifiers (`1 of` = or, `all of` = and).
 * A rule's predicate, its index witness and its route check are three folds of it (compile.ts,
 * witness.ts).
 */
import type { ConditionNode, Detection, DetectionItem } from '../rule/model.ts';

/** How one walk combines its values: what an item gives, and and / or / not over them. */
export interface ConditionFold<T> {
  item(it: DetectionItem): T;
  and(parts: T[]): T;
  or(parts: T[]): T;
  not(inner: T): T;
}

export function foldDetection<T>(detection: Detection, f: ConditionFold<T>): T {
  const ids = new Map<string, T>();
  for (const [name, sid] of detection.identifiers) ids.set(name, f.or(sid.groups.map((g) => f.and(g.map((it) => f.item(it))))));
  const walk = (n: ConditionNode): T => {
    switch (n.type) {
      case 'id':
        return ids.get(n.name) as T;
      case 'not':
        return f.not(walk(n.arg));
      case 'and':
        return f.and(n.args.map(walk));
      case 'or':
        return f.or(n.args.map(walk));
      case 'of': {
        const parts = n.names.map((name) => ids.get(name) as T);
        return n.quantifier === 'all' ? f.and(parts) : f.or(parts);
      }
    }
  };
  return walk(detection.condition);
}
