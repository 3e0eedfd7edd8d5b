/** Value lists on one field (compileShapeSet: Set, prefix and suffix tries, alternation) against the plain definition. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ANY, ONE, type StringPart } from '../rule/model.ts';
import { compilePattern, compileShapeSet, type PatternShape } from './strings.ts';

function naive(shapes: readonly PatternShape[]): (s: string) => boolean {
  return (s) =>
    shapes.some((x) => (x.kind === 'eq' ? s === x.lit : x.kind === 'prefix' ? s.startsWith(x.lit) : x.kind === 'suffix' ? s.endsWith(x.lit) : s.includes(x.lit)));
}

describe('compileShapeSet', () => {
  it('prefixes and suffixes that extend one another, equality and substrings', () => {
    const shapes: PatternShape[] = [
      { kind: 'suffix', lit: '\\cmd.exe' },
      { kind: 'suffix', lit: 'd.exe' },
      { kind: 'suffix', lit: '\\powershell.exe' },
      { kind: 'prefix', lit: 'c:\\users\\' },
      { kind: 'prefix', lit: 'c:\\users\\public\\' },
      { kind: 'eq', lit: 'whoami' },
      { kind: 'contains', lit: 'mimi' },
      { kind: 'contains', lit: 'a.b' },
      { kind: 'contains', lit: '(x)' },
      { kind: 'contains', lit: 'ä€' },
    ];
    const t = compileShapeSet(shapes);
    const n = naive(shapes);
    for (const s of ['c:\\windows\\cmd.exe', 'x.exe', 'ad.exe', 'd.exe', '.exe', 'c:\\users', 'c:\\users\\', 'c:\\users\\bob\\x', 'whoami', 'whoami2', 'run mimi', 'aXb', 'a.b', '(x)', 'xä€y', '', 'powershell.exe']) {
      expect(t(s), s).toBe(n(s));
    }
  });

  it('agrees with the plain definition on random lists and values', () => {
    let seed = 7;
    const rnd = (k: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
    const alphabet = ['a', 'b', '.', '\\', 'é'];
    const word = (max: number): string => Array.from({ length: 1 + rnd(max) }, () => alphabet[rnd(alphabet.length)]).join('');
    const kinds: PatternShape['kind'][] = ['eq', 'prefix', 'suffix', 'contains'];
    for (let round = 0; round < 200; round++) {
      const shapes: PatternShape[] = Array.from({ length: 4 + rnd(8) }, () => ({ kind: kinds[rnd(4)]!, lit: word(4) }));
      const t = compileShapeSet(shapes);
      const n = naive(shapes);
      for (let k = 0; k < 50; k++) {
        const s = rnd(10) === 0 ? '' : word(7);
        expect(t(s), `${JSON.stringify(shapes)} on ${JSON.stringify(s)}`).toBe(n(s));
      }
    }
  });
});

describe('compilePattern with ? (the wildcard scan)', () => {
  it('agrees with the regular-expression definition on random patterns and texts', () => {
    const unit = fc.constantFrom<StringPart>('a', 'b', 'ab', ANY, ONE);
    fc.assert(
      fc.property(fc.array(unit, { minLength: 1, maxLength: 8 }), fc.stringMatching(/^[ab]{0,10}$/), (parts, text) => {
        const withOne: StringPart[] = [...parts, ONE];
        const src = withOne.map((p) => (p === ANY ? '[\\s\\S]*' : p === ONE ? '[\\s\\S]' : typeof p === 'string' ? p : '')).join('');
        expect(compilePattern(withOne, true)(text)).toBe(new RegExp(`^${src}$`).test(text));
      }),
      { seed: 7, numRuns: 2000 },
    );
  });
  it('twenty `*a` and a `?` over 5,000 `a`s and a `!`: answered (a backtracking RegExp never finished)', () => {
    const parts: StringPart[] = [...Array.from({ length: 20 }, (): StringPart[] => [ANY, 'a']).flat(), ONE, 'b'];
    expect(compilePattern(parts, true)(`${'a'.repeat(5000)}!`)).toBe(false);
    expect(compilePattern(parts, true)(`${'a'.repeat(5000)}!b`)).toBe(true);
  });
});
