/**
 * The engine's literal index and the shared per-event memo. The index may only skip a rule that
 * cannot match: every case here is run with the index on and off and must give the same hits, and
 * the hits we expect.
 */
import { describe, expect, it } from 'vitest';
import { compileCollection } from '../api.ts';
import { parseSigma } from '../parse/rule.ts';
import { eventContext } from '../runtime/event.ts';

let n = 0;
function rule(detection: string): string {
  n++;
  return `title: r${n}\nid: 00000000-0000-4000-8000-${String(n).padStart(12, '0')}\nlogsource: {product: test}\ndetection:\n${detection
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

/** A JSON string literal with every non-ASCII character, every `e` and every `/` escaped (`\\u....`, `\\/`). */
function escapedString(s: string): string {
  let out = '"';
  for (const ch of s) {
    for (let i = 0; i < ch.length; i++) {
      const c = ch.charCodeAt(i);
      if (c >= 0x80 || ch === 'e') out += `\\u${c.toString(16).padStart(4, '0')}`;
      else if (ch === '/') out += '\\/';
      else out += JSON.stringify(ch[i]).slice(1, -1);
    }
  }
  return `${out}"`;
}

/** JSON text of a value with escapedString for every string, keys included, and spaces around punctuation. */
function escapedJson(v: unknown): string {
  if (typeof v === 'string') return escapedString(v);
  if (Array.isArray(v)) return `[ ${v.map(escapedJson).join(' , ')} ]`;
  if (v !== null && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${escapedString(k)} :\t${escapedJson(x)}`).join(' ,\n')} }`;
  return JSON.stringify(v);
}

/**
 * The JSON texts an event may be read from, as UTF-8 bytes (EventContext.json): compact, pretty,
 * and with escapes; a test reads each of them next to the parsed event.
 */
function jsonTexts(e: unknown): Uint8Array[] {
  const texts = [JSON.stringify(e), JSON.stringify(e, null, 2), escapedJson(e)];
  for (const t of texts) expect(JSON.parse(t)).toEqual(e);
  return texts.map((t) => new TextEncoder().encode(t));
}

/**
 * Hits of each rule (by title) on each event, with the index on; checked equal with it off, and
 * with the index scanning the event's JSON text instead of the parsed event.
 */
function run(yamls: string[], events: unknown[]): string[][] {
  const col = parseSigma(yamls.join('---\n'));
  expect(col.issues).toEqual([]);
  const on = compileCollection(col, { routing: false });
  const off = compileCollection(col, { routing: false, index: false });
  expect(on.issues).toEqual([]);
  const a = events.map((e) => on.engine.match(e).map((r) => r.rule.title));
  const b = events.map((e) => off.engine.match(e).map((r) => r.rule.title));
  expect(a).toEqual(b);
  for (const [i, e] of events.entries()) {
    for (const json of jsonTexts(e)) expect(on.engine.matchContext(eventContext(e, json)).map((r) => r.rule.title)).toEqual(a[i]);
  }
  return a;
}

/** Which events the single rule matches. */
function hits(detection: string, events: unknown[]): number[] {
  return run([rule(detection)], events).flatMap((h, i) => (h.length > 0 ? [i] : []));
}

describe('the index never skips a rule that matches', () => {
  it('a rule without a witness is evaluated on every event', () => {
    expect(hits("sel:\n  a|re: '\\d{3}'\ncondition: sel", [{ a: 'x123' }, { a: 'x12' }])).toEqual([0]);
    expect(hits('sel:\n  a: abcdef\ncondition: not sel', [{ a: 'abcdef' }, { a: 'other' }, {}])).toEqual([1, 2]);
    expect(hits('sel:\n  a|gt: 10\ncondition: sel', [{ a: 11 }, { a: '12' }, { a: 9 }])).toEqual([0, 1]);
  });
  it('case-insensitive by default: the event is folded before the scan', () => {
    expect(hits('sel:\n  a|contains: MiMiKaTz\ncondition: sel', [{ a: 'x MIMIKATZ y' }, { a: 'mimikatz' }, { a: 'mimi katz' }])).toEqual([0, 1]);
    expect(hits('sel:\n  a|contains: ÄRGERLICH\ncondition: sel', [{ a: 'sehr ärgerlich' }, { a: 'ARGERLICH' }])).toEqual([0]);
    // ASCII letters are folded during the scan; a value with other characters is folded whole.
    expect(hits('sel:\n  a|contains: mimikatz\ncondition: sel', [{ a: 'Ä MIMIKATZ' }, { a: 'MIMIKATZ Ä' }, { a: 'MimiKatz' }, { a: 'ÄMIMIKAT' }])).toEqual([0, 1, 2]);
  });
  it('cased: the witness is folded but the test is not', () => {
    expect(hits('sel:\n  a|contains|cased: MiMiKaTz\ncondition: sel', [{ a: 'MiMiKaTz' }, { a: 'mimikatz' }])).toEqual([0]);
  });
  it('re: literals through groups, alternations and flags', () => {
    const d = "sel:\n  a|re: '(?:Invoke|Start)-[A-Z]\\w+Shell'\ncondition: sel";
    expect(hits(d, [{ a: 'Invoke-PowerShell' }, { a: 'Start-XyShell' }, { a: 'invoke-powershell' }, { a: 'Stop-XyShell' }])).toEqual([0, 1]);
    expect(hits("sel:\n  a|re|i: 'ENCODED(COMMAND)?'\ncondition: sel", [{ a: '-encoded x' }, { a: '-enc' }])).toEqual([0]);
    expect(hits("sel:\n  a|re: '(?i)\\$\\{`?e`?n`?v'\ncondition: sel", [{ a: '${e`NV:path}' }, { a: '${ENV' }, { a: '$env' }])).toEqual([0, 1]);
  });
  it('keywords: any leaf, at any depth, numbers included', () => {
    const d = 'keywords:\n  - sekurlsa\n  - 31337\ncondition: keywords';
    expect(hits(d, [{ x: { y: ['a', 'SEKURLSA::x'] } }, { port: 31337 }, { x: 'nothing' }])).toEqual([0, 1]);
    expect(hits('keywords:\n  - TRUE\ncondition: keywords', [{ ok: true }, { ok: false }, { ok: 'True' }])).toEqual([0, 2]);
  });
  it('|all: every value (in any order), each its own set', () => {
    const d = 'sel:\n  a|contains|all: [alpha1, beta22]\ncondition: sel';
    expect(hits(d, [{ a: 'beta22 alpha1' }, { a: 'alpha1' }, { b: 'alpha1', a: 'beta22' }])).toEqual([0]);
  });
  it('not: a filter never adds literals the event must hold', () => {
    const d = 'sel:\n  a|endswith: \\tool.exe\nfilter:\n  b|contains: trusted\ncondition: sel and not filter';
    expect(hits(d, [{ a: 'C:\\tool.exe' }, { a: 'C:\\tool.exe', b: 'trusted dir' }, { a: 'C:\\other.exe' }])).toEqual([0]);
  });
  it('OR of selections: a hit on any branch', () => {
    const d = 'a1:\n  a|endswith: \\edrfreeze.exe\n  b|endswith: .exe\na2:\n  h|contains: IMPHASH=1234ABCD\ncondition: 1 of a*';
    expect(hits(d, [{ a: 'x\\EDRFreeze.exe', b: 'y.exe' }, { h: 'SHA1=..,IMPHASH=1234abcd' }, { a: 'x.exe', b: 'y.exe' }])).toEqual([0, 1]);
  });
  it('short literals with a rare character (1-3 characters), at the start of a value too', () => {
    expect(hits("sel:\n  a|contains: '`'\ncondition: sel", [{ a: 'iex`x' }, { a: '`' }, { a: 'plain' }])).toEqual([0, 1]);
    expect(hits("sel:\n  a|contains: '${'\ncondition: sel", [{ a: '${x}' }, { a: '$ {' }])).toEqual([0]);
    expect(hits("sel:\n  a|contains:\n    - '😀'\n    - '\u0430'\ncondition: sel", [{ a: 'go 😀' }, { a: 'p\u0430ypal' }, { a: 'paypal' }])).toEqual([0, 1]);
    // Common characters alone are no witness: the rule is still evaluated.
    expect(hits("sel:\n  a|contains: ' /c'\ncondition: sel", [{ a: 'cmd /c x' }, { a: 'cmd' }])).toEqual([0]);
  });
  it('the literal may sit in another leaf than the one tested (a superset, never a miss)', () => {
    expect(hits('sel:\n  a|contains: evilword\ncondition: sel', [{ b: 'evilword', a: 'none' }, { a: ['x', 'an EVILWORD'] }])).toEqual([1]);
  });
  it('values that are arrays or evtx #text wrappers', () => {
    const d = 'sel:\n  a|endswith: \\svc.exe\ncondition: sel';
    expect(hits(d, [{ a: ['x', 'c:\\svc.exe'] }, { a: { '#text': 'C:\\SVC.EXE' } }, { a: [] }])).toEqual([0, 1]);
  });
});

describe('the index reads the event from its JSON text (NDJSON lines)', () => {
  /** Which JSON texts the single rule matches, with the JSON text scanned; checked equal to the parsed event scanned, and the index off. */
  function textHits(detection: string, texts: string[]): number[] {
    const col = parseSigma(rule(detection));
    const on = compileCollection(col, { routing: false });
    const off = compileCollection(col, { routing: false, index: false });
    return texts.flatMap((t, i) => {
      const e = JSON.parse(t) as unknown;
      const bytes = new TextEncoder().encode(`  ${t}\r\n`);
      const got = on.engine.matchContext(eventContext(e, bytes, 2, bytes.length - 2)).length;
      expect(got).toBe(off.engine.match(e).length);
      expect(got).toBe(on.engine.match(e).length);
      return got > 0 ? [i] : [];
    });
  }
  it('escapes in values: backslashes, quotes, \\u escapes of ASCII and beyond', () => {
    const d = 'sel:\n  a|endswith: \\tool.exe\ncondition: sel';
    expect(textHits(d, ['{"a":"C:\\\\tool.exe"}', '{"a":"C:\\u005ctool.exe"}', '{"a":"C:\\\\TOOL\\u002eEXE"}', '{"a":"x\\"y C:\\\\tool.exe"}', '{"a":"C:\\\\too\\"l.exe"}', '{"a":"C:/tool.exe"}'])).toEqual([0, 1, 2, 3]);
    expect(textHits('sel:\n  a|contains: grüße\ncondition: sel', ['{"a":"x GR\\u00dc\\u00dfE"}', '{"a":"x GRÜSSE"}', '{"a":"x grüße"}', '{"a":"x gruße"}'])).toEqual([0, 2]);
    expect(textHits('sel:\n  a|contains: "line1\\nline2"\ncondition: sel', ['{"a":"line1\\nline2"}', '{"a":"line1 line2"}'])).toEqual([0]);
  });
  it('numbers as their String() form, whatever their JSON text', () => {
    const d = 'keywords:\n  - 31337\n  - 2345678901234568\ncondition: keywords';
    expect(textHits(d, ['{"p":31337}', '{"p":3.1337e4}', '{"p":31337.000}', '{"p":[1,-31337]}', '{"p":123456789012345678}', '{"p":3133}', '{"p":"31337"}'])).toEqual([0, 1, 2, 3, 4, 6]);
    expect(textHits('keywords:\n  - TRUE\ncondition: keywords', ['{"ok":true}', '{"ok":false}', '{"ok":null}', '[true]'])).toEqual([0, 3]);
  });
  it('object keys are not leaves, at any depth; arrays and nested objects are', () => {
    const d = 'keywords:\n  - evilword\ncondition: keywords';
    expect(textHits(d, ['{"evilword":1}', '{"x":{"evilword":[{"evilword":"no"}]}}', '{"x":{"k":["a",{"b":"an EVILWORD"}]}}', '"evilword"', '["x","evilword"]', '{"a":"x","a":"evilword"}', '{"a":"evilword","a":"x"}'])).toEqual([2, 3, 4, 5]);
  });
  it('no text: the parsed event is walked', () => {
    const col = parseSigma(rule('sel:\n  a|contains: needle77\ncondition: sel'));
    const { engine } = compileCollection(col, { routing: false });
    expect(engine.matchContext(eventContext({ a: 'NEEDLE77' }))).toHaveLength(1);
  });
});

describe('the per-event memo shared by rules', () => {
  it('rules sharing an item each get the right answer, event after event', () => {
    const shared = 'sel:\n  Image|endswith: \\cmd.exe\n';
    const r1 = rule(`${shared}condition: sel`);
    const r2 = rule(`${shared}other:\n  CommandLine|contains: whoami\ncondition: sel and other`);
    const r3 = rule(`${shared}condition: not sel`);
    const evs = [
      { Image: 'C:\\cmd.exe', CommandLine: 'whoami /all' },
      { Image: 'C:\\x.exe', CommandLine: 'whoami' },
      { Image: 'C:\\cmd.exe', CommandLine: 'dir' },
      { Image: 'C:\\cmd.exe', CommandLine: 'whoami /all' },
    ];
    expect(run([r1, r2, r3], evs)).toEqual([['r' + String(n - 2), 'r' + String(n - 1)], ['r' + String(n)], ['r' + String(n - 2)], ['r' + String(n - 2), 'r' + String(n - 1)]]);
  });
  it('one context evaluated twice gives the same answer; a new context with the same object is re-evaluated', () => {
    const col = parseSigma(rule('sel:\n  a: x1\ncondition: sel'));
    const { engine } = compileCollection(col, { routing: false });
    const ev: Record<string, string> = { a: 'x1' };
    const ctx = eventContext(ev);
    expect(engine.matchContext(ctx)).toHaveLength(1);
    expect(engine.matchContext(ctx)).toHaveLength(1);
    ev['a'] = 'y';
    expect(engine.match(ev)).toHaveLength(0);
  });
  it('counts evaluated candidates: an unrelated event evaluates nothing', () => {
    const col = parseSigma(rule('sel:\n  a|contains: needle42\ncondition: sel'));
    const { engine } = compileCollection(col, { routing: false });
    engine.match({ a: 'hay' });
    expect(engine.counters.evaluated).toBe(0);
    engine.match({ a: 'NEEDLE42' });
    expect(engine.counters.evaluated).toBe(1);
  });
});

describe('route checks: rules dropped from routes whose routing fields they exclude', () => {
  const sec = (id: number, data: Record<string, string>) => ({ Event: { System: { Channel: 'Security', EventID: id, Computer: 'dc1' }, EventData: data } });
  const rules = [
    `title: logon\nlogsource: {product: windows, service: security}\ndetection:\n  sel:\n    EventID: 4624\n    LogonType: 10\n  condition: sel\n`,
    `title: not-logon\nlogsource: {product: windows, service: security}\ndetection:\n  sel:\n    EventID: 4624\n  condition: not sel\n`,
    `title: either\nlogsource: {product: windows, service: security}\ndetection:\n  a:\n    EventID: [4624, 4625]\n  b:\n    TargetUserName|endswith: $\n  condition: a or b\n`,
    `title: keyword\nlogsource: {product: windows, service: security}\ndetection:\n  keywords: [mimikatz]\n  sel:\n    EventID: 4688\n  condition: keywords and sel\n`,
  ];
  const events = [sec(4624, { LogonType: '10' }), sec(4688, { NewProcessName: 'C:\\x\\mimikatz.exe' }), sec(4625, { TargetUserName: 'ws1$' }), sec(4672, { TargetUserName: 'admin' })];
  it('same hits with and without them, fewer rules evaluated with them', () => {
    const col = parseSigma(rules.join('---\n'));
    expect(col.issues).toEqual([]);
    const on = compileCollection(col);
    const off = compileCollection(col, { index: false });
    const a = events.map((e) => on.engine.match(e).map((r) => r.rule.title));
    const b = events.map((e) => off.engine.match(e).map((r) => r.rule.title));
    expect(a).toEqual(b);
    expect(a).toEqual([['logon', 'either'], ['not-logon', 'keyword'], ['not-logon', 'either'], ['not-logon']]);
    expect(on.engine.counters.evaluated).toBeLessThan(off.engine.counters.evaluated);
  });
});

