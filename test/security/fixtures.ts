/** Small hand-made inputs for the hardening tests: an ATT&CK bundle of a few techniques, servers that misbehave. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A STIX 2.1 ATT&CK bundle declaring its version, with `techniques` techniques; `broken` gives them a wrong-typed name. */
export function tinyBundle(options: { version?: string; techniques: number; broken?: boolean }): string {
  const version = options.version ?? '18.1';
  const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const objects: Record<string, unknown>[] = [
    { type: 'x-mitre-collection', id: `x-mitre-collection--${uuid(1)}`, spec_version: '2.1', name: 'Enterprise ATT&CK', x_mitre_version: version },
    {
      type: 'x-mitre-matrix',
      id: `x-mitre-matrix--${uuid(2)}`,
      name: 'Enterprise ATT&CK',
      external_references: [{ source_name: 'mitre-attack', external_id: 'enterprise-attack' }],
      tactic_refs: [`x-mitre-tactic--${uuid(3)}`],
    },
    {
      type: 'x-mitre-tactic',
      id: `x-mitre-tactic--${uuid(3)}`,
      name: 'Collection',
      x_mitre_shortname: 'collection',
      external_references: [{ source_name: 'mitre-attack', external_id: 'TA0009' }],
    },
  ];
  for (let i = 0; i < options.techniques; i++) {
    objects.push({
      type: 'attack-pattern',
      id: `attack-pattern--${uuid(100 + i)}`,
      name: options.broken === true ? 1000 + i : `Technique ${i}`,
      description: `Technique number ${i}.`,
      kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'collection' }],
      external_references: [{ source_name: 'mitre-attack', external_id: `T${1000 + i}`, url: `https://attack.mitre.org/techniques/T${1000 + i}` }],
    });
  }
  return JSON.stringify({ type: 'bundle', id: `bundle--${uuid(9)}`, objects });
}

export interface TestServer {
  readonly url: string;
  readonly server: http.Server;
  /** Requests that reached the server, by path. */
  readonly hits: string[];
  /** Resolves when the connection of a request to this path has closed (the client gave up). */
  closed(path: string): Promise<void>;
  /** Resolves once a request for this path has reached the server (at once if one has). */
  reached(path: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A 127.0.0.1 server for hostile-source tests: /endless streams zeros forever (no Content-Length),
 * /slow sends one byte now and then, /huge declares 10 GB, /redirect-other redirects to the same
 * port under the name "localhost" (another host name), /redirect-same to /ok on the same host,
 * /ok answers a small JSON body.
 */
export async function hostileServer(): Promise<TestServer> {
  const hits: string[] = [];
  const waiting = new Map<string, (() => void)[]>();
  const closedPaths = new Set<string>();
  const arriving = new Map<string, (() => void)[]>();
  let port = 0;
  const server = http.createServer((req, res) => {
    const p = req.url ?? '/';
    hits.push(p);
    for (const w of arriving.get(p) ?? []) w();
    arriving.delete(p);
    res.on('close', () => {
      closedPaths.add(p);
      for (const w of waiting.get(p) ?? []) w();
      waiting.delete(p);
    });
    if (p === '/endless') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    } else if (p === '/slow') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
    } else if (p === '/huge') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 ** 3) });
      res.write('{');
    } else if (p === '/redirect-other') {
      res.writeHead(302, { location: `http://localhost:${port}/ok` }).end();
    } else if (p === '/redirect-same') {
      res.writeHead(302, { location: '/ok' }).end();
    } else if (p === '/ok') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    hits,
    closed: (path) =>
      closedPaths.has(path)
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiting.set(path, [...(waiting.get(path) ?? []), resolve]);
          }),
    reached: (path) =>
      hits.includes(path)
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            arriving.set(path, [...(arriving.get(path) ?? []), resolve]);
          }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
