import { describe, expect, it } from 'vitest';
import { attackUrl, domainFromStixName, kindOfAttackId, normalizeVersion, versionKey } from './attack.ts';

describe('ATT&CK vocabulary', () => {
  it('normalizes versions and orders them numerically, not as text', () => {
    expect(normalizeVersion('18')).toBe('18.0');
    expect(normalizeVersion('v15.1')).toBe('15.1');
    expect(normalizeVersion('15.1.2')).toBeUndefined();
    expect(normalizeVersion('latest')).toBeUndefined();
    expect(versionKey('9.0')! < versionKey('10.0')!).toBe(true);
    expect(versionKey('18.1')! > versionKey('18.0')!).toBe(true);
  });

  it('maps STIX domain names and ID prefixes', () => {
    expect(domainFromStixName('enterprise-attack')).toBe('enterprise');
    expect(domainFromStixName('pre-attack')).toBeUndefined();
    expect(kindOfAttackId('TA0009')).toBe('tactic');
    expect(kindOfAttackId('T1114.001')).toBe('technique');
    expect(kindOfAttackId('DET0476')).toBe('detection-strategy');
    expect(kindOfAttackId('DC0067')).toBe('data-component');
    expect(kindOfAttackId('AN0110')).toBe('analytic');
    expect(attackUrl('technique', 'T1114.001')).toBe('https://attack.mitre.org/techniques/T1114/001');
  });
});
