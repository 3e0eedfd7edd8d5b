/** The escape-by-default html tag, description text, and the Navigator layer parser. */
import { describe, expect, it } from 'vitest';
import { html, raw } from '../../src/render/html/html.ts';
import { internalHref, richText } from '../../src/render/html/text.ts';
import { heatColor, layerOf, parseLayer } from '../../src/query/navigator.ts';

describe('html tag', () => {
  it('escapes every interpolated value, arrays included, unless marked safe', () => {
    const evil = `<script>alert("x")</script>&'`;
    expect(String(html`<p title="${evil}">${evil}</p>`)).toBe('<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>');
    expect(String(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`)).toBe('<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
    expect(String(html`${null}${undefined}${false}${0}${raw('<br>')}`)).toBe('0<br>');
  });
});

describe('description text', () => {
  it('renders ATT&CK links internally, http(s) links externally, and escapes everything else', () => {
    const out = String(
      richText(
        'Use [Mimikatz](https://attack.mitre.org/software/S0002) and [Email Forwarding](https://attack.mitre.org/techniques/T1114/003) [1]. ' +
          'See [site](https://example.com/a?b=1&c=2). Bad [x](javascript:alert(1)) <img src=x onerror=alert(1)> <code>cmd /c "dir"</code>\n\nSecond',
      ),
    );
    expect(out).toContain('<a href="/objects/S0002">Mimikatz</a>');
    expect(out).toContain('<a href="/techniques/T1114.003">Email Forwarding</a>');
    expect(out).toContain('<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer external">site</a>');
    expect(out).toContain('<sup><a class="cite" href="#ref-1"');
    expect(out).not.toMatch(/href="javascript/i);
    expect(String(richText('[x](javascript:alert)'))).toBe('<p>x</p>');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('<code>cmd /c &quot;dir&quot;</code>');
    expect(out).toContain('</p><p>Second</p>');
    expect(internalHref('https://attack.mitre.org/groups/G0007/', '?version=15.1')).toBe('/objects/G0007?version=15.1');
    expect(internalHref('https://evil.example/attack.mitre.org/techniques/T1')).toBeUndefined();
  });
});

describe('Navigator layers', () => {
  it('exports layer 4.5 and reads it back as an overlay', () => {
    const layer = layerOf({ domain: 'enterprise', attackVersion: '18.1', metric: 'groups', counts: new Map([['T1114', 4], ['T1003.001', 9], ['T1001', 0]]) });
    expect(layer.versions).toEqual({ attack: '18', navigator: '5.1.0', layer: '4.5' });
    const overlay = parseLayer(JSON.parse(JSON.stringify(layer)));
    expect([...overlay.entries.keys()]).toEqual(['T1003.001', 'T1114']);
    expect(overlay.maxScore).toBe(9);
    expect(parseLayer({ techniques: [{ techniqueID: 'T1114', color: '#ff0000' }, { techniqueID: 'T1115', color: 'red;x' }] }).entries.get('T1114')?.color).toBe('#ff0000');
    expect(() => parseLayer({ techniques: [{ techniqueID: '<script>' }] })).toThrow(/techniqueID/);
    expect(() => parseLayer([])).toThrow(/JSON object/);
    expect(heatColor(0, 5)).toBeNull();
    expect(heatColor(5, 5)).toBe('#d7191c');
  });
});
