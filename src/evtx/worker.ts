/**
 * Worker-thread entry: parses the chunks it is sent and replies with their records and warnings.
 * JSON records travel as one JSON text per chunk (JSON.parse on the receiving side is several times
 * cheaper than structured-clone deserialisation of the same objects); a chunk whose records hold
 * bigints (integers beyond 2^53, which JSON text would round) travels as objects instead.
 */
import { parentPort } from 'node:worker_threads';
import { parseChunk } from './chunk.ts';
import type { ChunkJob, ChunkReply } from './parser.ts';

parentPort?.on('message', (job: ChunkJob) => {
  const result = parseChunk(job.bytes, job);
  let reply: ChunkReply = { id: job.id, result };
  if (job.format === 'json' && result.records.length > 0) {
    try {
      reply = { id: job.id, result: { records: [], warnings: result.warnings }, recordsJson: JSON.stringify(result.records) };
    } catch {
      // a bigint somewhere: keep the objects
    }
  }
  parentPort?.postMessage(reply);
});
