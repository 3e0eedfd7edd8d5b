/** A store for the web tests: ATT&CK 15.1 and 18.1, the NIST 800-53 rev5 mappings and a STIX report. */
import path from 'node:path';
import { graphFrom, type TempGraph } from '../helpers/attack-store.ts';
import { FIXTURE_STORES, WEB_SIGMA_RULES } from '../helpers/fixture-names.ts';
import { dataPath, projectRoot } from '../helpers/paths.ts';

/** A copy of the run's prebuilt web store (test/helpers/global-fixtures.ts), or one built here. */
export async function webGraph(): Promise<TempGraph> {
  return graphFrom(FIXTURE_STORES.web, async (graph) => {
    for (const b of ['enterprise-attack-15.1.json', 'enterprise-attack-18.1.json']) await graph.importAttack(dataPath('attack', b));
    await graph.importMappings(dataPath('mappings', 'nist_800_53-rev5_attack-14.1-enterprise.json'));
    await graph.importStix(path.join(projectRoot, 'test', 'fixtures', 'advisory-report.stix21.json'));
    await graph.importSigma(SIGMA_RULES.map((f) => dataPath('sigma', f)));
  });
}

/** The section ids of the technique page, in the reference page's order. */
export const TECHNIQUE_SECTIONS = ['description', 'context', 'reporting', 'mitigations', 'detection', 'sigma', 'controls', 'procedures', 'references'];

export const REFERENCE_MITIGATIONS = ['Audit', 'Multi-factor Authentication', 'Encrypt Sensitive Information'];
export const REFERENCE_DATA_COMPONENTS = ['Logon Session Creation', 'File Access', 'Command Execution', 'Network Connection Creation', 'Application Log Content'];

export const SIGMA_RULES = WEB_SIGMA_RULES;
