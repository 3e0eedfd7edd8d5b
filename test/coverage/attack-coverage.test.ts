/**
 * Coverage on the real ATT&CK v18.1 and the SigmaHQ regression cases: the T1114 analytics' log
 * sources as data, a hunt over the regression .evtx files saved with its inventory (every
 * technique a rule fired for is `detected`), the technique page's "Your coverage" section, the
 * matrix metric and the gap list of a group.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { dataPath, projectRoot, screenshotPath } from '../helpers/paths.ts';
import { windowsEntry } from './fixtures.ts';
import { eventIdsOf, requirementOf } from '../../src/core/log-sources.ts';
import { HuntRecorder } from '../../src/ingest/hunt/record-hunt.ts';
import { InventoryCollector, loadStoreRules, runHunt } from '../../src/hunt/index.ts';
import { defaultPipeline } from '../../src/sigma/index.ts';
import { renderTechniqueBody } from '../../src/render/html/technique-page.ts';
import { createApp } from '../../src/web/app.ts';
import { listen } from '../../src/web/server.ts';
import { chromium } from 'playwright-core';

let t: TempGraph;
const REGRESSION = dataPath('sigma-regression');

/** Every folder of the regression cases holding an .evtx file, and the SigmaHQ rule file it tests. */
function regressionCases(): { evtx: string; rule: string }[] {
  const out: { evtx: string; rule: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.evtx')) {
        const rel = path.relative(REGRESSION, path.dirname(p));
        const rule = path.join(dataPath('sigma'), `${rel}.yml`);
        if (existsSync(rule)) out.push({ evtx: p, rule });
      }
    }
  };
  walk(REGRESSION);
  return out;
}

beforeAll(async () => {
  t = await graphWith('enterprise-attack-18.1.json');
}, 120_000);
afterAll(() => t?.dispose());

describe('log sources as data: the T1114 analytics (v18.1)', () => {
  it('each of the four analytics lists its log sources, and the mapping reads them', () => {
    const page = t.graph.technique('T1114');
    const analytics = page.detection.strategies.flatMap((s) => s.analytics);
    expect(analytics.map((a) => a.id)).toEqual(['AN1309', 'AN1310', 'AN1311', 'AN1312']);
    for (const a of analytics) expect(a.logSources.length).toBeGreaterThan(0);
    const an1309 = analytics[0]!.logSources.map((l) => requirementOf(l.name, l.channel));
    expect(an1309).toEqual([
      { kind: 'windows', channels: ['Security'], eventIds: ['5145'] },
      { kind: 'windows', channels: ['Microsoft-Windows-PowerShell/Operational', 'Windows PowerShell', 'PowerShellCore/Operational'], eventIds: ['4103', '4104', '4105', '4106'] },
      { kind: 'windows', channels: ['Application'], eventIds: null },
      { kind: 'windows', channels: ['Microsoft-Windows-Sysmon/Operational'], eventIds: ['3', '22'] },
    ]);
    expect(analytics[3]!.logSources.map((l) => requirementOf(l.name, l.channel))).toEqual([
      { kind: 'logsource', logsource: 'm365' },
      { kind: 'logsource', logsource: 'm365' },
      { kind: 'logsource', logsource: 'azure/signinlogs' },
    ]);
    expect(requirementOf('auditd:SYSCALL', 'open')).toEqual({ kind: 'unmapped' });
    expect(eventIdsOf('EventCode=4778, EventCode=4779')).toEqual(['4778', '4779']);
    expect(eventIdsOf('Exchange logs or header artifacts')).toBeNull();
  });

  it('the page says which log sources the inventory holds', () => {
    t.graph.saveInventory({ logs: ['t1114'], files: 1, events: 12, entries: [windowsEntry('Security', 5145, 4), windowsEntry('Microsoft-Windows-Sysmon/Operational', 22, 8)] });
    const page = t.graph.technique('T1114');
    const c = page.coverage!;
    expect(c.level).toBe('visible');
    const an1309 = c.analytics.find((a) => a.id === 'AN1309')!;
    expect(an1309.runnable).toBe('some');
    expect(an1309.logSources.map((l) => [l.name, l.present, l.presentEventIds, l.missingEventIds])).toEqual([
      ['WinEventLog:Security', true, ['5145'], []],
      ['WinEventLog:PowerShell', false, [], ['4103', '4104', '4105', '4106']],
      ['WinEventLog:Application', false, [], []],
      ['WinEventLog:Sysmon', true, ['22'], ['3']],
    ]);
    expect(c.analytics.filter((a) => a.id !== 'AN1309').every((a) => a.runnable === 'none')).toBe(true);
    const html = String(renderTechniqueBody(page, { scope: '', versions: ['18.1'], formerly: null }));
    const section = html.slice(html.indexOf('id="coverage"'));
    expect(section).toContain('Your coverage');
    expect(section).toMatch(/AN1309[\s\S]*WinEventLog:Security[\s\S]*present/);
    expect(section).toMatch(/WinEventLog:Sysmon[\s\S]*22[\s\S]*missing[\s\S]*3/);
    expect(section).toContain('AN1312');
  });
});

