/**
 * ATT&CK description text to HTML. Descriptions are markdown-ish: `[text](url)` links, numbered
 * citations `[3]` (already resolved by the query layer), `<code>` spans and blank-line paragraphs.
 * Everything is escaped first; only http(s) links become anchors, and attack.mitre.org links
 * become links inside the app. Any other markup-like text stays visible text.
 */
import { type SafeHtml, escapeHtml, raw } from './html.ts';

/** Where the app shows a node of a kind (technique pages have their own route). */
export function hrefFor(type: string, id: string, scope = ''): string {
  const enc = encodeURIComponent(id);
  switch (type) {
    case 'technique':
      return `/techniques/${enc}${scope}`;
    case 'report':
      return `/reports/${enc}${scope}`;
    case 'sigma':
      return `/sigma/${enc}`;
    default:
      return `/objects/${enc}${scope}`;
  }
}

const ATTACK_PATH = /^https?:\/\/attack\.mitre\.org\/(techniques|groups|software|campaigns|mitigations|tactics|datacomponents|datasources|detectionstrategies|analytics|assets)\/([A-Za-z0-9]+)(?:\/(\d{3}))?\/?(?:[#?].*)?$/;

/** An attack.mitre.org URL as an app path, else undefined. */
export function internalHref(url: string, scope = ''): string | undefined {
  const m = ATTACK_PATH.exec(url);
  if (m === null) return undefined;
  const [, section, id, sub] = m;
  if (id === undefined) return undefined;
  if (section === 'techniques') return hrefFor('technique', sub === undefined ? id : `${id}.${sub}`, scope);
  return hrefFor('object', id, scope);
}

const SAFE_URL = /^https?:\/\/[^\s"'<>]+$/i;

export function isSafeUrl(url: string): boolean {
  return SAFE_URL.test(url);
}

/** One link: internal when it is ATT&CK, external (new tab, no referrer) when http(s), else text. */
export function linkHtml(text: string, url: string, scope = ''): string {
  const internal = internalHref(url, scope);
  if (internal !== undefined) return `<a href="${escapeHtml(internal)}">${escapeHtml(text)}</a>`;
  if (isSafeUrl(url)) return `<a href="${escapeHtml(url)}" rel="noopener noreferrer external">${escapeHtml(text)}</a>`;
  return escapeHtml(text);
}

// [text](url) — text without brackets, url without spaces or parentheses (ATT&CK's shape).
const INLINE = /\[([^\]]+)\]\(([^()\s]+)\)|\[(\d{1,4})\](?!\()|<code>([\s\S]*?)<\/code>/g;

function inline(text: string, scope: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    out += escapeHtml(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined && m[2] !== undefined) out += linkHtml(m[1], m[2], scope);
    else if (m[3] !== undefined) out += `<sup><a class="cite" href="#ref-${m[3]}" aria-label="reference ${m[3]}">[${m[3]}]</a></sup>`;
    else out += `<code>${escapeHtml(m[4] ?? '')}</code>`;
  }
  return out + escapeHtml(text.slice(last));
}

/** A description as paragraphs (and bullet lists), every value escaped. */
export function richText(text: string, scope = ''): SafeHtml {
  const blocks = text.split(/\n\s*\n/).map((b) => b.trim()).filter((b) => b !== '');
  const out = blocks.map((block) => {
    const lines = block.split('\n');
    if (lines.every((l) => /^\s*[*-]\s+/.test(l))) {
      return `<ul>${lines.map((l) => `<li>${inline(l.replace(/^\s*[*-]\s+/, ''), scope)}</li>`).join('')}</ul>`;
    }
    return `<p>${inline(lines.join('\n'), scope).replace(/\n/g, '<br>')}</p>`;
  });
  return raw(out.join(''));
}

/** The first sentence-ish part of a description, as plain text (for summaries in lists). */
export function plainSummary(text: string, max = 220): string {
  const plain = text
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[\d{1,4}\]/g, '')
    .replace(/<\/?code>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length <= max ? plain : `${plain.slice(0, max - 1).trimEnd()}…`;
}
