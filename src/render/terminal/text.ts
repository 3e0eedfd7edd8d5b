/**
 * Plain-text helpers for terminal pages: ATT&CK markdown to plain text, and word wrapping.
 */

/** ATT&CK descriptions are markdown-ish: links, <code>, emphasis. The terminal gets plain text. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '$1')
    .replace(/<\/?code>/g, '`')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

/** Wraps each paragraph to `width` columns, every line prefixed by `indent`. Keeps blank lines and list items. */
export function wrap(text: string, width: number, indent = ''): string {
  const room = Math.max(20, width - indent.length);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
      continue;
    }
    const lead = /^\s*(?:[-*]|\d+\.)\s+/.exec(line)?.[0] ?? /^\s*/.exec(line)?.[0] ?? '';
    const hang = ' '.repeat(lead.length);
    let current = '';
    let first = true;
    for (const word of line.slice(lead.length).split(/\s+/).filter((w) => w !== '')) {
      const prefix = first ? lead : hang;
      if (current !== '' && prefix.length + current.length + 1 + word.length > room) {
        out.push(indent + prefix + current);
        first = false;
        current = word;
      } else {
        current = current === '' ? word : `${current} ${word}`;
      }
    }
    if (current !== '') out.push(indent + (first ? lead : hang) + current);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

export interface TextStyle {
  heading(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

export function textStyle(color: boolean): TextStyle {
  const sgr = (code: string) => (text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { heading: sgr('1;4'), dim: sgr('2'), bold: sgr('1') };
}
