/**
 * A report file (PDF, HTML article page, Markdown, plain text) → its text and what it says about
 * itself: title, publisher, publication date, URL. The format comes from the bytes first (a PDF
 * starts with %PDF, a page with <html or <!doctype), then from the name. Each failure is one
 * error naming the file: an empty file, a PDF that does not parse or has no text, a page with no
 * article in it.
 */
import { TtpgraphError } from '../../errors.ts';
import { readHtml } from './html.ts';
import { readPdf } from './pdf.ts';
import { readMarkdown, readPlainText } from './plain.ts';
import { dateInText, type PartialDocument } from './partial.ts';

export type ReportFormat = 'pdf' | 'html' | 'markdown' | 'text';

export interface ReportDocument {
  readonly format: ReportFormat;
  readonly title: string;
  readonly publisher: string | null;
  /** ISO date (YYYY-MM-DD, or YYYY-MM / YYYY when that is all it says). */
  readonly published: string | null;
  readonly url: string | null;
  readonly text: string;
}

export function detectFormat(bytes: Buffer, name: string): ReportFormat {
  if (bytes.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  const head = bytes.subarray(0, 2048).toString('utf8').trimStart().toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || /<html[\s>]/.test(head)) return 'html';
  const lower = name.toLowerCase().replace(/[?#].*$/, '');
  if (/\.pdf$/.test(lower)) return 'pdf';
  if (/\.x?html?$/.test(lower)) return 'html';
  if (/\.(?:md|markdown)$/.test(lower)) return 'markdown';
  if (head.startsWith('<') && /<(?:head|body|article|p)[\s>]/.test(head)) return 'html';
  return 'text';
}

export async function readDocument(bytes: Buffer, source: string, format: ReportFormat = detectFormat(bytes, source)): Promise<ReportDocument> {
  if (bytes.length === 0 || bytes.toString('utf8').trim() === '') throw new TtpgraphError('invalid-input', 'the file is empty: nothing to import', { source });
  let doc: PartialDocument;
  switch (format) {
    case 'pdf':
      doc = await readPdf(bytes, source);
      break;
    case 'html':
      doc = readHtml(bytes.toString('utf8'), source);
      break;
    case 'markdown':
      doc = readMarkdown(bytes.toString('utf8'));
      break;
    case 'text':
      doc = readPlainText(bytes.toString('utf8'));
      break;
  }
  const text = doc.text.replace(/\r\n?/g, '\n').replace(/[ \t\u00a0]+/g, ' ').replace(/ *\n */g, '\n').replace(/\n{3,}/g, '\n\n').trim();
  if (text.length < 20) throw new TtpgraphError('invalid-input', `no text found in this ${format === 'text' ? 'file' : format === 'pdf' ? 'PDF (a scanned image?)' : format}`, { source });
  const url = doc.url ?? (/^https?:\/\//i.test(source) ? source : null);
  const title = cleanTitle(doc.title) ?? firstLine(text);
  const publisher = doc.publisher ?? siteOf(url);
  const published = doc.published ?? dateInText(text.slice(0, 3000));
  return { format, title, publisher, published, url, text };
}

function cleanTitle(t: string | null): string | null {
  if (t === null) return null;
  const s = t.replace(/\s+/g, ' ').trim();
  // Word processors leave "Microsoft Word - draft3.docx" or a file name as the PDF title.
  if (s === '' || /^microsoft (?:word|powerpoint)\b/i.test(s) || /\.(?:docx?|pdf|indd|pptx?)$/i.test(s) || s.toLowerCase() === 'untitled') return null;
  return s.slice(0, 300);
}

function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => /[A-Za-z]{3,}/.test(l)) ?? text;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function siteOf(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return null;
  }
}

