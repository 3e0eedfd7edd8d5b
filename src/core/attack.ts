/**
 * ATT&CK vocabulary shared by every layer: domains, versions, node kinds and ID shapes. No I/O.
 */

export const DOMAINS = ['enterprise', 'mobile', 'ics'] as const;
export type Domain = (typeof DOMAINS)[number];

export function isDomain(value: string): value is Domain {
  return (DOMAINS as readonly string[]).includes(value);
}

/** "enterprise-attack" (STIX x_mitre_domains / matrix external_id) → "enterprise". */
export function domainFromStixName(name: string): Domain | undefined {
  const short = name.replace(/-attack$/, '');
  return isDomain(short) ? short : undefined;
}

/** The node kinds of the ATT&CK part of the graph, named as users say them. */
export const KINDS = [
  'technique',
  'tactic',
  'group',
  'software',
  'campaign',
  'mitigation',
  'asset',
  'data-source',
  'data-component',
  'detection-strategy',
  'analytic',
  'matrix',
  'identity',
  'marking-definition',
  'collection',
] as const;
export type Kind = (typeof KINDS)[number];

/** STIX object type → our kind. Anything not listed is not ATT&CK content and is rejected on import. */
export const KIND_OF_STIX_TYPE: Readonly<Record<string, Kind>> = {
  'attack-pattern': 'technique',
  'x-mitre-tactic': 'tactic',
  'intrusion-set': 'group',
  malware: 'software',
  tool: 'software',
  campaign: 'campaign',
  'course-of-action': 'mitigation',
  'x-mitre-asset': 'asset',
  'x-mitre-data-source': 'data-source',
  'x-mitre-data-component': 'data-component',
  'x-mitre-detection-strategy': 'detection-strategy',
  'x-mitre-analytic': 'analytic',
  'x-mitre-matrix': 'matrix',
  identity: 'identity',
  'marking-definition': 'marking-definition',
  'x-mitre-collection': 'collection',
};

/** The kinds a user can look up and search; the rest is bookkeeping of the bundle. */
export const PAGE_KINDS: readonly Kind[] = [
  'technique',
  'tactic',
  'group',
  'software',
  'campaign',
  'mitigation',
  'asset',
  'data-source',
  'data-component',
  'detection-strategy',
  'analytic',
];

export function isKind(value: string): value is Kind {
  return (KINDS as readonly string[]).includes(value);
}

/** A release like "18.1" as a sortable number (18001); undefined when it is not MAJOR.MINOR. */
export function versionKey(version: string): number | undefined {
  const m = /^(\d{1,3})(?:\.(\d{1,3}))?$/.exec(version);
  if (m === null) return undefined;
  return Number(m[1]) * 1000 + Number(m[2] ?? '0');
}

/** "18" → "18.0", "v18.1" → "18.1"; undefined when it is not a version. */
export function normalizeVersion(input: string): string | undefined {
  const m = /^v?(\d{1,3})(?:\.(\d{1,3}))?$/.exec(input.trim());
  if (m === null) return undefined;
  return `${m[1]}.${m[2] ?? '0'}`;
}

/** T1114, T1114.001, TA0009, G0007, S0002, C0027, M1047, DS0028, DC0067, DET0476, AN1234, A0001. */
export const ATTACK_ID = /^(T\d{4}(\.\d{3})?|TA\d{4}|G\d{4}|S\d{4}|C\d{4}|M\d{4}|DS\d{4}|DC\d{4}|DET\d{4}|AN\d{4}|A\d{4})$/i;

/** Canonical form of a user-typed ATT&CK ID ("t1114.001" → "T1114.001"). */
export function canonicalAttackId(input: string): string {
  return input.trim().toUpperCase();
}

const URL_SEGMENT: Partial<Record<Kind, string>> = {
  technique: 'techniques',
  tactic: 'tactics',
  group: 'groups',
  software: 'software',
  campaign: 'campaigns',
  mitigation: 'mitigations',
  asset: 'assets',
  'data-source': 'datasources',
  'data-component': 'datacomponents',
  'detection-strategy': 'detectionstrategies',
};

/** attack.mitre.org address of an object, built from its ID when the bundle gives none. */
export function attackUrl(kind: Kind, attackId: string): string | null {
  const segment = URL_SEGMENT[kind];
  if (segment === undefined) return null;
  return `https://attack.mitre.org/${segment}/${attackId.replace('.', '/')}`;
}

/** The kind an ATT&CK ID names by its prefix (old bundles reuse T-numbers on retired mitigations). */
export function kindOfAttackId(id: string): Kind | undefined {
  const m = /^(TA|DET|DS|DC|AN|T|G|S|C|M|A)\d/i.exec(id);
  const prefix = m?.[1]?.toUpperCase();
  const kinds: Record<string, Kind> = {
    TA: 'tactic',
    DET: 'detection-strategy',
    DS: 'data-source',
    DC: 'data-component',
    AN: 'analytic',
    T: 'technique',
    G: 'group',
    S: 'software',
    C: 'campaign',
    M: 'mitigation',
    A: 'asset',
  };
  return prefix === undefined ? undefined : kinds[prefix];
}

/** A STIX id (`x-mitre-data-component--9ce9…`): what an object is known by before it has an ATT&CK ID (15.1's data components). */
export function isStixId(id: string): boolean {
  return /^[a-z][a-z0-9-]*--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);
}
