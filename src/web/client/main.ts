/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The browser bundle (built by esbuild into dist/web/static/app.js; no CDN): search suggestions,
 * version selector auto-submit, loading the graph view (./graph.ts, its own chunk with cytoscape)
 * after the first paint, and Navigator layer overlays on the matrix. Every page works without it.
 */
import { heatColor, parseLayer } from '../../query/navigator.ts';

interface Hit {
  id: string;
  name: string;
  type: string;
}


function hrefOf(h: Hit): string {
  const id = encodeURIComponent(h.id);
  return h.type === 'technique' ? `/techniques/${id}` : `/objects/${id}`;
}

function setupSuggest(input: HTMLInputElement): void {
  const list = document.getElementById(input.dataset.suggest ?? '');
  if (!(list instanceof HTMLUListElement)) return;
  let timer: number | undefined;
  let active = -1;
  let seq = 0;
  const close = (): void => {
    list.hidden = true;
    list.replaceChildren();
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const mark = (): void => {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
    const current = list.children[active];
    if (current !== undefined) input.setAttribute('aria-activedescendant', current.id);
  };
  const show = (hits: readonly Hit[]): void => {
    list.replaceChildren(
      ...hits.map((h, i) => {
        const li = document.createElement('li');
        li.id = `${list.id}-${i}`;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        const a = document.createElement('a');
        a.href = hrefOf(h);
        a.tabIndex = -1;
        a.textContent = `${h.id} ${h.name} · ${h.type}`;
        li.append(a);
        li.addEventListener('mousedown', (e) => {
          e.preventDefault();
          location.href = a.href;
        });
        return li;
      }),
    );
    list.hidden = hits.length === 0;
    input.setAttribute('aria-expanded', String(hits.length > 0));
    active = -1;
  };
  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) {
      close();
      return;
    }
    timer = window.setTimeout(() => {
      const mine = ++seq;
      fetch(`/api/v1/search?q=${encodeURIComponent(q)}&limit=8`)
        .then((r) => (r.ok ? (r.json() as Promise<{ hits: Hit[] }>) : { hits: [] }))
        .then((body) => {
          if (mine === seq) show(body.hits);
        })
        .catch(() => close());
    }, 120);
  });
  input.addEventListener('keydown', (e) => {
    const n = list.children.length;
    if (e.key === 'ArrowDown' && n > 0) {
      e.preventDefault();
      active = (active + 1) % n;
      mark();
    } else if (e.key === 'ArrowUp' && n > 0) {
      e.preventDefault();
      active = (active - 1 + n) % n;
      mark();
    } else if (e.key === 'Enter' && active >= 0) {
      const a = list.children[active]?.querySelector('a');
      if (a !== null && a !== undefined) {
        e.preventDefault();
        location.href = a.href;
      }
    } else if (e.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => window.setTimeout(close, 150));
}

function setupOverlay(input: HTMLInputElement): void {
  const status = document.getElementById('overlay-status');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file === undefined) return;
    file
      .text()
      .then((text) => {
        const overlay = parseLayer(JSON.parse(text));
        let matched = 0;
        for (const a of document.querySelectorAll<HTMLAnchorElement>('a.tech[data-technique]')) {
          const entry = overlay.entries.get(a.dataset.technique ?? '');
          a.classList.toggle('overlay', entry !== undefined);
          a.style.backgroundColor = '';
          a.style.color = '';
          if (entry === undefined) continue;
          matched++;
          const color = entry.color ?? (entry.score === null ? null : heatColor(entry.score, overlay.maxScore));
          if (color !== null) {
            a.style.backgroundColor = color;
            const v = parseInt(color.slice(1), 16);
            const lum = 0.299 * (v >> 16) + 0.587 * ((v >> 8) & 255) + 0.114 * (v & 255);
            a.style.color = lum < 140 ? '#ffffff' : '#1b1f24';
          }
          a.title = `${a.title} — layer: ${entry.score ?? ''} ${entry.comment}`.trim();
        }
        if (status !== null) status.textContent = `Overlay “${overlay.name}”: ${overlay.entries.size} techniques, ${matched} on this matrix.`;
      })
      .catch((err: unknown) => {
        if (status !== null) status.textContent = `Could not read the layer: ${err instanceof Error ? err.message : String(err)}`;
      });
  });
}

function start(): void {
  document.documentElement.classList.add('js');
  for (const input of document.querySelectorAll<HTMLInputElement>('input[data-suggest]')) setupSuggest(input);
  for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-autosubmit]')) {
    select.addEventListener('change', () => select.form?.submit());
  }
  const graph = document.getElementById('context-graph');
  if (graph !== null) {
    // cytoscape is a separate chunk, fetched once the page has painted, so it never delays the first paint.
    const load = (): void => {
      void import('./graph.ts').then((m) => m.setupGraph(graph));
    };
    const later = (): void => {
      const idle = (window as { requestIdleCallback?: (f: () => void, o: { timeout: number }) => number }).requestIdleCallback;
      if (idle !== undefined) idle(load, { timeout: 500 });
      else window.setTimeout(load, 50);
    };
    if (document.readyState === 'complete') later();
    else window.addEventListener('load', later, { once: true });
  }
  const layer = document.getElementById('layer-import');
  if (layer instanceof HTMLInputElement) setupOverlay(layer);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
