/**
 * The README's quick start, followed literally from a fresh clone of this repository into a
 * temporary folder, as a newcomer would: its commands are read from README.md (when the README
 * changes, this test runs the new commands). Two substitutions, both forced by the test setting:
 * `npm ci` is this checkout's node_modules copied (hard links) plus `npm run prepare`, what `npm ci`
 * runs after installing; and tests never touch the network, so `npm start` runs in the README's
 * offline form (`npm start -- --from ../shared/data`), with ../shared beside the clone. The store
 * is the default one of a fresh machine ($XDG_DATA_HOME points into the temporary folder) and the
 * port is any free one ($TTPGRAPH_PORT=0), so the test can run beside others.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/attack-store.ts';
import { projectRoot } from '../helpers/paths.ts';

/** The shell commands of a ```sh block, comments dropped. */
function commandsOf(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function quickStart(): { install: string[]; then: string[]; offline: string } {
  const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 3));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => commandsOf(m[1] ?? ''));
  const offline = /`(npm start -- --from \.\.\/shared\/data)`/.exec(section)?.[1];
  if (blocks.length < 2 || offline === undefined) throw new Error('README quick start: expected two ```sh blocks and the offline `npm start -- --from ../shared/data`');
  return { install: blocks[0] ?? [], then: blocks[1] ?? [], offline };
}

describe('the README quick start, from a fresh clone', () => {
  let dir: string;
  let clone: string;
  let env: NodeJS.ProcessEnv;
  let server: ChildProcess | undefined;
  const steps = quickStart();

  beforeAll(() => {
    dir = tempDir('ttpgraph-readme-');
    clone = path.join(dir, 'ttpgraph');
    execFileSync('git', ['clone', '--quiet', projectRoot, clone]);
    // ../shared/data, as the README and the developers' guide lay it out beside the project.
    symlinkSync(path.resolve(projectRoot, '..', 'shared'), path.join(dir, 'shared'));
    const { TTPGRAPH_DB: _db, TTPGRAPH_SYNC_FROM: _from, TTPGRAPH_SYNC_BASE_URL: _base, TTPGRAPH_TOKEN: _token, ...rest } = process.env;
    env = { ...rest, XDG_DATA_HOME: path.join(dir, 'xdg'), TTPGRAPH_PORT: '0', npm_config_update_notifier: 'false', NO_COLOR: '1' };
  });
  afterAll(() => {
    // npm, its shell and the server are one process group, started here.
    if (server?.pid !== undefined && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('is two commands, then T1114 in the browser and the terminal', async () => {
    expect(steps.install).toEqual(['npm ci', 'npm start']);
    expect(steps.then).toEqual(['./ttpgraph show T1114', 'npm test']);

    // npm ci: the packages (copied from this checkout), then the build its `prepare` script runs.
    execFileSync('cp', ['-al', path.join(projectRoot, 'node_modules'), path.join(clone, 'node_modules')]);
    execFileSync('npm', ['run', 'prepare'], { cwd: clone, env, stdio: 'ignore' });

    // npm start, offline form, exactly as the README writes it.
    server = spawn('sh', ['-c', steps.offline], { cwd: clone, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const seen = (re: RegExp): Promise<RegExpExecArray> =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const m = re.exec(stderr);
          if (m !== null) resolve(m);
          return m !== null;
        };
        if (check()) return;
        server?.stderr?.on('data', () => check());
        server?.on('exit', () => reject(new Error(`npm start exited before ${String(re)}:\n${stderr}`)));
      });
    server.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const url = (await seen(/serving .*ttpgraph\.db at (http:\/\/127\.0\.0\.1:\d+) /))[1] ?? '';
    await seen(/syncing every source from \.\.\/shared\/data in the background/);

    // The newest enterprise release lands first; 15.1 comes after the other 18.1 domains.
    await seen(/ttpgraph: sync: imported enterprise ATT&CK 18\.1 /);
    const newest = await fetch(`${url}/techniques/T1114?version=18.1`);
    expect(newest.status).toBe(200);
    expect(await newest.text()).toContain('Email Collection');
    await seen(/ttpgraph: sync: imported enterprise ATT&CK 15\.1 /);
    const older = await fetch(`${url}/techniques/T1114?version=15.1`);
    expect(older.status).toBe(200);
    expect(await older.text()).toContain('Email Collection');

    // ./ttpgraph show T1114, in another terminal, against the same (default) store.
    const [program, ...args] = (steps.then[0] ?? '').split(' ');
    const shown = execFileSync(program ?? '', args, { cwd: clone, env, encoding: 'utf8' });
    expect(shown.split('\n')[0]).toBe('T1114: Email Collection   (enterprise ATT&CK 18.1)');
    // `npm test` is the suite this test is part of.
    // A whole build and a sync of every source: ~15 s on an idle 2-core machine, minutes beside the
    // rest of the suite (three files at once) on a loaded one. The limit only catches a hang.
  }, 360_000);
});
