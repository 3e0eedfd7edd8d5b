/** The evtx crate's JSON rules, one hand-made record per rule (see json.ts). */
import { describe, expect, it } from 'vitest';
import { parseEvtxSync } from '../index.ts';
import type { JsonObject } from '../index.ts';
import { evtxWith, le, nul, str, u32v } from '../../../test/evtx/binxml-builder.ts';
import type { Tok, Val } from '../../../test/evtx/binxml-builder.ts';

function json(body: Tok): JsonObject {
  const out = [...parseEvtxSync(evtxWith(body), { source: 't.evtx' })];
  const bad = out.flatMap((r) => (r.ok ? [] : [r.warning.message]));
  expect(bad).toEqual([]);
  const rec = out.find((r) => r.ok);
  if (rec === undefined || !rec.ok || rec.record.data === undefined) throw new Error('no record');
  return rec.record.data;
}

const tpl = (template: Tok, ...values: Val[]): Tok => ({ template, values });
const el = (name: string, children: Tok[] = [], attrs: [string, Tok[]][] = []): Tok => ({ el: name, children, attrs });
const text = (t: string): Tok => ({ text: t });
const sub = (id: number, type: number, optional = false): Tok => ({ sub: id, type, optional });

describe('JSON rendering rules', () => {
  it('an element without content is null; text-only elements are their value', () => {
    expect(json(el('Event', [el('Empty'), el('Name', [text('x')])]))).toEqual({ Event: { Empty: null, Name: 'x' } });
  });

  it('a lone integer stays a number, other values are text', () => {
    const body = tpl(
      el('Event', [el('Id', [sub(0, 0x08)]), el('Hex', [sub(1, 0x14)]), el('Mixed', [text('n='), sub(0, 0x08)]), el('Flag', [sub(2, 0x0d)])]),
      u32v(4624), { type: 0x14, bytes: le(255, 4) }, { type: 0x0d, bytes: le(1, 4) },
    );
    expect(json(body)).toEqual({ Event: { Id: 4624, Hex: '0xff', Mixed: 'n=4624', Flag: true } });
  });

  it('attributes go under #attributes, text under #text; empty attributes are dropped', () => {
    const body = tpl(
      el('Event', [el('EventID', [sub(0, 0x06)], [['Qualifiers', [sub(1, 0x06, true)]]]), el('Sec', [], [['UserID', [sub(2, 0x13, true)]]]), el('Q', [text('t')], [['A', [sub(3, 0x00)]]])]),
      { type: 0x06, bytes: le(4902, 2) }, { type: 0x06, bytes: le(16384, 2) }, nul(), nul(),
    );
    expect(json(body)).toEqual({
      Event: { EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 4902 }, Sec: null, Q: 't' },
    });
  });

  it('repeated child names get _1, _2 suffixes', () => {
    const body = el('Event', [el('H', [text('a')]), el('H', [text('b')]), el('X'), el('H', [text('c')])]);
    expect(json(body)).toEqual({ Event: { H: 'a', H_1: 'b', X: null, H_2: 'c' } });
  });

  it('named Data in EventData become keys; an empty one is ""', () => {
    const data = (name: string, v: Tok[]): Tok => el('Data', v, [['Name', [text(name)]]]);
    const body = tpl(
      el('Event', [el('EventData', [data('A', [sub(0, 0x01)]), data('B', [sub(1, 0x01)]), data('C', [sub(2, 0x08)])])]),
      str('alpha'), str(''), u32v(7),
    );
    expect(json(body)).toEqual({ Event: { EventData: { A: 'alpha', B: '', C: 7 } } });
  });

  it('unnamed Data become Data.#text, an array when there are several', () => {
    const one = el('Event', [el('EventData', [el('Data', [text('x')])])]);
    expect(json(one)).toEqual({ Event: { EventData: { Data: { '#text': 'x' } } } });
    const many = el('Event', [el('UserData', [el('Data', [text('x')]), el('Data'), el('Data', [text('z')])])]);
    expect(json(many)).toEqual({ Event: { UserData: { Data: { '#text': ['x', '', 'z'] } } } });
  });

  it('UserData children that are not Data render as ordinary elements', () => {
    const body = el('Event', [el('UserData', [el('LogFileCleared', [el('SubjectUserName', [text('bob')])], [['xmlns', [text('urn:x')]]])])]);
    expect(json(body)).toEqual({
      Event: { UserData: { LogFileCleared: { '#attributes': { xmlns: 'urn:x' }, SubjectUserName: 'bob' } } },
    });
  });

  it('an optional substitution with an empty value yields nothing, a normal one an empty value', () => {
    const body = tpl(el('Event', [el('Opt', [sub(0, 0x01, true)]), el('Norm', [sub(0, 0x01)]), el('Missing', [sub(9, 0x01)])]), str(''));
    expect(json(body)).toEqual({ Event: { Opt: null, Norm: null, Missing: null } });
  });

  it('substitution strings lose trailing whitespace and stop at NUL', () => {
    const body = tpl(el('Event', [el('S', [sub(0, 0x01)])]), { type: 0x01, bytes: Buffer.from('cmd.exe \t \0junk\0', 'utf16le') });
    expect(json(body)).toEqual({ Event: { S: 'cmd.exe' } });
  });

  it('an array value repeats its element once per item', () => {
    const items = Buffer.from('a\0\0c\0', 'utf16le');
    const body = tpl(el('Event', [el('EventData', [el('Data', [sub(0, 0x81)])])]), { type: 0x81, bytes: items });
    expect(json(body)).toEqual({ Event: { EventData: { Data: { '#text': ['a', '', 'c'] } } } });
    const ints = tpl(el('Event', [el('V', [sub(0, 0x88)])]), { type: 0x88, bytes: Buffer.concat([le(1, 4), le(2, 4)]) });
    expect(json(ints)).toEqual({ Event: { V: 1, V_1: 2 } });
  });

  it('a one-item array renders as its item text', () => {
    const body = tpl(el('Event', [el('V', [sub(0, 0x88)])]), { type: 0x88, bytes: le(5, 4) });
    expect(json(body)).toEqual({ Event: { V: '5' } });
  });

  it('nested BinXML values are rendered in place', () => {
    const inner = tpl(el('Inner', [el('X', [sub(0, 0x08)])]), u32v(3));
    const body = tpl(el('Event', [el('UserData', [sub(0, 0x21)])]), { type: 0x21, binxml: inner });
    expect(json(body)).toEqual({ Event: { UserData: { Inner: { X: 3 } } } });
  });

  it('entity and character references stay escaped in text, CDATA is text', () => {
    const body = el('Event', [el('T', [text('a'), { entity: 'amp' }, text('b'), { charRef: 65 }]), el('C', [{ cdata: 'x<y' }])]);
    expect(json(body)).toEqual({ Event: { T: 'a&amp;b&#65;', C: 'x<y' } });
  });

  it('mixed content: text beside child elements goes to #text', () => {
    const body = el('Event', [el('M', [text('hello'), el('Child', [text('c')])])]);
    expect(json(body)).toEqual({ Event: { M: { '#text': 'hello', Child: 'c' } } });
  });

  it('64-bit integers beyond 2^53 stay exact as bigints', () => {
    const body = tpl(el('Event', [el('Big', [sub(0, 0x0a)]), el('Neg', [sub(1, 0x09)])]), { type: 0x0a, bytes: le(2n ** 64n - 1n, 8) }, { type: 0x09, bytes: le(-5, 8) });
    expect(json(body)).toEqual({ Event: { Big: 18446744073709551615n, Neg: -5 } });
  });
});
