/**
 * Template instantiation on hand-made records: references to earlier definitions, and the guards
 * that keep hostile input from looping or exploding (each failure is one record's warning).
 */
import { describe, expect, it } from 'vitest';
import { parseEvtxSync } from '../index.ts';
import type { EvtxResult } from '../index.ts';
import { evtxWith, u32v } from '../../../test/evtx/binxml-builder.ts';
import type { Tok } from '../../../test/evtx/binxml-builder.ts';

const el = (name: string, children: Tok[] = []): Tok => ({ el: name, children });
/** Chunk offset of the first record's template definition: record at 512, header 24, fragment header 4, token 10. */
const FIRST_DEF = 512 + 24 + 4 + 10;

function run(...bodies: Tok[]): EvtxResult[] {
  return [...parseEvtxSync(evtxWith(...bodies), { source: 'h.evtx' })];
}

describe('template instantiation', () => {
  it('a later record reuses a template defined by an earlier one', () => {
    const def = el('Event', [el('N', [{ sub: 0, type: 0x08 }])]);
    const out = run({ template: def, values: [u32v(1)] }, { templateRef: FIRST_DEF, values: [u32v(2)] });
    expect(out.map((r) => (r.ok ? r.record.data : r.warning.message))).toEqual([{ Event: { N: 1 } }, { Event: { N: 2 } }]);
  });

  it('a template that contains an instance of itself fails alone', () => {
    const selfRef: Tok = { template: el('Event', [{ templateRef: FIRST_DEF, values: [] }]), values: [] };
    const ok: Tok = el('Event', [el('Fine')]);
    const out = run(selfRef, ok);
    expect(out.map((r) => (r.ok ? 'record' : r.warning.code))).toEqual(['undecodable-record', 'record']);
    expect(out[0]!.ok ? '' : out[0]!.warning.message).toContain('refers to itself');
  });

  it('a reference to a definition outside the chunk data fails alone', () => {
    const out = run({ templateRef: 65530, values: [] }, el('Event'));
    expect(out.map((r) => (r.ok ? 'record' : r.warning.code))).toEqual(['undecodable-record', 'record']);
  });

  it('deeply nested BinXML values hit the depth limit instead of the stack', () => {
    let body: Tok = el('Leaf');
    for (let i = 0; i < 80; i++) body = { template: el('E', [{ sub: 0, type: 0x21 }]), values: [{ type: 0x21, binxml: body }] };
    const out = run(body);
    expect(out.map((r) => (r.ok ? 'record' : r.warning.code))).toEqual(['undecodable-record']);
    expect(out[0]!.ok ? '' : out[0]!.warning.message).toMatch(/too deep/);
  });

  it('array values repeat elements as a cross product, within a budget', () => {
    const two = { type: 0x88, bytes: Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]) };
    const three = { type: 0x86, bytes: Buffer.from([7, 0, 8, 0, 9, 0]) };
    const out = run({ template: el('Event', [{ el: 'V', attrs: [['a', [{ sub: 1, type: 0x86 }]]], children: [{ sub: 0, type: 0x88 }] }]), values: [two, three] });
    expect(out.map((r) => (r.ok ? r.record.data : r.warning.message))).toEqual([
      {
        Event: {
          V: { '#attributes': { a: 7 }, '#text': 1 },
          V_1: { '#attributes': { a: 8 }, '#text': 1 },
          V_2: { '#attributes': { a: 9 }, '#text': 1 },
          V_3: { '#attributes': { a: 7 }, '#text': 2 },
          V_4: { '#attributes': { a: 8 }, '#text': 2 },
          V_5: { '#attributes': { a: 9 }, '#text': 2 },
        },
      },
    ]);
    // 3 arrays of 100 items in one element: 10^6 copies, refused.
    const hundred = { type: 0x84, bytes: Buffer.alloc(100, 1) };
    const big = run({ template: el('Event', [{ el: 'V', attrs: [['a', [{ sub: 0, type: 0x84 }]], ['b', [{ sub: 1, type: 0x84 }]]], children: [{ sub: 2, type: 0x84 }] }]), values: [hundred, hundred, hundred] });
    expect(big.map((r) => (r.ok ? 'record' : r.warning.message))).toEqual([expect.stringMatching(/too many elements/)]);
  });
});
