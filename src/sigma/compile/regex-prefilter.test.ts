/** The literal prefilter in front of `re` values (regexPrefilter): it may only ever say "no" when RE2 says "no". */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLinearRegex, compileLinearRegex } from '../modifiers/linear-regex.ts';
import { regexPrefilter, regexRuns } from './strings.ts';

/** The prefilter and RE2 for a PCRE pattern as a rule writes it, with Sigma's flags. */
function both(pattern: string, flags = ''): { pre: ((s: string) => boolean) | undefined; re: (s: string) => boolean } {
  const checked = checkLinearRegex(pattern, flags);
  const re = compileLinearRegex(checked.re2, flags);
  const insensitive = flags.includes('i') || (/^(?:\(\?[imsx]+\))+/.exec(pattern)?.[0].includes('i') ?? false);
  return { pre: checked.witness === undefined ? undefined : regexPrefilter(checked.witness, insensitive), re: (s) => re.test(s) };
}

describe('regexRuns', () => {
  it('takes the top-level runs of each alternative, without optional atoms, groups or classes', () => {
    expect(regexRuns('ipconfig\\s+/all')).toEqual([['ipconfig', '/all']]);
    expect(regexRuns('arp\\s+-a|net\\s+config')).toEqual([['arp', '-a'], ['config', 'net']]);
    expect(regexRuns('abcx?d')).toEqual([['abc']]);
    expect(regexRuns('ab+c')).toEqual([['ab']]);
    expect(regexRuns('(foo|bar)baz[0-9]{2}\\.exe')).toEqual([['.exe', 'baz']]);
    expect(regexRuns('a{0,3}bc\\x41de')).toEqual([['bc', 'de']]);
  });
  it('gives nothing when an alternative holds no run', () => {
    expect(regexRuns('foo|\\d+')).toBeUndefined();
    expect(regexRuns('(abc)')).toBeUndefined();
    expect(regexRuns('a.b')).toBeUndefined();
  });
});

describe('regexPrefilter', () => {
  it('skips values without the literals and keeps the rest for RE2', () => {
    const { pre, re } = both('ipconfig\\s+/all');
    expect(pre).toBeDefined();
    expect(pre!('C:\\Windows\\system32\\whoami.exe /all')).toBe(false);
    expect(pre!('ipconfig    /all')).toBe(true);
    expect(re('ipconfig    /all')).toBe(true);
    // Case-sensitive as RE2 is: an upper-case value is already no match.
    expect(pre!('IPCONFIG /ALL')).toBe(false);
    expect(re('IPCONFIG /ALL')).toBe(false);
  });

  it('ignores case with the i flag, leading (?i) or Sigma\'s re|i, including the long s and the Kelvin sign', () => {
    for (const [pattern, flags] of [['(?i)\\bsekurlsa::', ''], ['sekurlsa::', 'i']] as const) {
      const { pre, re } = both(pattern, flags);
      expect(pre).toBeDefined();
      for (const s of ['SEKURLSA::logonpasswords', 'se\u212Aurl\u017Fa::x', 'seKurlSa::']) {
        expect(re(s)).toBe(true);
        expect(pre!(s)).toBe(true);
      }
      expect(pre!('sekurls a::')).toBe(false);
    }
  });

  it('never rejects a string RE2 matches (random strings over the patterns\' own characters)', () => {
    const patterns: [string, string][] = [
      ['ipconfig\\s+/all', ''],
      ['arp\\s+-a|nbtstat\\s+-n|net\\s+config', ''],
      ['(?i)s[kc]?ip\\.exe$', ''],
      ['ab+c{2,}d?e', ''],
      ['(?i)Kelvin|sss', ''],
      ['\\\\temp\\\\[a-z]{4}\\.(bat|cmd)', 'i'],
      ['^x\\.y(z|w)+q*', 's'],
      ['\u00e9t\u00e9|\u03a3\u03c3', ''],
      ['\u00e9t\u00e9|ss', 'i'],
    ];
    const alphabet = ['a', 'b', 'c', 'd', 'e', 'i', 'k', 'K', 'p', 's', 'S', 'q', 'x', 'y', 'z', 'w', '.', '\\', '/', '-', ' ', '\t', '\u017f', '\u212a', '\u00e9', '\u00c9', '\u03a3', '\u03c3', '\u03c2', 'ipconfig', 'arp', 'net', 'config', 'exe', 'temp', 'bat', 'kelvin', 't'];
    for (const [pattern, flags] of patterns) {
      const { pre, re } = both(pattern, flags);
      if (pre === undefined) continue;
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }), (parts) => {
          const s = parts.join('');
          if (re(s)) expect(pre(s)).toBe(true);
        }),
        { numRuns: 3000, seed: 13 },
      );
    }
  });
});
