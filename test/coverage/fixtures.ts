/** Hand-made pieces for the coverage tests: a tiny ATT&CK bundle and inventories built entry by entry. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const ref = (id: string) => [{ source_name: 'mitre-attack', external_id: id, url: `https://attack.mitre.org/${id}` }];
const common = { created: '2025-01-01T00:00:00.000Z', modified: '2025-01-01T00:00:00.000Z', spec_version: '2.1', x_mitre_domains: ['enterprise-attack'] };

/**
 * T9901 is detected by one strategy whose one analytic needs only WinEventLog:Security 4624;
 * T9902 has no detection at all. Written as a STIX 2.1 bundle for `importAttack` (version 18.1).
 */
export function writeLogonBundle(dir: string): string {
  const objects = [
    { ...common, type: 'x-mitre-tactic', id: 'x-mitre-tactic--00000000-0000-4000-8000-000000000001', name: 'Initial Access', x_mitre_shortname: 'initial-access', external_references: ref('TA0001') },
    {
      ...common,
      type: 'attack-pattern',
      id: 'attack-pattern--00000000-0000-4000-8000-000000000001',
      name: 'Logon Only Technique',
      description: 'A technique whose only analytic reads logons.',
      kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }],
      x_mitre_platforms: ['Windows'],
      external_references: ref('T9901'),
    },
    {
      ...common,
      type: 'attack-pattern',
      id: 'attack-pattern--00000000-0000-4000-8000-000000000002',
      name: 'Undetected Technique',
      description: 'No detection.',
      kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }],
      x_mitre_platforms: ['Windows'],
      external_references: ref('T9902'),
    },
    { ...common, type: 'x-mitre-data-component', id: 'x-mitre-data-component--00000000-0000-4000-8000-000000000001', name: 'Logon Session Creation', description: 'Logons.', external_references: ref('DC0067') },
    {
      ...common,
      type: 'x-mitre-analytic',
      id: 'x-mitre-analytic--00000000-0000-4000-8000-000000000001',
      name: 'Analytic 9901',
      description: 'Logons from odd places.',
      x_mitre_platforms: ['Windows'],
      x_mitre_log_source_references: [{ x_mitre_data_component_ref: 'x-mitre-data-component--00000000-0000-4000-8000-000000000001', name: 'WinEventLog:Security', channel: 'EventCode=4624' }],
      external_references: ref('AN9901'),
    },
    {
      ...common,
      type: 'x-mitre-detection-strategy',
      id: 'x-mitre-detection-strategy--00000000-0000-4000-8000-000000000001',
      name: 'Logon detection',
      x_mitre_analytic_refs: ['x-mitre-analytic--00000000-0000-4000-8000-000000000001'],
      external_references: ref('DET9901'),
    },
    {
      ...common,
      type: 'relationship',
      id: 'relationship--00000000-0000-4000-8000-000000000001',
      relationship_type: 'detects',
      source_ref: 'x-mitre-detection-strategy--00000000-0000-4000-8000-000000000001',
      target_ref: 'attack-pattern--00000000-0000-4000-8000-000000000001',
    },
  ];
  const file = path.join(dir, 'logon-attack-18.1.json');
  writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000009', objects }));
  return file;
}

/** One inventory entry: a Windows channel and event id seen `count` times. */
export function windowsEntry(channel: string, eventId: number, count = 1) {
  return { logsource: 'windows', channel, provider: null, eventId: String(eventId), count, first: '2026-01-01T00:00:00Z', last: '2026-01-02T00:00:00Z', hosts: ['host-a'], hostsTruncated: false };
}

/** An ATT&CK 15.1-style bundle: T9903 is detected by the data component Logon Session Creation directly (no analytics). */
export function writeDataComponentBundle(dir: string): string {
  const objects = [
    { ...common, type: 'x-mitre-tactic', id: 'x-mitre-tactic--00000000-0000-4000-8000-000000000011', name: 'Initial Access', x_mitre_shortname: 'initial-access', external_references: ref('TA0001') },
    {
      ...common,
      type: 'attack-pattern',
      id: 'attack-pattern--00000000-0000-4000-8000-000000000013',
      name: 'Component Technique',
      description: 'Detected through a data component.',
      kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'initial-access' }],
      x_mitre_platforms: ['Windows'],
      external_references: ref('T9903'),
    },
    { ...common, type: 'x-mitre-data-component', id: 'x-mitre-data-component--00000000-0000-4000-8000-000000000013', name: 'Logon Session Creation', description: 'Logons.', external_references: ref('DC0067') },
    {
      ...common,
      type: 'relationship',
      id: 'relationship--00000000-0000-4000-8000-000000000013',
      relationship_type: 'detects',
      source_ref: 'x-mitre-data-component--00000000-0000-4000-8000-000000000013',
      target_ref: 'attack-pattern--00000000-0000-4000-8000-000000000013',
    },
  ];
  const file = path.join(dir, 'components-attack-15.1.json');
  writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--00000000-0000-4000-8000-000000000019', objects }));
  return file;
}
