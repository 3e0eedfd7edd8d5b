/** Worker thread of load-threads.ts: the RowBinary rows of each range posted, sent back without a copy. */
import { parentPort } from 'node:worker_threads';
import { rowsOfRange, type RangeJob } from './load-threads.ts';

parentPort?.on('message', (job: RangeJob) => {
  const r = rowsOfRange(job);
  parentPort?.postMessage(r, [r.rows.buffer]);
});
