/**
 * The route table: one row per route, the ID from the match, 404/405 from the table alone, and the
 * OpenAPI document naming exactly the API rows. A store-less app is enough for the dispatch (the
 * empty store answers every page with its welcome page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileRoutes, type Route } from '../../src/api/http.ts';
import { openApiDocument } from '../../src/api/openapi.ts';
import { openGraph, type Graph } from '../../src/graph.ts';
import { type App, createApp } from '../../src/web/app.ts';
import { ROUTES } from '../../src/web/routes.ts';

describe('the route table', () => {
  let graph: Graph;
  let app: App;
  beforeAll(() => {
    graph = openGraph({ path: ':memory:' });
    app = createApp({ graph, token: 'sekret-token' });
  });
  afterAll(() => graph.close());

  it('matches literal segments and hands over the one :id segment', () => {
    const noop = (): never => {
      throw new Error('not called');
    };
    const routes: Route<null>[] = [
      { method: 'GET', pattern: '/things', handler: noop, auth: 'public' },
      { method: 'GET', pattern: '/things/:id', handler: noop, auth: 'public' },
      { method: 'DELETE', pattern: '/things/:id', handler: noop, auth: 'token' },
    ];
    const table = compileRoutes(routes);
    expect(table.match('/things').map((m) => [m.route.pattern, m.rawId])).toEqual([['/things', '']]);
    expect(table.match('/things/T1114%2E001').map((m) => [m.route.method, m.rawId])).toEqual([
      ['GET', 'T1114%2E001'],
      ['DELETE', 'T1114%2E001'],
    ]);
    expect(table.match('/things/')).toEqual([]);
    expect(table.match('/things/a/b')).toEqual([]);
    expect(() => compileRoutes([{ method: 'GET', pattern: '/:a/:b', handler: noop, auth: 'public' }])).toThrow(/at most one :id/);
  });

  it('lists every API path of the OpenAPI document, and no API row the document lacks', () => {
    const documented = Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${p.replace('{id}', ':id')}`),
    );
    const tabled = ROUTES.filter((r) => r.pattern.startsWith('/api/v1/') && !r.pattern.startsWith('/api/v1/admin/')).map((r) => `${r.method} ${r.pattern}`);
    expect(tabled.sort()).toEqual(documented.sort());
  });

  it('answers 405 with the methods the table has for the path, 404 for a path it lacks', () => {
    const post = app.request('/api/v1/techniques/T1114', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const getSync = app.request('/api/v1/sync', { headers: { authorization: 'Bearer sekret-token' } });
    expect(getSync.status).toBe(405);
    expect(getSync.headers.allow).toBe('POST');
    expect(app.request('/api/v1/nothing-here').status).toBe(404);
    expect(app.request('/api/v1/admin/other', { method: 'POST', headers: { authorization: 'Bearer sekret-token' } }).status).toBe(404);
  });

  it('checks the token before the method on token rows, and the ID of the match before the handler', () => {
    expect(app.request('/api/v1/jobs/abc').status).toBe(401);
    expect(app.request('/api/v1/jobs/abc', { method: 'DELETE' }).status).toBe(401);
    const job = app.request('/api/v1/jobs/no-such-job', { headers: { authorization: 'Bearer sekret-token' } });
    expect(job.status).toBe(404);
    expect(String(job.body)).toMatch(/no job no-such-job/);
    expect(app.request('/api/v1/techniques/%E0%A4%A').status).toBe(400);
  });
});
