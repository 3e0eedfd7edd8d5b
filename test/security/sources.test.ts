/**
 * Issue 12, points 2 and 3: sources are read within limits (regular files only, a size cap per
 * kind, http streamed with the same cap, same-host redirects, private addresses refusable,
 * cancellable), and errors never quote the bytes of a source nor tell what lies outside the
 * allowed folders. Real files, a real FIFO, a real 127.0.0.1 server.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, openSync, closeSync, ftruncateSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TtpgraphError } from '../../src/errors.ts';
import { openGraph } from '../../src/graph.ts';
import { readSource } from '../../src/sources/read-source.ts';
import { tempDir } from '../helpers/attack-store.ts';
import { hostileServer, type TestServer } from './fixtures.ts';

async function failure(p: Promise<unknown>): Promise<TtpgraphError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TtpgraphError) return err;
    throw err;
  }
  throw new Error('expected a TtpgraphError');
}

describe('local sources', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses devices, FIFOs and /proc files at once, naming the path', async () => {
    const zero = await failure(readSource('/dev/zero'));
    expect(zero.describe()).toBe('/dev/zero: not a regular file (a /proc, /sys or /dev entry)');
    const environ = await failure(readSource('/proc/self/environ'));
    expect(environ.describe()).toMatch(/^\/proc\/self\/environ: not a regular file/);
    // A FIFO with no writer: opening it must not wait forever, and it is refused.
    const fifo = path.join(dir, 'pipe.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const pipe = await failure(readSource(fifo));
    expect(pipe.describe()).toBe(`${fifo}: not a regular file (a device, FIFO or socket); nothing was read`);
  });

  it('refuses a file over the size limit of its kind without reading it, and --max-size raises it', async () => {
    // A sparse 201 MB file: over the 200 MB default for ATT&CK bundles, costing no disk.
    const big = path.join(dir, 'big.json');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 201 * 1024 * 1024);
    closeSync(fd);
    const err = await failure(readSource(big, { kind: 'attack' }));
    expect(err.code).toBe('source-too-large');
    expect(err.describe()).toBe(`${big}: 201 MB, over the 200 MB limit for ATT&CK bundles; raise it with --max-size (API: "maxSize") if you trust this source`);
    const small = path.join(dir, 'small.json');
    writeFileSync(small, '{"type":"bundle","objects":[]}'.padEnd(3000, ' '));
    expect((await failure(readSource(small, { kind: 'mappings', maxBytes: 1024 }))).message).toMatch(/^2\.9 kB, over the 1 kB limit for mapping files/);
    expect((await readSource(small, { kind: 'mappings', maxBytes: 4096 })).bytes.length).toBe(3000);
  });

  it('never quotes the bytes of a file that is not JSON', async () => {
    const shadow = path.join(dir, 'shadow');
    writeFileSync(shadow, 'root:*:20211:0:99999:7:::\ndaemon:*:20211:0:99999:7:::\n');
    const graph = openGraph({ path: path.join(dir, 'quote.db') });
    try {
      for (const run of [() => graph.importAttack(shadow), () => graph.importMappings(shadow), () => graph.importStix(shadow)]) {
        const err = await failure(run());
        expect(err.describe()).toMatch(new RegExp(`^${shadow}: not valid JSON \\(syntax error[^)]*\\); is the file truncated\\?$`));
        expect(err.describe()).not.toMatch(/root|daemon|20211/);
      }
    } finally {
      graph.close();
    }
  });

  it('reads paths only under the allowed folders, saying the same of a file that exists and one that does not', async () => {
    const allowed = path.join(dir, 'allowed');
    mkdirSync(allowed);
    writeFileSync(path.join(allowed, 'ok.json'), '{}');
    symlinkSync('/etc/passwd', path.join(allowed, 'passwd.json'));
    const opts = { allowedDirs: [allowed] };
    expect((await readSource(path.join(allowed, 'ok.json'), opts)).bytes.toString()).toBe('{}');
    const outside = ['/etc/passwd', '/etc/no-such-file', path.join(allowed, '..', 'big.json'), path.join(allowed, 'passwd.json')];
    for (const p of outside) {
      const err = await failure(readSource(p, opts));
      expect(err.code, p).toBe('path-not-allowed');
      expect(err.message, p).toBe('not under a folder this server allows (ttpgraph serve --allow-dir DIR); nothing was read');
    }
    // Inside an allowed folder a missing file is just missing.
    expect((await failure(readSource(path.join(allowed, 'nope.json'), opts))).message).toBe('no such file');
    // No allowed folder at all (the server's default): every path is refused.
    expect((await failure(readSource(path.join(allowed, 'ok.json'), { allowedDirs: [] }))).code).toBe('path-not-allowed');
  });

  it('lists no file names of a folder outside the allowed ones (Sigma imports)', async () => {
    const graph = openGraph({ path: path.join(dir, 'sigma.db') });
    try {
      const err = await failure(graph.importSigma(['/etc'], { read: { allowedDirs: [dir] } }));
      expect(err.describe()).toBe('/etc: not under a folder this server allows (ttpgraph serve --allow-dir DIR); nothing was read');
    } finally {
      graph.close();
    }
  });
});

describe('http sources (a real server on 127.0.0.1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await hostileServer();
  });
  afterAll(() => server.close());

  it('stops an endless body at the byte cap and closes the connection', async () => {
    const err = await failure(readSource(`${server.url}/endless`, { kind: 'stix', maxBytes: 1024 * 1024 }));
    expect(err.describe()).toBe(`${server.url}/endless: more than 1 MB, over the 1 MB limit for STIX bundles; raise it with --max-size (API: "maxSize") if you trust this source`);
    await server.closed('/endless');
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    const err = await failure(readSource(`${server.url}/huge`, { kind: 'attack' }));
    expect(err.message).toMatch(/^10240 MB \(Content-Length\), over the 200 MB limit for ATT&CK bundles/);
  });

  it('can be cancelled while the body trickles in', async () => {
    const controller = new AbortController();
    const reading = readSource(`${server.url}/slow`, { signal: controller.signal });
    await server.reached('/slow');
    controller.abort();
    const err = await failure(reading);
    expect(err.code).toBe('cancelled');
    await server.closed('/slow');
  });

  it('follows a redirect on the same host, not to another host', async () => {
    expect((await readSource(`${server.url}/redirect-same`)).bytes.toString()).toBe('{"ok":true}');
    const err = await failure(readSource(`${server.url}/redirect-other`));
    expect(err.message).toBe('cannot fetch: HTTP 302 redirects to another host (localhost); not followed, name the final URL yourself');
  });

  it('refuses loopback and private addresses unless allowed, saying nothing of open or closed ports', async () => {
    const closedPort = `http://127.0.0.1:1/ok`;
    const okBefore = server.hits.filter((h) => h === '/ok').length;
    const open = await failure(readSource(`${server.url}/ok`, { allowPrivateUrls: false }));
    const closed = await failure(readSource(closedPort, { allowPrivateUrls: false }));
    const byName = await failure(readSource(`http://localhost:${new URL(server.url).port}/ok`, { allowPrivateUrls: false }));
    for (const err of [open, closed, byName]) {
      expect(err.code).toBe('url-not-allowed');
      expect(err.message).toMatch(/^refused: (127\.0\.0\.1|localhost) is a loopback or private address \(start the server with --allow-private-urls to allow it\)$/);
    }
    expect(open.message).toBe(closed.message);
    for (const url of ['http://10.1.2.3/x', 'http://192.168.0.1/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/x', 'http://0.0.0.0/x']) {
      expect((await failure(readSource(url, { allowPrivateUrls: false }))).code, url).toBe('url-not-allowed');
    }
    expect(server.hits.filter((h) => h === '/ok')).toHaveLength(okBefore);
    // Allowed (the CLI's default: the user's own machine), the same URL is read.
    expect((await readSource(`${server.url}/ok`)).bytes.toString()).toBe('{"ok":true}');
  });
});
