/**
 * The prefilter's SQL (prefilter.ts): which literals are left out, how literals that share a key are
 * grouped, and the test of each place. Whether ClickHouse then keeps every event a rule matches is
 * tested against a real server in test/clickhouse/semantics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { LiteralPlace } from '../../compile/witness.ts';
import { fieldPrefilter, FIRST_CHAR_GROUP, KEY_GROUP, keyedLiterals, minimalLiterals, NON_ASCII, PREFILTER_LITERALS, type PrefilterPlace } from './prefilter.ts';

const places = (o: Partial<Record<PrefilterPlace, string[]>>): Map<LiteralPlace, Set<string>> => new Map(Object.entries(o).map(([p, l]) => [p as LiteralPlace, new Set(l)]));

describe('prefilter literals', () => {
  it('leaves out a literal that holds one found anywhere, or the same start or end', () => {
    const m = minimalLiterals(places({ any: ['mimikatz', 'invoke-mimikatz', 'lsass'], end: ['\\mimikatz.exe', '\\procdump.exe', 'dump.exe'], start: ['c:\\temp\\', 'c:\\temp\\x\\'], whole: ['c:\\temp\\y.exe', 'pd.exe', 'dump.exe'] }));
    expect(m.get('any')).toEqual(['lsass', 'mimikatz']);
    expect(m.get('end')).toEqual(['dump.exe']);
    expect(m.get('start')).toEqual(['c:\\temp\\']);
    // A whole value `dump.exe` ends with `dump.exe`; `c:\temp\y.exe` starts with `c:\temp\`.
    expect(m.get('whole')).toEqual(['pd.exe']);
  });
  it('an end literal does not stand for the same text at the start, nor one anywhere for a longer one elsewhere', () => {
    const m = minimalLiterals(places({ start: ['abcd'], end: ['abcd', 'xabcd'], whole: ['abcdx'] }));
    expect(m.get('start')).toEqual(['abcd']);
    expect(m.get('end')).toEqual(['abcd']);
    expect(m.get('whole')).toEqual([]);
    expect(minimalLiterals(places({ end: ['abcd'], whole: ['abcdx'] })).get('whole')).toEqual(['abcdx']);
  });
  it('groups literals by a shared prefix or suffix, then by a first character that is no letter or digit', () => {
    const pre = Array.from({ length: KEY_GROUP }, (_x, i) => `invoke-thing${i}x`);
    const suf = Array.from({ length: KEY_GROUP }, (_x, i) => `tool${i}zz.ps1`);
    const dash = Array.from({ length: FIRST_CHAR_GROUP }, (_x, i) => `-flag${String.fromCharCode(97 + i)}`);
    const few = ['alpha1', 'beta22'];
    const { keyed, rest } = keyedLiterals([...pre, ...suf, ...dash, ...few]);
    expect(keyed.map((k) => [k.key, k.pre, k.rests.length])).toEqual([
      ['invoke-thing', true, KEY_GROUP],
      ['zz.ps1', false, KEY_GROUP],
      ['-', true, FIRST_CHAR_GROUP],
    ]);
    expect(rest.sort()).toEqual(few);
    // Fewer than FIRST_CHAR_GROUP literals of one first character: plain.
    expect(keyedLiterals(dash.slice(1)).keyed).toEqual([]);
  });
  it('one SQL test per place: IN, anchored alternations, keys looked for before RE2 runs', () => {
    const pre = Array.from({ length: KEY_GROUP }, (_x, i) => `invoke-thing${i}x`);
    const sql = fieldPrefilter('lv', places({ whole: ['a.exe', 'b.exe'], start: ['c:\\temp\\'], end: ['\\x.exe', '\\y.exe'], any: [...pre, 'lsass'] }), false);
    expect(sql).toEqual([
      "lv IN ('a.exe', 'b.exe')",
      "match(lv, '^(?:c\\\\:\\\\\\\\temp\\\\\\\\)')",
      "match(lv, '(?:\\\\\\\\x\\\\.exe|\\\\\\\\y\\\\.exe)$')",
      `match(lv, 'invoke-thing(?:${pre.map((p) => p.slice('invoke-thing'.length)).sort().join('|')})')`,
      "match(lv, 'lsass')",
    ]);
    // Text joined around the value (array elements, every leaf): every literal anywhere.
    expect(fieldPrefilter('t', places({ whole: ['a.exe'], end: ['\\x.exe'] }), true)).toEqual(["match(t, '\\\\\\\\x\\\\.exe|a\\\\.exe')"]);
    // Alternations stay within PREFILTER_LITERALS.
    const many = Array.from({ length: 600 }, (_x, i) => `q${i}x${i * 7919}`);
    const calls = fieldPrefilter('lv', places({ any: many }), false);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const c of calls) expect(c.split('|').length).toBeLessThanOrEqual(PREFILTER_LITERALS);
  });
  it('the non-ASCII test once per field, and beside it no literal that holds a character outside ASCII', () => {
    const byPlace = new Map<PrefilterPlace, Set<string>>([
      [NON_ASCII, new Set(['straße', 'а'])],
      ['any', new Set(['😀', 'lsass'])],
      ['end', new Set(['\\ö.exe', '\\x.exe'])],
    ]);
    expect(fieldPrefilter('lv', byPlace, false)).toEqual(['length(lv) != lengthUTF8(lv)', "match(lv, '(?:\\\\\\\\x\\\\.exe)$')", "match(lv, 'lsass')"]);
    expect(fieldPrefilter('t', byPlace, true)).toEqual(['length(t) != lengthUTF8(t)', "match(t, '\\\\\\\\x\\\\.exe|lsass')"]);
    // Without it, literals outside ASCII are looked for as ever.
    expect(fieldPrefilter('lv', places({ any: ['😀'] }), false)).toEqual(["match(lv, '😀')"]);
  });
});
