/**
 * PDF text through unpdf (Mozilla's pdf.js packaged for servers, no native code): the text page
 * by page, the Info dictionary's Title, Author and CreationDate.
 */
import { TtpgraphError } from '../../errors.ts';
import { isoDate, type PartialDocument } from './partial.ts';

export async function readPdf(bytes: Buffer, source: string): Promise<PartialDocument> {
  // Loaded on demand: pdf.js is a megabyte of code that only PDF imports need.
  const { getDocumentProxy, getMeta, extractText } = await import('unpdf');
  let pages: string[];
  let info: Record<string, unknown> = {};
  try {
    const pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
    info = ((await getMeta(pdf)).info ?? {}) as Record<string, unknown>;
    pages = (await extractText(pdf, { mergePages: false })).text;
    await pdf.destroy();
  } catch (err) {
    throw new TtpgraphError('invalid-input', `not a readable PDF: ${err instanceof Error ? err.message : String(err)}`, { source }, { cause: err });
  }
  const str = (k: string): string | null => (typeof info[k] === 'string' && (info[k] as string).trim() !== '' ? (info[k] as string).trim() : null);
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
