/**
 * The log inventory: counted where records are parsed, on one thread or several (built dist/:
 * workers run compiled code; `npm run build` first), and the same either way. Also the collector's
 * own rules: keys, counts, first/last time, hosts bounded to the smallest names whatever the order.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Hunt from '../../src/hunt/index.ts';
import type * as Sigma from '../../src/sigma/index.ts';
import { InventoryCollector, MAX_HOSTS } from '../../src/hunt/inventory.ts';
import { createEngine, defaultPipeline, eventContext } from '../../src/sigma/index.ts';
import { projectRoot } from '../helpers/paths.ts';
import { regressionFiles } from '../evtx/helpers.ts';
import { regressionChunks, syntheticFile } from '../evtx/synthetic.ts';

const dist = (...p: string[]): string => pathToFileURL(path.join(projectRoot, 'dist', ...p)).href;

const sysmon = (eventId: number, host: string, time: string) => ({
  Event: { System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: eventId, Computer: host, Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } }, TimeCreated: { '#attributes': { SystemTime: time } } }, EventData: {} },
});

/** The engine recognises each event's log source (ctx.source) before it is counted, as in a hunt. */
function counted(events: readonly unknown[]): InventoryCollector {
  const engine = createEngine([], defaultPipeline);
  const inv = new InventoryCollector(defaultPipeline.sources);
  for (const e of events) {
    const ctx = eventContext(e);
    engine.matchContext(ctx);
    inv.add(ctx);
  }
  return inv;
}

describe('the collector', () => {
  it('counts per log source, channel, provider and event id, with first and last time', () => {
    const inv = counted([
      sysmon(1, 'b', '2026-01-02T00:00:00Z'),
      sysmon(1, 'a', '2026-01-01T00:00:00Z'),
      sysmon(3, 'a', '2026-01-03T00:00:00Z'),
      { Type: 'AWSCloudTrail', eventVersion: '1.08', eventSource: 'iam.amazonaws.com', eventName: 'CreateUser', eventTime: '2026-02-01T00:00:00Z' },
      { hello: 'world' },
    ]);
    expect(inv.entries()).toEqual([
      { logsource: 'aws/cloudtrail', channel: null, provider: null, eventId: null, count: 1, first: '2026-02-01T00:00:00Z', last: '2026-02-01T00:00:00Z', hosts: [], hostsTruncated: false },
      { logsource: 'unknown', channel: null, provider: null, eventId: null, count: 1, first: null, last: null, hosts: [], hostsTruncated: false },
      { logsource: 'windows', channel: 'Microsoft-Windows-Sysmon/Operational', provider: 'Microsoft-Windows-Sysmon', eventId: '1', count: 2, first: '2026-01-01T00:00:00Z', last: '2026-01-02T00:00:00Z', hosts: ['a', 'b'], hostsTruncated: false },
      { logsource: 'windows', channel: 'Microsoft-Windows-Sysmon/Operational', provider: 'Microsoft-Windows-Sysmon', eventId: '3', count: 1, first: '2026-01-03T00:00:00Z', last: '2026-01-03T00:00:00Z', hosts: ['a'], hostsTruncated: false },
    ]);
  });

  it('keeps at most MAX_HOSTS hosts, the smallest names, in any order of events or merges', () => {
    const hosts = Array.from({ length: MAX_HOSTS + 20 }, (_, i) => `host-${String(i).padStart(3, '0')}`);
    const events = hosts.map((h) => sysmon(1, h, '2026-01-01T00:00:00Z'));
    const forward = counted(events).entries()[0]!;
    const backward = counted([...events].reverse()).entries()[0]!;
    expect(forward.hosts).toEqual(hosts.slice(0, MAX_HOSTS));
    expect(forward.hostsTruncated).toBe(true);
    expect(backward).toEqual(forward);
    // Split in parts counted apart and merged (as threads do): the same entry.
    const merged = new InventoryCollector(defaultPipeline.sources);
    for (const part of [events.slice(40), events.slice(0, 40)]) merged.merge(counted(part).entries());
    expect(merged.entries()).toEqual([forward]);
  });
});

