/**
 * Where the store lives: `--db PATH`, else `$TTPGRAPH_DB`, else the per-user data directory
 * (XDG on Linux, the platform's application-data folder elsewhere).
 */
import os from 'node:os';
import path from 'node:path';

export function defaultStorePath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = env['TTPGRAPH_DB'];
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  return path.join(userDataDir(env, platform), 'ttpgraph', 'ttpgraph.db');
}

export function resolveStorePath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return path.resolve(explicit);
  return defaultStorePath(env);
}

function userDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const home = env['HOME'] ?? os.homedir();
  if (platform === 'win32') return env['LOCALAPPDATA'] ?? path.join(home, 'AppData', 'Local');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  const xdg = env['XDG_DATA_HOME'];
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg !== undefined && path.isAbsolute(xdg)) return xdg;
  return path.join(home, '.local', 'share');
}