describe('a hunt over the regression .evtx files', () => {
  it('every technique with a rule that fired is detected', async () => {
    const cases = regressionCases();
    expect(cases.length).toBeGreaterThan(50);
    await t.graph.importSigma([...new Set(cases.map((c) => c.rule))]);
    const { collection } = await loadStoreRules(t.graph, {});
    const recorder = new HuntRecorder();
    const inventory = new InventoryCollector(defaultPipeline.sources);
    const summary = await runHunt({ collection, pipeline: defaultPipeline, logs: cases.map((c) => c.evtx), inventory, onHit: (h) => recorder.add(h) });
    expect(summary.hits).toBeGreaterThan(50);
    const entries = inventory.entries();
    expect(entries.reduce((n, e) => n + e.count, 0)).toBe(summary.events);
    expect(entries.some((e) => e.channel === 'Microsoft-Windows-Sysmon/Operational' && e.eventId === '1')).toBe(true);
    t.graph.saveHunt(recorder, { label: 'regression', startedAt: new Date().toISOString(), logs: [REGRESSION], rules: summary.rules, files: summary.files, events: summary.events, hits: summary.hits }, { files: summary.files, events: summary.events, entries });
    expect(t.graph.inventory()?.runId).toBe(t.graph.huntRuns()[0]?.id);

    const coverage = t.graph.coverage(t.graph.dataset());
    const fired = [...new Set((t.graph.huntRuns()[0] ? t.sql.all<{ attack_id: string }>('SELECT DISTINCT attack_id FROM hunt_technique_hit WHERE run_id = ?', t.graph.huntRuns()[0]!.id) : []).map((r) => r.attack_id))];
    const inDataset = fired.filter((id) => coverage.techniques.has(id));
    expect(inDataset.length).toBeGreaterThan(20);
    for (const id of inDataset) expect([id, coverage.techniques.get(id)?.level]).toEqual([id, 'detected']);
    // Parents of a fired sub-technique are detected too (as on the matrix's hits).
    for (const id of inDataset.filter((i) => i.includes('.'))) expect(coverage.techniques.get(id.split('.')[0]!)?.level).toBe('detected');
    // The rules that fired read logs the inventory holds: the logsource check agrees with the hunt.
    for (const id of inDataset) {
      const fired = coverage.techniques.get(id)!.rules.filter((r) => r.hits > 0);
      for (const r of fired) expect([id, r.title, r.runnable]).toEqual([id, r.title, true]);
    }
  }, 120_000);

  it('the gap list of a group is its techniques, worst first', () => {
    const gaps = t.graph.gaps('group', 'G0059');
    expect(gaps.target).toMatchObject({ id: 'G0059', type: 'group' });
    expect(gaps.techniques.length).toBeGreaterThan(30);
    const ranks = gaps.techniques.map((r) => ['none', 'visible', 'detectable', 'detected'].indexOf(r.level));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(gaps.techniques.filter((r) => r.level === 'none').every((r) => r.closeWith !== null)).toBe(true);
    expect(Object.values(gaps.summary).reduce((a, b) => a + b, 0)).toBe(gaps.techniques.length);
  });
});

