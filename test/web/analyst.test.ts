/**
 * The web app as an analyst reads it (issue 14), in real headless Chromium at 1400 px, with layout
 * assertions rather than screenshots alone: the graph context (no overlapping nodes, labels 10-16 px
 * high on screen, one node per control framework, re-fit after a filter), the matrix (no count
 * clipped or under the expander), search over every kind of node without duplicates, 15.1's data
 * components by name, "what changed" matching them by name, print/full-page content, and axe-core
 * on every page kind in light and dark mode. One server and one browser for the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/web/app.ts';
import { listen, type RunningServer } from '../../src/web/server.ts';
import type { TempGraph } from '../helpers/attack-store.ts';
import { dataPath, projectRoot, screenshotPath } from '../helpers/paths.ts';
import { REFERENCE_DATA_COMPONENTS, webGraph } from './fixture.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const axeSource = readFileSync(path.join(projectRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

const overlaps = (a: Box, b: Box): boolean => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
const inside = (inner: Box, outer: Box, slack = 0.5): boolean =>
  inner.x1 >= outer.x1 - slack && inner.y1 >= outer.y1 - slack && inner.x2 <= outer.x2 + slack && inner.y2 <= outer.y2 + slack;

/** What the graph shows, measured in the page: every node's box (label included) and label height on screen. */
interface GraphState {
  container: { w: number; h: number };
  leaves: { id: string; type: string; label: string; box: Box; labelH: number; framework: string | null; frameworkNode: boolean }[];
  parents: { id: string; label: string; box: Box; labelH: number }[];
  all: Box;
}

async function graphState(page: Page): Promise<GraphState> {
  return page.evaluate(() => {
    type BB = { x1: number; y1: number; x2: number; y2: number; h: number };
    type N = {
      id(): string;
      data(k: string): unknown;
      isParent(): boolean;
      visible(): boolean;
      renderedBoundingBox(o: object): BB;
    };
    const cy = (window as unknown as { __ttpgraph: { cy: { nodes(): { toArray(): N[] }; elements(s?: string): { renderedBoundingBox(o: object): BB }; width(): number; height(): number } } }).__ttpgraph.cy;
    const box = (b: BB) => ({ x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 });
    const labelH = (n: N): number => n.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true }).h;
    const nodes = cy.nodes().toArray().filter((n) => n.visible());
    return {
      container: { w: cy.width(), h: cy.height() },
      leaves: nodes
        .filter((n) => !n.isParent())
        .map((n) => ({
          id: n.id(),
          type: String(n.data('type')),
          label: (n.data('label') as string | undefined) ?? '',
          box: box(n.renderedBoundingBox({ includeLabels: true, includeOverlays: false })),
          labelH: labelH(n),
          framework: n.data('frameworkNode') === 1 ? String(n.data('framework')) : null,
          frameworkNode: n.data('frameworkNode') === 1,
        })),
      parents: nodes.filter((n) => n.isParent()).map((n) => ({ id: n.id(), label: (n.data('label') as string | undefined) ?? '', box: box(n.renderedBoundingBox({ includeLabels: true, includeOverlays: false })), labelH: labelH(n) })),
      all: box(cy.elements(':visible').renderedBoundingBox({ includeLabels: true, includeOverlays: false })),
    };
  });
}

function expectReadable(g: GraphState): void {
  const boxes = [...g.leaves.map((l) => ({ name: l.label, box: l.box })), ...g.parents.filter(() => false).map((p) => ({ name: p.label, box: p.box }))];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      expect(overlaps(a.box, b.box), `"${a.name}" overlaps "${b.name}"`).toBe(false);
    }
  }
  // The kinds' boxes do not overlap one another either.
  for (let i = 0; i < g.parents.length; i++) {
    for (let j = i + 1; j < g.parents.length; j++) expect(overlaps(g.parents[i]!.box, g.parents[j]!.box), `${g.parents[i]!.label} / ${g.parents[j]!.label}`).toBe(false);
  }
  for (const n of [...g.leaves, ...g.parents]) {
    if (n.label === '') continue;
    expect(n.labelH, `label "${n.label}"`).toBeGreaterThanOrEqual(10);
    expect(n.labelH, `label "${n.label}"`).toBeLessThanOrEqual(16);
  }
}

