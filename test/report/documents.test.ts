/**
 * Reading report documents: a generated PDF, an HTML article page with navigation and ads around
 * it, Markdown and plain text give title, publisher, date and the article's text; the bad ones
 * (a broken PDF, a page with no article, an empty file) give one line naming the file.
 */
import { describe, expect, it } from 'vitest';
import { TtpgraphError } from '../../src/errors.ts';
import { detectFormat, readDocument } from '../../src/ingest/report/read-document.ts';
import { summarize } from '../../src/ingest/report/summary.ts';
import { extractTechniques, findNames } from '../../src/extract/extract.ts';
import { splitSentences } from '../../src/extract/text.ts';
import { advisoryPdf, readFixture, reportFixture } from '../helpers/report-fixtures.ts';

async function failure(bytes: Buffer, name: string): Promise<TtpgraphError> {
  try {
    await readDocument(bytes, name);
  } catch (err) {
    if (err instanceof TtpgraphError) return err;
    throw err;
  }
  throw new Error(`${name} was read without an error`);
}

describe('report documents', () => {
  it('PDF: title, author and date from the Info dictionary, the text of every page', async () => {
    const doc = await readDocument(advisoryPdf(), 'apt40.pdf');
    expect(doc.format).toBe('pdf');
    expect(doc.title).toBe('APT40 Advisory - PRC MSS tradecraft in action');
    expect(doc.publisher).toBe('Australian Cyber Security Centre');
    expect(doc.published).toBe('2024-07-08');
    expect(doc.text).toContain('Log4J and Atlassian Confluence (T1190).');
    expect(doc.text).toContain('They collected email from the mailboxes of targeted users');
    expect(doc.text).toContain('Defenders should patch internet-facing devices promptly');
  });

  it('HTML: the article, not the navigation, ads or footer; metadata from the page tags', async () => {
    const doc = await readDocument(readFixture('scattered-spider-article.html'), reportFixture('scattered-spider-article.html'));
    expect(doc.format).toBe('html');
    expect(doc.title).toBe('Scattered Spider: help-desk social engineering and data theft');
    expect(doc.publisher).toBe('Example Threat Blog');
    expect(doc.published).toBe('2023-11-16');
    expect(doc.url).toBe('https://blog.example.org/2023/11/scattered-spider');
    expect(doc.text).toContain('They collected email from the mailboxes of executives');
    for (const noise of ['Advertisement', 'Sponsored', 'Popular posts', 'Careers', 'Cookie settings', 'All rights reserved']) expect(doc.text).not.toContain(noise);
    // Paragraphs stay apart (Readability's textContent would run them together).
    expect(doc.text).toMatch(/initial access\.\n+The actors pose/);
  });

  it('plain text with TRAM-style header lines, and Markdown with front matter', async () => {
    const txt = await readDocument(readFixture('apt29-note.txt'), 'apt29-note.txt');
    expect(txt).toMatchObject({ format: 'text', title: 'APT29 targets diplomatic entities with wine-tasting lures', publisher: 'Example Research Lab', published: '2024-03-22', url: 'https://research.example.net/apt29-wine-lures' });
    expect(txt.text.startsWith('Our analysts observed APT29')).toBe(true);
    const md = await readDocument(readFixture('apt29-note.md'), 'apt29-note.md');
    expect(md).toMatchObject({ format: 'markdown', title: 'APT29 notes in Markdown', published: '2024-04-02' });
    expect(md.text).toContain('This short note describes how APT29 used rundll32.exe');
    expect(md.text).not.toContain('](https://');
  });

  it('a text without metadata: the first line is the title, the first date written is the date', async () => {
    const doc = await readDocument(Buffer.from('Quarterly threat review\n\nIssued 3 March 2025. The group used PowerShell to download tools and cleared event logs afterwards.\n'), 'notes.txt');
    expect(doc).toMatchObject({ title: 'Quarterly threat review', published: '2025-03-03', publisher: null, url: null });
  });

  it('formats are recognised by their bytes before their names', () => {
    expect(detectFormat(advisoryPdf(), 'report.txt')).toBe('pdf');
    expect(detectFormat(readFixture('scattered-spider-article.html'), 'x.bin')).toBe('html');
    expect(detectFormat(Buffer.from('# Title\n\ntext'), 'a.md')).toBe('markdown');
    expect(detectFormat(Buffer.from('just text'), 'https://example.org/post')).toBe('text');
  });

  it('a broken PDF, a page with no article, an empty file: one line naming the file', async () => {
    const cases: [string, RegExp][] = [
      ['broken.pdf', /not a readable PDF/],
      ['navigation-only.html', /no article found/],
      ['empty.txt', /empty/],
    ];
    for (const [name, why] of cases) {
      const err = await failure(readFixture(name), reportFixture(name));
      expect(err.describe()).toMatch(why);
      expect(err.describe().startsWith(reportFixture(name))).toBe(true);
      expect(err.describe()).not.toContain('\n');
    }
    expect((await failure(Buffer.from('   \n\n'), 'blank.md')).describe()).toMatch(/^blank\.md: .*empty/);
  });

  it('the summary is two or three sentences from the top that say who wrote it and what it covers', async () => {
    const doc = await readDocument(advisoryPdf(), 'apt40.pdf');
    const summary = summarize(doc.text, doc.publisher);
    expect(summary).toContain('This advisory, authored by the Australian Cyber Security Centre and partner agencies, outlines the threat posed by APT40');
    const sentences = splitSentences(summary);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(3);
    for (const s of sentences) expect(doc.text.replace(/\s+/g, ' ')).toContain(s.text);
  });
});

