/** ATT&CK references in Sigma tags: `attack.t1059.001` -> T1059.001, `attack.defense-evasion` -> defense-evasion. */
export interface AttackTags {
  readonly techniques: string[];
  readonly tactics: string[];
  /** Groups, software, mitigations, data sources, ... (`attack.g0016` -> G0016). */
  readonly others: string[];
}

const TACTICS = new Set([
  'reconnaissance',
  'resource-development',
  'initial-access',
  'execution',
  'persistence',
  'privilege-escalation',
  'defense-evasion',
  'stealth',
  'defense-impairment',
  'credential-access',
  'discovery',
  'lateral-movement',
  'collection',
  'command-and-control',
  'exfiltration',
  'impact',
]);

export function attackTags(tags: readonly string[]): AttackTags {
  const techniques: string[] = [];
  const tactics: string[] = [];
  const others: string[] = [];
  for (const raw of tags) {
    const t = raw.toLowerCase();
    if (!t.startsWith('attack.')) continue;
    const rest = t.slice(7);
    const tech = /^t(\d{4})(?:\.(\d{3}))?$/.exec(rest);
    if (tech !== null) {
      techniques.push(`T${tech[1] ?? ''}${tech[2] !== undefined ? `.${tech[2]}` : ''}`);
      continue;
    }
    const obj = /^([gsmda]|ds)(\d{4})$/.exec(rest);
    if (obj !== null) {
      others.push(`${(obj[1] ?? '').toUpperCase()}${obj[2] ?? ''}`);
      continue;
    }
    const tactic = rest.replace(/_/g, '-');
    if (TACTICS.has(tactic)) tactics.push(tactic);
  }
  return { techniques, tactics, others };
}