describe('the web app as an analyst reads it, at 1400 px', () => {
  let t: TempGraph;
  let server: RunningServer;
  let browser: Browser;
  let light: BrowserContext;
  const problems: string[] = [];

  const open = async (url: string, context = light): Promise<Page> => {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(server.url + url);
    return page;
  };
  const withGraph = async (url: string): Promise<Page> => {
    const page = await open(url);
    await page.waitForFunction(() => (window as unknown as { __ttpgraph?: unknown }).__ttpgraph !== undefined);
    return page;
  };

  beforeAll(async () => {
    t = await webGraph();
    // More than one framework, and two versions of one (rev4 beside rev5), and a second domain
    // (G0069 MuddyWater is in enterprise and mobile).
    for (const f of ['nist_800_53-rev4_attack-14.1-enterprise.json', 'm365-07.18.2025_attack-16.1-enterprise.json', 'm365-12.11.2023_attack-14.1-enterprise.json', 'kev-07.28.2025_attack-16.1-enterprise.json']) {
      await t.graph.importMappings(dataPath('mappings', f));
    }
    await t.graph.importAttack(dataPath('attack', 'mobile-attack-18.1.json'));
    server = await listen(createApp({ graph: t.graph }), { port: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    light = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    t?.dispose();
  });

  it('T1114: the graph reads (no overlaps, labels 10-16 px), one node per control framework that expands, re-fits after a filter', async () => {
    const page = await withGraph('/techniques/T1114?version=15.1');
    await page.locator('#context').scrollIntoViewIfNeeded();
    const g = await graphState(page);
    expectReadable(g);
    // Controls: one node per framework, none of the controls themselves until one is opened.
    const frameworkNodes = g.leaves.filter((l) => l.frameworkNode);
    const perFramework = new Map<string, number>();
    for (const n of frameworkNodes) perFramework.set(n.framework ?? '', (perFramework.get(n.framework ?? '') ?? 0) + 1);
    expect([...perFramework.keys()].sort()).toEqual(['CISA KEV', 'Microsoft 365', 'NIST SP 800-53']);
    expect([...perFramework.values()].every((n) => n === 1)).toBe(true);
    expect(g.leaves.filter((l) => l.type === 'control' && !l.frameworkNode)).toEqual([]);
    // 15.1's data components by name, in the graph.
    const labels = g.leaves.map((l) => l.label);
    for (const name of REFERENCE_DATA_COMPONENTS) expect(labels).toContain(name);
    expect(labels.filter((l) => l.includes('x-mitre-'))).toEqual([]);
    await page.locator('#context').screenshot({ path: screenshotPath('graph-T1114-15.1.png') });

    // A click on a framework node lists its controls (the newest version's), still readable.
    const nist = frameworkNodes.find((n) => n.framework === 'NIST SP 800-53')!;
    const at = await page.evaluate((id) => {
      const cy = (window as unknown as { __ttpgraph: { cy: { getElementById(i: string): { renderedPosition(): { x: number; y: number } } } } }).__ttpgraph.cy;
      const p = cy.getElementById(id).renderedPosition();
      const r = document.getElementById('context-graph')!.getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, nist.id);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction(() => (window as unknown as { __ttpgraph: { cy: { nodes(s: string): { length: number } } } }).__ttpgraph.cy.nodes('[member = 1]').length > 0);
    const open = await graphState(page);
    expectReadable(open);
    const members = open.leaves.filter((l) => l.type === 'control' && !l.frameworkNode).map((l) => l.label);
    // rev5's AC-16, once (labels are cut to one line; the tooltip has the whole name).
    expect(members.filter((m) => m.startsWith('AC-16 '))).toEqual([expect.stringMatching(/^AC-16 Security and Privacy/)]);

    // Unticking "Controls" lays out and fits the rest: everything inside the box, and filling it.
    await page.locator('input[data-filter-type="control"]').uncheck();
    const rest = await graphState(page);
    expect(rest.leaves.filter((l) => l.type === 'control')).toEqual([]);
    expectReadable(rest);
    const view = { x1: 0, y1: 0, x2: rest.container.w, y2: rest.container.h };
    expect(inside(rest.all, view, 1), JSON.stringify({ all: rest.all, view })).toBe(true);
    const filled = Math.max((rest.all.x2 - rest.all.x1) / rest.container.w, (rest.all.y2 - rest.all.y1) / rest.container.h);
    expect(filled).toBeGreaterThan(0.75);
    await page.close();
  });

  it('a Sigma rule page and a 200-node neighbourhood still read', async () => {
    const rule = await withGraph('/sigma/c726e007-2cd0-4a55-abfb-79730fbedee5');
    expectReadable(await graphState(rule));
    await rule.close();
    // APT28 (G0007) links to about 190 nodes: techniques, software, campaigns, reports.
    const big = await withGraph('/objects/G0007');
    const g = await graphState(big);
    expect(g.leaves.length).toBeGreaterThan(170);
    expectReadable(g);
    await big.locator('#context').screenshot({ path: screenshotPath('graph-G0007.png') });
    await big.close();
  });

  it('the matrix at 1400 px: no count clipped or under the expander, a cue for the tactics off-screen', async () => {
    const page = await open('/matrix?metric=groups');
    const cells = await page.evaluate(() => {
      const out: { id: string; cell: DOMRect; count: DOMRect; expander: DOMRect | null; scroll: boolean }[] = [];
      for (const a of document.querySelectorAll<HTMLAnchorElement>('a.tech:not(.sub)')) {
        const count = a.querySelector('.count');
        if (count === null) continue;
        const summary = a.parentElement?.querySelector(':scope > details > summary') ?? null;
        out.push({ id: a.dataset.technique ?? '', cell: a.getBoundingClientRect().toJSON(), count: count.getBoundingClientRect().toJSON(), expander: summary?.getBoundingClientRect().toJSON() ?? null, scroll: a.scrollWidth > a.clientWidth + 1 });
      }
      return out;
    });
    expect(cells.length).toBeGreaterThan(150);
    const box = (r: DOMRect): Box => ({ x1: r.left, y1: r.top, x2: r.right, y2: r.bottom });
    for (const c of cells) {
      expect(c.count.width, c.id).toBeGreaterThan(0);
      expect(inside(box(c.count), box(c.cell)), `${c.id}: count outside its cell`).toBe(true);
      expect(c.scroll, `${c.id}: text overflows its cell`).toBe(false);
      if (c.expander !== null) expect(overlaps(box(c.count), box(c.expander)), `${c.id}: expander over the count`).toBe(false);
    }
    const cue = await page.locator('#matrix-cue').innerText();
    expect(cue).toMatch(/more tactics? to the right/);
    await page.screenshot({ path: screenshotPath('matrix-groups-1400.png') });
    // Controls per framework version, never summed: T1114 counts rev5's 14, not rev4 + rev5.
    const controls = await open('/matrix?metric=controls&framework=nist_800_53%20rev5');
    await expect(controls.locator('a.tech[data-technique="T1114"] .count').innerText()).resolves.toBe('14');
    await expect(controls.locator('#m-framework option').allTextContents()).resolves.toEqual(expect.arrayContaining(['NIST SP 800-53 rev5', 'NIST SP 800-53 rev4']));
    await controls.close();
    // No saved hunt: the page says so and how to save one, instead of a legend of zeros.
    const hits = await open('/matrix?metric=hits');
    await expect(hits.locator('.legend').count()).resolves.toBe(0);
    await expect(hits.locator('main').innerText()).resolves.toContain('ttpgraph hunt --save');
    await hits.close();
    await page.close();
  });

  it('search finds controls, Sigma rules and reports, one suggestion per ID with its domains', async () => {
    const page = await open('/');
    const suggest = async (text: string): Promise<string[]> => {
      await page.locator('#site-q').fill('');
      await page.locator('#site-q').pressSequentially(text, { delay: 10 });
      // The list says which query it answers: wait for the last one typed, not an earlier prefix's.
      await page.waitForFunction((q) => {
        const list = document.getElementById('site-suggestions');
        return list !== null && !list.hidden && list.dataset['q'] === q && (document.getElementById('site-q') as HTMLInputElement).value === q;
      }, text);
      return page.locator('#site-suggestions li').allInnerTexts();
    };
    expect((await suggest('AC-16'))[0]).toMatch(/^AC-16 Security and Privacy Attributes/);
    expect((await suggest('redirecting')).join('\n')).toMatch(/Sigma rule/);
    expect((await suggest('mailbox theft')).join('\n')).toMatch(/Advisory: mailbox theft through forwarding rules · report/);
    const muddy = await suggest('MuddyWater');
    expect(muddy.filter((s) => s.startsWith('G0069 '))).toEqual([expect.stringContaining('enterprise, mobile')]);
    expect(new Set(muddy).size).toBe(muddy.length);
    // "/" focuses the search box.
    await page.locator('#site-q').blur();
    await page.keyboard.press('/');
    await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('site-q');
    // The search page lists the other kinds too.
    await page.goto(`${server.url}/search?q=AC-16`);
    await expect(page.locator('main').innerText()).resolves.toContain('AC-16 Security and Privacy Attributes');
    await page.close();
  });

  it('15.1 data components by name everywhere; "what changed" does not remove and add them again', async () => {
    const page = await open('/techniques/T1114?version=15.1');
    await page.locator('#context-list summary').click();
    const text = await page.locator('main').innerText();
    expect(text).not.toContain('x-mitre-data-component--');
    for (const name of REFERENCE_DATA_COMPONENTS) {
      await expect(page.locator(`#data-components h4 a`, { hasText: name }).count()).resolves.toBe(1);
      await expect(page.locator('#context-list a', { hasText: name }).count()).resolves.toBe(1);
    }
    const changes = await open('/changes/T1114?from=15.1&to=18.1');
    const removed = await changes.locator('#changes-dataComponents li.removed').allInnerTexts();
    const added = await changes.locator('#changes-dataComponents li.added').allInnerTexts();
    const name = (s: string): string => s.replace(/^DC\d{4}\s+/, '').trim();
    expect(removed.filter((r) => added.map(name).includes(name(r)))).toEqual([]);
    expect((await changes.locator('main').innerText()).includes('x-mitre-')).toBe(false);
    // The description's changes word by word.
    await expect(changes.locator('.word-diff ins, .word-diff del').count()).resolves.toBeGreaterThan(0);
    await changes.screenshot({ path: screenshotPath('changes-T1114.png'), fullPage: true });
    await changes.close();
    await page.close();
  });

  it('the whole page is in the document for print and full-page captures; Markdown export; copy buttons', async () => {
    const page = await open('/techniques/T1114');
    // Nothing waits for scrolling: right after the first paint every section is laid out, the last one too.
    await page.locator('main.laid-out').waitFor({ state: 'attached' });
    const refs = await page.evaluate(() => {
      const r = document.getElementById('references')!;
      return { h: r.getBoundingClientRect().height, cv: getComputedStyle(r).contentVisibility };
    });
    expect(refs.cv).not.toBe('auto');
    expect(refs.h).toBeGreaterThan(200);
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.toc').isVisible()).resolves.toBe(false);
    await expect(page.locator('#references').isVisible()).resolves.toBe(true);
    await page.emulateMedia({ media: 'screen' });
    await expect(page.locator('button.copy').first().isVisible()).resolves.toBe(true);
    const md = await page.request.get(`${server.url}/techniques/T1114/markdown`);
    expect(md.headers()['content-type']).toContain('text/markdown');
    const body = await md.text();
    expect(body).toMatch(/^# T1114: Email Collection/);
    expect(body).toContain('## Mitigations');
    expect(body).toContain('Against this technique:');
    await page.close();
  });

  // One page of every kind, each checked in both schemes. A page is loaded (and axe-core injected)
  // once: axe runs in light mode, then again after the page is switched to dark mode
  // (`emulateMedia`: the dark theme is CSS only, a media query, so no reload is needed). The page
  // loads were a third of this check's CPU (docs/benchmarks.md, issue 15). Each scheme still has
  // its own test, asserting its own violations.
  const AXE_PAGES = [
    '/',
    '/datasets',
    '/search?q=email',
    '/matrix?metric=controls',
    '/techniques/T1114?version=15.1',
    '/objects/G0007',
    '/controls/AC-16?framework=nist_800_53',
    '/reports/report--5d0092c5-5f74-4ac3-8a5c-1f5a4f3c0004',
    '/sigma/c726e007-2cd0-4a55-abfb-79730fbedee5',
    '/changes/T1114?from=15.1&to=18.1',
    '/techniques/T9999',
  ];
  type Scheme = 'light' | 'dark';
  let axeFindings: Promise<Record<Scheme, string[]>> | undefined;
  const runAxe = async (): Promise<Record<Scheme, string[]>> => {
    const found: Record<Scheme, string[]> = { light: [], dark: [] };
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
    try {
      for (const url of AXE_PAGES) {
        const page = await context.newPage();
        const res = await page.goto(server.url + url);
        expect([200, 404], url).toContain(res?.status());
        await page.addScriptTag({ content: axeSource });
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), `${url} ${scheme}`).toBe(scheme === 'dark');
          const violations = await page.evaluate(async () => {
            const w = window as unknown as { axe: { run: (c: Document, o: unknown) => Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } };
            return (await w.axe.run(document, { resultTypes: ['violations'] })).violations;
          });
          for (const v of violations) found[scheme].push(`${scheme} ${url} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
          if (scheme === 'dark' && url.startsWith('/techniques/T1114')) await page.screenshot({ path: screenshotPath('technique-T1114-dark.png') });
        }
        await page.close();
      }
    } finally {
      await context.close();
    }
    return found;
  };
  it.each(['light', 'dark'] as const)('axe-core finds no violations on any page kind, %s mode', async (scheme) => {
    axeFindings ??= runAxe();
    expect((await axeFindings)[scheme]).toEqual([]);
  }, 240_000);

  it('a 404 names the closest IDs and names', async () => {
    // A misspelt name: no search finds "colection", the closest names do.
    const page = await open('/techniques/Email%20Colection');
    const items = await page.locator('main li').allInnerTexts();
    expect(items[0]).toMatch(/^T1114 Email Collection/);
    await page.goto(`${server.url}/techniques/T11144`);
    expect((await page.locator('main li').allInnerTexts()).some((i) => i.startsWith('T1114 '))).toBe(true);
    await page.close();
  });

  it('ran without CSP violations or script errors', () => {
    expect(problems).toEqual([]);
  });
});