describe('sentences, IDs and names', () => {
  it('splits sentences at stops and paragraph breaks, not at "e.g." or inside file names', () => {
    const text = 'The actor ran cmd.exe, e.g. to list files. Then it left.\n\nHeading\nNext paragraph here.';
    expect(splitSentences(text).map((s) => s.text)).toEqual(['The actor ran cmd.exe, e.g. to list files.', 'Then it left.', 'Heading', 'Next paragraph here.']);
    for (const s of splitSentences(text)) expect(text.slice(s.start, s.end).replace(/\s+/g, ' ')).toBe(s.text);
  });

  it('explicit IDs the store knows are certain, with their sentence as evidence; unknown IDs are ignored', () => {
    const text = 'First they used PowerShell (T1059.001). Nothing else here at all. Then T9999 and T1114.';
    const techniques = new Map([
      ['T1059.001', 'PowerShell'],
      ['T1114', 'Email Collection'],
    ]);
    const found = extractTechniques(text, null, { techniques });
    expect(found.map((f) => [f.attackId, f.method, f.score])).toEqual([
      ['T1059.001', 'explicit', 1],
      ['T1114', 'explicit', 1],
    ]);
    const ev = found[0]!.evidence[0]!;
    expect(text.slice(ev.start, ev.end)).toBe('First they used PowerShell (T1059.001).');
  });

  it('a sub-technique linked as an ATT&CK URL (techniques/T1546/003/) is that sub-technique, not its parent', () => {
    const text = 'Persistence by WMI subscription, see https://attack.mitre.org/techniques/T1546/003/ for details.\nAnd https://attack.mitre.org/techniques/T1114/ too.';
    const techniques = new Map([
      ['T1546', 'Event Triggered Execution'],
      ['T1546.003', 'Windows Management Instrumentation Event Subscription'],
      ['T1114', 'Email Collection'],
    ]);
    expect(extractTechniques(text, null, { techniques }).map((f) => f.attackId)).toEqual(['T1114', 'T1546.003']);
  });

  it('names and aliases as whole words with their case; short and ambiguous names are not looked for', () => {
    const objects = [
      { attackId: 'G0016', kind: 'group', name: 'APT29', alias: 'APT29' },
      { attackId: 'G0016', kind: 'group', name: 'APT29', alias: 'Cozy Bear' },
      { attackId: 'S0039', kind: 'software', name: 'Net', alias: 'Net' },
      { attackId: 'S0110', kind: 'software', name: 'at', alias: 'at' },
    ];
    const found = findNames('Cozy Bear, at the time, used Net commands; APT29 again; not APT290 nor cozy bear.', objects);
    expect(found).toEqual([{ attackId: 'G0016', kind: 'group', name: 'APT29', matched: 'Cozy Bear', count: 2, first: 0 }]);
  });
});
