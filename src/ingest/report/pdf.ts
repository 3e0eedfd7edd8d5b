/**
 * PDF text through unpdf (Mozilla's pdf.js packaged for servers, no native code): the text page
 * by page, the Info dictionary's Title, Author and CreationDate.
 */
import { TtpgraphError } from '../../errors.ts';
import { isoDate, type PartialDocument } from './partial.ts';

/** The part of unpdf used here; its own types name pdf.js's classes, which its bundle does not export. */
interface PdfDocument {
  destroy(): Promise<void>;
}
interface UnpdfApi {
  getDocumentProxy(data: Uint8Array, options: { verbosity: number }): Promise<PdfDocument>;
  getMeta(pdf: PdfDocument): Promise<{ info?: Record<string, unknown> }>;
  extractText(pdf: PdfDocument, options: { mergePages: false }): Promise<{ text: string[] }>;
}

export async function readPdf(bytes: Buffer, source: string): Promise<PartialDocument> {
  // Loaded on demand: pdf.js is a megabyte of code that only PDF imports need.
  const unpdf = (await import('unpdf')) as unknown as UnpdfApi;
  let pages: string[];
  let info: Record<string, unknown> = {};
  try {
    const pdf = await unpdf.getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    info = (await unpdf.getMeta(pdf)).info ?? {};
    pages = (await unpdf.extractText(pdf, { mergePages: false })).text;
    await pdf.destroy();
  } catch (err) {
    throw new TtpgraphError('invalid-input', `not a readable PDF: ${err instanceof Error ? err.message : String(err)}`, { source }, { cause: err });
  }
  const str = (k: string): string | null => {
    const v = info[k];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
  };
  return {
    title: str('Title'),
    publisher: str('Author'),
    published: isoDate(str('CreationDate')),
    url: null,
    text: pages.map(joinHyphenated).join('\n\n'),
  };
}

/** Words broken across lines ("exfil-\ntration") joined again. */
function joinHyphenated(page: string): string {
  return page.replace(/([a-z])-\n([a-z])/g, '$1$2');
}
