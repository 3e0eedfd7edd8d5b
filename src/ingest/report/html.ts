/**
 * An article page → the article: Mozilla's Readability (Firefox's reader view) over a linkedom
 * DOM picks the article out of the navigation, sidebars and ads around it. Metadata from the page's
 * own tags: og:title / title, og:site_name, article:published_time (or <time datetime>), and the
 * canonical URL.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { TtpgraphError } from '../../errors.ts';
import { isoDate, type PartialDocument } from './partial.ts';

const MIN_ARTICLE_CHARS = 200;

export function readHtml(html: string, source: string): PartialDocument {
  const { document } = parseHTML(html);
  const meta = (...names: string[]): string | null => {
    for (const n of names) {
      const el = document.querySelector(`meta[property="${n}"], meta[name="${n}"], meta[itemprop="${n}"]`);
      const v = el?.getAttribute('content')?.trim();
      if (v !== undefined && v !== '') return v;
    }
    return null;
  };
  const canonical = document.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? meta('og:url');
  const published = meta('article:published_time', 'datePublished', 'date', 'dc.date', 'DC.date.issued', 'pubdate') ?? document.querySelector('time[datetime]')?.getAttribute('datetime') ?? null;
  const siteName = meta('og:site_name', 'application-name', 'publisher');
  // Readability changes the document it reads; the metadata above is read first.
  const article = new Readability(document, { charThreshold: MIN_ARTICLE_CHARS }).parse();
  const text = article === null ? '' : articleText(article.content ?? '');
  if (article === null || text.replace(/\s+/g, ' ').trim().length < MIN_ARTICLE_CHARS) {
    throw new TtpgraphError('invalid-input', 'no article found in this HTML page (navigation and links only?)', { source });
  }
  return {
    title: meta('og:title') ?? article.title ?? null,
    publisher: siteName ?? article.siteName ?? article.byline ?? null,
    published: isoDate(published ?? article.publishedTime ?? null),
    url: canonical !== null && /^https?:\/\//i.test(canonical) ? canonical : null,
    text,
  };
}

/** Readability's article HTML → text with paragraph and list breaks kept (its textContent runs blocks together). */
function articleText(content: string): string {
  const { document } = parseHTML(`<!doctype html><html><body>${content}</body></html>`);
  for (const el of document.querySelectorAll('script, style, noscript')) el.remove();
  for (const el of document.querySelectorAll('p, div, li, h1, h2, h3, h4, h5, h6, tr, pre, blockquote, br, section, article, table, ul, ol, figcaption')) {
    el.before(document.createTextNode('\n'));
    el.after(document.createTextNode('\n'));
  }
  for (const el of document.querySelectorAll('td, th')) el.after(document.createTextNode(' '));
  return (document.body?.textContent ?? '').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n');
}
