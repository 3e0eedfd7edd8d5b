// The two leaf libraries as a consumer imports them: `ttpgraph/evtx` and `ttpgraph/sigma`, resolved
// by Node through package.json "exports" to dist/ (run `npm run build` first), types included.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EvtxResult } from 'ttpgraph/evtx';
import type { SigmaIssue } from 'ttpgraph/sigma';
import { projectRoot } from '../helpers/paths.ts';
import { expectedRecords, regressionFiles } from '../evtx/helpers.ts';

describe('package subpath exports', () => {
  it('resolves ttpgraph/evtx and ttpgraph/sigma to the built entry points and they work', () => {
    const file = regressionFiles().find((f) => f.includes('findstr_security_keyword_lookup'))!;
    // Evaluated with the project as the working directory, so `ttpgraph/...` resolves through the
    // package's self-reference and its "exports", as it does for code inside a consumer's package.
    const script = `
      import { readFileSync } from 'node:fs';
      import { fileURLToPath } from 'node:url';
      import * as evtx from 'ttpgraph/evtx';
      import * as sigma from 'ttpgraph/sigma';
      let records = 0;
      for await (const r of evtx.parseEvtx(readFileSync(process.argv[1]), { threads: 1 })) if (r.ok) records++;
      process.stdout.write(JSON.stringify({
        evtx: fileURLToPath(import.meta.resolve('ttpgraph/evtx')),
        sigma: fileURLToPath(import.meta.resolve('ttpgraph/sigma')),
        records,
        sigmaExports: ['parseSigma', 'compileRule', 'defaultPipeline'].filter((n) => n in sigma),
      }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, file], { encoding: 'utf8', cwd: projectRoot });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { evtx: string; sigma: string; records: number; sigmaExports: string[] };
    expect(out.evtx).toBe(path.join(projectRoot, 'dist', 'evtx', 'index.js'));
    expect(out.sigma).toBe(path.join(projectRoot, 'dist', 'sigma', 'index.js'));
    expect(out.records).toBe(expectedRecords(file).length);
    expect(out.sigmaExports).toEqual(['parseSigma', 'compileRule', 'defaultPipeline']);
  });

  it('gives their types to TypeScript (this file type-checks against dist/*.d.ts)', () => {
    const ok: EvtxResult = { ok: false, warning: { code: 'read-error', message: 'm', source: 's', chunk: 0, offset: 0 } };
    const issue: Pick<SigmaIssue, 'message'> = { message: 'x' };
    expect([ok.ok, issue.message]).toEqual([false, 'x']);
  });
});
