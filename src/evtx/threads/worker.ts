/**
 * Worker-thread entry (runs from dist/): parses each batch of chunks it is sent and answers with
 * one message per batch. `workerData` (a WorkerSetup) says what goes back per chunk: its records
 * in the compact wire form of batch.ts, or the answer of a mapper module (map.ts) loaded once here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeChunk, mapBatch } from './batch.ts';
import type { BatchJob, BatchReply } from './batch.ts';
import type { ChunkResult } from '../chunk.ts';
import { loadMapper } from './map.ts';
import type { MappedChunk } from './map.ts';
import type { WorkerSetup } from './schedule.ts';

const setup = workerData as WorkerSetup;

/** One chunk's answer; a promise while the mapper module loads. */
const answer: Promise<(r: ChunkResult, chunk: number, job: BatchJob) => unknown> =
  setup.kind === 'map'
    ? loadMapper(setup.module, setup.init).then((map) => (r: ChunkResult, chunk: number): MappedChunk<unknown> => ({ chunk, records: r.records.length, warnings: r.warnings, value: map(r) }))
    : Promise.resolve((r: ChunkResult, _chunk: number, job: BatchJob) => encodeChunk(r, job.format));

// Batches come only once the thread says it is ready; a mapper that fails to load still says so,
// and refuses every batch (below), which retires it.
void answer.then(
  () => parentPort?.postMessage('ready'),
  () => parentPort?.postMessage('ready'),
);

parentPort?.on('message', (job: BatchJob) => {
  // Jobs arriving while the mapper loads wait on the same promise, so they are answered in order.
  answer.then(
    (toAnswer) => {
      const reply: BatchReply = { id: job.id, chunks: mapBatch(job.bytes, job, (r, chunk) => toAnswer(r, chunk, job)), bytes: job.bytes };
      // Nothing in the reply refers to the bytes (records are text or copied values), so they go back.
      parentPort?.postMessage(reply, [job.bytes.buffer as ArrayBuffer]);
    },
  ).catch((err: unknown) => {
    // The mapper failed to load or on this batch: the bytes go back untouched for the calling
    // thread to parse, and this worker is retired.
    parentPort?.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err), bytes: job.bytes }, [job.bytes.buffer as ArrayBuffer]);
  });
});
