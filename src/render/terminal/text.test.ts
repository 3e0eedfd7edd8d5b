import { describe, expect, it } from 'vitest';
import { plainText, wrap } from './text.ts';

describe('terminal text', () => {
  it('turns ATT&CK markdown into plain text', () => {
    expect(plainText('[Emotet](https://attack.mitre.org/software/S0367) ran <code>cmd.exe</code>')).toBe('Emotet ran `cmd.exe`');
  });

  it('wraps to the width with an indent, keeps paragraphs and hangs list items', () => {
    const out = wrap('one two three four five six\n\n- seven eight nine ten', 23, '  ');
    expect(out).toBe('  one two three four\n  five six\n\n  - seven eight nine\n    ten');
    for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(23);
  });
});
