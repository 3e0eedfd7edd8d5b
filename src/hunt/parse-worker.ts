/**
 * Worker thread of loadRuleFiles: reads its share of the rule files and parses their YAML (the
 * costly 70-80% of loading), posting each file's plain result on `port` and bumping the shared
 * counter so that the loading thread, blocked in Atomics.wait, wakes up and takes the messages
 * synchronously (receiveMessageOnPort). Rules are built and compiled on the loading thread.
 */
import { readFileSync } from 'node:fs';
import { workerData, type MessagePort } from 'node:worker_threads';
import { parseYamlPlain } from '../sigma/parse/yaml.ts';

export interface ParseJob {
  readonly files: readonly { readonly index: number; readonly path: string }[];
  readonly port: MessagePort;
  readonly signal: SharedArrayBuffer;
}

export type ParseResult =
  | { readonly index: number; readonly ok: true; readonly yaml: ReturnType<typeof parseYamlPlain> }
  | { readonly index: number; readonly ok: false; readonly error: string };

const job = workerData as ParseJob;
const counter = new Int32Array(job.signal);
for (const { index, path } of job.files) {
  let msg: ParseResult;
  try {
    msg = { index, ok: true, yaml: parseYamlPlain(readFileSync(path, 'utf8'), path) };
  } catch (e) {
    msg = { index, ok: false, error: (e as Error).message };
  }
  job.port.postMessage(msg);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}
job.port.close();
