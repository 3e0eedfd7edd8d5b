/** What each format's reader returns, and the date parsing they share. */

/** What a reader found; read-document fills the gaps (title from the text, publisher from the URL). */
export interface PartialDocument {
  readonly title: string | null;
  readonly publisher: string | null;
  readonly published: string | null;
  readonly url: string | null;
  readonly text: string;
}

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** "July 8, 2024", "8 July 2024", "2024-07-08": the first date written near the top. */
export function dateInText(text: string): string | null {
  const iso = /\b(20\d\d|19\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b/.exec(text);
  const month = `(${MONTHS.join('|')}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\\.?`;
  const mdy = new RegExp(`\\b${month}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+((?:19|20)\\d\\d)\\b`, 'i').exec(text);
  const dmy = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+${month}\\s+((?:19|20)\\d\\d)\\b`, 'i').exec(text);
  const candidates: { at: number; date: string }[] = [];
  if (iso !== null) candidates.push({ at: iso.index, date: `${iso[1]}-${iso[2]}-${iso[3]}` });
  if (mdy !== null) candidates.push({ at: mdy.index, date: ymd(mdy[3] ?? '', mdy[1] ?? '', mdy[2] ?? '') });
  if (dmy !== null) candidates.push({ at: dmy.index, date: ymd(dmy[3] ?? '', dmy[2] ?? '', dmy[1] ?? '') });
  candidates.sort((a, b) => a.at - b.at);
  return candidates.find((c) => c.date !== '')?.date ?? null;
}

function ymd(year: string, monthName: string, day: string): string {
  const m = monthName.toLowerCase().replace('.', '');
  const i = MONTHS.findIndex((full) => full.startsWith(m.slice(0, 3)));
  if (i < 0) return '';
  return `${year}-${String(i + 1).padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** Metadata dates ("2024-07-08T10:00:00Z", "D:20240708120000Z") → YYYY-MM-DD. */
export function isoDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const pdf = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?/.exec(value.trim());
  const iso = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(value.trim());
  const m = iso ?? pdf;
  if (m === null) return dateInText(value);
  const [, y, mo, d] = m;
  if (y === undefined || Number(y) < 1990 || Number(y) > 2100) return null;
  return [y, mo, d].filter((p) => p !== undefined).join('-');
}
