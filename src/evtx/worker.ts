/** Worker-thread entry: parses the chunks it is sent and replies with their records and warnings. */
import { parentPort } from 'node:worker_threads';
import { parseChunk } from './chunk.ts';
import type { ChunkJob, ChunkReply } from './parser.ts';

parentPort?.on('message', (job: ChunkJob) => {
  const result = parseChunk(job.bytes, job);
  const reply: ChunkReply = { id: job.id, result };
  parentPort?.postMessage(reply);
});
