/**
 * The YAML fast path (yaml-fast.ts) against the `yaml` package (parseYamlFull): on every text it
 * accepts, the same documents, values and positions; everything else, and every error, is left to
 * the real parser. The same check over all of SigmaHQ's files is in test/sigma/yaml-fast-corpus.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fastYamlPlain } from './yaml-fast.ts';
import { parseYamlFull, parseYamlPlain, type PlainYamlResult } from './yaml.ts';
import { positionsOf } from '../../../test/helpers/yaml-positions.ts';

/** The fast path accepted `text` and agrees with the real parser in every respect. */
function expectSame(text: string): PlainYamlResult {
  const fast = fastYamlPlain(text);
  const full = parseYamlFull(text);
  expect(full.issues).toEqual([]);
  expect(fast, 'the fast path gave up').toBeDefined();
  expect(fast!.documents).toStrictEqual(full.documents);
  expect(positionsOf(fast!)).toStrictEqual(positionsOf(full));
  return fast!;
}

const RULE = `title: Suspicious 'thing'
id: 5f2b8c33-1a4b-4c1e-9d2e-000000000001
status: test
description: |
    Detects a thing.

    Second paragraph, kept as written:   spaces too
      and a more indented line.
references:
    - https://example.com/a#frag
    - 'https://example.com/b'
author: Someone (@someone) # a comment
date: 2021-01-31
modified: 2023/02/03
tags:
    - attack.execution
    - attack.t1059.001
logsource:
    category: process_creation
    product: windows
detection:
    # a comment at the start
    selection_img:
        - Image|endswith:
              - '\\powershell.exe'
              - "\\\\pwsh.exe\\t\\u00e9"
          OriginalFileName: PowerShell.EXE
        - Description: Windows PowerShell
    selection_cli:
      CommandLine|contains|all:
      - ' -enc '
      - '''quoted'''
      - C:\\Windows\\System32\\
      - :\\ProgramData'
      - 00000429
      - 0000042a
      # - '\t'  a tab in a comment
      EventID: 4688
      Count: 0
      Flag: y
      Other: n
      Switch: on
      Empty:
      Tilde: ~
      Word: NULL
    folded: a plain value
        that goes on
        over lines

        with a blank line
    condition: all of selection_* and not folded
fields:
    - CommandLine
falsepositives:
    - Unknown
level: high
`;

describe('YAML fast path', () => {
  it('reads a rule as the yaml package does: values, types, positions', () => {
    const r = expectSame(RULE);
    const doc = r.documents[0]!.value as Record<string, unknown>;
    expect(doc['date']).toBe('2021-01-31');
    expect(doc['modified']).toBe('2023/02/03');
    expect((doc['detection'] as Record<string, Record<string, unknown>>)['selection_cli']!['CommandLine|contains|all']).toEqual([' -enc ', "'quoted'", 'C:\\Windows\\System32\\', ":\\ProgramData'", 429, '0000042a']);
    expect(doc['description']).toBe('Detects a thing.\n\nSecond paragraph, kept as written:   spaces too\n  and a more indented line.\n');
  });

  it('reads several documents, a sequence at its key\'s indentation, quoted keys, comments after markers', () => {
    expectSame(`action: global\ntitle: x\n---  # second\nlogsource:\n    product: windows\n'quoted key': 1\n"dq key": "v"\nlist:\n- a\n- b: c\n  d: e\n-\n  f: g\nafter: 2022-1-5\n---\nid: 3\n`);
    expectSame(`---\ntitle: starts with a marker\nx:\n  - |\n    literal in an item\n  - last\n`);
  });

  it('gives up on what it does not handle, so the real parser reads it', () => {
    const unsure = [
      'a: &x 1\nb: *x\n', // anchors, aliases
      'a: !!str 1\n', // tags
      'a: [1, 2]\n', // flow collections
      'a: {b: 1}\n',
      'a: |-\n  x\n', // other block scalars
      'a: >\n  x\n',
      'a:\n\t- x\n', // tabs, but in comments
      'a: x\t# y\n',
      'a: 1\r\nb: 2\r\n', // CRLF
      '%YAML 1.1\n---\na: 1\n', // directives
      'a: 0x1F\n', // numbers other than plain decimals
      'a: 1.5\n',
      'a: -3\n',
      'a: 0755\n', // octal (00000429 is decimal, read)
      'a: 12:30\n',
      'a: 2001-12-14t21:59:43.10-05:00\n',
      'a: .inf\n',
      'a: e15\n', // a float to YAML 1.1
      'y: 1\n', // keys that are not strings
      '1: x\n',
      '<<: x\n',
      'a:\n  - \n  - b\n', // an empty item
      'a: \'multi\n  line\'\n', // quoted over lines
      '- a\n- b\n', // not a mapping
      'a: 1\n---\n', // an empty document
      '',
    ];
    for (const text of unsure) expect(fastYamlPlain(text), JSON.stringify(text)).toBeUndefined();
  });

  it('leaves every error, with its position, to the yaml package', () => {
    const broken = ['title: x\n  bad: indent\n', 'a: b: c\n', "a: 'unclosed\n", 'a:\n  - x\n  y: z\n', 'a: 1\n a: 2\n', 'a: "\\q"\n', 'a: `x`\n'];
    for (const text of broken) {
      expect(fastYamlPlain(text), JSON.stringify(text)).toBeUndefined();
      const r = parseYamlPlain(text, 'f.yml');
      expect(r.issues.length, JSON.stringify(text)).toBeGreaterThan(0);
      expect(r.issues).toStrictEqual(parseYamlFull(text, 'f.yml').issues);
    }
  });

  it('never disagrees with the yaml package on mutated rules: same result, or it gives up (seeded)', () => {
    // Small edits with the characters that change YAML's structure, many of them errors.
    const alphabet = [' ', '  ', '\n', '\n  ', ':', ': ', '-', '- ', '#', ' #', "'", '"', '|', '\\', 'y', '0', '1', '2021-02-03', '.', '~', 'null', '---\n', '[', '&a', '*a'];
    let seed = 0x5eed;
    const rand = (n: number): number => {
      // xorshift32: enough for picking edits
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let accepted = 0;
    for (let c = 0; c < 1500; c++) {
      let text = RULE;
      for (let e = 1 + rand(3); e > 0; e--) {
        const at = rand(text.length + 1);
        const del = rand(3) === 0 ? 1 + rand(4) : 0;
        text = text.slice(0, at) + (del > 0 && rand(2) === 0 ? '' : (alphabet[rand(alphabet.length)] as string)) + text.slice(at + del);
      }
      const fast = fastYamlPlain(text);
      if (fast === undefined) continue;
      accepted++;
      const full = parseYamlFull(text);
      expect(full.issues, JSON.stringify(text)).toEqual([]);
      expect(fast.documents, JSON.stringify(text)).toStrictEqual(full.documents);
      expect(positionsOf(fast), JSON.stringify(text)).toStrictEqual(positionsOf(full));
    }
    // Most edits land in values and stay within the subset: the comparison is not vacuous.
    expect(accepted).toBeGreaterThan(500);
  });
});
