/**
 * Issue 12, points 2, 3 and 13 through a real server socket: a hostile import job (an http source
 * that never ends) leaves the server answering and can be cancelled with DELETE, leaving the store
 * as it was; server paths are limited to the allowed folders and errors tell nothing of the rest of
 * the disk or of local ports; the Host header is checked.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are checked field by field */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { type Graph, openGraph } from '../../src/graph.ts';
import { openStore } from '../../src/store/sqlite/store.ts';
import { type App, createApp } from '../../src/web/app.ts';
import { listen, type RunningServer } from '../../src/web/server.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { hostileServer, type TestServer, tinyBundle } from '../security/fixtures.ts';

const TOKEN = 'hostile-test-token-0123';
const doc = openApiDocument() as any;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: 'api', components: doc.components });

/** Checks a response body against the OpenAPI document's schema for that route, method and status. */
function conforms(route: string, method: string, status: number, body: unknown): void {
  const response = doc.paths[route][method].responses[String(status)];
  expect(response, `${method} ${route} ${status} is documented`).toBeDefined();
  const validate = ajv.getSchema(response.content['application/json'].schema.$ref.replace('#', 'api#'))!;
  expect(validate(body), `${method} ${route} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
}

/** A GET with any Host header (fetch() will not send another host's name). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('hostile web jobs', () => {
  const dir = tempDir();
  const allowed = path.join(dir, 'allowed');
  let graph: Graph;
  let app: App;
  let server: RunningServer;
  let hostile: TestServer;
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const post = async (route: string, body: unknown): Promise<{ status: number; body: any }> => {
    const res = await fetch(server.url + route, { method: 'POST', headers: auth, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const job = async (id: string): Promise<any> => (await (await fetch(`${server.url}/api/v1/jobs/${id}`, { headers: auth })).json()).job;
  /** The job once it has ended: the app says when no job runs any more (App.idle), no polling. */
  const finished = async (id: string): Promise<any> => {
    await app.idle();
    return job(id);
  };
  /** What the store holds, as one hash (tables the imports write). */
  const storeHash = (): string => {
    const h = createHash('sha256');
    const store = openStore(path.join(dir, 'store.db'), { readonly: true });
    try {
      for (const table of ['dataset', 'object', 'relationship', 'stix_report', 'stix_report_ref', 'mapping_set', 'control_mapping', 'sigma_rule']) {
        h.update(JSON.stringify(store.all(`SELECT * FROM ${table} ORDER BY 1`)));
      }
    } finally {
      store.close();
    }
    return h.digest('hex');
  };

  beforeAll(async () => {
    mkdirSync(allowed, { recursive: true });
    writeFileSync(path.join(allowed, 'enterprise-attack-18.1.json'), tinyBundle({ techniques: 6 }));
    graph = openGraph({ path: path.join(dir, 'store.db') });
    await graph.importAttack(path.join(allowed, 'enterprise-attack-18.1.json'));
    hostile = await hostileServer();
    app = createApp({ graph, token: TOKEN, writePolicy: { allowedDirs: [allowed], allowPrivateUrls: true } });
    server = await listen(app, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await app?.idle();
    await hostile?.close();
    graph?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers GETs while a job reads an endless trickle, and DELETE cancels it leaving the store as it was', async () => {
    const before = storeHash();
    const started = await post('/api/v1/import', { kind: 'attack', sources: [`${hostile.url}/slow`, path.join(allowed, 'enterprise-attack-18.1.json')] });
    expect(started.status).toBe(202);
    const id = started.body.job.id as string;
    // The job is reading the trickle: the server still answers pages and the API.
    await hostile.reached('/slow');
    for (const url of ['/api/v1/datasets', '/techniques/T1000', '/matrix']) {
      const res = await fetch(server.url + url);
      expect(res.status, url).toBe(200);
    }
    expect((await job(id)).state).toBe('running');

    // Without the token, no cancelling.
    expect((await fetch(`${server.url}/api/v1/jobs/${id}`, { method: 'DELETE' })).status).toBe(401);
    const cancel = await fetch(`${server.url}/api/v1/jobs/${id}`, { method: 'DELETE', headers: auth });
    expect(cancel.status).toBe(202);
    const cancelBody = await cancel.json();
    conforms('/api/v1/jobs/{id}', 'delete', 202, cancelBody);
    expect(cancelBody.job.id).toBe(id);
    const done = await finished(id);
    expect(done.state).toBe('cancelled');
    conforms('/api/v1/jobs/{id}', 'get', 200, { job: done });
    expect(done.errors).toEqual([{ code: 'cancelled', message: `${hostile.url}/slow: cancelled: nothing from it was stored`, where: `${hostile.url}/slow` }]);
    // The second source was never started.
    expect(done.results.map((r: { action: string }) => r.action)).toEqual(['failed']);
    await hostile.closed('/slow');
    expect(storeHash()).toBe(before);

    // A finished job cannot be cancelled; an unknown one is a 404.
    const again = await fetch(`${server.url}/api/v1/jobs/${id}`, { method: 'DELETE', headers: auth });
    expect(again.status).toBe(409);
    conforms('/api/v1/jobs/{id}', 'delete', 409, await again.json());
    expect((await fetch(`${server.url}/api/v1/jobs/00000000-0000-0000-0000-000000000000`, { method: 'DELETE', headers: auth })).status).toBe(404);
  });

  it('stops an endless http source at the size cap ("maxSize"), and the store is unchanged', async () => {
    const before = storeHash();
    const body = { kind: 'stix', sources: [`${hostile.url}/endless`], maxSize: '2M' };
    expect(ajv.validate({ $ref: 'api#/components/schemas/ImportRequest' }, body), 'the request is what the document describes').toBe(true);
    const started = await post('/api/v1/import', body);
    expect(started.status).toBe(202);
    expect(started.body.job.params.maxSize).toBe(2 * 1024 * 1024);
    const done = await finished(started.body.job.id);
    expect(done.state).toBe('failed');
    expect(done.errors[0].code).toBe('source-too-large');
    expect(done.errors[0].message).toContain('over the 2 MB limit for STIX bundles');
    expect(storeHash()).toBe(before);
    expect((await post('/api/v1/import', { kind: 'stix', sources: ['https://example.org/x.json'], maxSize: 'lots' })).status).toBe(400);
  });

  it('reads server paths only under --allow-dir, and says the same of /etc/shadow and of a missing file', async () => {
    const started = await post('/api/v1/import', { kind: 'attack', sources: ['/etc/shadow', '/etc/no-such-file.json', '/proc/self/environ'] });
    const done = await finished(started.body.job.id);
    expect(done.errors.map((e: { message: string }) => e.message)).toEqual([
      '/etc/shadow: not under a folder this server allows (ttpgraph serve --allow-dir DIR); nothing was read',
      '/etc/no-such-file.json: not under a folder this server allows (ttpgraph serve --allow-dir DIR); nothing was read',
      '/proc/self/environ: not under a folder this server allows (ttpgraph serve --allow-dir DIR); nothing was read',
    ]);
    const sigma = await post('/api/v1/import', { kind: 'sigma', sources: ['/etc'] });
    const sigmaDone = await finished(sigma.body.job.id);
    expect(JSON.stringify(sigmaDone)).not.toMatch(/\.yml|passwd|hosts/);
    expect(sigmaDone.errors[0].code).toBe('path-not-allowed');
    // A link inside an allowed mirror that leads outside is refused like any such path.
    const mappings = path.join(allowed, 'mirror', 'mappings');
    mkdirSync(mappings, { recursive: true });
    symlinkSync('/etc/passwd', path.join(mappings, 'nist_800_53-rev5_attack-14.1-enterprise.json'));
    const viaLink = await post('/api/v1/sync', { from: path.join(allowed, 'mirror'), only: 'mappings' });
    expect(viaLink.status).toBe(202);
    const linkDone = await finished(viaLink.body.job.id);
    expect(linkDone.errors.map((e: { code: string }) => e.code)).toEqual(['path-not-allowed']);
    expect(JSON.stringify(linkDone)).not.toContain('root:');
    // sync "from": a folder outside the allowed ones, existing or not, is the same 400.
    const a = await post('/api/v1/sync', { from: '/etc' });
    const b = await post('/api/v1/sync', { from: '/no-such-folder' });
    expect([a.status, b.status]).toEqual([400, 400]);
    expect(a.body.error.message.replace('/etc', 'X')).toBe(b.body.error.message.replace('/no-such-folder', 'X'));
  });

  it('a server without --allow-private-urls fetches nothing on loopback, open port or not', async () => {
    const strict = createApp({ graph, token: TOKEN, writePolicy: { allowedDirs: [], allowPrivateUrls: false } });
    const hitsBefore = hostile.hits.length;
    const start = strict.request('/api/v1/import', { method: 'POST', headers: auth, body: JSON.stringify({ kind: 'stix', sources: [`${hostile.url}/ok`, 'http://127.0.0.1:1/ok', 'http://localhost:1/ok'] }) });
    expect(start.status).toBe(202);
    await strict.idle();
    const id = JSON.parse(String(start.body)).job.id;
    const done = JSON.parse(String(strict.request(`/api/v1/jobs/${id}`, { headers: auth }).body)).job;
    const messages = done.errors.map((e: { message: string }) => e.message.replace(/^[^ ]+: /, ''));
    expect(messages).toEqual([
      'refused: 127.0.0.1 is a loopback or private address (start the server with --allow-private-urls to allow it)',
      'refused: 127.0.0.1 is a loopback or private address (start the server with --allow-private-urls to allow it)',
      'refused: localhost is a loopback or private address (start the server with --allow-private-urls to allow it)',
    ]);
    expect(hostile.hits.length).toBe(hitsBefore);
  });

  it('answers only to its own host names (DNS rebinding gets a 421)', async () => {
    const port = new URL(server.url).port;
    expect((await getWithHost(`${server.url}/api/v1/datasets`, `127.0.0.1:${port}`)).status).toBe(200);
    expect((await getWithHost(`${server.url}/api/v1/datasets`, `localhost:${port}`)).status).toBe(200);
    const evil = await getWithHost(`${server.url}/api/v1/datasets`, `attacker.example:${port}`);
    expect(evil.status).toBe(421);
    expect(evil.body).not.toContain('enterprise');
    expect(JSON.parse(evil.body).error.code).toBe('unknown-host');
    const named = await listen(createApp({ graph, allowedHosts: ['ttpgraph.internal'] }), { port: 0 });
    try {
      expect((await getWithHost(`${named.url}/api/v1/datasets`, 'ttpgraph.internal')).status).toBe(200);
      expect((await getWithHost(`${named.url}/api/v1/datasets`, 'localhost')).status).toBe(421);
    } finally {
      await named.close();
    }
  });
});
