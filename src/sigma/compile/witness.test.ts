/**
 * Witnesses (witness.ts): the literal sets the index files a rule under. A witness may be weak, never
 * wrong: every event the rule matches must hold, for every set, one of its literals in a leaf.
 */
import { describe, expect, it } from 'vitest';
import { andCnf, itemCnf, itemRuns, literalPlace, orCnf, regexCnf, usableLiteral, type Cnf } from './witness.ts';
import { parseSigma } from '../parse/rule.ts';
import type { DetectionItem } from '../rule/model.ts';

/** Does the (lower-cased) text satisfy every set of the witness? */
function satisfies(cnf: Cnf, text: string): boolean {
  const low = text.toLowerCase();
  return cnf.every((set) => set.some((l) => low.includes(l)));
}

function items(detection: string): DetectionItem[] {
  const yaml = `title: t\nlogsource: {product: test}\ndetection:\n${detection
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
  const col = parseSigma(yaml);
  expect(col.issues).toEqual([]);
  return [...col.rules[0]!.detection.identifiers.values()].flatMap((s) => s.groups.flat());
}

describe('usable literals', () => {
  it('4+ characters always; shorter only with a rare character', () => {
    expect(usableLiteral('.exe')).toBe(true);
    expect(usableLiteral('abc')).toBe(false);
    expect(usableLiteral(' /c')).toBe(false);
    expect(usableLiteral('`')).toBe(true);
    expect(usableLiteral('${')).toBe(true);
    expect(usableLiteral('\u0430')).toBe(true); // Cyrillic a
    expect(usableLiteral('😀')).toBe(true);
    expect(usableLiteral('')).toBe(false);
  });
});

describe('and / or of witnesses', () => {
  it('and keeps every set, best (longest, fewest) first, at most 4', () => {
    expect(andCnf([[['.exe']], [['\\mimikatz.exe']]])).toEqual([['\\mimikatz.exe'], ['.exe']]);
    expect(andCnf([[['aaaa'], ['bbbb'], ['cccc']], [['dddd'], ['eeee']]])).toHaveLength(4);
  });
  it('or zips the branches by rank; an unconstrained branch makes the whole unconstrained', () => {
    expect(orCnf([[['\\edrfreeze'], ['.exe']], [['imphash=1234']]])).toEqual([['\\edrfreeze', 'imphash=1234'], ['.exe', 'imphash=1234']]);
    expect(orCnf([[['abcd']], []])).toEqual([]);
  });
  it('a literal that contains another of its set is dropped', () => {
    expect(andCnf([[['cmd.exe', '\\cmd.exe', 'cmd.exe']]])).toEqual([['cmd.exe']]);
  });
});

describe('item witnesses', () => {
  it('contains: one set of the values; |all: one set per value', () => {
    expect(itemCnf(items('sel:\n  a|contains: [Foo1, Bar2]\ncondition: sel')[0]!)).toEqual([['foo1', 'bar2']]);
    expect(itemCnf(items('sel:\n  a|contains|all: [Foo1, LongerBar]\ncondition: sel')[0]!)).toEqual([['longerbar'], ['foo1']]);
  });
  it('every literal run of a wildcard pattern', () => {
    expect(itemCnf(items("sel:\n  a: 'C:/Windows/*/evil.exe'\ncondition: sel")[0]!)).toEqual([['c:/windows/'], ['/evil.exe']]);
    // `\*` is an escaped star, not a wildcard: one run.
    expect(itemCnf(items("sel:\n  a: 'C:\\Windows\\*\\evil.exe'\ncondition: sel")[0]!)).toEqual([['c:\\windows*\\evil.exe']]);
  });
  it('nothing certain: neq, a value without a usable literal, numbers compared, null', () => {
    expect(itemCnf(items('sel:\n  a|neq: abcdef\ncondition: sel')[0]!)).toEqual([]);
    expect(itemCnf(items('sel:\n  a|contains: [abcdef, ab]\ncondition: sel')[0]!)).toEqual([]);
    expect(itemCnf(items('sel:\n  a|gt: 5\ncondition: sel')[0]!)).toEqual([]);
    expect(itemCnf(items('sel:\n  a: null\ncondition: sel')[0]!)).toEqual([]);
  });
  it('|all skips values that give nothing instead of dropping the item', () => {
    expect(itemCnf(items('sel:\n  a|contains|all: [ab, abcdef]\ncondition: sel')[0]!)).toEqual([['abcdef']]);
  });
  it('keywords as field values', () => {
    expect(itemCnf(items('keywords:\n  - Mimikatz\n  - sekurlsa\ncondition: keywords')[0]!)).toEqual([['mimikatz', 'sekurlsa']]);
  });
});

