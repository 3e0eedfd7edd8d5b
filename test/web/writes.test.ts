/**
 * Writes from the web: POST /api/v1/sync and /api/v1/import as jobs, GET /api/v1/jobs/{id}, over a
 * real 127.0.0.1 socket on a real store in a temp dir, syncing from ../shared/data (ICS ATT&CK and
 * one mappings file, so the test stays short). Every answer is checked against the OpenAPI document.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { type Graph, openGraph } from '../../src/graph.ts';
import { type App, createApp } from '../../src/web/app.ts';
import { listen, type RunningServer } from '../../src/web/server.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { dataPath, sharedData } from '../helpers/paths.ts';

const TOKEN = 'test-token-0123456789';
const doc = openApiDocument() as any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'api', components: doc.components });

/** Checks a response body against the document's schema for that route, method and status. */
function conforms(route: string, method: 'get' | 'post', status: number, body: unknown): void {
  const response = doc.paths[route][method].responses[String(status)];
  expect(response, `${method} ${route} ${status} is documented`).toBeDefined();
  const validate = ajv.getSchema(response.content['application/json'].schema.$ref.replace('#', 'api#'))!;
  expect(validate(body), `${method} ${route} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

describe('sync and import from the web', () => {
  const dir = tempDir();
  let graph: Graph;
  let app: App;
  let server: RunningServer;
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

  const post = async (route: string, body: unknown, headers: Record<string, string> = auth): Promise<{ status: number; body: any; headers: Headers }> => {
    const res = await fetch(server.url + route, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: await res.json(), headers: res.headers };
  };
  const job = async (id: string): Promise<any> => {
    const res = await fetch(`${server.url}/api/v1/jobs/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = await res.json();
    conforms('/api/v1/jobs/{id}', 'get', 200, body);
    return body.job;
  };
  /** The job once it has ended: the app says when no job runs any more (App.idle), no polling. */
  const finished = async (id: string): Promise<any> => {
    await app.idle();
    return job(id);
  };

  beforeAll(async () => {
    graph = openGraph({ path: path.join(dir, 'store.db') });
    // The server may read the shared data and this test's folder (serve --allow-dir), nothing else.
    app = createApp({ graph, token: TOKEN, writePolicy: { allowedDirs: [sharedData, dir], allowPrivateUrls: false } });
    server = await listen(app, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await app?.idle();
    graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs ICS ATT&CK from a folder on the server as a job, and the pages show it at once', async () => {
    const before = await (await fetch(`${server.url}/`)).text();
    expect(before).toContain('The store is empty');
    expect(before).toContain('id="sync-form"');

    const started = await post('/api/v1/sync', { from: sharedData, only: 'attack', domain: ['ics'] });
    expect(started.status).toBe(202);
    conforms('/api/v1/sync', 'post', 202, started.body);
    expect(started.headers.get('location')).toBe(`/api/v1/jobs/${started.body.job.id}`);
    expect(started.body.job).toMatchObject({ kind: 'sync', state: 'running', params: { only: ['attack'], domain: ['ics'], from: sharedData } });

    const done = await finished(started.body.job.id);
    expect(done.errors).toEqual([]);
    expect(done.state).toBe('succeeded');
    expect(done.results).toEqual([expect.objectContaining({ action: 'imported', label: expect.stringContaining('ics ATT&CK 18.1'), where: expect.stringContaining('ics-attack-18.1') })]);
    expect(done.summary).toMatch(/^sync: 1 imported, 0 replaced, 0 unchanged, 0 failed/);
    expect(done.finishedAt).not.toBeNull();

    // The page cache saw the write (the job writes through the server's own connection).
    const home = await (await fetch(`${server.url}/`)).text();
    expect(home).not.toContain('The store is empty');
    const datasets = await (await fetch(`${server.url}/api/v1/datasets`)).json();
    expect(datasets).toEqual([expect.objectContaining({ domain: 'ics', version: '18.1' })]);
    const technique = await fetch(`${server.url}/techniques/T0801?domain=ics`);
    expect(technique.status).toBe(200);
    expect(await technique.text()).toContain('Monitor Process State');

    // Again: nothing changed, nothing imported.
    const again = await post('/api/v1/sync', { from: sharedData, only: ['attack'], domain: 'ics' });
    const second = await finished(again.body.job.id);
    expect(second.results.map((r: { action: string }) => r.action)).toEqual(['unchanged']);
  });

  it('imports a mappings file and reports a missing one by name, leaving the store as it was', async () => {
    const file = dataPath('mappings', 'veris-1.4.0_attack-16.1-ics.json');
    const missing = path.join(dir, 'no-such-file.json');
    const started = await post('/api/v1/import', { kind: 'mappings', sources: [missing, file] });
    expect(started.status).toBe(202);
    conforms('/api/v1/import', 'post', 202, started.body);
    const done = await finished(started.body.job.id);
    expect(done.state).toBe('failed');
    expect(done.results.map((r: { action: string }) => r.action)).toEqual(['failed', 'imported']);
    expect(done.results[1].counts).toMatch(/^veris 1\.4\.0 for ics ATT&CK 16\.1: \d+ mappings/);
    expect(done.errors).toEqual([{ code: 'file-unreadable', message: `${missing}: no such file`, where: missing }]);
    expect(graph.control('action.hacking.variety.Abuse of functionality', { framework: 'veris' }).techniques.length).toBeGreaterThan(0);

    // A bad bundle is one transaction that rolls back: the datasets stay as they were.
    const bad = await post('/api/v1/import', { kind: 'attack', sources: [file] });
    const failed = await finished(bad.body.job.id);
    expect(failed.state).toBe('failed');
    expect(failed.errors[0].message).toContain(file);
    expect(graph.datasets().map((d) => `${d.domain} ${d.version}`)).toEqual(['ics 18.1']);
  });

  it('one write job at a time: a second one is a 409 naming the first', () => {
    // Through the app function, so that the second request surely comes while the first job runs
    // (it starts on the next turn of the event loop).
    const first = app.request('/api/v1/sync', { method: 'POST', headers: auth, body: JSON.stringify({ from: sharedData, only: 'attack', domain: 'ics' }) });
    expect(first.status).toBe(202);
    const id = JSON.parse(String(first.body)).job.id;
    const second = app.request('/api/v1/import', { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'stix', sources: ['/nowhere.json'] }) });
    expect(second.status).toBe(409);
    const body = JSON.parse(String(second.body));
    conforms('/api/v1/import', 'post', 409, body);
    expect(body.error.message).toContain(id);
    expect(second.headers.location).toBe(`/api/v1/jobs/${id}`);
    return app.idle();
  });

  it('refuses what it must: 401 without the token, 403 when started without one, 400 on bad fields, 413 on big bodies', async () => {
    const noToken = await post('/api/v1/sync', {}, { 'content-type': 'application/json' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    conforms('/api/v1/sync', 'post', 401, noToken.body);
    expect((await post('/api/v1/sync', {}, { authorization: `Bearer ${TOKEN}x`, 'content-type': 'application/json' })).status).toBe(401);
    expect((await post('/api/v1/sync', {}, { authorization: TOKEN, 'content-type': 'application/json' })).status).toBe(401);
    expect((await fetch(`${server.url}/api/v1/jobs/whatever`)).status).toBe(401);
    // A form from another site can send neither the header nor JSON.
    const form = await post('/api/v1/sync', 'from=/etc', { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    conforms('/api/v1/sync', 'post', 415, form.body);
    expect((await fetch(`${server.url}/api/v1/sync`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);

    const bad: [string, unknown, RegExp][] = [
      ['/api/v1/sync', '{"from": ', /not JSON/],
      ['/api/v1/sync', [], /JSON object/],
      ['/api/v1/sync', { dryRun: true }, /unknown field "dryRun"/],
      ['/api/v1/sync', { only: 'sigmahq-nope' }, /"only" sigmahq-nope/],
      ['/api/v1/sync', { domain: 'windows' }, /"domain" "windows"/],
      ['/api/v1/sync', { attackVersion: 'latest' }, /"attackVersion" "latest"/],
      ['/api/v1/sync', { from: 'relative/dir' }, /absolute path/],
      ['/api/v1/sync', { from: path.join(dir, 'nope') }, /not a folder on the server/],
      ['/api/v1/import', { sources: ['/x.json'] }, /"kind" is required/],
      ['/api/v1/import', { kind: 'attack' }, /"sources" is required/],
      ['/api/v1/import', { kind: 'attack', sources: [] }, /"sources" is empty/],
      ['/api/v1/import', { kind: 'attack', sources: ['bundle.json'] }, /absolute path on the server or an http\(s\) URL/],
      ['/api/v1/import', { kind: 'sigma', sources: ['https://example.org/rules'] }, /not URLs/],
      ['/api/v1/import', { kind: 'mappings', sources: ['/x.json'], domain: 'ics' }, /kind "attack" only/],
    ];
    for (const [route, body, message] of bad) {
      const res = await post(route, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      conforms(route, 'post', 400, res.body);
      expect(res.body.error.message).toMatch(message);
    }
    const big = await post('/api/v1/import', { kind: 'attack', sources: ['/x'.repeat(40_000)] });
    expect(big.status).toBe(413);
    conforms('/api/v1/import', 'post', 413, big.body);
    const unknownJob = await fetch(`${server.url}/api/v1/jobs/00000000-0000-0000-0000-000000000000`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(unknownJob.status).toBe(404);

    // Nothing was written by any of these.
    expect(graph.datasets().map((d) => `${d.domain} ${d.version}`)).toEqual(['ics 18.1']);

    // Started without a token, the server is read-only: 403 whatever the header says, and its
    // empty-store page tells how to allow syncing from the web instead of offering it.
    const empty = openGraph({ path: path.join(dir, 'empty.db') });
    const readOnly = await listen(createApp({ graph: empty }), { port: 0 });
    try {
      const res = await fetch(`${readOnly.url}/api/v1/sync`, { method: 'POST', headers: auth, body: '{}' });
      expect(res.status).toBe(403);
      const body = await res.json();
      conforms('/api/v1/sync', 'post', 403, body);
      expect(body.error.code).toBe('read-only');
      const page = await (await fetch(`${readOnly.url}/`)).text();
      expect(page).toContain('The store is empty');
      expect(page).not.toContain('id="sync-form"');
      expect(page).toContain('ttpgraph serve --token TOKEN');
    } finally {
      await readOnly.close();
      empty.close();
    }
  });
});
