/**
 * Markdown and plain text. Markdown: YAML-like front matter (title, date, url, publisher/author)
 * and the first "# heading" give the metadata; links, emphasis and code marks are dropped from
 * the text. Plain text: leading "title:" / "url:" / "date:" / "publisher:" lines (the shape of
 * TRAM's report texts) are read as metadata; else the first line is the title.
 */
import { isoDate, type PartialDocument } from './partial.ts';

interface Header {
  title: string | null;
  url: string | null;
  published: string | null;
  publisher: string | null;
}

function readHeaderLines(lines: string[]): { header: Header; rest: string[] } {
  const header: Header = { title: null, url: null, published: null, publisher: null };
  let i = 0;
  for (; i < lines.length; i++) {
    const m = /^(title|url|date|published|publisher|author|source):\s*(.+?)\s*$/i.exec(lines[i] ?? '');
    if (m === null) break;
    const key = (m[1] ?? '').toLowerCase();
    const value = (m[2] ?? '').replace(/^["']|["']$/g, '');
    if (key === 'title') header.title = value;
    else if (key === 'url' || key === 'source') header.url = /^https?:\/\//i.test(value) ? value : header.url;
    else if (key === 'date' || key === 'published') header.published = isoDate(value);
    else header.publisher = value;
  }
  return { header, rest: lines.slice(i) };
}

export function readPlainText(raw: string): PartialDocument {
  const { header, rest } = readHeaderLines(raw.replace(/^\uFEFF/, '').split(/\r?\n/));
  return { ...header, text: rest.join('\n') };
}

export function readMarkdown(raw: string): PartialDocument {
  let lines = raw.replace(/^\uFEFF/, '').split(/\r?\n/);
  let header: Header = { title: null, url: null, published: null, publisher: null };
  if (lines[0]?.trim() === '---') {
    const close = lines.indexOf('---', 1);
    if (close > 0) {
      header = readHeaderLines(lines.slice(1, close).filter((l) => l.trim() !== '')).header;
      lines = lines.slice(close + 1);
    }
  }
  const heading = lines.find((l) => /^#\s+\S/.test(l));
  const text = lines
    .filter((l) => !/^\s*(?:```|~~~)/.test(l))
    .map((l) =>
      l
        .replace(/^#{1,6}\s+/, '')
        .replace(/^\s*>\s?/, '')
        .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
        .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
        .replace(/(\*\*|__)(.+?)\1/g, '$2')
        .replace(/`([^`]+)`/g, '$1')
        .replace(/^\s*[-*+]\s+/, '- '),
    )
    .join('\n');
  return { ...header, title: header.title ?? (heading === undefined ? null : heading.replace(/^#\s+/, '').trim()), text };
}
