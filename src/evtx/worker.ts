/**
 * Worker-thread entry (runs from dist/): parses each batch of chunks it is sent and answers with
 * one message per batch, records in the compact wire form of batch.ts.
 */
import { parentPort } from 'node:worker_threads';
import { encodeChunk, parseBatch } from './batch.ts';
import type { BatchJob, BatchReply } from './batch.ts';

parentPort?.on('message', (job: BatchJob) => {
  const reply: BatchReply = { id: job.id, chunks: parseBatch(job.bytes, job).map((r) => encodeChunk(r, job.format)), bytes: job.bytes };
  // Nothing in the reply refers to the bytes (records are text or copied values), so they go back.
  parentPort?.postMessage(reply, [job.bytes.buffer as ArrayBuffer]);
});
