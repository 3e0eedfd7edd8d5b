/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The browser bundle (built by esbuild into dist/web/static/app.js; no CDN): search suggestions,
 * version selector auto-submit, loading the graph view (./graph.ts, its own chunk with cytoscape)
 * after the first paint, Navigator layer overlays on the matrix, and "Sync now" on an empty store.
 * Every page works without it (the empty store's page then shows the equivalent curl command).
 */
import { heatColor, parseLayer } from '../../query/navigator.ts';
import { setupReview } from './review.ts';

/** One suggestion from /api/v1/suggest: any kind of node, once per ID. */
interface Hit {
  id: string;
  name: string;
  type: string;
  detail: string;
  framework: string | null;
}

const KIND_LABEL: Record<string, string> = { 'sigma-rule': 'Sigma rule', control: 'control', report: 'report', hunt: 'saved hunt', 'data-component': 'data component', 'detection-strategy': 'detection strategy' };

function hrefOf(h: Hit): string {
  const id = encodeURIComponent(h.id);
  switch (h.type) {
    case 'technique':
      return `/techniques/${id}`;
    case 'sigma-rule':
      return `/sigma/${id}`;
    case 'control':
      return `/controls/${id}${h.framework === null ? '' : `?framework=${encodeURIComponent(h.framework)}`}`;
    case 'report':
      return `/reports/${id}`;
    case 'hunt':
      return '/matrix?metric=hits';
    default:
      return `/objects/${id}`;
  }
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
  const show = (hits: readonly Hit[], q: string): void => {
    // Which query these suggestions answer (typing fires several; tests wait for the last one's).
    list.dataset.q = q;
    list.replaceChildren(
      ...hits.map((h, i) => {
        const li = document.createElement('li');
        li.id = `${list.id}-${i}`;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        const a = document.createElement('a');
        a.href = hrefOf(h);
        a.tabIndex = -1;
        a.textContent = `${h.type === 'sigma-rule' || h.type === 'report' || h.type === 'hunt' ? '' : `${h.id} `}${h.name}`;
        const meta = document.createElement('span');
        meta.className = 'sdom';
        meta.textContent = ` · ${KIND_LABEL[h.type] ?? h.type}${h.detail === '' ? '' : `, ${h.detail}`}`;
        a.append(meta);
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
      fetch(`/api/v1/suggest?q=${encodeURIComponent(q)}&limit=8`)
        .then((r) => (r.ok ? (r.json() as Promise<{ hits: Hit[] }>) : { hits: [] }))
        .then((body) => {
          if (mine === seq) show(body.hits, q);
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

interface JobView {
  id: string;
  state: 'running' | 'succeeded' | 'failed';
  progress: { phase: string; item: number; items: number; label: string; done: number; total: number } | null;
  results: { label: string; action: string; counts: string | null }[];
  errors: { message: string }[];
  summary: string | null;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.textContent = text;
  if (className !== '') e.className = className;
  return e;
}

/**
 * "Sync now" on the empty-store page: POST /api/v1/sync, then GET /api/v1/jobs/ID until done,
 * showing progress. The token is read from its input for each request and sent only in the
 * Authorization header (never in a URL, never stored); the server accepts writes only that way.
 */
function setupSync(form: HTMLFormElement): void {
  const token = document.getElementById('sync-token') as HTMLInputElement | null;
  const from = document.getElementById('sync-from') as HTMLInputElement | null;
  const only = document.getElementById('sync-only') as HTMLSelectElement | null;
  const domain = document.getElementById('sync-domain') as HTMLSelectElement | null;
  const status = document.getElementById('sync-status');
  const button = form.querySelector('button');
  if (token === null || status === null) return;
  form.hidden = false;
  const noJs = document.getElementById('sync-nojs');
  if (noJs !== null) noJs.hidden = true;
  const say = (...nodes: Node[]): void => status.replaceChildren(...nodes);
  const call = async (url: string, init: RequestInit = {}): Promise<{ status: number; body: { job?: JobView; error?: { message: string } } }> => {
    const res = await fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${token.value}` }, credentials: 'omit', cache: 'no-store' });
    return { status: res.status, body: (await res.json()) as { job?: JobView; error?: { message: string } } };
  };
  const show = (job: JobView): void => {
    const nodes: Node[] = [];
    if (job.state === 'running') {
      const p = job.progress;
      const bar = document.createElement('progress');
      bar.setAttribute('aria-label', 'Sync progress');
      if (p !== null && p.total > 0) {
        bar.max = p.total;
        bar.value = p.done;
      }
      nodes.push(el('p', p === null ? 'Starting…' : `${p.phase === 'download' ? 'Downloading' : 'Importing'} ${p.label} (file ${p.item} of ${p.items})`), bar);
    } else {
      nodes.push(el('p', job.state === 'succeeded' ? `Done. ${job.summary ?? ''}` : `Finished with errors. ${job.summary ?? ''}`, job.state === 'failed' ? 'failed' : ''));
    }
    if (job.results.length > 0) {
      const ul = el('ul', '', 'plain');
      for (const r of job.results) ul.append(el('li', `${r.action} ${r.label}${r.counts === null ? '' : `: ${r.counts}`}`, r.action === 'failed' ? 'failed' : ''));
      nodes.push(ul);
    }
    for (const e of job.errors) nodes.push(el('p', e.message, 'failed'));
    if (job.state !== 'running') {
      const next = el('p');
      const matrix = el('a', 'Open the matrix');
      matrix.href = '/matrix';
      const home = el('a', 'the home page');
      home.href = '/';
      next.append(matrix, ' or ', home, '.');
      nodes.push(next);
    }
    say(...nodes);
  };
  const poll = (id: string): void => {
    call(`/api/v1/jobs/${encodeURIComponent(id)}`)
      .then(({ body }) => {
        if (body.job === undefined) throw new Error(body.error?.message ?? 'the job is gone');
        show(body.job);
        if (body.job.state === 'running') window.setTimeout(() => poll(id), 400);
        else if (button !== null) button.disabled = false;
      })
      .catch((err: unknown) => {
        say(el('p', `Could not follow the sync: ${err instanceof Error ? err.message : String(err)}`, 'failed'));
        if (button !== null) button.disabled = false;
      });
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const options: Record<string, string> = {};
    if (from !== null && from.value.trim() !== '') options.from = from.value.trim();
    if (only !== null && only.value !== '') options.only = only.value;
    if (domain !== null && domain.value !== '') options.domain = domain.value;
    if (button !== null) button.disabled = true;
    say(el('p', 'Starting…'));
    call('/api/v1/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(options) })
      .then(({ status: code, body }) => {
        if (code === 202 && body.job !== undefined) {
          show(body.job);
          poll(body.job.id);
          return;
        }
        say(el('p', `The server said ${code}: ${body.error?.message ?? ''}`, 'failed'));
        if (button !== null) button.disabled = false;
      })
      .catch((err: unknown) => {
        say(el('p', `Could not start the sync: ${err instanceof Error ? err.message : String(err)}`, 'failed'));
        if (button !== null) button.disabled = false;
      });
  });
}

/** "/" anywhere but in a form field puts the cursor in the search box. */
function setupSlash(): void {
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target as HTMLElement | null;
    if (t !== null && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const box = document.getElementById('search-q') ?? document.getElementById('site-q');
    if (box instanceof HTMLInputElement) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  });
}

/** Copy buttons (IDs, rule YAML): shown only here, where they work. */
function setupCopy(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('button.copy[data-copy]')) {
    b.hidden = false;
    b.addEventListener('click', () => {
      const done = (text: string): void => {
        b.textContent = text;
        window.setTimeout(() => (b.textContent = 'Copy'), 1500);
      };
      navigator.clipboard.writeText(b.dataset.copy ?? '').then(
        () => done('Copied'),
        () => done('Copy failed'),
      );
    });
  }
}

/** The matrix says which tactics are off-screen to the right, and updates as it scrolls. */
function setupMatrixCue(matrix: HTMLElement): void {
  const cue = document.getElementById('matrix-cue');
  if (cue === null) return;
  const original = [...cue.childNodes].map((n) => n.cloneNode(true));
  const update = (): void => {
    const box = matrix.getBoundingClientRect();
    const hidden = [...matrix.querySelectorAll<HTMLElement>('.tactic h2')].filter((h) => h.getBoundingClientRect().right > box.right + 1);
    if (hidden.length === 0) {
      cue.replaceChildren(...original.map((n) => n.cloneNode(true)));
      return;
    }
    const more = document.createElement('strong');
    more.textContent = `${hidden.length} more tactic${hidden.length === 1 ? '' : 's'} to the right →`;
    cue.replaceChildren(more, ` (scroll the matrix sideways): ${hidden.map((h) => h.querySelector('a')?.textContent ?? '').join(' · ')}`);
  };
  matrix.addEventListener('scroll', update, { passive: true });
  window.addEventListener('resize', update);
  update();
}

function start(): void {
  setupSlash();
  setupCopy();
  // Print and "save as PDF" get every folded part (control frameworks, the graph's list).
  window.addEventListener('beforeprint', () => {
    for (const d of document.querySelectorAll<HTMLDetailsElement>('main details:not([open])')) {
      d.open = true;
      d.dataset.openedForPrint = '1';
    }
  });
  window.addEventListener('afterprint', () => {
    for (const d of document.querySelectorAll<HTMLDetailsElement>('main details[data-opened-for-print]')) {
      d.open = false;
      delete d.dataset.openedForPrint;
    }
  });
  const matrix = document.querySelector<HTMLElement>('.matrix');
  if (matrix !== null) setupMatrixCue(matrix);
  for (const input of document.querySelectorAll<HTMLInputElement>('input[data-suggest]')) setupSuggest(input);
  for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-autosubmit]')) {
    select.addEventListener('change', () => select.form?.submit());
  }
  // The frame after the first paint: lay out the whole page (see the stylesheet), then draw the graph.
  const afterFirstPaint = (f: () => void): void => {
    requestAnimationFrame(() => window.setTimeout(f, 0));
  };
  afterFirstPaint(() => document.querySelector('main')?.classList.add('laid-out'));
  const graph = document.getElementById('context-graph');
  if (graph !== null) {
    // Only this box changes (not a class on <html>, which would restyle the whole page before its first paint).
    graph.classList.add('on');
    // cytoscape is a separate chunk, fetched once the page has painted, so it never delays the first paint.
    const load = (): void => {
      void import('./graph.ts').then((m) => m.setupGraph(graph));
    };
    // After the frame that paints the page: the graph is never in the way of the first paint.
    afterFirstPaint(load);
  }
  const sync = document.getElementById('sync-form');
  if (sync instanceof HTMLFormElement) setupSync(sync);
  const review = document.getElementById('review-form');
  if (review instanceof HTMLFormElement) setupReview(review);
  const layer = document.getElementById('layer-import');
  if (layer instanceof HTMLInputElement) setupOverlay(layer);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
