/**
 * YAML highlighting for a Sigma rule's file, done on the server (no script, no style attribute):
 * line by line, comments, keys, list dashes and quoted strings get a class; every piece of text is
 * escaped by the html template like any other value. Enough for reading a rule, not a YAML parser.
 */
import { html, type SafeHtml } from './html.ts';

const LINE = /^(\s*)(- )?((?:[\w.$|-]+|"[^"]*"|'[^']*'):)?(\s*)(.*)$/;

function value(text: string): SafeHtml {
  // A trailing comment, unless the # sits inside quotes.
  const comment = /(^|\s)#(?=(?:[^"']|"[^"]*"|'[^']*')*$)/.exec(text);
  const body = comment === null ? text : text.slice(0, comment.index + comment[1]!.length);
  const rest = comment === null ? '' : text.slice(body.length);
  const quoted = /^(["']).*\1$/.test(body.trim());
  return html`${quoted ? html`<span class="s">${body}</span>` : body}${rest === '' ? '' : html`<span class="c">${rest}</span>`}`;
}

export function highlightYaml(source: string): SafeHtml {
  return html`${source.split('\n').map((line, i) => {
    const nl = i === 0 ? '' : '\n';
    if (/^\s*#/.test(line)) return html`${nl}<span class="c">${line}</span>`;
    const m = LINE.exec(line);
    if (m === null) return html`${nl}${line}`;
    const [, indent = '', dash = '', key = '', gap = '', rest = ''] = m;
    return html`${nl}${indent}${dash === '' ? '' : html`<span class="p">${dash}</span>`}${key === '' ? '' : html`<span class="k">${key}</span>`}${gap}${value(rest)}`;
  })}`;
}
