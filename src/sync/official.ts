/**
 * Where the public data lives: the official locations `ttpgraph sync` reads, kept as data in this
 * one file so that a new release of a source is a one-line change.
 *
 * Every file also has a `mirrorPath`: its place in a mirror laid out like ../shared/data
 * (attack/collection-index.json, attack/<domain>-attack-<version>.json, mappings/<file>.json,
 * sigma/sigma_all_rules.zip), which is what `sync --from DIR` and `sync --base-url URL` read instead
 * of the official URLs. A directory mirror may also hold SigmaHQ's rule folders themselves under
 * sigma/ (a clone of SigmaHQ/sigma, as ../shared/data/sigma is).
 */
import { DOMAINS, type Domain } from '../core/attack.ts';

/** The ATT&CK collection index of mitre-attack/attack-stix-data: every domain and release with its bundle URL. */
export const ATTACK_INDEX = {
  url: 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/index.json',
  mirrorPath: 'attack/collection-index.json',
  format: 'json',
} as const;

/** Where attack-stix-data keeps the bundles: <base><domain>-attack/<domain>-attack-<version>.json. */
export const ATTACK_BUNDLE_BASE_URL = 'https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/';

/** Folder of ATT&CK bundles in a mirror; a bundle URL from the index maps to attack/<basename>. */
export const ATTACK_MIRROR_FOLDER = 'attack';

/** Raw files of center-for-threat-informed-defense/mappings-explorer, folder mappings/. */
export const MAPPINGS_BASE_URL = 'https://raw.githubusercontent.com/center-for-threat-informed-defense/mappings-explorer/main/mappings/';

/** Folder of Mappings Explorer files in a mirror. */
export const MAPPINGS_MIRROR_FOLDER = 'mappings';

/** One Mappings Explorer file: a framework version mapped to one ATT&CK release and domain. */
export interface MappingFileSpec {
  /** As the file names it: nist_800_53, aws, azure, gcp, m365, csa_ccm, cri_profile, veris, kev... */
  readonly framework: string;
  readonly frameworkVersion: string;
  readonly attackVersion: string;
  readonly domain: Domain;
}

/**
 * The Mappings Explorer files `sync` fetches: the current mapping of every framework (and the
 * ATT&CK 14.1 NIST and M365 mappings, which pages of older releases still use).
 * To add a file, add its line; the URL follows the repository's layout (see mappingFileUrl).
 */
export const MAPPING_FILES: readonly MappingFileSpec[] = [
  { framework: 'nist_800_53', frameworkVersion: 'rev4', attackVersion: '14.1', domain: 'enterprise' },
  { framework: 'nist_800_53', frameworkVersion: 'rev5', attackVersion: '14.1', domain: 'enterprise' },
  { framework: 'nist_800_53', frameworkVersion: 'rev5', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'aws', frameworkVersion: '12.12.2024', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'azure', frameworkVersion: '04.26.2025', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'gcp', frameworkVersion: '03.06.2025', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'm365', frameworkVersion: '12.11.2023', attackVersion: '14.1', domain: 'enterprise' },
  { framework: 'm365', frameworkVersion: '07.18.2025', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'csa_ccm', frameworkVersion: '4.1', attackVersion: '17.1', domain: 'enterprise' },
  { framework: 'cri_profile', frameworkVersion: 'v2.1', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'veris', frameworkVersion: '1.4.0', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'veris', frameworkVersion: '1.4.0', attackVersion: '16.1', domain: 'mobile' },
  { framework: 'veris', frameworkVersion: '1.4.0', attackVersion: '16.1', domain: 'ics' },
  { framework: 'kev', frameworkVersion: '02.13.2025', attackVersion: '15.1', domain: 'enterprise' },
  { framework: 'kev', frameworkVersion: '02.13.2025', attackVersion: '15.1', domain: 'mobile' },
  { framework: 'kev', frameworkVersion: '07.28.2025', attackVersion: '16.1', domain: 'enterprise' },
  { framework: 'kev', frameworkVersion: '07.28.2025', attackVersion: '16.1', domain: 'mobile' },
];

/** "nist_800_53-rev5_attack-14.1-enterprise.json", as the repository names its files. */
export function mappingFileName(f: MappingFileSpec): string {
  return `${f.framework}-${f.frameworkVersion}_attack-${f.attackVersion}-${f.domain}.json`;
}

/** mappings/<framework>/attack-<version>/<framework>-<framework version>/<domain>/<file name>. */
export function mappingFileUrl(f: MappingFileSpec): string {
  return `${MAPPINGS_BASE_URL}${f.framework}/attack-${f.attackVersion}/${f.framework}-${f.frameworkVersion}/${f.domain}/${mappingFileName(f)}`;
}

/** Reads a file name back into its parts; undefined when it is not named like a Mappings Explorer file. */
export function parseMappingFileName(name: string): MappingFileSpec | undefined {
  const m = /^([a-z0-9_-]+)-([^_-]+)_attack-(\d{1,3}\.\d{1,3})-([a-z]+)\.json$/i.exec(name);
  const domain = m?.[4]?.toLowerCase();
  if (m === null || domain === undefined || !(DOMAINS as readonly string[]).includes(domain)) return undefined;
  return { framework: m[1] ?? '', frameworkVersion: m[2] ?? '', attackVersion: m[3] ?? '', domain: domain as Domain };
}

/**
 * The SigmaHQ rule package of the latest release (a GitHub release asset; the URL redirects to the
 * current release's file). Of the packages SigmaHQ publishes (sigma_core, core+, core++, the
 * emerging-threats add-on, all rules) this is the broadest: rules/ and rules-emerging-threats/,
 * status experimental and up, level medium and up. Entries sit at the archive's root as in the
 * repository (rules/windows/process_creation/x.yml), beside a version.txt naming the release.
 * The rules it leaves out (levels low and informational; rules-threat-hunting, rules-compliance,
 * rules-dfir, rules-placeholder) come with a mirror directory holding the repository's folders.
 */
export const SIGMAHQ_ARCHIVE = {
  url: 'https://github.com/SigmaHQ/sigma/releases/latest/download/sigma_all_rules.zip',
  mirrorPath: 'sigma/sigma_all_rules.zip',
  format: 'zip',
} as const;

/** Folder of SigmaHQ rules in a mirror: the archive, or the repository's rule folders. */
export const SIGMA_MIRROR_FOLDER = 'sigma';

/**
 * The rule folders of the SigmaHQ repository that are imported, from an archive or a mirror
 * directory; deprecated/ and unsupported/ are not (rules SigmaHQ retired or no backend can run).
 */
export const SIGMA_RULE_FOLDERS = ['rules', 'rules-threat-hunting', 'rules-emerging-threats', 'rules-compliance', 'rules-dfir', 'rules-placeholder'] as const;