describe('regex witnesses', () => {
  const cases: [string, Cnf][] = [
    ['abc\\d+defg', [['defg']]],
    ['(?:abcd|efgh)ij', [['abcd', 'efgh']]],
    ['(abcd)?efgh', [['efgh']]],
    ['abcd?', []],
    ['ab+cdef', [['cdef']]],
    ['(?=abcd)', []],
    ['(?!abcd)efgh', [['efgh']]],
    ['(?<=abcd)efgh', [['efgh']]],
    ['x{0,3}abcd', [['abcd']]],
    ['\\$\\{', [['${']]],
    ['abcd|efgh', [['abcd', 'efgh']]],
    ['abcd|\\d+', []],
    ['[abcd]efgh', [['efgh']]],
    ['(abcd)+', [['abcd']]],
    ['(abcd)*efgh', [['efgh']]],
    ['(?<name>wxyz)', [['wxyz']]],
    ['Invoke-[A-Z]\\w+\\.ps1$', [['invoke-'], ['.ps1']]],
    ['\\w+`(?:\\w+|-|.)`[\\w+|\\s]', [['`']]],
    ['a.b.c.d', []],
  ];
  it.each(cases)('%s', (src, want) => {
    expect(regexCnf(src)).toEqual(want);
  });

  it('is sound on random patterns: every matching string satisfies the witness', () => {
    // A small grammar over an alphabet with common and rare characters, and random subjects.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const chars = ['a', 'b', 'A', '`', '$', '-', 'x'];
    const atom = (d: number): string => {
      const k = rnd(d > 2 ? 4 : 7);
      if (k <= 3) return chars[rnd(chars.length)]!.replace('$', '\\$');
      if (k === 4) return `(${alt(d + 1)})`;
      if (k === 5) return `(?:${alt(d + 1)})`;
      return ['[ab]', '.', '\\w', '(?=a)', '(?!b)'][rnd(5)]!;
    };
    const quant = (): string => ['', '', '', '?', '*', '+', '{2}', '{0,2}', '{1,}'][rnd(9)]!;
    const seq = (d: number): string => {
      let s = '';
      const n = 1 + rnd(5);
      for (let i = 0; i < n; i++) s += atom(d) + quant();
      return s;
    };
    const alt = (d: number): string => (rnd(4) === 0 ? `${seq(d)}|${seq(d)}` : seq(d));
    let checked = 0;
    for (let p = 0; p < 400; p++) {
      const src = alt(0);
      const re = new RegExp(src, rnd(2) === 0 ? 'i' : '');
      const cnf = regexCnf(src);
      for (let k = 0; k < 300; k++) {
        let s = '';
        const len = rnd(12);
        for (let i = 0; i < len; i++) s += chars[rnd(chars.length)];
        if (!re.test(s)) continue;
        checked++;
        expect(satisfies(cnf, s), `/${src}/ on ${JSON.stringify(s)}: ${JSON.stringify(cnf)}`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

describe('where a literal lies (itemRuns, literalPlace)', () => {
  const runs = (detection: string) => items(detection).flatMap(itemRuns);
  it('each run of a pattern at its place: whole value, start, end, anywhere', () => {
    expect(runs("sel:\n  a: 'Evil.exe'\ncondition: sel")).toEqual([{ text: 'evil.exe', place: 'whole' }]);
    expect(runs("sel:\n  a|startswith: 'C:\\Temp\\'\ncondition: sel")).toEqual([{ text: 'c:\\temp\\', place: 'start' }]);
    expect(runs("sel:\n  a|endswith: '\\Evil.exe'\ncondition: sel")).toEqual([{ text: '\\evil.exe', place: 'end' }]);
    expect(runs("sel:\n  a|contains: 'evil'\ncondition: sel")).toEqual([{ text: 'evil', place: 'any' }]);
    expect(runs("sel:\n  a: 'C:/Win*/evil?.exe'\ncondition: sel")).toEqual([
      { text: 'c:/win', place: 'start' },
      { text: '/evil', place: 'any' },
      { text: '.exe', place: 'end' },
    ]);
  });
  it('keywords, regexes: anywhere; neq: nothing', () => {
    expect(runs('keywords:\n  - Mimikatz\ncondition: keywords')).toEqual([{ text: 'mimikatz', place: 'any' }]);
    expect(runs("sel:\n  a|re: '^evil\\.exe$'\ncondition: sel")).toEqual([{ text: 'evil.exe', place: 'any' }]);
    expect(runs('sel:\n  a|neq: evil.exe\ncondition: sel')).toEqual([]);
  });
  it('a literal gets the weakest place of every run that holds it', () => {
    // `\\a.exe` ends one value and is inside the other: anywhere (a value ending in `\\a.exe\\b`
    // matches the second; the witness keeps only `\\a.exe`, which the first gives).
    const r = runs("sel:\n  a|endswith: '\\a.exe'\nsel2:\n  a|contains: 'x\\a.exe'\ncondition: sel or sel2");
    expect(literalPlace(r, '\\a.exe')).toBe('any');
    expect(literalPlace(runs("sel:\n  a|endswith: ['\\a.exe', 'x\\a.exe']\ncondition: sel"), '\\a.exe')).toBe('end');
    // Inside a longer run: the place of its end or start only when it is there.
    expect(literalPlace([{ text: 'c:\\x\\a.exe', place: 'whole' }], '\\a.exe')).toBe('end');
    expect(literalPlace([{ text: 'c:\\x\\a.exe', place: 'whole' }], 'c:\\x')).toBe('start');
    expect(literalPlace([{ text: 'c:\\x\\a.exe', place: 'whole' }], '\\x\\')).toBe('any');
    expect(literalPlace([{ text: 'c:\\x\\a.exe', place: 'whole' }], 'c:\\x\\a.exe')).toBe('whole');
    expect(literalPlace([{ text: 'abcabc', place: 'start' }], 'abc')).toBe('start');
    expect(literalPlace([{ text: 'abc', place: 'end' }, { text: 'abc', place: 'start' }], 'abc')).toBe('any');
    expect(literalPlace([{ text: 'abc', place: 'whole' }, { text: 'abc', place: 'end' }], 'abc')).toBe('end');
    expect(literalPlace([{ text: 'abc', place: 'end' }], 'zz')).toBeUndefined();
  });
});
