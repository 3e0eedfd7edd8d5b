/**
 * What the run-wide fixtures (global-fixtures.ts) hold, and how a test file reaches them: a
 * private copy of a prebuilt store, or the prebuilt SigmaHQ rule cache. Outside a vitest run (a
 * script importing these helpers) there are none, and the helpers build what they need themselves.
 */
import { inject } from 'vitest';

export interface FixtureInfo {
  readonly dir: string;
  /** Store name (FIXTURE_STORES) → prebuilt SQLite file; copy it, never open it for writing. */
  readonly stores: Readonly<Record<string, string>>;
  /** A hunt rule cache (hunt/rule-cache.ts) holding the parsed form of SigmaHQ's rules/ folder. */
  readonly sigmaCache: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    ttpgraphFixtures: FixtureInfo;
  }
}

export const FIXTURE_STORES = {
  enterprise15: 'enterprise-attack-15.1.json',
  enterprise18: 'enterprise-attack-18.1.json',
  enterprise15and18: 'enterprise-attack-15.1.json+enterprise-attack-18.1.json',
  web: 'web',
} as const;

/** Sigma rules for T1114 (sub-techniques included) in the web store. */
export const WEB_SIGMA_RULES = [
  'rules-threat-hunting/cloud/m365/audit/microsoft365_susp_email_forwarding_activity.yml',
  'rules-threat-hunting/windows/powershell/powershell_script/posh_ps_email_forwarding_activity.yml',
];

/** The run's fixtures, or undefined outside vitest (or when the global setup did not run). */
export function fixtures(): FixtureInfo | undefined {
  try {
    return inject('ttpgraphFixtures');
  } catch {
    return undefined;
  }
}

/** The prebuilt store for `name`, if this run has one. */
export function prebuiltStore(name: string): string | undefined {
  return fixtures()?.stores[name];
}

/** The prebuilt SigmaHQ rules/ cache, as `cacheDir` for loadRuleFiles; undefined: parse the YAML. */
export function sigmaRulesCache(): string | undefined {
  return fixtures()?.sigmaCache;
}
