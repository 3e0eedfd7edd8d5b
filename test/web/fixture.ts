/** A store for the web tests: ATT&CK 15.1 and 18.1, the NIST 800-53 rev5 mappings and a STIX report. */
import path from 'node:path';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { dataPath, projectRoot } from '../helpers/paths.ts';

export async function webGraph(): Promise<TempGraph> {
  const t = await graphWith('enterprise-attack-15.1.json', 'enterprise-attack-18.1.json');
  await t.graph.importMappings(dataPath('mappings', 'nist_800_53-rev5_attack-14.1-enterprise.json'));
  await t.graph.importStix(path.join(projectRoot, 'test', 'fixtures', 'advisory-report.stix21.json'));
  // Sigma rules for T1114 (sub-techniques included), when the store supports them.
  const importSigma = (t.graph as { importSigma?: (paths: readonly string[]) => Promise<unknown> }).importSigma;
  if (importSigma !== undefined) await importSigma.call(t.graph, SIGMA_RULES.map((f) => dataPath('sigma', f)));
  return t;
}

/** The section ids of the technique page, in the reference page's order. */
export const TECHNIQUE_SECTIONS = ['description', 'context', 'reporting', 'mitigations', 'detection', 'sigma', 'controls', 'procedures', 'references'];

export const REFERENCE_MITIGATIONS = ['Audit', 'Multi-factor Authentication', 'Encrypt Sensitive Information'];
export const REFERENCE_DATA_COMPONENTS = ['Logon Session Creation', 'File Access', 'Command Execution', 'Network Connection Creation', 'Application Log Content'];

export const SIGMA_RULES = [
  'rules-threat-hunting/cloud/m365/audit/microsoft365_susp_email_forwarding_activity.yml',
  'rules-threat-hunting/windows/powershell/powershell_script/posh_ps_email_forwarding_activity.yml',
];
