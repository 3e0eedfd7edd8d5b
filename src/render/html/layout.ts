/**
 * The page shell every HTML page shares: head (the stylesheet inline, allowed by its hash in the CSP,
 * so the first paint waits for no request), the top bar with the search box and its suggestion
 * list, the page, the footer, and last the one module script (deferred by nature; placed at the end
 * of the body, Chromium paints the first screen sooner: see docs/benchmarks.md). No inline script
 * and no style attributes, so the CSP can stay strict.
 */
import { html, type HtmlValue, raw, type SafeHtml } from './html.ts';

export interface LayoutOptions {
  readonly title: string;
  readonly body: HtmlValue;
  /** The query currently in the top search box. */
  readonly query?: string;
  /** Asset URLs carry a version so they can be cached forever. */
  readonly assetVersion?: string;
  /**
   * The stylesheet, put in the page (allowed by its hash in the CSP) so the first paint waits for
   * no request; without it the page links /static/app.css.
   */
  readonly inlineCss?: string;
}

export function layout(options: LayoutOptions): SafeHtml {
  const v = options.assetVersion ?? 'dev';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · ttpgraph</title>
<link rel="icon" href="data:,">
${options.inlineCss === undefined ? html`<link rel="stylesheet" id="__________cytoscape_stylesheet" href="/static/app.css?v=${v}">` : html`<style id="__________cytoscape_stylesheet">${raw(options.inlineCss)}</style>`}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<a class="brand" href="/">ttpgraph</a>
<nav aria-label="Main"><ul><li><a href="/matrix">Matrix</a></li><li><a href="/search">Search</a></li><li><a href="/datasets">Datasets</a></li><li><a href="/coverage">Coverage</a></li><li><a href="/api/openapi.json">API</a></li></ul></nav>
<form class="site-search" role="search" aria-label="Site" action="/search" method="get">
<label for="site-q" class="sr-only">Search techniques, groups, software…</label>
<input id="site-q" name="q" type="search" autocomplete="off" placeholder="Search T1114, APT28, email…" value="${options.query ?? ''}" data-suggest="site-suggestions" aria-autocomplete="list" aria-controls="site-suggestions" aria-expanded="false" role="combobox">
<ul id="site-suggestions" class="suggestions" role="listbox" aria-label="Suggestions" hidden></ul>
<button type="submit">Search</button>
</form>
</header>
<main id="main">
${options.body}
</main>
<footer class="foot"><p>ATT&amp;CK data © The MITRE Corporation, reproduced with its permission. Served by ttpgraph.</p></footer>
<script type="module" src="/static/app.js?v=${v}"></script>
</body>
</html>
`;
}

/** A section with a heading, an id for the table of contents, and a note when it is empty. */
export function section(id: string, title: string, body: HtmlValue, options: { readonly empty?: HtmlValue; readonly level?: 2 | 3 } = {}): SafeHtml {
  const isEmpty = body === null || body === undefined || body === false || (Array.isArray(body) && body.length === 0);
  const content = isEmpty ? html`<p class="empty">${options.empty ?? 'Nothing recorded.'}</p>` : body;
  return options.level === 3
    ? html`<section id="${id}" aria-labelledby="${id}-h"><h3 id="${id}-h">${title}</h3>${content}</section>`
    : html`<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${title}</h2>${content}</section>`;
}

/** A "Copy" button for a value (an ID, a rule's YAML); hidden until the browser bundle makes it work. */
export function copyButton(value: string, what: string): SafeHtml {
  return html`<button type="button" class="copy" data-copy="${value}" aria-label="Copy ${what}" hidden>Copy</button>`;
}
