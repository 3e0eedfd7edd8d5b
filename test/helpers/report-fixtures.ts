/** The report fixtures (public-style text written for the tests) and a generated PDF report. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths.ts';
import { writePdf } from './pdf-writer.ts';

export const reportFixture = (name: string): string => path.join(projectRoot, 'test', 'fixtures', 'reports', name);
export const readFixture = (name: string): Buffer => readFileSync(reportFixture(name));

/**
 * A three-page advisory as a PDF, with an Info dictionary. Page 1 says who wrote it and what it
 * covers; the pages name APT40 and write one technique ID (T1190) and describe others in words.
 */
export function advisoryPdf(): Buffer {
  return writePdf(
    [
      [
        'APT40 Advisory: PRC MSS tradecraft in action',
        'Published July 8, 2024',
        '',
        'This advisory, authored by the Australian Cyber Security Centre and partner agencies,',
        'outlines the threat posed by APT40 to networks in Australia and elsewhere.',
        '',
        'APT40 rapidly exploits newly public vulnerabilities in widely used software such as',
        'Log4J and Atlassian Confluence (T1190).',
      ],
      [
        'The actors deployed web shells on compromised internet-facing servers for persistence.',
        'They collected email from the mailboxes of targeted users on the compromised Exchange server.',
        'Data was compressed into password-protected archives before exfiltration.',
      ],
      ['Defenders should patch internet-facing devices promptly and keep logs centrally.'],
    ],
    { title: 'APT40 Advisory - PRC MSS tradecraft in action', author: 'Australian Cyber Security Centre', creationDate: '20240708093000Z' },
  );
}
