/**
 * Text pieces the extractor works on: sentences with their character offsets in the report text
 * (so evidence can be highlighted where it stands), and the tokens a sentence is scored by.
 */

export interface Sentence {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

// Abbreviations after which a full stop does not end a sentence.
const NO_BREAK = new Set(['e.g', 'i.e', 'etc', 'vs', 'mr', 'ms', 'dr', 'no', 'fig', 'inc', 'ltd', 'co', 'st', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'al', 'approx']);

/**
 * Splits text into sentences: at ". ! ?" followed by space and a capital/digit/quote, and at
 * blank lines and line ends that close a heading or list item (lines without a final stop).
 */
export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  const push = (end: number): void => {
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s] ?? '')) s++;
    while (e > s && /\s/.test(text[e - 1] ?? '')) e--;
    if (e > s) out.push({ start: s, end: e, text: text.slice(s, e).replace(/\s+/g, ' ') });
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      // A line break ends a sentence when a blank line follows, or when the line looks finished
      // on its own (a heading, a list item): the next line starts with a capital, a bullet or a digit,
      // and this one does not end mid-phrase (a comma, a hyphen, a lowercase joiner).
      const next = text.slice(i + 1, i + 3);
      const lineEnd = text.slice(Math.max(start, i - 2), i).trimEnd();
      if (/^\s*\n/.test(next) || (/^[\s]*[-*•▪●◦]/.test(next) && !/[,;-]$/.test(lineEnd))) {
        push(i + 1);
        continue;
      }
      const before = text.slice(start, i).trim();
      if (before.length > 0 && before.length < 120 && !/[.,;:-]$/.test(before) && /^[A-Z0-9#]/.test(text[i + 1] ?? '') && !/\b(?:the|a|an|of|and|or|to|in|on|by|for|with|from)$/i.test(before)) {
        push(i + 1);
      }
      continue;
    }
    if (c !== '.' && c !== '!' && c !== '?') continue;
    const after = text.slice(i + 1, i + 6);
    if (i + 1 < text.length && !/^["'”’)\]]?\s+["'“‘(]?[A-Z0-9]/.test(after)) continue;
    if (c === '.') {
      const word = /([A-Za-z.]+)$/.exec(text.slice(Math.max(start, i - 8), i))?.[1]?.toLowerCase() ?? '';
      if (NO_BREAK.has(word) || /^[a-z]$/.test(word)) continue;
    }
    let end = i + 1;
    while (/["'”’)\]]/.test(text[end] ?? '')) end++;
    push(end);
  }
  push(text.length);
  return out;
}

const STOP = new Set(
  'a an and are as at be been being but by can could did do does for from had has have he her his if in into is it its may might more most not of on or our over she should so some such than that the their them then there these they this those through to under up upon was we were what when where which while who will with would you your also used using use uses other any each been both via after before during'.split(' '),
);

/** Crude stemming: enough that "encrypts", "encrypted" and "encrypting" meet. */
function stem(w: string): string {
  if (w.length <= 4 || /\d/.test(w)) return w;
  if (w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.endsWith('ing') && w.length > 6) return w.slice(0, -3);
  if (w.endsWith('ed') && w.length > 5) return w.slice(0, -2);
  if (w.endsWith('es') && w.length > 5 && /(?:ss|sh|ch|x)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

/** Lowercased, stemmed word tokens without stop words; file extensions kept as ".exe" tokens. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/\.?[a-z0-9][a-z0-9_$-]*/g)) {
    let w = m[0];
    if (w.startsWith('.')) {
      if (w.length <= 5 && /^\.[a-z]{2,4}$/.test(w)) out.push(w);
      w = w.slice(1);
    }
    w = w.replace(/-+$/, '');
    if (w.length < 2 || STOP.has(w) || /^\d+$/.test(w)) continue;
    out.push(stem(w));
  }
  return out;
}

/** Unigrams and bigrams of the word tokens: the features a sentence is compared by. */
export function features(text: string): string[] {
  const w = words(text);
  const out = w.slice();
  for (let i = 0; i + 1 < w.length; i++) out.push(`${w[i]} ${w[i + 1]}`);
  return out;
}
