/**
 * Worker thread of ndjson-threads.ts. Started with a rule source, it loads the hunt's rules at once
 * (rule-source.ts: from the rule cache or the store, while the hunt thread does the same); when the
 * hunt thread's `init` comes, it compiles those rules if their digest is the hunt thread's, else it
 * asks for the rules and compiles what it is sent. Then for every file posted it takes its free
 * ranges one after another (ndjson-ranges.ts), reads each, parses and tests each line, and answers
 * with the matching lines and the lines that are not JSON (matchNdjsonRange). At the window's edge
 * it waits, without blocking, for the hunt thread to hand results on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine, Pipeline, SigmaCollection } from '../sigma/index.ts';
import { compileForWorker } from './evtx-match.ts';
import { ANYONE, NONE, SharedRanges, WAIT, type RangeShare } from './ndjson-ranges.ts';
import { initFromText, matchJob, type NdjsonInitRest, type NdjsonWorkerMessage, type NdjsonWorkerNeed } from './ndjson-threads.ts';
import { loadRuleSource, type RuleSource } from './rule-source.ts';

const { owner: me, source } = workerData as { owner: number; source?: RuleSource };
const port = parentPort!;
// Loading starts now, before any message: that is the point of starting this thread early.
// A source that cannot be loaded (no cache, a store that cannot be read) only means asking for the rules.
const own = source === undefined ? Promise.resolve(undefined) : loadRuleSource(source).catch(() => undefined);
let engine: Engine | undefined;
let indexOf: ReadonlyMap<unknown, number> = new Map();
let inventory: Pipeline | undefined;
/** The init, kept while the rules are asked for. */
let rest: NdjsonInitRest | undefined;
const files: RangeShare[] = [];
let running = false;
const mine = (plan: number): boolean => plan === ANYONE || plan === me;

async function work(): Promise<void> {
  running = true;
  while (files.length > 0) {
    const ranges = new SharedRanges(files[0]!);
    for (;;) {
      const handed = ranges.handed();
      const k = ranges.claim(me, handed, mine);
      if (k === NONE) break;
      if (k === WAIT) {
        await ranges.waitHanded(handed);
        continue;
      }
      port.postMessage(matchJob(ranges.job(k), engine!, indexOf, inventory));
    }
    files.shift();
  }
  running = false;
}

function ready(e: Engine, init: NdjsonInitRest): void {
  engine = e;
  indexOf = new Map<unknown, number>(e.rules.map((r, i) => [r, i]));
  inventory = init.inventory === true ? init.pipeline : undefined;
}

/** The hunt's rules from this thread's own load: those the hunt keeps, compiled as the hunt thread compiles them. */
function compileOwn(loaded: SigmaCollection, keep: readonly number[] | undefined, init: NdjsonInitRest): Engine {
  const rules = keep === undefined ? loaded.rules : keep.map((i) => loaded.rules[i]!);
  return compileForWorker({ ...init, collection: { rules, filters: loaded.filters, correlations: [], issues: [] } });
}

async function handle(m: NdjsonWorkerMessage): Promise<void> {
  if (m.kind === 'init') {
    if (m.rules !== undefined) ready(compileForWorker(initFromText(m.rules, m.init)), m.init);
    else {
      const loaded = await own;
      if (loaded !== undefined && loaded.digest === m.digest) ready(compileOwn(loaded.collection, m.keep, m.init), m.init);
      else {
        rest = m.init;
        port.postMessage({ kind: 'need-rules' } satisfies NdjsonWorkerNeed);
      }
    }
  } else if (m.kind === 'rules') ready(compileForWorker(initFromText(m.rules, rest!)), rest!);
  else files.push(m.file);
  if (engine !== undefined && !running && files.length > 0) void work();
}

// Messages are handled one after another (the init may wait for this thread's own load). A failure
// rejects, which ends this thread ('error' on the hunt thread): its ranges are then done there.
let queue = Promise.resolve();
port.on('message', (m: NdjsonWorkerMessage) => {
  queue = queue.then(() => handle(m));
});
