/**
 * The evtx crate's XML shape (its `ir_xml.rs` renderer, `evtx_dump -o xml`): an XML declaration,
 * two-space indentation, attributes with empty values left out, text and values escaped
 * (`& < >`, plus `" '` in attributes), an element without content written as an opening tag and a
 * closing tag on the next line (`<Binary>` stays on one line), entity and character references
 * kept as `&name;` / `&#N;`, CDATA verbatim.
 */
import type { Element, XNode } from '../binxml/tokens.ts';
import { isOptionalEmpty, valueText } from '../binxml/values.ts';

const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n';

function escapeText(s: string): string {
  return /[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s;
}

function escapeAttr(s: string): string {
  return /[&<>"']/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
    : s;
}

function isEmpty(nodes: readonly XNode[]): boolean {
  for (const n of nodes) {
    if (typeof n === 'string') {
      if (n !== '') return false;
    } else if (n.k === 3) {
      if (!isOptionalEmpty(n)) return false;
    } else if (n.k !== 8 && n.k !== 9) return false;
  }
  return true;
}

function nodesText(nodes: readonly XNode[], inAttr: boolean): string {
  const esc = inAttr ? escapeAttr : escapeText;
  let s = '';
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (typeof n === 'string') s += esc(n);
    else if (n.k === 3) s += esc(valueText(n));
    else if (n.k === 5) s += `&${n.name};`;
    else if (n.k === 6) s += `&#${n.code};`;
    else if (n.k === 7) s += inAttr ? esc(n.text) : `<![CDATA[${n.text}]]>`;
    else if (n.k === 8 && !inAttr) {
      const next = nodes[i + 1];
      if (next !== undefined && typeof next === 'object' && next.k === 9) {
        s += `<?${n.name} ${next.text}?>`;
        i++;
      } else s += `<?${n.name}?>`;
    }
  }
  return s;
}

function renderElement(el: Element, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  let open = pad + '<' + el.name;
  for (const a of el.attrs) {
    if (isEmpty(a.value)) continue;
    open += ' ' + a.name + '="' + nodesText(a.value, true) + '"';
  }
  open += '>';
  const elemChild = el.children.some((n) => typeof n === 'object' && n.k === 1);
  if (!elemChild && isEmpty(el.children)) {
    out.push(el.name === 'Binary' ? `${open}</${el.name}>\n` : `${open}\n${pad}</${el.name}>\n`);
    return;
  }
  if (!elemChild) {
    out.push(`${open}${nodesText(el.children, false)}</${el.name}>\n`);
    return;
  }
  out.push(open + '\n');
  for (const n of el.children) {
    if (typeof n === 'object' && n.k === 1) renderElement(n, indent + 2, out);
    else {
      const t = nodesText([n], false);
      if (t !== '') out.push(' '.repeat(indent + 2) + t + '\n');
    }
  }
  out.push(`${pad}</${el.name}>\n`);
}

/** The record as an XML document (declaration included, trailing newline). */
export function renderXml(root: Element): string {
  const out: string[] = [XML_DECL];
  renderElement(root, 0, out);
  return out.join('');
}
