/**
 * End to end in real headless Chromium (Debian's /usr/bin/chromium via playwright-core): the T1114
 * page section by section, search suggestions, pivoting through the graph, layer export and
 * overlay, axe-core on the technique, matrix and search pages, and the screenshot in docs/; then an
 * empty store whose "Sync now" fills it from ../shared/data (ICS ATT&CK) until a technique opens.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Graph, openGraph } from '../../src/graph.ts';
import { type App, createApp } from '../../src/web/app.ts';
import { listen, type RunningServer } from '../../src/web/server.ts';
import { tempDir, type TempGraph } from '../helpers/attack-store.ts';
import { projectRoot, screenshotPath, sharedData } from '../helpers/paths.ts';
import { REFERENCE_DATA_COMPONENTS, REFERENCE_MITIGATIONS, webGraph } from './fixture.ts';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const axeSource = readFileSync(path.join(projectRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

describe('in a real browser', () => {
  let t: TempGraph;
  let server: RunningServer;
  let browser: Browser;
  const cspErrors: string[] = [];

  const open = async (url: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
    });
    page.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
    await page.goto(server.url + url);
    return page;
  };

  const axe = async (url: string): Promise<AxeViolation[]> => {
    // Only this context bypasses the CSP, to inject axe; the app's own pages never need it.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(server.url + url);
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => {
      const w = window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> } };
      return w.axe.run(document, { resultTypes: ['violations'] });
    });
    await context.close();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  };

  beforeAll(async () => {
    t = await webGraph();
    server = await listen(createApp({ graph: t.graph }), { port: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    t?.dispose();
  });

  it('opens the T1114 page with every section, the graph drawn, and saves the screenshot', async () => {
    const page = await open('/techniques/T1114?version=15.1');
    await expect(page.locator('h1').innerText()).resolves.toBe('T1114: Email Collection');
    const headings = await page.locator('main h2').allTextContents();
    expect(headings).toEqual([
      'Description',
      'Cyber Threat Graph Context',
      'Reporting on this Technique',
      'Mitigations for this technique',
      'How to detect this technique',
      'Sigma Detections for this Technique',
      'Your coverage',
      'Controls',
      'Procedure Examples',
      'References',
    ]);
    // textContent, not innerText: sections below the first screen are not rendered until scrolled to (content-visibility).
    const mitigations = await page.locator('#mitigations h4 a').allTextContents();
    expect(mitigations).toEqual(expect.arrayContaining(REFERENCE_MITIGATIONS));
    const components = await page.locator('#data-components h4 a').allTextContents();
    expect(components).toEqual(expect.arrayContaining(REFERENCE_DATA_COMPONENTS));
    await expect(page.locator('#sigma .cards a').count()).resolves.toBeGreaterThan(0);
    // The graph: cytoscape drew the same nodes as the list view (controls as one node per framework).
    await page.waitForFunction(() => (window as unknown as { __ttpgraph?: unknown }).__ttpgraph !== undefined);
    const counts = await page.evaluate(() => {
      type N = { data(k: string): unknown; isParent(): boolean };
      const cy = (window as unknown as { __ttpgraph: { cy: { nodes(): { toArray(): N[] } } } }).__ttpgraph.cy;
      const leaves = cy.nodes().toArray().filter((n) => !n.isParent() && n.data('center') !== 1);
      const list = [...document.querySelectorAll<HTMLElement>('#context-list a[data-node-id]')];
      return {
        graph: leaves.filter((n) => n.data('type') !== 'control').length,
        frameworks: leaves.filter((n) => n.data('frameworkNode') === 1).length,
        list: list.filter((a) => a.dataset.nodeType !== 'control').length,
        listFrameworks: new Set(list.filter((a) => a.dataset.nodeType === 'control').map((a) => a.dataset.framework)).size,
      };
    });
    expect(counts.graph).toBe(counts.list);
    expect(counts.frameworks).toBe(counts.listFrameworks);
    await expect(page.locator('#context-graph canvas').count()).resolves.toBeGreaterThan(0);
    // Filter by type hides groups in the graph and the list.
    await page.locator('#context-list > summary').click();
    await expect(page.locator('.graph-group[data-group-type="group"]').isVisible()).resolves.toBe(true);
    await page.locator('input[data-filter-type="group"]').uncheck();
    const left = await page.evaluate(() => {
      const cy = (window as unknown as { __ttpgraph: { cy: { nodes(s: string): { length: number } } } }).__ttpgraph.cy;
      return cy.nodes('[type = "group"]').length;
    });
    expect(left).toBe(0);
    await expect(page.locator('.graph-group[data-group-type="group"]').isHidden()).resolves.toBe(true);
    await page.locator('input[data-filter-type="group"]').check();

    const shot = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await shot.goto(`${server.url}/techniques/T1114`);
    await shot.waitForFunction(() => (window as unknown as { __ttpgraph?: unknown }).__ttpgraph !== undefined);
    // Two animation frames: the graph's first layout has been painted.
    await shot.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    await shot.screenshot({ path: screenshotPath('technique-T1114.png'), fullPage: true });
    await shot.close();
    await page.close();
  });

  it('pivots through the graph: clicking a mitigation node opens its page', async () => {
    const page = await open('/techniques/T1114?version=15.1');
    await page.waitForFunction(() => (window as unknown as { __ttpgraph?: unknown }).__ttpgraph !== undefined);
    await page.locator('#context-graph').scrollIntoViewIfNeeded();
    // Cytoscape caches its container's offset and refreshes it some time after a scroll; resize()
    // makes it measure again now, so the click lands where the node is drawn.
    // (A block body: resize() returns the graph itself, which is not to be sent back to the test.)
    await page.evaluate(() => {
      (window as unknown as { __ttpgraph: { cy: { resize(): void } } }).__ttpgraph.cy.resize();
    });
    const target = await page.evaluate(() => {
      type N = { data(k: string): string; renderedPosition(): { x: number; y: number } };
      const cy = (window as unknown as { __ttpgraph: { cy: { nodes(): N[] } } }).__ttpgraph.cy;
      const node = cy.nodes().find((n) => n.data('type') === 'mitigation')!;
      const box = document.getElementById('context-graph')!.getBoundingClientRect();
      const p = node.renderedPosition();
      return { x: box.left + p.x, y: box.top + p.y, id: node.data('nodeId') };
    });
    await page.mouse.move(target.x, target.y);
    await Promise.all([page.waitForURL(`**/objects/${target.id}**`), page.mouse.click(target.x, target.y)]);
    await expect(page.locator('h1').innerText()).resolves.toContain(target.id);
    // and on from there, through the list view (keyboard users' path)
    await page.locator('#context-list > summary').click();
    await page.locator('#context-list a[data-node-type="technique"]').first().focus();
    await Promise.all([page.waitForURL('**/techniques/**'), page.keyboard.press('Enter')]);
    await page.close();
  });

  it('search with instant suggestions', async () => {
    const page = await open('/search');
    await page.locator('#search-q').pressSequentially('email coll', { delay: 20 });
    const first = page.locator('#search-suggestions li').first();
    await first.waitFor();
    await expect(first.innerText()).resolves.toContain('T1114');
    await page.keyboard.press('ArrowDown');
    await Promise.all([page.waitForURL('**/techniques/T1114'), page.keyboard.press('Enter')]);
    // The plain form still works (no JS needed).
    await page.goto(`${server.url}/search?q=APT28`);
    await expect(page.locator('.results li').first().innerText()).resolves.toContain('G0007');
    await page.close();
  });

  it('exports a Navigator layer from the coloured matrix and overlays it back', async () => {
    const page = await open('/matrix?metric=groups');
    await expect(page.locator('.legend').isVisible()).resolves.toBe(true);
    // Sub-techniques expand.
    const details = page.locator('details:has(.sub[data-technique="T1114.001"])');
    await details.locator('summary').click();
    await expect(page.locator('.sub[data-technique="T1114.001"]').isVisible()).resolves.toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#layer-export').click()]);
    const file = path.join(t.dir, 'layer.json');
    await download.saveAs(file);
    const layer = JSON.parse(readFileSync(file, 'utf8')) as { versions: { layer: string }; techniques: { techniqueID: string; score: number }[] };
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.techniques.length).toBeGreaterThan(50);
    const custom = path.join(t.dir, 'custom.json');
    writeFileSync(custom, JSON.stringify({ name: 'hunt <b>hits</b>', techniques: [{ techniqueID: 'T1114', score: 3, color: '#123456', comment: 'seen' }] }));
    await page.locator('#layer-import').setInputFiles(custom);
    await page.waitForFunction(() => document.getElementById('overlay-status')?.textContent?.includes('1 on this matrix') === true);
    await expect(page.locator('#overlay-status').innerText()).resolves.toContain('hunt <b>hits</b>');
    const bg = await page.locator('a.tech[data-technique="T1114"]').evaluate((a) => getComputedStyle(a).backgroundColor);
    expect(bg).toBe('rgb(18, 52, 86)');
    await page.close();
  });

  it('axe-core finds no serious or critical violations on the technique, matrix and search pages', async () => {
    for (const url of ['/techniques/T1114', '/matrix?metric=groups', '/search?q=email']) {
      const violations = await axe(url);
      expect(violations.map((v) => `${url} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
    }
  });

  it('ran without CSP violations or script errors', () => {
    expect(cspErrors).toEqual([]);
  });
});

