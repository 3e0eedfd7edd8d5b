/** Where tests find the project and the shared public data (never copied into the project). */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
/** ../shared/data relative to the project root, as the developers' guide lays it out. */
export const sharedData = path.resolve(projectRoot, '..', 'shared', 'data');
export const cliEntry = path.join(projectRoot, 'dist', 'cli', 'main.js');

export function dataPath(...parts: string[]): string {
  const p = path.join(sharedData, ...parts);
  if (!existsSync(p)) throw new Error(`test data missing: ${p} (expected ../shared/data beside the project)`);
  return p;
}

/** Every file below `dir` whose name passes `pred`, depth first in sorted name order (the same list every run). */
export function filesUnder(dir: string, pred: (name: string) => boolean = () => true, out: string[] = []): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) filesUnder(p, pred, out);
    else if (pred(f)) out.push(p);
  }
  return out;
}

/**
 * Where a browser test writes a screenshot named `name`: test-output/screenshots (ignored by git), or
 * `$TTPGRAPH_SCREENSHOTS` (relative to the project). `npm run screenshots` sets it to docs/screenshots,
 * so a plain `npm test` never rewrites the committed pictures.
 */
export function screenshotPath(name: string): string {
  const dir = path.resolve(projectRoot, process.env['TTPGRAPH_SCREENSHOTS'] ?? path.join('test-output', 'screenshots'));
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
