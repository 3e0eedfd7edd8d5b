/**
 * Control frameworks by the names people use (the store keeps Mappings Explorer's machine names:
 * `nist_800_53`, `csa_ccm`), and their reading order: NIST SP 800-53 first (the reference page's
 * section), then the others by name.
 */
const NAMES: Record<string, string> = {
  nist_800_53: 'NIST SP 800-53',
  aws: 'AWS',
  azure: 'Microsoft Azure',
  gcp: 'Google Cloud',
  m365: 'Microsoft 365',
  csa_ccm: 'CSA Cloud Controls Matrix',
  cri_profile: 'CRI Profile',
  veris: 'VERIS',
  kev: 'CISA KEV',
};

/** "NIST SP 800-53" for `nist_800_53`; an unknown framework keeps its own name. */
export function frameworkName(framework: string): string {
  return NAMES[framework] ?? framework;
}

/** "NIST SP 800-53 rev5", "Microsoft 365 (07/18/2025)". */
export function frameworkLabel(framework: string, version: string): string {
  const name = frameworkName(framework);
  if (version === '') return name;
  return /^(rev|v)\d/i.test(version) ? `${name} ${version}` : `${name} ${/^\d/.test(version) && /[/-]/.test(version) ? `(${version})` : version}`;
}

/** Sort key: NIST SP 800-53 first, then by human name. */
export function compareFrameworks(a: string, b: string): number {
  const rank = (f: string): number => (f === 'nist_800_53' ? 0 : 1);
  return rank(a) - rank(b) || frameworkName(a).localeCompare(frameworkName(b));
}

/** Versions of one framework, newest first: rev5 before rev4, 07/28/2025 before 02/13/2025. */
export function compareVersionsNewestFirst(a: string, b: string): number {
  const key = (v: string): string => {
    const date = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(v);
    if (date !== null) return `${date[3]}${date[1]}${date[2]}`;
    return v.replace(/\d+/g, (n) => n.padStart(6, '0'));
  };
  return key(b).localeCompare(key(a));
}
