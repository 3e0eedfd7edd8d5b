/**
 * Worker thread of ndjson-threads.ts: compiles the hunt's rules once, then for every range posted
 * reads its bytes, parses and tests each line, and answers with the matching lines and the lines
 * that are not JSON (matchNdjsonRange).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileForWorker } from './evtx-match.ts';
import { matchNdjsonRange, readRange, type NdjsonJob, type NdjsonMatchInit } from './ndjson-threads.ts';

const init = workerData as NdjsonMatchInit;
const engine = compileForWorker(init);
const indexOf = new Map<unknown, number>(engine.rules.map((r, i) => [r, i]));
parentPort?.on('message', (job: NdjsonJob) => {
  parentPort?.postMessage(matchNdjsonRange(job.id, readRange(job.path, job.start, job.end), job.start === 0, engine, indexOf, job.path, job.cap, init.inventory === true ? init.pipeline : undefined));
});
