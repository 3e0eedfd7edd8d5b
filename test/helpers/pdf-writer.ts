/**
 * A tiny PDF writer for test fixtures: pages of plain lines in Helvetica, and an Info dictionary
 * (Title, Author, CreationDate). Enough for a PDF text extractor to read back; nothing more.
 */
export interface PdfInfo {
  readonly title?: string;
  readonly author?: string;
  /** PDF date string body, e.g. "20240708120000Z". */
  readonly creationDate?: string;
}

function pdfString(s: string): string {
  // Latin-1 only; parentheses and backslashes escaped as the PDF syntax wants.
  return `(${s.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?')})`;
}

/** One PDF with one page per element of `pages` (each a list of lines). */
export function writePdf(pages: readonly (readonly string[])[], info: PdfInfo = {}): Buffer {
  const objects: string[] = [];
  const add = (body: string): number => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add('');
  const pagesObj = add('');
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const lines of pages) {
    const ops = ['BT', '/F1 10 Tf', '12 TL', '50 780 Td'];
    for (const line of lines) ops.push(`${pdfString(line)} Tj T*`);
    ops.push('ET');
    const stream = ops.join('\n');
    const content = add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
    kids.push(add(`<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 612 842] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`));
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  objects[pagesObj - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const infoParts: string[] = [];
  if (info.title !== undefined) infoParts.push(`/Title ${pdfString(info.title)}`);
  if (info.author !== undefined) infoParts.push(`/Author ${pdfString(info.author)}`);
  if (info.creationDate !== undefined) infoParts.push(`/CreationDate (D:${info.creationDate})`);
  const infoObj = add(`<< ${infoParts.join(' ')} >>`);
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${infoObj} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
