/**
 * `ttpgraph evtx dump FILE [--format jsonl|xml] [--threads N]`: every record of an EVTX file on
 * stdout (one JSON object per line, or the evtx crate's XML), every warning about damage on stderr.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { fileReason, TtpgraphError } from '../../errors.ts';
import { fileHandleReader, parseEvtx, stringifyJson } from '../../evtx/index.ts';
import type { EvtxRecord } from '../../evtx/index.ts';
import { parseThreads } from '../options.ts';
import { writeMachine } from '../terminal.ts';

interface DumpOptions {
  readonly format: 'jsonl' | 'xml';
  readonly threads?: number;
}

function parseFormat(v: string): 'jsonl' | 'xml' {
  if (v !== 'jsonl' && v !== 'xml') throw new InvalidArgumentError('--format is jsonl or xml.');
  return v;
}

function line(r: EvtxRecord, format: 'jsonl' | 'xml'): string {
  if (format === 'xml') return `Record ${String(r.recordId)}\n${r.xml ?? ''}`;
  return `{"recordId":${String(r.recordId)},"timestamp":"${r.timestamp}","data":${r.json ?? stringifyJson(r.data ?? null)}}\n`;
}

async function dump(file: string, opts: DumpOptions): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw new TtpgraphError('file-unreadable', fileReason(err), { source: file }, { cause: err });
  }
  let records = 0;
  let warnings = 0;
  // A reader that goes away (`| head`) ends the dump quietly instead of an EPIPE crash.
  let closed = false;
  const onError = (err: NodeJS.ErrnoException): void => {
    closed = true;
    if (err.code !== 'EPIPE') process.stderr.write(`ttpgraph: error: cannot write output: ${err.message}\n`);
  };
  process.stdout.on('error', onError);
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('close', done);
        process.stdout.off('error', done);
        resolve();
      };
      process.stdout.on('drain', done);
      process.stdout.on('close', done);
      process.stdout.on('error', done);
    });
  try {
    const reader = await fileHandleReader(fh);
    let buf = '';
    const flush = async (): Promise<void> => {
      if (buf === '' || closed) return;
      const ok = writeMachine(buf, opts.format === 'xml' ? 'raw' : 'json');
      buf = '';
      if (!ok) await drained();
    };
    for await (const r of parseEvtx(reader, {
      source: file,
      format: opts.format === 'xml' ? 'xml' : 'json-text',
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    })) {
      if (closed) break;
      if (r.ok) {
        records++;
        buf += line(r.record, opts.format);
        if (buf.length > 1 << 16) await flush();
      } else {
        warnings++;
        process.stderr.write(`ttpgraph: warning: ${r.warning.message}\n`);
      }
    }
    await flush();
  } catch (err) {
    throw new TtpgraphError('file-unreadable', `cannot read EVTX file: ${(err as Error).message}`, { source: file }, { cause: err });
  } finally {
    process.stdout.off('error', onError);
    await fh.close();
  }
  if (records === 0 && warnings > 0) {
    throw new TtpgraphError('invalid-input', 'no readable EVTX record', { source: file });
  }
}

/** Registers the `evtx` command group. */
export function registerEvtxCommands(program: Command): void {
  const evtx = program.command('evtx').description('Windows event log (.evtx) files');
  evtx
    .command('dump')
    .description('Print every record of an EVTX file: JSON lines (the evtx crate\'s shape) or XML; warnings go to stderr')
    .argument('<file>', 'the .evtx file')
    .option('--format <format>', 'jsonl or xml', parseFormat, 'jsonl')
    .option('--threads <n>', 'threads parsing chunks, this one included (default: the number of cores)', parseThreads)
    .action(async (file: string, opts: DumpOptions) => {
      await dump(file, opts);
    });
}