describe('an empty store in a real browser, server started with a token', () => {
  const TOKEN = 'browser-test-token-42';
  const dir = tempDir();
  let graph: Graph;
  let app: App;
  let server: RunningServer;
  let browser: Browser;
  const problems: string[] = [];
  const requests: { url: string; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    graph = openGraph({ path: path.join(dir, 'store.db') });
    app = createApp({ graph, token: TOKEN, writePolicy: { allowedDirs: [sharedData], allowPrivateUrls: false } });
    server = await listen(app, { port: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.idle();
    graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says how to fill the store, and "Sync now" fills it (token in a header only) so a technique opens', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push({ url: r.url(), authorization: r.headers().authorization }));
    await page.goto(`${server.url}/`);
    await expect(page.locator('h1').innerText()).resolves.toBe('The store is empty');
    await expect(page.locator('main').innerText()).resolves.toContain('ttpgraph sync');
    // The curl line is for browsers without JavaScript; with it, the form shows instead.
    await expect(page.locator('#sync-nojs').isHidden()).resolves.toBe(true);
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByLabel('From a folder on the server (optional)').fill(sharedData);
    await page.getByLabel('What').selectOption('attack');
    await page.getByLabel('Domain').selectOption('ics');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.locator('#sync-status', { hasText: 'Done.' }).waitFor({ timeout: 60_000 });
    await expect(page.locator('#sync-status').innerText()).resolves.toContain('imported ics ATT&CK 18.1');
    await page.screenshot({ path: screenshotPath('empty-store-sync-now.png'), fullPage: true });

    await Promise.all([page.waitForURL('**/matrix'), page.getByRole('link', { name: 'Open the matrix' }).click()]);
    const first = page.locator('a.tech[data-technique]').first();
    const id = await first.getAttribute('data-technique');
    expect(id).toMatch(/^T0\d{3}$/);
    await Promise.all([page.waitForURL(`**/techniques/${id}**`), first.click()]);
    await expect(page.locator('h1').innerText()).resolves.toMatch(new RegExp(`^${id}: `));
    await page.close();

    // The token went in the Authorization header of the API calls, and nowhere else.
    const api = requests.filter((r) => new URL(r.url).pathname.startsWith('/api/v1/'));
    expect(api.length).toBeGreaterThanOrEqual(2);
    for (const r of api) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    for (const r of requests) expect(r.url).not.toContain(TOKEN);
    for (const r of requests.filter((x) => !new URL(x.url).pathname.startsWith('/api/v1/'))) expect(r.authorization).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('the empty-store page with its form passes axe-core', async () => {
    const empty = openGraph({ path: path.join(dir, 'empty.db') });
    const other = await listen(createApp({ graph: empty, token: TOKEN }), { port: 0 });
    try {
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${other.url}/`);
      await page.locator('#sync-form').waitFor();
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async () => {
        const w = window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> } };
        return (await w.axe.run(document, { resultTypes: ['violations'] })).violations;
      });
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
      await context.close();
    } finally {
      await other.close();
      empty.close();
    }
  });
});
