/**
 * A word-level diff of two texts (longest common subsequence over words, whitespace kept with the
 * word before it), for the "what changed" page: unchanged words as they are, removed ones in <del>,
 * added ones in <ins>. Texts longer than MAX_WORDS fall back to "all removed, all added".
 */
import { html, type SafeHtml } from './html.ts';

const MAX_WORDS = 3000;

export type DiffPart = { readonly op: 'same' | 'del' | 'ins'; readonly text: string };

function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

export function diffWords(before: string, after: string): DiffPart[] {
  const a = words(before);
  const b = words(after);
  if (a.length * b.length > MAX_WORDS * MAX_WORDS / 4 || a.length > MAX_WORDS || b.length > MAX_WORDS) {
    return [
      { op: 'del', text: before },
      { op: 'ins', text: after },
    ];
  }
  const key = (w: string): string => w.trimEnd();
  // lcs[i][j]: length of the common subsequence of a[i..] and b[j..].
  const lcs: Uint16Array[] = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lcs[i] as Uint16Array;
    const next = lcs[i + 1] as Uint16Array;
    for (let j = b.length - 1; j >= 0; j--) {
      row[j] = key(a[i] ?? '') === key(b[j] ?? '') ? (next[j + 1] ?? 0) + 1 : Math.max(next[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: DiffPart[] = [];
  const push = (op: DiffPart['op'], text: string): void => {
    const last = out[out.length - 1];
    if (last !== undefined && last.op === op) out[out.length - 1] = { op, text: last.text + text };
    else out.push({ op, text });
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (key(a[i] ?? '') === key(b[j] ?? '')) {
      push('same', b[j] ?? '');
      i++;
      j++;
    } else if ((lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0)) push('del', a[i++] ?? '');
    else push('ins', b[j++] ?? '');
  }
  while (i < a.length) push('del', a[i++] ?? '');
  while (j < b.length) push('ins', b[j++] ?? '');
  return out;
}

export function renderWordDiff(before: string, after: string): SafeHtml {
  return html`<p class="word-diff">${diffWords(before, after).map((p) =>
    p.op === 'same' ? p.text : p.op === 'del' ? html`<del>${p.text}</del>` : html`<ins>${p.text}</ins>`,
  )}</p>`;
}
