/**
 * Conformance suite: one case per construct of docs/sigma-reference.md (a rule, events, expected
 * hits). Where engines diverge, the case names the behaviour we chose (see docs/formats/sigma.md).
 */
import { describe, expect, it } from 'vitest';
import {
  base64OffsetVariants,
  compileCollection,
  defaultPipeline,
  eventContext,
  eventTimeMs,
  mergePipelines,
  parsePipeline,
  parseSigma,
  windashVariants,
  parseSigmaString,
  type Pipeline,
} from './index.ts';

interface RunOptions {
  routing?: boolean;
  pipeline?: Pipeline;
}

/** Which of `events` (by index) the single rule in `yaml` matches. */
function hits(yaml: string, events: unknown[], o: RunOptions = {}): number[] {
  const col = parseSigma(yaml, { file: 'case.yml' });
  expect(col.issues).toEqual([]);
  const c = compileCollection(col, { routing: o.routing ?? false, ...(o.pipeline ? { pipeline: o.pipeline } : {}) });
  expect(c.issues).toEqual([]);
  return events.flatMap((e, i) => (c.engine.match(e).length > 0 ? [i] : []));
}

function rule(detection: string, logsource = 'product: test'): string {
  return `title: case\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n  ${logsource}\ndetection:\n${detection
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

function errors(yaml: string, o: RunOptions = {}) {
  const col = parseSigma(yaml, { file: 'bad.yml' });
  const c = compileCollection(col, { routing: false, ...(o.pipeline ? { pipeline: o.pipeline } : {}) });
  return [...col.issues, ...c.issues];
}

describe('search identifiers', () => {
  it('map = AND of its items', () => {
    expect(hits(rule('sel:\n  a: x\n  b: y\ncondition: sel'), [{ a: 'x', b: 'y' }, { a: 'x', b: 'z' }])).toEqual([0]);
  });
  it('list of maps = OR', () => {
    expect(hits(rule('sel:\n  - a: x\n  - b: y\ncondition: sel'), [{ a: 'x' }, { b: 'y' }, { c: 'x' }])).toEqual([0, 1]);
  });
  it('field with a list = OR; |all = AND', () => {
    expect(hits(rule('sel:\n  a: [x, y]\ncondition: sel'), [{ a: 'x' }, { a: 'y' }, { a: 'z' }])).toEqual([0, 1]);
    expect(hits(rule('sel:\n  a|contains|all: [foo, bar]\ncondition: sel'), [{ a: 'foo bar' }, { a: 'foo' }])).toEqual([0]);
  });
  it('keywords: list of values OR-ed, substring anywhere in the event, case-insensitive (chosen: implicit contains)', () => {
    const r = rule('keywords:\n  - mimikatz\n  - sekurlsa\ncondition: keywords');
    expect(hits(r, [{ msg: 'run MimiKatz.exe' }, { nested: { x: ['a', 'sekurlsa::logonpasswords'] } }, { msg: 'benign' }])).toEqual([0, 1]);
  });
  it("keywords with '|all' need every value somewhere in the event", () => {
    expect(hits(rule("keywords:\n  '|all':\n    - alpha\n    - beta\ncondition: keywords"), [{ a: 'alpha', b: 'beta' }, { a: 'alpha' }])).toEqual([0]);
  });
});

describe('strings, wildcards and escaping', () => {
  it('no wildcard = whole-value match, case-insensitive', () => {
    expect(hits(rule('sel:\n  a: Foo\ncondition: sel'), [{ a: 'foo' }, { a: 'FOO' }, { a: 'foobar' }])).toEqual([0, 1]);
  });
  it('* = zero or more, ? = exactly one', () => {
    expect(hits(rule("sel:\n  a: 'a*c'\ncondition: sel"), [{ a: 'ac' }, { a: 'abbc' }, { a: 'ab' }])).toEqual([0, 1]);
    expect(hits(rule("sel:\n  a: 'a?c'\ncondition: sel"), [{ a: 'abc' }, { a: 'ac' }, { a: 'abbc' }])).toEqual([0]);
  });
  it('escapes as pySigma: \\* and \\? literal, \\\\ one backslash, \\ before other chars literal, trailing \\ literal', () => {
    expect(parseSigmaString('a\\*b')).toEqual(['a*b']);
    expect(parseSigmaString('a\\?')).toEqual(['a?']);
    expect(parseSigmaString('C:\\Windows\\')).toEqual(['C:\\Windows\\']);
    expect(parseSigmaString('\\\\*')).toEqual(['\\', 0]);
    expect(parseSigmaString('\\\\\\*')).toEqual(['\\*']);
    expect(parseSigmaString('\\\\\\\\')).toEqual(['\\\\']);
    expect(hits(rule("sel:\n  a: 'x\\*y'\ncondition: sel"), [{ a: 'x*y' }, { a: 'xzy' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a: 'C:\\Windows\\System32\\cmd.exe'\ncondition: sel"), [{ a: 'c:\\windows\\system32\\CMD.EXE' }])).toEqual([0]);
  });
  it('non-ASCII letters fold too (chosen: full Unicode toLowerCase, not ASCII-only)', () => {
    expect(hits(rule('sel:\n  a: ÄRGER\ncondition: sel'), [{ a: 'ärger' }, { a: 'arger' }])).toEqual([0]);
  });
  it('contains / startswith / endswith', () => {
    expect(hits(rule('sel:\n  a|contains: mid\ncondition: sel'), [{ a: 'xxMIDxx' }, { a: 'mi' }])).toEqual([0]);
    expect(hits(rule('sel:\n  a|startswith: pre\ncondition: sel'), [{ a: 'prefix' }, { a: 'apre' }])).toEqual([0]);
    expect(hits(rule('sel:\n  a|endswith: .exe\ncondition: sel'), [{ a: 'cmd.EXE' }, { a: 'exe.cmd' }])).toEqual([0]);
  });
  it('many values on one field (indexed fast path) behave like the plain OR', () => {
    const r = rule("sel:\n  a|endswith:\n    - '\\a.exe'\n    - '\\b.exe'\n    - '\\cc.exe'\n    - '\\ddd.exe'\n    - '\\e.exe'\ncondition: sel");
    expect(hits(r, [{ a: 'C:\\x\\DDD.exe' }, { a: 'C:\\x\\cc.exe' }, { a: 'C:\\x\\f.exe' }, { a: 'ddd.exe' }])).toEqual([0, 1]);
  });
});

describe('special values and field names', () => {
  const ev = [{ f: '' }, { f: null }, {}, { f: 'x' }];
  it("null = absent or null; '' = present and empty (chosen: pySigma/Hayabusa, not sigmalite's merge)", () => {
    expect(hits(rule('sel:\n  f: null\ncondition: sel'), ev)).toEqual([1, 2]);
    expect(hits(rule("sel:\n  f: ''\ncondition: sel"), ev)).toEqual([0]);
  });
  it("`sel and not filter` fires when the filter's field is absent, null or empty (chosen: differs from SQL backends, where NOT over NULL drops the event)", () => {
    const r = rule("sel:\n  a: x\nfilter:\n  f|startswith: 'C:\\Program Files\\'\ncondition: sel and not filter");
    expect(hits(r, [{ a: 'x' }, { a: 'x', f: null }, { a: 'x', f: '' }, { a: 'x', f: 'C:\\Program Files\\v\\a.exe' }, { a: 'x', f: 'C:\\Temp\\a.exe' }])).toEqual([0, 1, 2, 4]);
  });
  it('numbers match their string forms; hex strings stay strings', () => {
    expect(hits(rule('sel:\n  EventID: 4688\ncondition: sel'), [{ EventID: 4688 }, { EventID: '4688' }, { EventID: 4689 }])).toEqual([0, 1]);
    expect(hits(rule("sel:\n  LogonId: '0x3e7'\ncondition: sel"), [{ LogonId: 999 }, { LogonId: '0x3E7' }])).toEqual([1]);
  });
  it('booleans compare as true/false', () => {
    expect(hits(rule('sel:\n  ok: true\ncondition: sel'), [{ ok: true }, { ok: 'True' }, { ok: false }])).toEqual([0, 1]);
  });
  it('dotted names resolve as nested paths and as literal dotted keys', () => {
    const r = rule('sel:\n  id.resp_h: 10.0.0.1\ncondition: sel');
    expect(hits(r, [{ 'id.resp_h': '10.0.0.1' }, { id: { resp_h: '10.0.0.1' } }, { id: { resp_h: '10.0.0.2' } }])).toEqual([0, 1]);
  });
  it('arrays match when any element does (also through nested paths)', () => {
    const r = rule('sel:\n  target.alternateId: bob@example.com\ncondition: sel');
    expect(hits(r, [{ target: [{ alternateId: 'alice@example.com' }, { alternateId: 'bob@example.com' }] }, { target: [{ alternateId: 'x' }] }])).toEqual([0]);
  });
  it('evtx crate JSON: System attributes as Tag_Attr, EventData by name, EventID with Qualifiers', () => {
    const e = {
      Event: {
        System: { Provider: { '#attributes': { Name: 'Service Control Manager' } }, EventID: { '#text': 7045, '#attributes': { Qualifiers: 16384 } }, Channel: 'System', Security: { '#attributes': { UserID: 'S-1-5-18' } } },
        EventData: { ServiceName: 'evil' },
      },
    };
    expect(hits(rule("sel:\n  Provider_Name: 'Service Control Manager'\n  EventID: 7045\n  Security_UserID: S-1-5-18\n  ServiceName: evil\ncondition: sel"), [e])).toEqual([0]);
  });
  it('winlogbeat and flat NXLog JSON read as the same fields', () => {
    const r = rule('sel:\n  EventID: 1\n  Channel: Microsoft-Windows-Sysmon/Operational\n  Image|endswith: \\cmd.exe\ncondition: sel');
    const wlb = { winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1', event_data: { Image: 'C:\\Windows\\cmd.exe' } } };
    const nx = { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\Windows\\cmd.exe' };
    expect(hits(r, [wlb, nx])).toEqual([0, 1]);
  });
});

describe('modifiers', () => {
  it('exists: true = present even if empty/null; false = absent', () => {
    const ev = [{ f: '' }, { f: null }, {}];
    expect(hits(rule('sel:\n  f|exists: true\ncondition: sel'), ev)).toEqual([0, 1]);
    expect(hits(rule('sel:\n  f|exists: false\ncondition: sel'), ev)).toEqual([2]);
  });
  it('cased: case-sensitive, also with contains', () => {
    expect(hits(rule('sel:\n  a|cased: Foo\ncondition: sel'), [{ a: 'Foo' }, { a: 'foo' }])).toEqual([0]);
    expect(hits(rule('sel:\n  a|contains|cased: Foo\ncondition: sel'), [{ a: 'xFoox' }, { a: 'xfoox' }])).toEqual([0]);
  });
  it('neq negates the whole item, so it is true when the field is missing (chosen: pySigma 1.x)', () => {
    expect(hits(rule('sel:\n  a|neq: [x, y]\ncondition: sel'), [{ a: 'x' }, { a: 'y' }, { a: 'z' }, {}])).toEqual([2, 3]);
  });
  it('windash: every flag dash becomes each of - / – — ― (all positions, 5^n; chosen: pySigma, not Hayabusa first-dash-only)', () => {
    const v = windashVariants(['-param-1 -param2']);
    expect(v.length).toBe(25);
    const texts = v.map((p) => p.map((x) => (typeof x === 'string' ? x : '*')).join(''));
    expect(texts).toContain('/param-1 \u2014param2');
    expect(texts.every((t) => t.includes('-1'))).toBe(true);
    const r = rule('sel:\n  CommandLine|contains|windash: -enc\ncondition: sel');
    expect(hits(r, [{ CommandLine: 'ps -enc x' }, { CommandLine: 'ps /enc x' }, { CommandLine: 'ps \u2013enc x' }, { CommandLine: 'ps \u2015enc' }, { CommandLine: 'ps enc' }])).toEqual([0, 1, 2, 3]);
  });
  it('re: unanchored search, case-sensitive; i/m/s flags; leading (?i) becomes the i flag', () => {
    expect(hits(rule("sel:\n  a|re: 'b.d'\ncondition: sel"), [{ a: 'abcde' }, { a: 'ABCDE' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re|i: 'b.d'\ncondition: sel"), [{ a: 'ABCDE' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re: '(?i)b.d'\ncondition: sel"), [{ a: 'ABCDE' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re|m: '^two$'\ncondition: sel"), [{ a: 'one\ntwo\nthree' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re: '^two$'\ncondition: sel"), [{ a: 'one\ntwo\nthree' }])).toEqual([]);
    expect(hits(rule("sel:\n  a|re|s: 'one.two'\ncondition: sel"), [{ a: 'one\ntwo' }])).toEqual([0]);
  });
  it('re: a required literal indexes the rule without losing matches', () => {
    const r = rule("sel:\n  a|re: '\\\\Invoke-[A-Z]\\w+\\.ps1$'\ncondition: sel");
    expect(hits(r, [{ a: 'C:\\x\\Invoke-Mimi.ps1' }, { a: 'C:\\x\\invoke-mimi.ps1' }, { a: 'Invoke-Mimi.ps1' }])).toEqual([0]);
    const kw = rule("keywords:\n  '|re': 'sekurlsa::\\w+'\ncondition: keywords");
    expect(hits(kw, [{ m: 'run sekurlsa::logonpasswords' }, { m: 'sekurlsa::' }])).toEqual([0]);
  });
  it('re: matched by RE2, which also reads scoped and inline flags and unicode classes', () => {
    expect(hits(rule("sel:\n  a|re: '^a+a'\ncondition: sel"), [{ a: 'aaa' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re: 'x(?i:ab)y'\ncondition: sel"), [{ a: 'xABy' }, { a: 'XABY' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re: 'a(?i)b'\ncondition: sel"), [{ a: 'aB' }, { a: 'AB' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re: '^\\p{L}+$'\ncondition: sel"), [{ a: 'héllo' }, { a: 'h3' }])).toEqual([0]);
    expect(hits(rule("sel:\n  a|re: 'end\\Z'\ncondition: sel"), [{ a: 'the end\n' }, { a: 'the end' }, { a: 'end.' }])).toEqual([0, 1]);
    expect(hits(rule("sel:\n  a|re: 'a\\hb'\ncondition: sel"), [{ a: 'a\tb' }, { a: 'a\nb' }])).toEqual([0]);
  });
  it('re: what RE2 cannot match in linear time is a load error (no fallback to a backtracking engine)', () => {
    for (const re of ['^a++a', '^(?>a+)b', '(a)\\1', 'a(?=b)', '(?<!a)b', '(?P<x>a)(?P=x)']) {
      const e = errors(rule(`sel:\n  a|re: '${re}'\ncondition: sel`));
      expect(e.map((i) => i.code), re).toEqual(['invalid-regex']);
      expect(e[0]!.message).toContain('linear-time');
    }
  });
  it('re: untranslatable constructs are load errors', () => {
    for (const re of ['a(?R)', '(ab', '[a-', '(?x)a b']) {
      const e = errors(rule(`sel:\n  a|re: '${re}'\ncondition: sel`));
      expect(e.map((i) => i.code), re).toEqual(['invalid-regex']);
    }
  });
  it('base64: value encoded; base64offset: the three pySigma vectors', () => {
    expect(base64OffsetVariants(Buffer.from('foobar'))).toEqual(['Zm9vYmFy', 'Zvb2Jhc', 'mb29iYX']);
    expect(hits(rule('sel:\n  a|base64: foobar\ncondition: sel'), [{ a: 'Zm9vYmFy' }, { a: 'foobar' }])).toEqual([0]);
    const r = rule('sel:\n  a|base64offset|contains: foobar\ncondition: sel');
    const enc = (s: string): string => Buffer.from(s).toString('base64');
    expect(hits(r, [{ a: enc('foobar') }, { a: enc('xfoobar') }, { a: enc('xxfoobar') }, { a: enc('nothing') }])).toEqual([0, 1, 2]);
  });
  it('utf16le/wide, utf16be, utf16 (chosen: spec BOM bytes FF FE, and the spec name utf16le is accepted)', () => {
    const le = Buffer.from('cmd', 'utf16le').toString('base64');
    expect(hits(rule('sel:\n  a|wide|base64: cmd\ncondition: sel'), [{ a: le }])).toEqual([0]);
    expect(hits(rule('sel:\n  a|utf16le|base64: cmd\ncondition: sel'), [{ a: le }])).toEqual([0]);
    expect(hits(rule('sel:\n  a|utf16be|base64: cmd\ncondition: sel'), [{ a: Buffer.from([0, 0x63, 0, 0x6d, 0, 0x64]).toString('base64') }])).toEqual([0]);
    expect(hits(rule('sel:\n  a|utf16|base64: cmd\ncondition: sel'), [{ a: Buffer.from([0xff, 0xfe, 0x63, 0, 0x6d, 0, 0x64, 0]).toString('base64') }])).toEqual([0]);
    const psEnc = Buffer.from('xx Invoke-Mimikatz yy', 'utf16le').toString('base64');
    expect(hits(rule('sel:\n  a|wide|base64offset|contains: Invoke-Mimikatz\ncondition: sel'), [{ a: psEnc }])).toEqual([0]);
  });
  it('lt/lte/gt/gte compare numbers, event strings parsed', () => {
    const ev = [{ n: 5 }, { n: '10' }, { n: 11 }, { n: 'x' }, {}];
    expect(hits(rule('sel:\n  n|gt: 5\ncondition: sel'), ev)).toEqual([1, 2]);
    expect(hits(rule('sel:\n  n|gte: 5\ncondition: sel'), ev)).toEqual([0, 1, 2]);
    expect(hits(rule('sel:\n  n|lt: 10\ncondition: sel'), ev)).toEqual([0]);
    expect(hits(rule('sel:\n  n|lte: 10\ncondition: sel'), ev)).toEqual([0, 1]);
  });
  it('cidr: IPv4 and IPv6 containment; an invalid network is a load error', () => {
    const r = rule("sel:\n  ip|cidr:\n    - 10.0.0.0/8\n    - '2001:db8::/32'\ncondition: sel");
    expect(hits(r, [{ ip: '10.1.2.3' }, { ip: '11.0.0.1' }, { ip: '2001:db8:1::5' }, { ip: '2001:db9::1' }, { ip: 'nope' }])).toEqual([0, 2]);
    expect(hits(rule("sel:\n  ip|cidr: '::1/128'\ncondition: sel"), [{ ip: '::1' }, { ip: '::2' }])).toEqual([0]);
    expect(errors(rule('sel:\n  ip|cidr: 10.0.0.0/33\ncondition: sel')).map((i) => i.code)).toEqual(['invalid-cidr']);
  });
  it('fieldref: equal to another field; with startswith/endswith/contains; with neq', () => {
    const ev = [{ a: 'x', b: 'X' }, { a: 'x', b: 'y' }, { a: 'xyz', b: 'xy' }];
    expect(hits(rule('sel:\n  a|fieldref: b\ncondition: sel'), ev)).toEqual([0]);
    expect(hits(rule('sel:\n  a|fieldref|startswith: b\ncondition: sel'), ev)).toEqual([0, 2]);
    expect(hits(rule('sel:\n  a|fieldref|neq: b\ncondition: sel'), ev)).toEqual([1, 2]);
  });
  it('expand: placeholders from the pipeline; unknown ones become * (chosen default) or an error', () => {
    const p = parsePipeline('name: t\nplaceholders:\n  Admins: [alice, bob]\n');
    expect(p.issues).toEqual([]);
    const pipeline = mergePipelines(defaultPipeline, p.pipeline!);
    const r = rule("sel:\n  user|expand: '%Admins%'\ncondition: sel");
    expect(hits(r, [{ user: 'alice' }, { user: 'bob' }, { user: 'eve' }], { pipeline })).toEqual([0, 1]);
    expect(hits(rule("sel:\n  user|expand: '%Unknown%'\ncondition: sel"), [{ user: 'eve' }, {}])).toEqual([0]);
    const strict = mergePipelines(defaultPipeline, parsePipeline('name: s\nplaceholder_fallback: error\n').pipeline!);
    expect(errors(rule("sel:\n  user|expand: '%Unknown%'\ncondition: sel"), { pipeline: strict }).map((i) => i.code)).toEqual(['unresolved-placeholder']);
  });
  it('minute/hour/day/week/month/year take that part of the timestamp (no timezone conversion; ISO weeks)', () => {
    const ev = [{ t: '2024-03-15T13:45:00Z' }, { t: '2024-03-16 02:05:00' }];
    expect(hits(rule('sel:\n  t|hour: 13\ncondition: sel'), ev)).toEqual([0]);
    expect(hits(rule('sel:\n  t|minute: 5\ncondition: sel'), ev)).toEqual([1]);
    expect(hits(rule('sel:\n  t|day: 16\ncondition: sel'), ev)).toEqual([1]);
    expect(hits(rule('sel:\n  t|month: 3\ncondition: sel'), ev)).toEqual([0, 1]);
    expect(hits(rule('sel:\n  t|year: 2024\ncondition: sel'), ev)).toEqual([0, 1]);
    expect(hits(rule('sel:\n  t|week: 11\ncondition: sel'), ev)).toEqual([0, 1]);
  });
  it('unknown modifiers and bad combinations are load errors with a position', () => {
    const e = errors(rule('sel:\n  a|contians: x\ncondition: sel'));
    expect(e).toMatchObject([{ code: 'unknown-modifier', file: 'bad.yml', line: 7, column: 5, ruleId: '00000000-0000-4000-8000-000000000001' }]);
    expect(errors(rule('sel:\n  a|base64: x*\ncondition: sel')).map((i) => i.code)).toEqual(['invalid-modifier']);
    expect(errors(rule('sel:\n  a|exists: maybe\ncondition: sel')).map((i) => i.code)).toEqual(['invalid-value']);
  });
});

describe('conditions', () => {
  const ev = [{ a: 1 }, { b: 1 }, { a: 1, b: 1, c: 1 }, { c: 1 }, { a: 1, c: 1 }];
  const det = 'sa:\n  a: 1\nsb:\n  b: 1\nsc:\n  c: 1\n';
  it('precedence: or < and < not', () => {
    expect(hits(rule(`${det}condition: sa or sb and sc`), ev)).toEqual([0, 2, 4]);
    expect(hits(rule(`${det}condition: (sa or sb) and sc`), ev)).toEqual([2, 4]);
    expect(hits(rule(`${det}condition: sa and not sc`), ev)).toEqual([0]);
    expect(hits(rule(`${det}condition: not sa and not sb`), ev)).toEqual([3]);
  });
  it('1 of / any of / all of with patterns anywhere, and them', () => {
    const d = 'sel_x:\n  a: 1\nsel_y:\n  c: 1\nother:\n  b: 1\n';
    expect(hits(rule(`${d}condition: 1 of sel_*`), ev)).toEqual([0, 2, 3, 4]);
    expect(hits(rule(`${d}condition: any of *_y`), ev)).toEqual([2, 3, 4]);
    expect(hits(rule(`${d}condition: all of sel_*`), ev)).toEqual([2, 4]);
    expect(hits(rule(`${d}condition: all of them`), ev)).toEqual([2]);
  });
  it('them and patterns skip identifiers starting with _ unless the pattern does', () => {
    const d = 'sel:\n  a: 1\n_hidden:\n  b: 1\n';
    expect(hits(rule(`${d}condition: all of them`), ev)).toEqual([0, 2, 4]);
    expect(hits(rule(`${d}condition: 1 of _*`), ev)).toEqual([1, 2]);
  });
  it('a list of conditions is OR-ed', () => {
    expect(hits(rule(`${det}condition:\n  - sa and sc\n  - sb and not sa`), ev)).toEqual([1, 2, 4]);
  });
  it('undefined identifiers, empty patterns and syntax errors are load errors', () => {
    expect(errors(rule('sel:\n  a: 1\ncondition: sel and nope')).map((i) => i.code)).toEqual(['undefined-identifier']);
    expect(errors(rule('sel:\n  a: 1\ncondition: 1 of x*')).map((i) => i.code)).toEqual(['undefined-identifier']);
    expect(errors(rule('sel:\n  a: 1\ncondition: sel and (sel')).map((i) => i.code)).toEqual(['invalid-condition']);
    expect(errors(rule('sel:\n  a: 1\ncondition: sel | count() > 5')).map((i) => i.code)).toEqual(['unsupported-aggregation']);
  });
});

describe('YAML 1.1 typing as PyYAML', () => {
  it('yes/no/on/off are booleans, y/n stay strings, 0x.. is an int, dates stay YYYY-MM-DD', () => {
    const col = parseSigma(rule('sel:\n  a: yes\n  b: y\n  c: 0x10\n  d: off\ncondition: sel').replace('title: case', 'title: case\ndate: 2024-01-02'));
    const r = col.rules[0]!;
    expect(r.date).toBe('2024-01-02');
    const items = r.detection.identifiers.get('sel')!.groups[0]!;
    expect(items.map((i) => i.values[0])).toEqual([
      { type: 'string', parts: ['true'] },
      { type: 'string', parts: ['y'] },
      { type: 'string', parts: ['16'] },
      { type: 'string', parts: ['false'] },
    ]);
  });
});

describe('logsource routing (default pipeline)', () => {
  const sysmon = (eid: number, data: Record<string, unknown>) => ({ Event: { System: { EventID: eid, Channel: 'Microsoft-Windows-Sysmon/Operational', Computer: 'h' }, EventData: data } });
  const sec4688 = { Event: { System: { EventID: 4688, Channel: 'Security' }, EventData: { NewProcessName: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami' } } };
  const pc = rule("sel:\n  Image|endswith: '\\whoami.exe'\ncondition: sel", 'product: windows\n  category: process_creation');
  it('process_creation sees Sysmon 1 and Security 4688 (Image -> NewProcessName), not other EIDs', () => {
    expect(hits(pc, [sysmon(1, { Image: 'C:\\x\\whoami.exe' }), sysmon(7, { Image: 'C:\\x\\whoami.exe' }), sec4688], { routing: true })).toEqual([0, 2]);
  });
  it('with routing off the same rule also fires on the image-load event', () => {
    expect(hits(pc, [sysmon(1, { Image: 'C:\\x\\whoami.exe' }), sysmon(7, { Image: 'C:\\x\\whoami.exe' })], { routing: false })).toEqual([0, 1]);
  });
  it('service security routes to Channel Security; cloud rules see only their own log source', () => {
    const r = rule('sel:\n  EventID: 4688\ncondition: sel', 'product: windows\n  service: security');
    expect(hits(r, [sec4688, { Event: { System: { EventID: 4688, Channel: 'System' } } }], { routing: true })).toEqual([0]);
    const aws = rule("keywords:\n  - whoami\ncondition: keywords", 'product: aws\n  service: cloudtrail');
    const trail = { eventVersion: '1.08', eventSource: 'iam.amazonaws.com', eventName: 'whoami' };
    // A record of unknown shape reaches no product-specific rule (chosen: issue 13).
    expect(hits(aws, [sec4688, trail, { eventName: 'whoami' }], { routing: true })).toEqual([1]);
  });
  it("a pipeline's sources teach a shape; product-less rules see unknown events, not recognised ones", () => {
    const zeek = rule("sel:\n  query|endswith: '.onion'\ncondition: sel", 'product: zeek\n  service: dns');
    const dns = { ts: 1.5, uid: 'C1', _path: 'dns', query: 'x.onion' };
    expect(hits(zeek, [dns], { routing: true })).toEqual([]);
    const p = parsePipeline('name: z\nsources:\n  - product: zeek\n    service: dns\n    conditions: {_path: dns}\n');
    expect(p.issues).toEqual([]);
    const pipeline = mergePipelines(defaultPipeline, p.pipeline!);
    expect(hits(zeek, [dns, { ...dns, _path: 'http' }], { routing: true, pipeline })).toEqual([0]);
    const generic = rule("sel:\n  query|endswith: '.onion'\ncondition: sel", 'category: dns');
    expect(hits(generic, [dns, { ...dns, _path: 'http' }, sysmon(22, { QueryName: 'x.onion', query: 'x.onion' })], { routing: true, pipeline })).toEqual([1]);
    expect(parsePipeline('name: z\nsources:\n  - service: dns\n    conditions: {_path: dns}\n').issues.map((i) => i.message)).toEqual(['a sources entry needs a product (and optionally service, category)']);
  });
});

describe('meta filters', () => {
  it("apply to listed rules as (rule) and (filter condition); the filter says 'not selection' to exclude (chosen: pySigma)", () => {
    const text = `${rule('sel:\n  a|startswith: x\ncondition: sel')}---
title: filter
logsource:
  product: test
filter:
  rules:
    - 00000000-0000-4000-8000-000000000001
  selection:
    user: admin
  condition: not selection
`;
    const c = compileCollection(parseSigma(text), { routing: false });
    const ev = [{ a: 'x1', user: 'bob' }, { a: 'x2', user: 'admin' }];
    expect(ev.map((e) => c.engine.match(e).length)).toEqual([1, 0]);
  });
  it('a filter for another logsource does not apply', () => {
    const text = `${rule('sel:\n  a: x\ncondition: sel')}---
title: filter
logsource:
  product: other
filter:
  rules: any
  selection:
    a: x
  condition: not selection
`;
    const c = compileCollection(parseSigma(text), { routing: false });
    expect(c.engine.match({ a: 'x' }).length).toBe(1);
  });
});

describe('correlation rules', () => {
  const base = (name: string, det: string): string => `title: ${name}\nid: ${name}-id\nname: ${name}\nlogsource:\n  product: test\ndetection:\n${det}\n`;
  const login = base('failed_login', '  sel:\n    action: fail\n  condition: sel');
  const success = base('success_login', '  sel:\n    action: ok\n  condition: sel');
  function run(yaml: string, events: Record<string, unknown>[]) {
    const col = parseSigma(yaml);
    expect(col.issues).toEqual([]);
    const c = compileCollection(col, { routing: false });
    expect(c.issues).toEqual([]);
    const out: { title: string; group: Record<string, string>; value: number }[] = [];
    const standalone: string[] = [];
    for (const e of events) {
      const ctx = eventContext(e);
      const m = c.engine.matchContext(ctx);
      for (const r of m) if (!c.correlator.suppressed(r.rule)) standalone.push(r.rule.title);
      for (const h of c.correlator.feed(m.map((x) => x.rule), ctx, eventTimeMs(ctx))) {
        out.push({ title: h.correlation.title, group: { ...h.group }, value: h.value });
        if (!c.correlator.suppressed(h.correlation)) standalone.push(h.correlation.title);
      }
    }
    return { out, standalone };
  }
  const t = (s: number): string => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
  it('event_count per group in a sliding window; generate: false hides the base rule', () => {
    const corr = `${login}---\ntitle: brute\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [user]\n  timespan: 10s\n  condition:\n    gte: 3\n`;
    const ev = [0, 4, 8, 20, 25, 29].map((s, i) => ({ action: 'fail', user: i === 1 ? 'bob' : 'alice', '@timestamp': t(s) }));
    // alice: 0, 8 (bob at 4) -> no; then 20, 25, 29 -> fires at 29.
    const r = run(corr, ev);
    expect(r.out).toEqual([{ title: 'brute', group: { user: 'alice' }, value: 3 }]);
    expect(r.standalone).toEqual(['brute']);
  });
  it('value_count counts distinct values', () => {
    const corr = `${login}---\ntitle: spray\ncorrelation:\n  type: value_count\n  rules: failed_login\n  group-by: [src]\n  timespan: 1m\n  condition:\n    field: user\n    gt: 2\n`;
    const ev = ['a', 'a', 'b', 'c'].map((u, i) => ({ action: 'fail', user: u, src: '1.2.3.4', '@timestamp': t(i) }));
    expect(run(corr, ev).out).toEqual([{ title: 'spray', group: { src: '1.2.3.4' }, value: 3 }]);
  });
  it('temporal needs every rule in the window; aliases map differently named fields', () => {
    const corr = `${login}---\n${success}---\ntitle: fail then ok\ncorrelation:\n  type: temporal\n  rules: [failed_login, success_login]\n  group-by: [who]\n  timespan: 30s\n  aliases:\n    who:\n      failed_login: user\n      success_login: account\n`;
    const ev = [
      { action: 'fail', user: 'alice', '@timestamp': t(0) },
      { action: 'ok', account: 'bob', '@timestamp': t(1) },
      { action: 'ok', account: 'alice', '@timestamp': t(5) },
    ];
    expect(run(corr, ev).out).toEqual([{ title: 'fail then ok', group: { who: 'alice' }, value: 2 }]);
  });
  it('temporal_ordered needs the rules in list order', () => {
    const corr = `${login}---\n${success}---\ntitle: ordered\ncorrelation:\n  type: temporal_ordered\n  rules: [failed_login, success_login]\n  group-by: [user]\n  timespan: 30s\n`;
    const wrongOrder = [{ action: 'ok', user: 'a', '@timestamp': t(0) }, { action: 'fail', user: 'a', '@timestamp': t(1) }];
    expect(run(corr, wrongOrder).out).toEqual([]);
    const rightOrder = [{ action: 'fail', user: 'a', '@timestamp': t(0) }, { action: 'ok', user: 'a', '@timestamp': t(40) }, { action: 'fail', user: 'a', '@timestamp': t(50) }, { action: 'ok', user: 'a', '@timestamp': t(55) }];
    expect(run(corr, rightOrder).out.map((h) => h.title)).toEqual(['ordered']);
  });
  it('value_sum, value_avg and value_percentile aggregate a numeric field', () => {
    const xfer = base('xfer', '  sel:\n    action: send\n  condition: sel');
    const ev = [10, 20, 30, 40].map((b, i) => ({ action: 'send', bytes: b, host: 'h', '@timestamp': t(i) }));
    const mk = (type: string, cond: string): string => `${xfer}---\ntitle: ${type}\ncorrelation:\n  type: ${type}\n  rules: xfer\n  group-by: host\n  timespan: 1h\n  condition:\n    field: bytes\n${cond}`;
    expect(run(mk('value_sum', '    gte: 60\n'), ev).out.map((h) => h.value)).toEqual([60]);
    expect(run(mk('value_avg', '    gt: 24\n'), ev).out.map((h) => h.value)).toEqual([25]);
    // The window is cleared when it fires: [10,20,30] -> median 20, then [40] alone -> 40.
    expect(run(mk('value_percentile', '    percentile: 50\n    gte: 20\n'), ev).out.map((h) => h.value)).toEqual([20, 40]);
  });
  it('chaining: a correlation over a correlation; unknown references are errors', () => {
    const inner = `${login}---\ntitle: burst\nname: burst\ncorrelation:\n  type: event_count\n  rules: failed_login\n  group-by: [user]\n  timespan: 10s\n  condition:\n    gte: 2\n`;
    const outer = `${inner}---\ntitle: bursts\ncorrelation:\n  type: event_count\n  rules: burst\n  group-by: [user]\n  timespan: 1h\n  condition:\n    gte: 2\n`;
    const ev = [0, 1, 100, 101].map((s) => ({ action: 'fail', user: 'u', '@timestamp': t(s) }));
    const r = run(outer, ev);
    expect(r.out.map((h) => h.title)).toEqual(['burst', 'burst', 'bursts']);
    expect(r.standalone).toEqual(['bursts']);
    const bad = compileCollection(parseSigma(`${login}---\ntitle: x\ncorrelation:\n  type: event_count\n  rules: nope\n  timespan: 1m\n  condition:\n    gte: 1\n`));
    expect(bad.issues.map((i) => i.code)).toEqual(['unknown-rule-reference']);
  });
  it('bad correlation documents are errors', () => {
    const col = parseSigma(`title: x\ncorrelation:\n  type: event_count\n  rules: a\n  timespan: 10 minutes\n  condition:\n    gte: 1\n`);
    expect(col.issues.map((i) => i.code)).toEqual(['invalid-correlation']);
  });
});
