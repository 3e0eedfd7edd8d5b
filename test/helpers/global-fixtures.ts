/**
 * vitest globalSetup (vitest.config.ts): the expensive fixtures, built once per run before any test
 * file, by the same code paths the tests used to run in every file:
 *
 * - ATT&CK stores (SQLite files): enterprise 15.1, enterprise 18.1, both, and the web store (both
 *   plus the NIST 800-53 mappings, the advisory STIX report and the T1114 Sigma rules). Test files
 *   get a private copy through graphWith() / webGraph(), never the file itself.
 * - The SigmaHQ rules/ folder parsed once: the hunt's rule cache (hunt/rule-cache.ts, the parsed
 *   form of every file, keyed by content hash) filled in a folder that the tests loading the
 *   corpus read through `loadRuleFiles(paths, { cacheDir })`.
 *
 * Tests that check an import or a parse itself still do it themselves. See test/README.md.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { openGraph } from '../../src/graph.ts';
import { loadRuleFiles } from '../../src/hunt/rules.ts';
import { type FixtureInfo, FIXTURE_STORES, WEB_SIGMA_RULES } from './fixture-names.ts';
import { dataPath, projectRoot } from './paths.ts';

async function build(dir: string): Promise<FixtureInfo> {
  const stores: Record<string, string> = {};
  const at = (name: string): string => path.join(dir, `${name}.db`);
  // One store grows step by step; each step is copied out once the store is closed (so the copy
  // is the whole database, its write-ahead log checkpointed).
  const growing = at('growing');
  const step = async (name: string, work: (g: ReturnType<typeof openGraph>) => Promise<unknown>): Promise<void> => {
    const g = openGraph({ path: growing });
    try {
      await work(g);
    } finally {
      g.close();
    }
    copyFileSync(growing, at(name));
    stores[name] = at(name);
  };
  await step(FIXTURE_STORES.enterprise15, (g) => g.importAttack(dataPath('attack', 'enterprise-attack-15.1.json')));
  await step(FIXTURE_STORES.enterprise15and18, (g) => g.importAttack(dataPath('attack', 'enterprise-attack-18.1.json')));
  await step(FIXTURE_STORES.web, async (g) => {
    await g.importMappings(dataPath('mappings', 'nist_800_53-rev5_attack-14.1-enterprise.json'));
    await g.importStix(path.join(projectRoot, 'test', 'fixtures', 'advisory-report.stix21.json'));
    await g.importSigma(WEB_SIGMA_RULES.map((f) => dataPath('sigma', f)));
  });
  rmSync(growing, { force: true });
  const alone = openGraph({ path: at(FIXTURE_STORES.enterprise18) });
  try {
    await alone.importAttack(dataPath('attack', 'enterprise-attack-18.1.json'));
  } finally {
    alone.close();
  }
  stores[FIXTURE_STORES.enterprise18] = at(FIXTURE_STORES.enterprise18);

  const sigmaCache = path.join(dir, 'sigma-cache');
  loadRuleFiles([dataPath('sigma', 'rules')], { cacheDir: sigmaCache });
  return { dir, stores, sigmaCache };
}

export default async function setup(project: TestProject): Promise<() => void> {
  // For a quick run of files that need none of them; every helper then builds what it needs itself.
  if (process.env['TTPGRAPH_TEST_FIXTURES'] === 'off') return () => undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ttpgraph-fixtures-'));
  const started = performance.now();
  project.provide('ttpgraphFixtures', await build(dir));
  process.stderr.write(`test fixtures built in ${((performance.now() - started) / 1000).toFixed(1)} s (${dir})\n`);
  return () => rmSync(dir, { recursive: true, force: true });
}
