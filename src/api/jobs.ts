/**
 * Write jobs of the web app (sync, import). Data structure: `Job` (id, kind, state, progress,
 * results, errors), kept in memory, newest last, at most `KEEP` of them. One write job runs at a
 * time; `start` refuses a second one while the first runs. A job's work is an async function that
 * reports through `JobControl`; a throw fails the job with a message safe to show (a
 * TtpgraphError's one line, else a bare "internal error").
 */
import { randomUUID } from 'node:crypto';
import { TtpgraphError } from '../errors.ts';

export type JobKind = 'sync' | 'import';
export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobProgress {
  /** "download", "import". */
  readonly phase: string;
  /** 1-based file being worked on, out of `items`. */
  readonly item: number;
  readonly items: number;
  readonly label: string;
  /** Bytes or objects done, out of `total` (0 when unknown). */
  readonly done: number;
  readonly total: number;
}

/** One file's outcome. */
export interface JobResult {
  readonly label: string;
  /** The path or URL read. */
  readonly where: string;
  /** imported, replaced, unchanged, failed. */
  readonly action: string;
  /** What was stored, in words; null when nothing was. */
  readonly counts: string | null;
  readonly warnings: readonly string[];
}

export interface JobError {
  readonly code: string;
  /** One line naming the file, URL or ID. */
  readonly message: string;
  readonly where: string | null;
}

export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: JobState;
  /** What was asked (the request body, as understood). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly progress: JobProgress | null;
  readonly results: readonly JobResult[];
  readonly errors: readonly JobError[];
  /** Things to know that did not fail a file (a cache that could not be written). */
  readonly warnings: readonly string[];
  /** One line: what the job did, once finished. */
  readonly summary: string | null;
}

export interface JobControl {
  progress(p: JobProgress): void;
  result(r: JobResult): void;
  error(e: JobError): void;
  warning(message: string): void;
  /** The store changed (a file was imported): caches must go. */
  changed(): void;
  /** Aborted by DELETE /api/v1/jobs/ID: reads stop, no further file is started. */
  readonly signal: AbortSignal;
}

interface Job {
  readonly abort: AbortController;
  id: string;
  kind: JobKind;
  state: JobState;
  params: Record<string, unknown>;
  createdAt: string;
  finishedAt: string | null;
  progress: JobProgress | null;
  results: JobResult[];
  errors: JobError[];
  warnings: string[];
  summary: string | null;
}

const KEEP = 20;
/** A job keeps at most this many results and errors (a sync has a few dozen files). */
const MAX_ENTRIES = 500;

export function jobError(err: unknown, where: string | null = null): JobError {
  if (err instanceof TtpgraphError) return { code: err.code, message: err.describe().replace(/\s*\n\s*/g, ' '), where: err.loc.source ?? where };
  return { code: 'internal', message: 'internal error', where };
}

export interface JobRunner {
  /** The running job, if any. */
  running(): JobView | undefined;
  /** Starts a job unless one is running (then returns undefined). */
  start(kind: JobKind, params: Record<string, unknown>, work: (control: JobControl) => Promise<string>): JobView | undefined;
  get(id: string): JobView | undefined;
  /** Resolves when no job is running (for shutdown and tests). */
  idle(): Promise<void>;
  /**
   * Cancels a running job: what it is reading is dropped, its current file is not stored (the
   * transaction has not begun, or it is rolled back), and no further file is started. Returns the
   * job, or undefined when there is no such job; a job that has finished is returned unchanged.
   */
  cancel(id: string): JobView | undefined;
}

export function createJobRunner(onChange: () => void): JobRunner {
  const jobs = new Map<string, Job>();
  let current: { job: Job; done: Promise<void> } | undefined;
  const view = ({ abort: _abort, ...j }: Job): JobView => ({ ...j, params: { ...j.params }, results: [...j.results], errors: [...j.errors], warnings: [...j.warnings] });
  return {
    running: () => (current === undefined ? undefined : view(current.job)),
    get: (id) => {
      const j = jobs.get(id);
      return j === undefined ? undefined : view(j);
    },
    idle: async () => {
      await current?.done;
    },
    cancel: (id) => {
      const j = jobs.get(id);
      if (j === undefined) return undefined;
      if (j.state === 'running' && !j.abort.signal.aborted) {
        j.abort.abort();
        j.warnings.push('cancelled on request (DELETE /api/v1/jobs/ID): the file being read is not stored and no further file is started');
      }
      return view(j);
    },
    start(kind, params, work) {
      if (current !== undefined) return undefined;
      const job: Job = { abort: new AbortController(), id: randomUUID(), kind, state: 'running', params, createdAt: new Date().toISOString(), finishedAt: null, progress: null, results: [], errors: [], warnings: [], summary: null };
      jobs.set(job.id, job);
      for (const old of jobs.keys()) {
        if (jobs.size <= KEEP) break;
        jobs.delete(old);
      }
      const control: JobControl = {
        progress: (p) => {
          job.progress = p;
        },
        result: (r) => {
          if (job.results.length < MAX_ENTRIES) job.results.push(r);
        },
        error: (e) => {
          if (job.errors.length < MAX_ENTRIES) job.errors.push(e);
        },
        warning: (m) => {
          if (job.warnings.length < MAX_ENTRIES) job.warnings.push(m);
        },
        changed: onChange,
        signal: job.abort.signal,
      };
      // The work starts on the next turn, after the 202 has been answered.
      const done = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => work(control))
        .then(
          (summary) => {
            job.summary = summary;
            job.state = job.abort.signal.aborted ? 'cancelled' : job.errors.length === 0 ? 'succeeded' : 'failed';
          },
          (err: unknown) => {
            job.errors.push(jobError(err));
            job.summary = job.abort.signal.aborted ? 'cancelled' : 'failed';
            job.state = job.abort.signal.aborted ? 'cancelled' : 'failed';
          },
        )
        .finally(() => {
          job.finishedAt = new Date().toISOString();
          job.progress = null;
          current = undefined;
          // Whatever happened, what is on disk may have changed.
          onChange();
        });
      current = { job, done };
      return view(job);
    },
  };
}
