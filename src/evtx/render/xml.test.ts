/** XML rendering rules on hand-made records (see xml.ts). */
import { describe, expect, it } from 'vitest';
import { parseEvtxSync } from '../index.ts';
import { evtxWith, str } from '../../../test/evtx/binxml-builder.ts';
import type { Tok } from '../../../test/evtx/binxml-builder.ts';

function xml(body: Tok): string {
  const out = [...parseEvtxSync(evtxWith(body), { format: 'xml' })];
  const rec = out.find((r) => r.ok);
  if (rec === undefined || !rec.ok || rec.record.xml === undefined) throw new Error('no record');
  return rec.record.xml;
}

const el = (name: string, children: Tok[] = [], attrs: [string, Tok[]][] = []): Tok => ({ el: name, children, attrs });
const text = (t: string): Tok => ({ text: t });

describe('XML rendering rules', () => {
  it('escapes text and attributes, keeps references, writes CDATA verbatim', () => {
    const body: Tok = {
      template: el('Event', [
        el('T', [{ sub: 0, type: 0x01 }]),
        el('A', [], [['v', [{ sub: 0, type: 0x01 }]]]),
        el('R', [text('x'), { entity: 'amp' }, { charRef: 65 }, { cdata: '<raw>' }]),
      ]),
      values: [str(`a<b>&"c'`)],
    };
    expect(xml(body)).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\n' +
        '<Event>\n' +
        `  <T>a&lt;b&gt;&amp;"c'</T>\n` +
        '  <A v="a&lt;b&gt;&amp;&quot;c&apos;">\n  </A>\n' +
        '  <R>x&amp;&#65;<![CDATA[<raw>]]></R>\n' +
        '</Event>\n',
    );
  });

  it('drops attributes without a value; an empty Binary stays on one line', () => {
    const body: Tok = {
      template: el('Event', [el('S', [], [['UserID', [{ sub: 0, type: 0x13, optional: true }]], ['K', [text('k')]]]), el('Binary', [{ sub: 1, type: 0x0e, optional: true }])]),
      values: [{ type: 0x00, bytes: new Uint8Array(0) }, { type: 0x0e, bytes: new Uint8Array(0) }],
    };
    expect(xml(body)).toBe('<?xml version="1.0" encoding="utf-8"?>\n<Event>\n  <S K="k">\n  </S>\n  <Binary></Binary>\n</Event>\n');
  });
});
