/**
 * Positions of a parsed YAML result in a comparable form, for the tests that hold the YAML fast
 * path (src/sigma/parse/yaml-fast.ts) against the `yaml` package.
 */
import type { PlainYamlResult } from '../../src/sigma/parse/yaml.ts';

/** Every container's key/index positions in document order (each result keys its Map by its own objects). */
export function positionsOf(r: PlainYamlResult): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, path: string): void => {
    if (v === null || typeof v !== 'object') return;
    out.push([path, [...(r.positions.get(v) ?? new Map<string | number, unknown>())]]);
    for (const [k, x] of Object.entries(v)) walk(x, `${path}/${k}`);
  };
  r.documents.forEach((d, i) => walk(d.value, String(i)));
  return out;
}
