/**
 * Runs fuzz cases through test/fuzz/worker.mjs (the built package, in a worker thread) and checks
 * the invariants of issue 12: no crash (no exception but the documented one-line errors), no hang
 * past 10 s per input (the worker is terminated and the input kept), peak memory under 1 GB, and a
 * store unchanged by every refused input (checked in the worker). An input that fails is written to
 * test/fuzz/regressions/<target>/, and every file there is run first on every run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../helpers/paths.ts';
import { EVENTS, mutate, prng, regressionFiles, sigmaSample, targets, type Target, type TargetName } from './corpus.ts';

export const REGRESSIONS = path.join(projectRoot, 'test', 'fuzz', 'regressions');
export const HANG_MS = 10_000;
export const MEMORY_LIMIT = 1024 * 1024 * 1024;

export interface Failure {
  readonly target: TargetName;
  readonly kind: 'crash' | 'hang' | 'memory';
  readonly detail: string;
  readonly file: string;
}

export interface FuzzReport {
  readonly cases: Record<string, number>;
  readonly regressions: number;
  readonly failures: Failure[];
  readonly peakRss: number;
}

export interface FuzzPlan {
  readonly seed: number;
  /** Mutated cases per target (after the regression files)... */
  readonly cases?: Partial<Record<TargetName, number>>;
  /** ...or keep going round the targets until this many ms have passed. */
  readonly untilMs?: number;
  /** Where failing inputs are kept (default: the regressions folder). */
  readonly keepDir?: string;
}

type Reply = { type: 'done'; ok: boolean; outcome?: string; error?: string; rss: number };

class FuzzWorker {
  private worker!: Worker;
  private ready!: Promise<void>;
  private readonly data: unknown;
  constructor(data: unknown) {
    this.data = data;
    this.start();
  }
  private start(): void {
    this.worker = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: this.data, resourceLimits: { maxOldGenerationSizeMb: 900 } });
    this.ready = new Promise((resolve, reject) => {
      const onMsg = (m: { type: string }): void => {
        if (m.type === 'ready') {
          this.worker.off('message', onMsg);
          resolve();
        }
      };
      this.worker.on('message', onMsg);
      this.worker.once('error', reject);
    });
  }
  /** One input; 'hang' when it takes longer than HANG_MS (the worker is then replaced). */
  async run(target: TargetName, input: Buffer, index: number): Promise<Reply | 'hang' | { crashed: string }> {
    await this.ready;
    return new Promise((resolve) => {
      const w = this.worker;
      const timer = setTimeout(() => {
        cleanup();
        void w.terminate();
        this.start();
        resolve('hang');
      }, HANG_MS);
      const onMsg = (m: Reply): void => {
        if (m.type !== 'done') return;
        cleanup();
        resolve(m);
      };
      const onError = (e: Error): void => {
        cleanup();
        this.start();
        resolve({ crashed: `${e.name}: ${e.message}` });
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        w.off('message', onMsg);
        w.off('error', onError);
      };
      w.on('message', onMsg);
      w.once('error', onError);
      w.postMessage({ type: 'run', target, input, index });
    });
  }
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      this.worker.postMessage({ type: 'close' });
    });
    await this.worker.terminate();
  }
}

function keep(dir: string, target: Target, input: Buffer): string {
  const d = path.join(dir, target.name);
  mkdirSync(d, { recursive: true });
  const file = path.join(d, `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.${target.ext}`);
  writeFileSync(file, input);
  return file;
}

export async function runFuzz(plan: FuzzPlan): Promise<FuzzReport> {
  const all = targets();
  const storeBundle = all.find((t) => t.name === 'stix')!.seeds[0]!.toString('utf8');
  const engineRules = sigmaSample(40).map((f) => readFileSync(f, 'utf8'));
  const worker = new FuzzWorker({ dist: path.join(projectRoot, 'dist'), storeSeed: { bundles: [storeBundle] }, engineRules, events: EVENTS });
  const keepDir = plan.keepDir ?? REGRESSIONS;
  const failures: Failure[] = [];
  const cases: Record<string, number> = {};
  let regressions = 0;
  let peakRss = 0;
  const check = async (target: Target, input: Buffer, index: number, isRegression: boolean): Promise<void> => {
    const r = await worker.run(target.name, input, index);
    const fail = (kind: Failure['kind'], detail: string): void => {
      // A regression file that fails again is already kept; a new failing input is kept now.
      const file = isRegression ? '(regression file)' : keep(keepDir, target, input);
      failures.push({ target: target.name, kind, detail: detail.slice(0, 2000), file });
    };
    if (r === 'hang') return fail('hang', `no answer within ${HANG_MS} ms`);
    if ('crashed' in r) return fail('crash', `worker died: ${r.crashed}`);
    peakRss = Math.max(peakRss, r.rss);
    if (!r.ok) return fail('crash', r.error ?? 'failed');
    if (r.rss > MEMORY_LIMIT) fail('memory', `RSS ${Math.round(r.rss / 1048576)} MB`);
  };
  try {
    for (const t of all) {
      for (const input of regressionFiles(REGRESSIONS, t.name)) {
        regressions++;
        await check(t, input, regressions, true);
      }
    }
    const rnd = prng(plan.seed);
    const started = Date.now();
    let round = 0;
    for (;;) {
      let any = false;
      for (const t of all) {
        const want = plan.untilMs !== undefined ? Infinity : (plan.cases?.[t.name] ?? 0);
        const done = cases[t.name] ?? 0;
        if (done >= want) continue;
        any = true;
        await check(t, mutate(t, rnd), done, false);
        cases[t.name] = done + 1;
      }
      round++;
      if (!any) break;
      if (plan.untilMs !== undefined && Date.now() - started >= plan.untilMs) break;
      if (round > 1e7) break;
    }
  } finally {
    await worker.close();
  }
  return { cases, regressions, failures, peakRss: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) };
}