describe('the web app and API', () => {
  it('/coverage?group=G0059 lists the group techniques with levels, escaped; the API and matrix agree', async () => {
    const app = createApp({ graph: t.graph });
    const page = String(app.request('/coverage?group=G0059').body);
    expect(page).toContain('Magic Hound');
    const api = JSON.parse(String(app.request('/api/v1/coverage?group=G0059').body)) as { techniques: { id: string; level: string }[] };
    const rows = [...page.matchAll(/<tr data-level="(\w+)"><td><span class="nid">([^<]+)<\/span>/g)].map((m) => ({ id: m[2], level: m[1] }));
    expect(rows).toEqual(api.techniques.map((r) => ({ id: r.id, level: r.level })));
    const layer = JSON.parse(String(app.request('/api/v1/coverage?group=G0059&format=navigator').body)) as { techniques: { techniqueID: string; score: number }[] };
    expect(layer.techniques.map((x) => x.score)).toEqual(api.techniques.map((r) => ['none', 'visible', 'detectable', 'detected'].indexOf(r.level)));
    const matrix = JSON.parse(String(app.request('/api/v1/matrix?metric=coverage').body)) as { counts: Record<string, number> };
    for (const r of api.techniques) expect([r.id, matrix.counts[r.id]]).toEqual([r.id, ['none', 'visible', 'detectable', 'detected'].indexOf(r.level)]);
    expect(app.request('/coverage?group=G9999').status).toBe(404);
    expect(app.request('/api/v1/coverage?group=G0059&campaign=C0027').status).toBe(400);

    // In Chromium: the table, the level badges, no console errors; a screenshot to look at.
    const server = await listen(app, { host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      tab.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await tab.goto(`${server.url}/coverage?group=G0059`);
      expect(await tab.locator('table.coverage-gaps tbody tr').count()).toBe(api.techniques.length);
      expect(await tab.locator('h1').innerText()).toContain('Magic Hound');
      const firstLevel = await tab.locator('table.coverage-gaps tbody tr').first().locator('.coverage-level').innerText();
      expect(firstLevel).toBe(api.techniques[0]!.level);
      await tab.screenshot({ path: screenshotPath('coverage-g0059.png') });
      await tab.goto(`${server.url}/techniques/T1114#coverage`);
      expect(await tab.locator('#coverage h2').innerText()).toBe('Your coverage');
      expect(await tab.locator('#coverage tr[data-analytic]').count()).toBe(4);
      expect(errors).toEqual([]);
      // axe-core on both pages, light and dark: each page loaded once, axe run in light mode, then
      // again after switching it to dark (the dark theme is a CSS media query; no reload needed).
      const axeSource = readFileSync(path.join(projectRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
      const found: string[] = [];
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
      for (const url of ['/coverage?group=G0059', '/techniques/T1114', '/coverage']) {
        const axePage = await context.newPage();
        await axePage.goto(server.url + url);
        await axePage.addScriptTag({ content: axeSource });
        for (const colorScheme of ['light', 'dark'] as const) {
          await axePage.emulateMedia({ colorScheme });
          expect(await axePage.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), `${url} ${colorScheme}`).toBe(colorScheme === 'dark');
          const violations = await axePage.evaluate(async () => {
            const w = window as unknown as { axe: { run: (c: Document, o: unknown) => Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } };
            return (await w.axe.run(document, { resultTypes: ['violations'] })).violations;
          });
          for (const v of violations) found.push(`${colorScheme} ${url} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
        }
        await axePage.close();
      }
      await context.close();
      expect(found).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
    // A label with markup: shown as text (a URL new to the page cache, which this same connection's write does not empty).
    t.graph.saveInventory({ label: '<script>alert(1)</script>', logs: ['x'], files: 1, events: 1, entries: [windowsEntry('Microsoft-Windows-Sysmon/Operational', 1)] });
    const hostile = String(app.request('/coverage?group=G0059&domain=enterprise').body);
    expect(hostile).toContain('Magic Hound');
    expect(hostile).not.toContain('<script>alert(1)');
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  }, 300_000);
});
