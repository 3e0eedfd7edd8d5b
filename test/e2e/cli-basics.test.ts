import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { projectRoot } from '../helpers/paths.ts';

describe('ttpgraph CLI basics', () => {
  it('prints help and exits 0', () => {
    const r = runCli(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: ttpgraph');
  });

  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('rejects an unknown command with a non-zero exit code', () => {
    const r = runCli(['frobnicate']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('frobnicate');
  });
});