describe('threads (built dist/)', () => {
  let hunt: typeof Hunt;
  let sigma: typeof Sigma;
  let dir = '';
  let big = '';
  let ndjson = '';

  beforeAll(async () => {
    if (!existsSync(path.join(projectRoot, 'dist', 'hunt', 'inventory.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    hunt = (await import(dist('hunt', 'index.js'))) as typeof Hunt;
    sigma = (await import(dist('sigma', 'index.js'))) as typeof Sigma;
    dir = mkdtempSync(path.join(tmpdir(), 'ttpgraph-inventory-'));
    big = path.join(dir, 'big.evtx');
    writeFileSync(big, syntheticFile(120, { sources: regressionChunks(), denseEvery: 2 }).file);
    // NDJSON over several 2 MB ranges: the regression events (the crate's JSON) again and again.
    const lines = regressionFiles()
      .map((f) => f.replace(/\.evtx$/, '.json'))
      .filter((f) => existsSync(f))
      // Pretty-printed objects one after another: each starts at a line that opens with "{".
      .flatMap((f) => readFileSync(f, 'utf8').split(/\n(?=\{)/).filter((t) => t.trim() !== ''));
    const block = `${lines.map((t) => JSON.stringify(JSON.parse(t))).join('\n')}\n`;
    ndjson = path.join(dir, 'events.ndjson');
    writeFileSync(ndjson, block.repeat(Math.ceil((7 * 1024 * 1024) / block.length)));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  /** A rule that fires on most Sysmon records. */
  const RULE = ['title: Most Sysmon events', 'logsource: {product: windows}', 'detection:', '  sel: {EventID: [1, 3, 7, 10, 11, 12, 13]}', '  condition: sel', ''].join('\n');

  /**
   * With threads, EVTX batches and NDJSON ranges follow a plan (the `evtxAssign` and
   * `ndjsonAssign` hooks: every other one to a worker), so workers take part however busy the
   * machine is (unplanned, the hunt thread may take every range before a worker is ready).
   */
  async function inventoryWith(logs: string[], threads: number): Promise<{ entries: Hunt.InventoryEntry[]; events: number; fromWorkers: number }> {
    let fromWorkers = 0;
    // Worker replies that carry an inventory: the threaded path was taken, and workers counted.
    const watch = (w: Worker): void => {
      w.on('message', (m: unknown) => {
        if (JSON.stringify(m ?? null).includes('"inventory"')) fromWorkers++;
      });
    };
    process.on('worker', watch);
    try {
      const pipeline = sigma.defaultPipeline;
      const inventory = new hunt.InventoryCollector(pipeline.sources);
      const collection = sigma.parseSigma(RULE, { file: 'most-sysmon.yml' });
      const everyOther = (batch: number): 'caller' | number => (batch % 2 === 0 ? 0 : 'caller');
      const summary = await hunt.runHunt({ collection, pipeline, logs, threads, inventory, onHit: () => undefined, ...(threads > 1 ? { evtxAssign: everyOther, ndjsonAssign: everyOther } : {}) });
      return { entries: inventory.entries(), events: summary.events, fromWorkers };
    } finally {
      process.off('worker', watch);
    }
  }

  it('EVTX on 3 threads gives the inventory of one', async () => {
    const one = await inventoryWith([big], 1);
    const three = await inventoryWith([big], 3);
    expect(one.fromWorkers).toBe(0);
    expect(three.fromWorkers).toBeGreaterThan(0);
    expect(three.entries).toEqual(one.entries);
    expect(one.entries.reduce((n, e) => n + e.count, 0)).toBe(one.events);
    expect(one.entries.length).toBeGreaterThan(3);
  }, 120_000);

  it('NDJSON on 3 threads gives the inventory of one', async () => {
    const one = await inventoryWith([ndjson], 1);
    const three = await inventoryWith([ndjson], 3);
    expect(three.fromWorkers).toBeGreaterThan(0);
    expect(three.entries).toEqual(one.entries);
    expect(one.entries.reduce((n, e) => n + e.count, 0)).toBe(one.events);
  }, 120_000);
});

