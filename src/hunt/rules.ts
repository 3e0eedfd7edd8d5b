/** Reads rule files and directories (recursively, *.yml / *.yaml) into one Sigma collection. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { mergeCollections, parsePipeline, defaultPipeline, mergePipelines, parseSigma, type Pipeline, type SigmaCollection, type SigmaIssue } from '../sigma/index.ts';
import { TtpgraphError } from '../errors.ts';

export function listRuleFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new TtpgraphError('file-unreadable', `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { source: p });
    }
    if (st.isDirectory()) {
      for (const f of readdirSync(p).sort()) {
        const child = path.join(p, f);
        if (statSync(child).isDirectory()) walk(child);
        else if (/\.ya?ml$/i.test(f)) out.push(child);
      }
    } else out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}

export function loadRuleFiles(paths: readonly string[]): { collection: SigmaCollection; files: number } {
  const files = listRuleFiles(paths);
  const parts = files.map((f) => parseSigma(readFileSync(f, 'utf8'), { file: f }));
  return { collection: mergeCollections(parts), files: files.length };
}

/** The default pipeline with the user's pipeline files layered on top, in order. */
export function loadPipeline(files: readonly string[]): { pipeline: Pipeline; issues: SigmaIssue[] } {
  let pipeline = defaultPipeline;
  const issues: SigmaIssue[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new TtpgraphError('file-unreadable', `cannot read pipeline ${f}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { source: f });
    }
    const r = parsePipeline(text, f);
    issues.push(...r.issues);
    if (r.pipeline !== undefined) pipeline = mergePipelines(pipeline, r.pipeline);
  }
  return { pipeline, issues };
}

/** Log arguments as given; folders replaced by the log files below them (.evtx, .json, .jsonl, .ndjson, optionally .gz), sorted. */
export function expandLogPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(evtx|json|jsonl|ndjson)(\.gz)?$/i.test(name)) out.push(p);
    }
  };
  for (const p of paths) {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      dir = false;
    }
    if (dir) walk(p);
    else out.push(p);
  }
  return out;
}
