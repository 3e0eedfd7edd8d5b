/**
 * Worker thread of ndjson-threads.ts: compiles the hunt's rules when they come (the first message),
 * then for every file posted takes its free ranges one after another (ndjson-ranges.ts), reads each,
 * parses and tests each line, and answers with the matching lines and the lines that are not JSON
 * (matchNdjsonRange). At the window's edge it waits, without blocking, for the hunt thread to hand
 * results on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Engine, Pipeline } from '../sigma/index.ts';
import { compileForWorker } from './evtx-match.ts';
import { ANYONE, NONE, SharedRanges, WAIT, type RangeShare } from './ndjson-ranges.ts';
import { initFromText, matchJob, type NdjsonWorkerMessage } from './ndjson-threads.ts';

const me = (workerData as { owner: number }).owner;
const port = parentPort!;
let engine: Engine | undefined;
let indexOf: ReadonlyMap<unknown, number> = new Map();
let inventory: Pipeline | undefined;
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

port.on('message', (m: NdjsonWorkerMessage) => {
  if (m.kind === 'init') {
    engine = compileForWorker(initFromText(m.rules, m.init));
    indexOf = new Map<unknown, number>(engine.rules.map((r, i) => [r, i]));
    inventory = m.init.inventory === true ? m.init.pipeline : undefined;
    return;
  }
  files.push(m.file);
  // A failure rejects, which ends this thread ('error' on the hunt thread): its ranges are then done there.
  if (!running) void work();
});
