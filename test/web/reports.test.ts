/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field */
/**
 * Imported reports on the web: the report page with the evidence highlighted and the proposals
 * marked as such, review through POST /api/v1/reports/ID/review (token required), the technique
 * page's Reporting section before and after, exports and list against the OpenAPI document, and
 * the review form in real Chromium.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { VIA_ACCEPTED } from '../../src/query/imported-reports.ts';
import { type App, createApp } from '../../src/web/app.ts';
import { listen, type RunningServer } from '../../src/web/server.ts';
import { graphWith, type TempGraph } from '../helpers/attack-store.ts';
import { reportFixture } from '../helpers/report-fixtures.ts';

// As in browser.test.ts (importing it would run its suite here too).
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const TOKEN = 'review-token-1234';
const json = (body: string | Buffer): any => JSON.parse(body.toString());

describe('imported reports on the web', () => {
  let t: TempGraph;
  let app: App;
  let id: string;
  let hostileId: string;
  const post = (url: string, body: unknown, token: string | null = TOKEN) =>
    app.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });

  beforeAll(async () => {
    t = await graphWith('enterprise-attack-15.1.json');
    // No model: the written IDs and names are enough for these pages (the model is tested in test/report/).
    id = (await t.graph.importReport(reportFixture('scattered-spider-article.html'), { train: false })).id;
    const hostile = `${t.dir}/hostile.txt`;
    writeFileSync(hostile, 'title: <script>alert(1)</script> report\n\nThe <b>actors</b> used PowerShell (T1059.001) to run "<img src=x onerror=alert(1)>" on the hosts they reached.\n');
    hostileId = (await t.graph.importReport(hostile, { train: false })).id;
    app = createApp({ graph: t.graph, token: TOKEN, cache: true });
  });
  afterAll(() => t.dispose());

  it('the report page: facts, summary, proposals as such, evidence highlighted in the text', () => {
    const res = app.request(`/reports/${id}`);
    expect(res.status).toBe(200);
    const body = res.body.toString();
    expect(body).toContain('<h1>Scattered Spider: help-desk social engineering and data theft</h1>');
    expect(body).toContain('Example Threat Blog');
    expect(body).toContain('Proposed (awaiting review)');
    expect(body).not.toContain('Accepted techniques');
    expect(body).toMatch(/<mark id="ev-\d+" title="T1114">They collected email from the mailboxes of executives and security staff to watch the incident response \(T1114\)\.<sup>T1114<\/sup><\/mark>/);
    expect(body).toContain(`href="/api/v1/reports/${id}/layer"`);
    expect(body).toContain('G1015 Scattered Spider');
    expect(app.request('/reports').body.toString()).toContain(`href="/reports/${id}"`);
  });

  it('everything from the report is escaped', () => {
    const body = app.request(`/reports/${hostileId}`).body.toString();
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).not.toContain('<img src=x');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; report');
  });

  it('review needs the token; accepting puts the report on the technique page, rejecting takes it off', () => {
    const reporting = (): string => /<section[^>]*id="reporting"[\s\S]*?<\/section>/.exec(app.request('/techniques/T1114').body.toString())?.[0] ?? '';
    expect(reporting()).not.toContain('Scattered Spider: help-desk');
    expect(post(`/api/v1/reports/${id}/review`, { accept: ['T1114'] }, null).status).toBe(401);
    expect(post(`/api/v1/reports/${id}/review`, { accept: ['T1114'] }, 'wrong-token-0000').status).toBe(401);
    expect(post(`/api/v1/reports/${id}/review`, { accept: ['T1114'], extra: 1 }).status).toBe(400);
    expect(post(`/api/v1/reports/${id}/review`, { accept: ['T9999'] }).status).toBe(404);
    expect(post('/api/v1/reports/rpt-000000000000/review', { accept: ['T1114'] }).status).toBe(404);
    const ok = post(`/api/v1/reports/${id}/review`, { accept: ['T1114'] });
    expect(ok.status).toBe(200);
    expect(json(ok.body).techniques.find((x: { id: string }) => x.id === 'T1114').status).toBe('accepted');
    const section = reporting();
    expect(section).toContain('Scattered Spider: help-desk social engineering and data theft');
    expect(section).toContain(VIA_ACCEPTED);
    expect(section).toContain('This report describes the tactics, techniques and procedures of Scattered Spider');
    const api = json(app.request('/api/v1/techniques/T1114').body).reports.find((r: { id: string }) => r.id === id);
    expect(api).toMatchObject({ via: VIA_ACCEPTED, source: 'Example Threat Blog', date: '2023-11-16' });
    expect(app.request(`/reports/${id}`).body.toString()).toContain('Accepted techniques');
    expect(post(`/api/v1/reports/${id}/review`, { reject: 'T1114' }).status).toBe(200);
    expect(reporting()).not.toContain('Scattered Spider: help-desk');
    expect(json(app.request('/api/v1/techniques/T1114').body).reports.map((r: { id: string }) => r.id)).not.toContain(id);
  });

  it('a read-only server shows how to review instead of the form, and refuses the write', () => {
    const readOnly = createApp({ graph: t.graph });
    expect(readOnly.request(`/reports/${id}`).body.toString()).toContain(`ttpgraph report review ${id}`);
    expect(readOnly.request(`/api/v1/reports/${id}/review`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"accept":["T1114"]}' }).status).toBe(403);
  });

  it('a web import of kind report obeys the write policy (allowed folders, private URLs) and its size limit', async () => {
    // As `serve --allow-dir DIR`: only this test's folder; the fixtures folder and loopback URLs are refused.
    const policed = createApp({ graph: t.graph, token: TOKEN, writePolicy: { allowedDirs: [t.dir], allowPrivateUrls: false } });
    const allowed = `${t.dir}/allowed-note.md`;
    copyFileSync(reportFixture('apt29-note.md'), allowed);
    const outside = reportFixture('apt29-note.txt');
    const start = (body: unknown): any =>
      json(policed.request('/api/v1/import', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) }).body);
    const jobOf = async (started: any): Promise<any> => {
      await policed.idle();
      return json(policed.request(`/api/v1/jobs/${started.job.id}`, { headers: { authorization: `Bearer ${TOKEN}` } }).body).job;
    };
    const job = await jobOf(start({ kind: 'report', sources: [outside, 'http://127.0.0.1:9/report.html', allowed] }));
    expect(job.results.map((r: { action: string }) => r.action)).toEqual(['failed', 'failed', 'imported']);
    expect(job.errors).toEqual([
      expect.objectContaining({ where: outside, message: expect.stringContaining('not under a folder this server allows') }),
      expect.objectContaining({ where: 'http://127.0.0.1:9/report.html', message: expect.stringContaining('loopback or private address') }),
    ]);
    // "maxSize" lowers the 100 MB default for reports; the message names the kind.
    const small = await jobOf(start({ kind: 'report', sources: [allowed], maxSize: 100 }));
    expect(small.results.map((r: { action: string }) => r.action)).toEqual(['failed']);
    expect(small.errors[0].message).toMatch(/over the 100 bytes limit for threat reports/);
  });

  it('list, report, layer and STIX bundle match the OpenAPI document', () => {
    const doc = openApiDocument() as any;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'api', components: doc.components });
    const check = (url: string, schema: string): any => {
      const res = app.request(url);
      expect(res.status, url).toBe(200);
      const validate = ajv.getSchema(`api#/components/schemas/${schema}`)!;
      const body = json(res.body);
      expect(validate(body), `${url}: ${JSON.stringify(validate.errors)}`).toBe(true);
      return body;
    };
    expect(check('/api/v1/reports', 'ImportedReportList').map((r: { id: string }) => r.id)).toContain(id);
    expect(check(`/api/v1/reports/${id}`, 'ImportedReportPage').kind).toBe('imported-report');
    expect(check(`/api/v1/reports/${id}/layer?status=all`, 'NavigatorLayer').techniques.map((x: { techniqueID: string }) => x.techniqueID)).toContain('T1114');
    const bundle = check(`/api/v1/reports/${id}/stix`, 'StixBundle');
    expect(bundle.objects.find((o: { type: string }) => o.type === 'report').object_refs.length).toBeGreaterThan(0);
    expect(app.request(`/api/v1/reports/${id}/layer?status=maybe`).status).toBe(400);
    for (const p of ['/api/v1/reports', '/api/v1/reports/{id}/layer', '/api/v1/reports/{id}/stix', '/api/v1/reports/{id}/review']) expect(doc.paths[p], p).toBeDefined();
  });

  describe('in Chromium', () => {
    let server: RunningServer;
    let browser: Browser;
    beforeAll(async () => {
      server = await listen(createApp({ graph: t.graph, token: TOKEN }), { port: 0 });
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('the review form saves verdicts with the token and the page shows them', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
      });
      await page.goto(`${server.url}/reports/${id}`);
      await page.locator('#review-token').fill(TOKEN);
      await page.locator('tr[data-technique="T1566.002"] input[value="accepted"]').check();
      await Promise.all([page.waitForEvent('load'), page.locator('#review-controls button[type=submit]').click()]);
      await expect(page.locator('#techniques-accepted').innerText()).resolves.toContain('T1566.002');
      if (process.env['TTPGRAPH_SCREENSHOT'] !== undefined) await page.screenshot({ path: process.env['TTPGRAPH_SCREENSHOT'], fullPage: false });
      expect(errors).toEqual([]);
      await page.close();
      expect(t.graph.importedReport(id).techniques.find((x) => x.id === 'T1566.002')?.status).toBe('accepted');
    });
  });
});
