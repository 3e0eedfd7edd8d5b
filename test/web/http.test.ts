/** Every route of the web app and the API, as a function (no socket) and over a real 127.0.0.1 socket. */
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGraph } from '../../src/graph.ts';
import { type App, createApp } from '../../src/web/app.ts';
import { listen, type RunningServer } from '../../src/web/server.ts';
import { openApiDocument } from '../../src/api/openapi.ts';
import { reportFixture } from '../helpers/report-fixtures.ts';
import { cliInProcess } from '../helpers/cli.ts';
import { graphWith, tempDir, type TempGraph } from '../helpers/attack-store.ts';
import { REFERENCE_DATA_COMPONENTS, REFERENCE_MITIGATIONS, TECHNIQUE_SECTIONS, webGraph } from './fixture.ts';
import net from 'node:net';
import path from 'node:path';
import { rmSync } from 'node:fs';

const text = (body: string | Buffer): string => String(body);
const json = (body: string | Buffer): any => JSON.parse(String(body));

describe('web app and API (as a function)', () => {
  let t: TempGraph;
  let app: App;
  beforeAll(async () => {
    t = await webGraph();
    app = createApp({ graph: t.graph, token: 'sekret-token' });
  });
  afterAll(() => t.dispose());

  it('/techniques/T1114 at 15.1 shows every section in the reference order, with its mitigations and data components', () => {
    const res = app.request('/techniques/T1114?version=15.1');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    const page = text(res.body);
    const positions = TECHNIQUE_SECTIONS.map((id) => page.indexOf(`<section id="${id}"`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const name of [...REFERENCE_MITIGATIONS, ...REFERENCE_DATA_COMPONENTS]) expect(page).toContain(`>${name}</a>`);
    expect(page).toContain('<h1><span class="nid">T1114</span>: Email Collection</h1>');
    expect(page).toContain('href="https://attack.mitre.org/techniques/T1114"');
    expect(page).toContain('<option value="15.1" selected>15.1</option>');
    expect(page).toMatch(/<section id="sigma"[^]*href="\/sigma\//);
    // Controls by human framework name, NIST SP 800-53 first, each version labelled.
    expect(page).toContain('<h3>NIST SP 800-53 Controls</h3>');
    expect(page).toMatch(/<h4>NIST SP 800-53 rev5 <span class="meta">/);
    expect(page).toContain('href="#ref-1"');
    expect(page).toContain('id="ref-1"');
    // Graph context list: typed nodes linking to their pages.
    expect(page).toMatch(/data-node-id="M1047" data-node-type="mitigation"/);
    expect(page).toMatch(/data-node-type="group"/);
  });

  it('the API returns exactly what `ttpgraph show T1114 --json` prints', async () => {
    for (const version of ['15.1', '18.1']) {
      const res = app.request(`/api/v1/techniques/T1114?version=${version}`);
      expect(res.status).toBe(200);
      const cli = await cliInProcess(['show', 'T1114', '--json', '--attack-version', version], { TTPGRAPH_DB: t.dbPath });
      expect(cli.status).toBe(0);
      expect(text(res.body)).toBe(cli.stdout);
    }
  });

  it('pages for every other node type, controls and reports', () => {
    const cases: [string, string][] = [
      ['/objects/G0007', 'APT28'],
      ['/objects/S0002', 'Mimikatz'],
      ['/objects/C0010', 'C0010'],
      ['/objects/M1047', 'Audit'],
      ['/objects/TA0009', 'Collection'],
      [`/objects/${encodeURIComponent(t.graph.technique('T1114', { version: '15.1' }).detection.dataComponents[0]!.id)}?version=15.1`, 'Logon Session Creation'],
      ['/objects/DET0476', 'DET0476'],
      ['/controls/AC-16?framework=nist_800_53&frameworkVersion=rev5', 'AC-16'],
    ];
    for (const [url, expected] of cases) {
      const res = app.request(url);
      expect(res.status, url).toBe(200);
      expect(text(res.body), url).toContain(expected);
    }
    const analytic = json(app.request('/api/v1/objects/DET0476').body).relations.find((r: { key: string }) => r.key === 'analytics').items[0].id;
    expect(app.request(`/objects/${analytic}`).status).toBe(200);
    const report = t.graph.technique('T1114', { version: '18.1' }).reports[0]!;
    const r = app.request(`/reports/${encodeURIComponent(report.id)}`);
    expect(r.status).toBe(200);
    expect(text(r.body)).toContain('What this report supports');
    // A technique ID under /objects redirects to the technique page.
    expect(app.request('/objects/T1114').status).toBe(302);
    expect(app.request('/objects/T1114').headers.location).toBe('/techniques/T1114');
  });

  it('the matrix: tactics in matrix order, expandable sub-techniques, colouring with a legend', () => {
    const plain = text(app.request('/matrix').body);
    const reconnaissance = plain.indexOf('id="tac-TA0043"');
    const impact = plain.indexOf('id="tac-TA0040"');
    expect(reconnaissance).toBeGreaterThan(0);
    expect(impact).toBeGreaterThan(reconnaissance);
    expect(plain).toContain('<details><summary><span class="sr-only">Sub-techniques of T1114');
    expect(plain).not.toContain('class="legend"');
    for (const metric of ['groups', 'controls', 'sigma']) {
      const page = text(app.request(`/matrix?version=15.1&metric=${metric}`).body);
      expect(page).toContain('class="legend"');
    }
    // No saved hunt: no legend of zeros, but how to save one.
    const hits = text(app.request('/matrix?version=15.1&metric=hits').body);
    expect(hits).not.toContain('class="legend"');
    expect(hits).toContain('No saved hunt yet');
    const coloured = text(app.request('/matrix?version=15.1&metric=groups').body);
    expect(coloured).toMatch(/class="tech has-subs heat-\d" href="\/techniques\/T1114/);
    expect(app.request('/matrix?dataset=enterprise:15.1&metric=groups').headers.location).toBe('/matrix?domain=enterprise&version=15.1&metric=groups');
    expect(app.request('/matrix?metric=colour').status).toBe(400);
  });

  it('search page, suggestions API and "what changed"', () => {
    const page = text(app.request('/search?q=email+collection').body);
    expect(page).toContain('href="/techniques/T1114"');
    const hits = json(app.request('/api/v1/search?q=T1114&limit=3').body).hits;
    expect(hits[0].id).toBe('T1114');
    const changes = json(app.request('/api/v1/changes/T1114?from=15.1&to=18.1').body);
    expect(changes.from).toEqual({ attackVersion: '15.1', present: true });
    expect(changes.sections.find((s: { section: string }) => s.section === 'detectionStrategies').added.length).toBeGreaterThan(0);
    const html = text(app.request('/changes/T1114?from=15.1&to=18.1').body);
    expect(html).toContain('Detection strategies');
    expect(text(app.request('/techniques/T1114').body)).toContain('/changes/T1114?domain=enterprise&amp;from=15.1&amp;to=18.1">What changed since 15.1');
    expect(text(app.request('/techniques/T1114?version=15.1').body)).toContain('/changes/T1114?domain=enterprise&amp;from=15.1&amp;to=18.1">What changed in 18.1');
  });

  it('lists with paging and filters', () => {
    const all = json(app.request('/api/v1/techniques?tactic=collection&limit=5').body);
    expect(all.items).toHaveLength(5);
    expect(all.total).toBeGreaterThan(5);
    expect(all.items.every((i: { tactics: string[] }) => i.tactics.includes('collection'))).toBe(true);
    const page2 = json(app.request('/api/v1/techniques?tactic=TA0009&limit=5&page=2').body);
    expect(page2.items[0].id).not.toBe(all.items[0].id);
    const groups = json(app.request('/api/v1/objects?type=group&limit=500').body);
    expect(groups.items.map((g: { id: string }) => g.id)).toContain('G0007');
    expect(groups.items.every((g: { type: string }) => g.type === 'group')).toBe(true);
    expect(json(app.request('/api/v1/objects?type=software&platform=android&version=15.1&limit=500').body).items.length).toBeGreaterThan(0);
    expect(app.request('/api/v1/objects').status).toBe(400);
    const macos = json(app.request('/api/v1/techniques?platform=macos&subtechniques=false&limit=500').body);
    expect(macos.items.every((i: { platforms: string[]; isSubtechnique: boolean }) => i.platforms.includes('macOS') && !i.isSubtechnique)).toBe(true);
  });

  it('Navigator layer export (format 4.5) for any colouring', () => {
    const res = app.request('/api/v1/navigator/layer?version=15.1&metric=controls');
    expect(res.headers['content-disposition']).toContain('attachment');
    const layer = json(res.body);
    expect(layer.versions.layer).toBe('4.5');
    expect(layer.domain).toBe('enterprise-attack');
    expect(layer.techniques.find((x: { techniqueID: string }) => x.techniqueID === 'T1114').score).toBe(14);
  });

  it('every API response matches the OpenAPI 3.1 document', async () => {
    const doc = openApiDocument() as any;
    expect(doc.openapi).toBe('3.1.0');
    expect(json(app.request('/api/openapi.json').body)).toEqual(doc);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'api', components: doc.components });
    const report = t.graph.technique('T1114', { version: '18.1' }).reports[0]!.id;
    const imported = (await t.graph.importReport(reportFixture('apt29-note.txt'), { train: false })).id;
    const samples: Record<string, string> = {
      '/api/v1/techniques': '/api/v1/techniques?tactic=collection&limit=3',
      '/api/v1/techniques/{id}': '/api/v1/techniques/T1114?version=15.1',
      '/api/v1/objects': '/api/v1/objects?type=group&limit=5',
      '/api/v1/objects/{id}': '/api/v1/objects/G0007',
      '/api/v1/controls/{id}': '/api/v1/controls/AC-16?framework=nist_800_53&frameworkVersion=rev5',
      '/api/v1/reports/{id}': `/api/v1/reports/${encodeURIComponent(report)}`,
      '/api/v1/reports': '/api/v1/reports',
      '/api/v1/reports/{id}/layer': `/api/v1/reports/${imported}/layer`,
      '/api/v1/reports/{id}/stix': `/api/v1/reports/${imported}/stix?status=all`,
      '/api/v1/search': '/api/v1/search?q=email',
      '/api/v1/suggest': '/api/v1/suggest?q=AC-16',
      '/api/v1/datasets': '/api/v1/datasets',
      '/api/v1/stats': '/api/v1/stats?version=15.1',
      '/api/v1/matrix': '/api/v1/matrix?metric=groups&version=15.1',
      '/api/v1/changes/{id}': '/api/v1/changes/T1114?from=15.1&to=18.1',
      '/api/v1/navigator/layer': '/api/v1/navigator/layer?version=15.1',
      '/api/v1/sigma/{id}': `/api/v1/sigma/${encodeURIComponent(sigmaId())}`,
      '/api/v1/coverage': '/api/v1/coverage?group=G0007&version=18.1',
      '/api/v1/inventory': '/api/v1/inventory',
    };
    t.graph.saveInventory({ logs: ['security.evtx'], files: 1, events: 2, entries: [{ logsource: 'windows', channel: 'Security', provider: null, eventId: '4624', count: 2, first: null, last: null, hosts: ['dc1'], hostsTruncated: false }] });
    // The read routes; the write routes (POST sync, import; GET jobs/{id}) are checked in writes.test.ts.
    expect(Object.keys(doc.paths).filter((k) => doc.paths[k].get !== undefined && k !== '/api/v1/jobs/{id}').sort()).toEqual(Object.keys(samples).sort());
    for (const [route, url] of Object.entries(samples)) {
      const res = app.request(url);
      expect(res.status, url).toBe(200);
      const schema = doc.paths[route].get.responses['200'].content['application/json'].schema;
      const validate =
        schema.$ref !== undefined ? ajv.getSchema(schema.$ref.replace('#', 'api#'))! : ajv.compile({ oneOf: schema.oneOf.map((o: { $ref: string }) => ({ $ref: o.$ref.replace('#', 'api#') })) });
      expect(validate(json(res.body)), `${url}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // The same route answers for an imported report with its own model.
    const importedPage = json(app.request(`/api/v1/reports/${imported}`).body);
    expect(importedPage.kind).toBe('imported-report');
    expect(ajv.getSchema('api#/components/schemas/ImportedReportPage')!(importedPage)).toBe(true);
    const errorSchema = ajv.getSchema('api#/components/schemas/Error')!;
    expect(errorSchema(json(app.request('/api/v1/techniques/T9999').body))).toBe(true);
    expect(errorSchema(json(app.request('/api/v1/techniques?limit=0').body))).toBe(true);
  });

  it('unknown IDs: a helpful 404 page with suggestions; JSON 404 on the API', () => {
    const res = app.request('/techniques/Email%20Collectio');
    expect(res.status).toBe(404);
    expect(text(res.body)).toContain('Did you mean');
    expect(text(res.body)).toContain('href="/techniques/T1114"');
    const api = app.request('/api/v1/techniques/T9999');
    expect(api.status).toBe(404);
    expect(json(api.body).error.code).toBe('unknown-id');
    expect(app.request('/no/such/page').status).toBe(404);
    expect(app.request('/api/v1/nothing').status).toBe(404);
    expect(app.request('/techniques/T1114?version=99.1').status).toBe(404);
  });

  it('malformed query parameters: 400 with a JSON error body', () => {
    for (const url of [
      '/api/v1/techniques?limit=abc',
      '/api/v1/techniques?page=0',
      '/api/v1/techniques/T1114?version=latest',
      '/api/v1/techniques/T1114?domain=windows',
      '/api/v1/techniques/T1114?colour=red',
      '/api/v1/search',
      '/api/v1/search?q=x&type=planet',
      '/api/v1/matrix?metric=nope',
      '/api/v1/techniques/T1114?version=15.1&version=18.1',
      '/api/v1/techniques/%E0%A4%A',
    ]) {
      const res = app.request(url);
      expect(res.status, url).toBe(400);
      expect(res.headers['content-type']).toContain('application/json');
      expect(json(res.body).error.message, url).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(app.request('/techniques/T1114?version=latest').status).toBe(400);
  });

  it('safe by default: CSP and security headers, read-only, token for writes, no stack traces', () => {
    const res = app.request('/techniques/T1114');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(text(res.body)).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(text(res.body)).not.toMatch(/\sstyle="/);
    expect(text(res.body)).not.toMatch(/\son[a-z]+="/);
    expect(app.request('/api/v1/techniques/T1114', { method: 'POST' }).status).toBe(405);
    expect(app.request('/techniques/T1114', { method: 'DELETE' }).status).toBe(405);
    expect(app.request('/api/v1/admin/whoami', { method: 'POST' }).status).toBe(401);
    expect(app.request('/api/v1/admin/whoami', { method: 'POST', headers: { authorization: 'Bearer wrong-token!' } }).status).toBe(401);
    expect(app.request('/api/v1/admin/whoami', { method: 'POST', headers: { authorization: 'Bearer sekret-token' } }).status).toBe(200);
    const readOnly = createApp({ graph: t.graph });
    expect(readOnly.request('/api/v1/admin/whoami', { method: 'POST', headers: { authorization: 'Bearer x' } }).status).toBe(403);
  });

  it('an unexpected error is a 500 that shows nothing of it (no message, no stack)', () => {
    const failing = { ...t.graph, page: () => { throw new Error('boom at /secret/path/store.ts:12:3'); }, technique: () => { throw new TypeError('boom'); } };
    const broken = createApp({ graph: failing, cache: false });
    for (const url of ['/techniques/T1114', '/objects/G0007', '/api/v1/techniques/T1114', '/api/v1/objects/G0007']) {
      const res = broken.request(url);
      expect(res.status, url).toBe(500);
      expect(text(res.body), url).not.toContain('boom');
      expect(text(res.body), url).not.toContain('store.ts');
    }
    expect(json(broken.request('/api/v1/techniques/T1114').body).error.code).toBe('internal');
  });

  it('static assets are served with long caching; pages get ETags and 304s', () => {
    const css = app.request('/static/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toContain('immutable');
    const js = app.request('/static/app.js');
    expect(js.status).toBe(200);
    expect(text(js.body)).not.toContain('//cdn');
    const first = app.request('/techniques/T1114');
    expect(first.headers.etag).toBeDefined();
    const again = app.request('/techniques/T1114', { headers: { 'If-None-Match': first.headers.etag! } });
    expect(again.status).toBe(304);
    expect(app.request('/techniques/T1114', { method: 'HEAD' }).body).toBe('');
  });

  const sigmaId = (): string => (t.graph.technique('T1114') as unknown as { sigma: { id: string }[] }).sigma[0]!.id;

  it('Sigma rules: listed on the technique page, with a page of their own', () => {
    const page = text(app.request('/techniques/T1114').body);
    const id = sigmaId();
    expect(page).toContain(`href="/sigma/${id}"`);
    const rule = app.request(`/sigma/${id}`);
    expect(rule.status).toBe(200);
    expect(text(rule.body)).toContain('detection:');
    expect(app.request('/sigma/no-such-rule').status).toBe(404);
    // Search lists rules and controls after the ATT&CK nodes.
    const found = text(app.request('/search?q=forwarding').body);
    expect(found).toContain('<h2>Sigma rules, controls, reports and saved hunts</h2>');
    expect(found).toMatch(/href="\/sigma\/[^"]+"/);
  });

  it('home and datasets pages', () => {
    expect(text(app.request('/').body)).toContain('/techniques/T1114');
    expect(text(app.request('/datasets').body)).toContain('15.1');
  });
});

describe('a store with ATT&CK only', () => {
  it('shows empty Sigma, controls and reporting sections that say what to import', async () => {
    const t = await graphWith('enterprise-attack-15.1.json');
    try {
      const page = text(createApp({ graph: t.graph }).request('/techniques/T1114').body);
      const sigma = page.slice(page.indexOf('<section id="sigma"'), page.indexOf('<section id="controls"'));
      expect(sigma).toContain('<code>ttpgraph import sigma PATH</code>');
      expect(page).toContain('<code>ttpgraph import mappings FILE|URL</code>');
    } finally {
      t.dispose();
    }
  });
});

describe('an empty store', () => {
  it('every page says how to fill it, never blank, never a stack trace', () => {
    const dir = tempDir();
    const graph = openGraph({ path: path.join(dir, 'empty.db') });
    try {
      const app = createApp({ graph });
      for (const url of ['/', '/techniques/T1114', '/matrix', '/search?q=email']) {
        const res = app.request(url);
        expect(text(res.body), url).toContain('ttpgraph sync');
        expect(text(res.body), url).toContain('ttpgraph import attack FILE|URL');
      }
      const api = app.request('/api/v1/techniques/T1114');
      expect(api.status).toBe(404);
      expect(json(api.body).error.message).toContain('ttpgraph import attack');
    } finally {
      graph.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a real server on 127.0.0.1', () => {
  let t: TempGraph;
  let server: RunningServer;
  beforeAll(async () => {
    t = await webGraph();
    server = await listen(createApp({ graph: t.graph }), { port: 0, maxBodyBytes: 1024 });
  });
  afterAll(async () => {
    await server.close();
    t.dispose();
  });

  it('binds to 127.0.0.1 and serves pages, API and assets', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const [url, type] of [
      ['/techniques/T1114', 'text/html'],
      ['/matrix', 'text/html'],
      ['/search?q=email', 'text/html'],
      ['/api/v1/techniques/T1114', 'application/json'],
      ['/api/openapi.json', 'application/json'],
      ['/static/app.js', 'text/javascript'],
    ]) {
      const res = await fetch(server.url + url!);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toContain(type);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const bad = await fetch(`${server.url}/api/v1/techniques?limit=-1`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid-argument');
  });

  it('a client that never finishes its request is cut off by the time limit', async () => {
    const slow = await listen(createApp({ graph: t.graph }), { port: 0, timeoutMs: 300 });
    try {
      const port = Number(new URL(slow.url).port);
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /techniques/T1114 HTTP/1.1\r\nHost: x\r\n'));
        let got = '';
        socket.on('data', (d) => (got += String(d)));
        socket.on('close', () => resolve(got));
      });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(answer === '' || answer.startsWith('HTTP/1.1 408')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('request size and URL limits', async () => {
    const big = await fetch(`${server.url}/api/v1/admin/whoami`, { method: 'POST', body: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    const long = await fetch(`${server.url}/search?q=${'a'.repeat(5000)}`);
    expect(long.status).toBe(414);
  });
});
